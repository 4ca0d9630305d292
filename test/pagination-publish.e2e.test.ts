import { rmSync } from 'node:fs';
import { generateSources } from '../src/generate/generator';
import { DataDirs } from '../src/common/data-dirs';
import { SnapshotStore } from '../src/snapshots/snapshot.store';
import { BuiltSnapshot } from './support/built-snapshot';
import { buyer, FixtureCustomer, fixtureCustomers, publishFixtureSnapshot } from './support/fixture-snapshot';
import { expectProblem } from './support/problem';
import { GraphqlBody, startTestApp, TestApp, TestResponse } from './support/test-app';

interface CustomerPage {
  data: Array<{ customer_id: string; segment: string; lifetime_value: number }>;
  page: { limit: number; next_cursor: string | null; total?: number };
}

interface Connection {
  customers: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ cursor: string; node: { customerId: string; segment: string } }>;
  };
}

/** Snapshot B: champions change — some leave the segment, new ones join, one is gone, and
 *  lifetime values move so that a keyset walk on the new data would skip and repeat rows. */
function nextDay(customers: FixtureCustomer[]): FixtureCustomer[] {
  const next = customers
    .filter((c) => c.customer_id !== 'C008')
    .map((c, i) => {
      const lifetime = (Number(c.lifetime_value) + (i % 2 === 0 ? 500 : -5)).toFixed(2);
      if (c.segment === 'champions' && i % 3 === 0)
        return { ...c, segment: 'loyal', lifetime_value: lifetime };
      if (c.segment === 'loyal') return { ...c, segment: 'champions', lifetime_value: lifetime };
      return { ...c, lifetime_value: lifetime };
    });
  for (let n = 31; n <= 36; n++) {
    if (!next.some((c) => c.customer_id === buyer(n).customer_id))
      next.push(buyer(n, { segment: 'champions' }));
  }
  return next;
}

