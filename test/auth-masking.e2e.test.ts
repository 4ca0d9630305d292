import { SignJWT } from 'jose';
import { hmacKey } from '../src/auth/token';
import { expectProblem } from './support/problem';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

interface Customer {
  customer_id: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  street: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string;
  lifetime_value: number;
}
interface CustomerPage {
  data: Customer[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const now = (): number => Math.floor(Date.now() / 1000);

describe('authentication, permissions and masking', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const single = async (role: string, id = 'C001'): Promise<Customer> => {
    const response = await t.get<Customer>(`/v1/customers/${id}`, await t.token([role]));
    expect(response.status).toBe(200);
    return response.body;
  };
  const inList = async (roles: string[], id = 'C001'): Promise<Customer> => {
    const response = await t.get<CustomerPage>('/v1/customers?limit=200', await t.token(roles));
    expect(response.status).toBe(200);
    const customer = response.body.data.find((c) => c.customer_id === id);
    if (!customer) throw new Error(`${id} not in list`);
    return customer;
  };

  describe('401', () => {
    const expect401 = async (headers: Record<string, string>): Promise<void> => {
      const response = await t.request('GET', '/v1/customers', { headers });
      expectProblem(response, 401, 'unauthenticated');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    };

    it('without a token', () => expect401({}));
    it('with a malformed header', () => expect401({ authorization: 'Token abc' }));
    it('with garbage', () => expect401({ authorization: 'Bearer abc.def.ghi' }));

    it('with a token signed by another secret', async () => {
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setExpirationTime(now() + 600)
        .sign(hmacKey('some-other-secret-0123456789abcdef'));
      await expect401({ authorization: `Bearer ${token}` });
    });

    it('with an expired token, saying so', async () => {
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setExpirationTime(now() - 120)
        .sign(hmacKey(TEST_JWT_SECRET));
      const response = await t.get('/v1/customers', token);
      expect(expectProblem(response, 401, 'unauthenticated').detail).toMatch(/expired/);
    });

    it('with alg none', async () => {
      const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      const token = `${part({ alg: 'none' })}.${part({ sub: 'x', roles: ['admin'], exp: now() + 600 })}.`;
      await expect401({ authorization: `Bearer ${token}` });
    });
  });

  describe('403', () => {
    it('for the ingest role on a read route', async () => {
      const problem = expectProblem(
        await t.get('/v1/customers', await t.token(['ingest'])),
        403,
        'forbidden',
      );
      expect(problem.detail).toContain('read');
      expectProblem(await t.get('/v1/customers/C001', await t.token(['ingest'])), 403, 'forbidden');
    });

    it('for read roles on admin routes', async () => {
      for (const role of ['analyst', 'support', 'data_scientist']) {
        expectProblem(await t.get('/v1/admin/runs', await t.token([role])), 403, 'forbidden');
      }
    });

    it('for a token whose roles the policy does not know', async () => {
      const token = await new SignJWT({ roles: ['superuser'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setExpirationTime(now() + 600)
        .sign(hmacKey(TEST_JWT_SECRET));
      expectProblem(await t.get('/v1/customers', token), 403, 'forbidden');
    });
  });

  describe('masking (SPEC §9)', () => {
    it('admin sees clear PII in lists and look-ups', async () => {
      for (const customer of [await single('admin'), await inList(['admin'])]) {
        expect(customer).toMatchObject({
          email: 'alice@example.com',
          phone: '+1 (555) 010-0123',
          first_name: 'Alice',
          birth_date: '1987-04-12',
          street: '1 Main Street',
        });
      }
    });

    it('analyst sees partial PII everywhere', async () => {
      for (const customer of [await single('analyst'), await inList(['analyst'])]) {
        expect(customer).toMatchObject({
          email: 'a***@example.com',
          phone: '***0123',
          first_name: 'A***',
          last_name: 'A***',
          birth_date: '1987',
          street: null,
          city: null,
          state: null,
          postal_code: null,
          country: 'DE',
          lifetime_value: 37.75,
        });
      }
    });

    it('support sees clear PII on single-customer routes and partial PII in lists', async () => {
      expect((await single('support')).email).toBe('alice@example.com');
      expect((await single('support')).street).toBe('1 Main Street');
      expect((await inList(['support'])).email).toBe('a***@example.com');
      expect((await inList(['support'])).street).toBeNull();
    });

    it('data_scientist sees stable, joinable hashes', async () => {
      const a = await single('data_scientist');
      const b = await inList(['data_scientist']);
      for (const field of [
        'email',
        'phone',
        'first_name',
        'last_name',
        'birth_date',
        'street',
        'city',
        'postal_code',
      ] as const) {
        expect(a[field]).toMatch(HEX64);
        expect(b[field]).toBe(a[field]);
      }
      expect((await single('data_scientist')).email).toBe(a.email);
      expect(a.country).toBe('DE');
    });

    it('keeps null as null under every strategy', async () => {
      for (const role of ['admin', 'analyst', 'data_scientist']) {
        const customer = await single(role, 'C030');
        expect(customer.phone).toBeNull();
        expect(customer.first_name).toBeNull();
      }
    });

    it('gives a token with several roles the most revealing strategy', async () => {
      const token = await t.token(['data_scientist', 'support']);
      expect((await t.get<Customer>('/v1/customers/C001', token)).body.email).toBe('alice@example.com');
      expect((await inList(['data_scientist', 'support'])).email).toBe('a***@example.com');
    });
  });
});
