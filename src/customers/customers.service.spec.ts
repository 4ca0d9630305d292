import { plainToInstance } from 'class-transformer';
import { loadPolicy } from '../auth/policy';
import { Principal } from '../auth/principal';
import { C360Error, ErrorCode } from '../common/errors';
import { CursorCodec } from '../common/pagination/cursor';
import { PACKAGE_ROOT } from '../config/config';
import { ServedSnapshot } from '../serving/served-snapshot';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { CustomerSort } from './customer-sort';
import { CustomersRepository } from './customers.repository';
import { CustomerListRequest, CustomersService } from './customers.service';
import { ListCustomersQueryDto, toListRequest } from './dto/list-customers.query.dto';
import { CustomerRow } from './models/customer.model';

const policy = loadPolicy(PACKAGE_ROOT);
const principal = (roles: string[], countries: string[] | null = null): Principal => ({
  sub: 'u',
  roles,
  permissions: policy.permissionsFor(roles),
  countries,
});

const row = (id: string, overrides: Partial<CustomerRow> = {}): CustomerRow =>
  ({
    customer_id: id,
    lifetime_value: 10,
    last_order_at: null,
    recency_days: null,
    ...overrides,
  }) as CustomerRow;

/** The service over a mocked repository and a fake snapshot. */
function harness() {
  const snapshot = {
    id: 's1',
    asOf: '2025-06-30T00:00:00Z',
    manifest: { segments: ['champions', 'prospects'] },
  } as unknown as ServedSnapshot;
  const reader = {
    withSnapshot: <T>(work: (s: ServedSnapshot) => Promise<T>) => work(snapshot),
  } as SnapshotReaderService;
  const repository = { list: jest.fn(), count: jest.fn(), findById: jest.fn() };
  const cursors = new CursorCodec('unit');
  const service = new CustomersService(reader, repository as unknown as CustomersRepository, cursors);
  return { service, repository, cursors };
}

const query = (raw: Record<string, unknown>): CustomerListRequest =>
  toListRequest(plainToInstance(ListCustomersQueryDto, raw));

async function errorOf(promise: Promise<unknown>): Promise<C360Error> {
  try {
    await promise;
  } catch (error) {
    return error as C360Error;
  }
  throw new Error('expected an error');
}

describe('CustomersService', () => {
  it('asks for one row more than the limit and returns a cursor only when there is a next page', async () => {
    const { service, repository, cursors } = harness();
    repository.list.mockResolvedValue([row('C1'), row('C2'), row('C3')]);
    const result = await service.list(query({ limit: '2' }), principal(['analyst']));
    expect(repository.list.mock.calls[0][3]).toEqual({
      sort: CustomerSort.CustomerId,
      after: null,
      limit: 3,
    });
    expect(result.snapshotId).toBe('s1');
    expect(result.body.data.map((c) => c.customer_id)).toEqual(['C1', 'C2']);
    expect(cursors.decode(result.body.page.next_cursor ?? '', 'customer_id')).toEqual({
      keys: ['C2'],
      snapshotId: 's1',
    });

    repository.list.mockResolvedValue([row('C4')]);
    const last = await service.list(query({ limit: '2' }), principal(['analyst']));
    expect(last.body.page).toEqual({ limit: 2, next_cursor: null });
  });

  it('passes the decoded cursor and the caller scope to the repository', async () => {
    const { service, repository, cursors } = harness();
    repository.list.mockResolvedValue([]);
    const cursor = cursors.encode('-lifetime_value', ['12.50', 'C7']);
    await service.list(query({ sort: '-lifetime_value', cursor }), principal(['analyst'], ['DE']));
    const [, , scope, page] = repository.list.mock.calls[0];
    expect(scope.countries).toEqual(['DE']);
    expect(page.after).toEqual({ value: '12.50', customerId: 'C7' });
  });

  it('refuses a cursor whose keys do not fit the sort', async () => {
    const { service, cursors } = harness();
    const cursor = cursors.encode('-lifetime_value', [12.5, 'C7']);
    expect(
      (await errorOf(service.list(query({ sort: '-lifetime_value', cursor }), principal(['analyst'])))).code,
    ).toBe(ErrorCode.InvalidCursor);
  });

  it('refuses a segment the snapshot does not have, naming it', async () => {
    const { service, repository } = harness();
    const error = await errorOf(
      service.list(query({ segment: ['champions', 'vip'] }), principal(['analyst'])),
    );
    expect(error.code).toBe(ErrorCode.UnknownSegment);
    expect(error.extensions).toMatchObject({ parameter: 'segment', segment: 'vip' });
    expect(repository.list).not.toHaveBeenCalled();
  });

  it('refuses the email filter without filter:email before reading anything', async () => {
    const { service, repository } = harness();
    const error = await errorOf(service.list(query({ email: 'a@example.com' }), principal(['analyst'])));
    expect(error.code).toBe(ErrorCode.Forbidden);
    expect(repository.list).not.toHaveBeenCalled();
  });

  it('adds the total only when asked', async () => {
    const { service, repository } = harness();
    repository.list.mockResolvedValue([]);
    repository.count.mockResolvedValue(42);
    const result = await service.list(query({ include_total: 'true' }), principal(['analyst']));
    expect(result.body.page.total).toBe(42);
  });

  it('answers 404 for an unknown (or out-of-scope) customer', async () => {
    const { service, repository } = harness();
    repository.findById.mockResolvedValue(null);
    expect((await errorOf(service.get('C404', principal(['analyst'], ['FR'])))).code).toBe(
      ErrorCode.NotFound,
    );
    expect(repository.findById.mock.calls[0][2].countries).toEqual(['FR']);
  });
});