describe('keyset pagination across a publish', () => {
  let t: TestApp;
  let analyst: string;
  const champions = (customers: FixtureCustomer[]): string[] =>
    customers
      .filter((c) => c.segment === 'champions')
      .map((c) => c.customer_id)
      .sort();

  beforeEach(async () => {
    // More champions than in the default fixture, so that a walk has many pages.
    const customers = fixtureCustomers().map((c, i) =>
      c.segment !== 'prospects' && i % 2 === 0 ? { ...c, segment: 'champions' } : c,
    );
    t = await startTestApp({ customers });
    analyst = await t.token(['analyst']);
  });
  afterEach(async () => {
    await t.close();
  });

  const page = (query: string) => t.get<CustomerPage>(`/v1/customers?${query}`, analyst);

  async function publish(customers: FixtureCustomer[]): Promise<string> {
    const id = await publishFixtureSnapshot(t.fixture.dataDir, customers);
    await t.reader().refresh();
    expect(t.reader().snapshot()?.id).toBe(id);
    return id;
  }

  it.each(['customer_id', '-lifetime_value'])(
    'walking GET /v1/customers?segment=champions (sort %s) returns every champion exactly once while a snapshot is published mid-walk',
    async (sort) => {
      const before = champions(t.fixture.customers);
      expect(before.length).toBeGreaterThan(8);
      const seen: string[] = [];
      const snapshots = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      let published: string | null = null;
      do {
        const query = `segment=champions&sort=${encodeURIComponent(sort)}&limit=3${
          cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        }`;
        const response = await page(query);
        expect(response.status).toBe(200);
        snapshots.add(response.headers.get('x-c360-snapshot') ?? '');
        seen.push(...response.body.data.map((c) => c.customer_id));
        cursor = response.body.page.next_cursor;
        pages++;
        if (pages === 2) published = await publish(nextDay(t.fixture.customers));
      } while (cursor);
      expect(pages).toBeGreaterThan(3);
      // Every page of the walk came from the snapshot it started on…
      expect([...snapshots]).toEqual([t.fixture.snapshotId]);
      // …so every matching customer is there exactly once.
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(before);

      // A new walk reads the new snapshot.
      const fresh = await page(`segment=champions&sort=${encodeURIComponent(sort)}&limit=200`);
      expect(fresh.headers.get('x-c360-snapshot')).toBe(published);
      expect(fresh.body.data.map((c) => c.customer_id).sort()).toEqual(
        champions(nextDay(t.fixture.customers)),
      );
    },
  );

  it('walking the GraphQL customers connection does the same', async () => {
    const before = champions(t.fixture.customers);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: TestResponse<GraphqlBody<Connection>> = await t.graphql<Connection>(
        `query Walk($after: String) {
          customers(filter: { segment: ["champions"] }, sort: LIFETIME_VALUE_DESC, first: 2, after: $after) {
            pageInfo { hasNextPage endCursor }
            edges { cursor node { customerId segment } }
          }
        }`,
        { after },
        analyst,
      );
      expect(response.body.errors).toBeUndefined();
      const connection: Connection['customers'] | undefined = response.body.data?.customers;
      if (!connection) throw new Error('no data');
      expect(connection.edges.every((e) => e.node.segment === 'champions')).toBe(true);
      seen.push(...connection.edges.map((e) => e.node.customerId));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages++;
      if (pages === 2) await publish(nextDay(t.fixture.customers));
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(before);
  });

  it('answers 410 cursor_expired once the snapshot a cursor was issued on is gone, and 400 for a forged one', async () => {
    const first = await page('segment=champions&limit=2');
    const cursor = first.body.page.next_cursor ?? '';
    expect(cursor).not.toBe('');
    await publish(nextDay(t.fixture.customers));
    // Still served: the previous snapshot stays readable for cursors.
    expect((await page(`segment=champions&limit=2&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
    // Two more publishes push it out of the open set; pruning removes it from disk.
    await publish(nextDay(nextDay(t.fixture.customers)));
    await publish(nextDay(nextDay(nextDay(t.fixture.customers))));
    const store = new SnapshotStore(new DataDirs(t.fixture.dataDir));
    rmSync(store.directory(t.fixture.snapshotId), { recursive: true, force: true });
    const expired = expectProblem(
      await page(`segment=champions&limit=2&cursor=${encodeURIComponent(cursor)}`),
      410,
      'cursor_expired',
    );
    expect(expired.parameter).toBe('cursor');
    const [body] = cursor.split('.');
    expectProblem(
      await page(`segment=champions&limit=2&cursor=${encodeURIComponent(`${body}.AAAAAAAAAAAAAAAAAAAAAA`)}`),
      400,
      'invalid_cursor',
    );
  });
});

describe('keyset pagination across a real pipeline publish', () => {
  let t: TestApp;
  let built: BuiltSnapshot;
  beforeAll(async () => {
    t = await startTestApp({ build: { scale: 0.01, seed: 5 } });
    built = t.fixture as BuiltSnapshot;
  });
  afterAll(async () => {
    await t.close();
  });

  it('walking GET /v1/customers?segment=… returns every matching customer exactly once while a --changes build publishes', async () => {
    const token = await t.token(['analyst']);
    const expected = (
      await built.harness.snapshotRows<{ customer_id: string }>(
        `select customer_id from customer_360 where segment in ('champions', 'at_risk') order by customer_id`,
        built.snapshotId,
      )
    ).map((r) => r.customer_id);
    expect(expected.length).toBeGreaterThan(100);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let published: string | null = null;
    do {
      const response: TestResponse<CustomerPage> = await t.get<CustomerPage>(
        `/v1/customers?segment=champions&segment=at_risk&sort=-last_order_at&limit=25${
          cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        }`,
        token,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('x-c360-snapshot')).toBe(built.snapshotId);
      seen.push(...response.body.data.map((c) => c.customer_id));
      cursor = response.body.page.next_cursor;
      if (++pages === 2) {
        // The next batch of the sample world: updates, deletes, new customers and orders.
        await generateSources({
          outDir: built.harness.dirs.landing,
          scale: 0.01,
          seed: 5,
          changes: true,
          dirty: 0,
        });
        const run = await built.harness.build({ mode: 'incremental' });
        expect(run.status).toBe('published');
        published = run.snapshot_id;
        await t.reader().refresh();
        expect(t.reader().snapshot()?.id).toBe(published);
      }
    } while (cursor);
    expect(published).not.toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(expected);
    // The new snapshot really differs for this filter, so a walk that mixed them would show it.
    const after = (
      await built.harness.snapshotRows<{ customer_id: string }>(
        `select customer_id from customer_360 where segment in ('champions', 'at_risk') order by customer_id`,
      )
    ).map((r) => r.customer_id);
    expect(after).not.toEqual(expected);
  });
});
