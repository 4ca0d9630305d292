import { PACKAGE_ROOT } from '../config/config';
import { loadPolicy } from '../auth/policy';
import { Principal } from '../auth/principal';
import { MaskingService } from './masking.service';
import { PiiClassification } from './pii-classification';

const policy = loadPolicy(PACKAGE_ROOT);
const service = new MaskingService(policy, PiiClassification.fromConfigDir(PACKAGE_ROOT), 'unit-test-key');

const principal = (...roles: string[]): Principal => ({
  sub: 'u1',
  roles,
  permissions: policy.permissionsFor(roles),
  countries: null,
});

const customer = {
  customer_id: 'C001',
  email: 'alice@example.com',
  phone: '+1 555 010 0123',
  first_name: 'Alice',
  last_name: 'Anderson',
  birth_date: '1987-04-12',
  street: '1 Main Street',
  city: 'Springfield',
  state: 'ST',
  postal_code: '12345',
  country: 'DE',
  lifetime_value: 10.5,
};

describe('MaskingService', () => {
  it('takes the PII classes from the customers source contracts', () => {
    const classification = PiiClassification.fromConfigDir(PACKAGE_ROOT);
    expect(Object.fromEntries(classification.entries())).toEqual({
      email: 'email',
      phone: 'phone',
      first_name: 'name',
      last_name: 'name',
      birth_date: 'birth_date',
      street: 'address',
      city: 'address',
      state: 'address',
      postal_code: 'address',
    });
  });

  it('leaves an admin record clear', () => {
    expect(service.maskRecord(customer, principal('admin'), 'list')).toEqual(customer);
  });

  it('masks partially for an analyst and never touches non-PII fields', () => {
    expect(service.maskRecord(customer, principal('analyst'), 'single')).toEqual({
      ...customer,
      email: 'a***@example.com',
      phone: '***0123',
      first_name: 'A***',
      last_name: 'A***',
      birth_date: '1987',
      street: null,
      city: null,
      state: null,
      postal_code: null,
    });
  });

  it('shows support clear data on single routes and partial data in lists', () => {
    expect(service.maskRecord(customer, principal('support'), 'single').email).toBe('alice@example.com');
    expect(service.maskRecord(customer, principal('support'), 'list').email).toBe('a***@example.com');
  });

  it('redacts everything for a caller without a known role or without a caller', () => {
    const masked = service.maskRecord(customer, principal('nobody'), 'single');
    expect(masked.email).toBeNull();
    expect(masked.customer_id).toBe('C001');
    expect(service.maskRecord(customer, null, 'single').phone).toBeNull();
  });

  it('does not change the record it was given', () => {
    const copy = { ...customer };
    service.maskRecord(customer, principal('analyst'), 'single');
    expect(customer).toEqual(copy);
  });

  it('masks each item of a list response and keeps the rest of the body', () => {
    const body = {
      data: [customer, { ...customer, customer_id: 'C002' }],
      page: { limit: 2, next_cursor: null },
    };
    const masked = service.maskResponse(body, principal('data_scientist'), 'list') as typeof body;
    expect(masked.page).toEqual(body.page);
    expect(masked.data.map((c) => c.customer_id)).toEqual(['C001', 'C002']);
    expect(masked.data[0].email).toMatch(/^[0-9a-f]{64}$/);
    expect(masked.data[0].email).toBe(masked.data[1].email);
  });

  it('refuses to pass a list body it cannot mask', () => {
    expect(() => service.maskResponse({ items: [customer] }, principal('analyst'), 'list')).toThrow();
  });
});
