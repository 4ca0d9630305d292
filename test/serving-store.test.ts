import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RowScope } from '../src/auth/row-scope';
import { sortKeyOf, parseSortKey, CustomerSort } from '../src/customers/customer-sort';
import { CustomerFilter, CustomersRepository } from '../src/customers/customers.repository';
import { DuckDbCustomersRepository } from '../src/customers/duckdb-customers.repository';
import { DuckDbEventsRepository, DuckDbOrdersRepository } from '../src/customers/duckdb-facts.repository';
import { CustomerRow } from '../src/customers/models/customer.model';
import { EventsRepository, FactPageRequest, OrdersRepository } from '../src/customers/orders.repository';
import { SqliteCustomersRepository } from '../src/customers/sqlite-customers.repository';
import { SqliteEventsRepository, SqliteOrdersRepository } from '../src/customers/sqlite-facts.repository';
import { generateSources } from '../src/generate/generator';
import { ServedSnapshot } from '../src/serving/served-snapshot';
import { SERVING_STORE_FACTS_FILE, SERVING_STORE_FILE } from '../src/serving-store/serving-store.schema';
import { C360Config, PACKAGE_ROOT } from '../src/config/config';
import { SnapshotReaderService } from '../src/serving/snapshot-reader.service';
import { BuiltSnapshot, buildSampleSnapshot } from './support/built-snapshot';
import { CLI } from './support/cli';
import { serve, Served } from './support/http';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';

jest.setTimeout(600_000);

interface Repositories {
  customers: CustomersRepository;
  orders: OrdersRepository;
  events: EventsRepository;
}

const duckdb: Repositories = {
  customers: new DuckDbCustomersRepository(),
  orders: new DuckDbOrdersRepository(),
  events: new DuckDbEventsRepository(),
};
const sqlite: Repositories = {
  customers: new SqliteCustomersRepository(),
  orders: new SqliteOrdersRepository(),
  events: new SqliteEventsRepository(),
};

const scoped = (countries: string[]): RowScope =>
  RowScope.of({ sub: 'test', roles: ['analyst'], permissions: new Set(), countries });

const SCOPES: Array<[string, RowScope]> = [
  ['unrestricted', RowScope.unrestricted()],
  ['DE', scoped(['DE'])],
  ['DE+FR+US', scoped(['DE', 'FR', 'US'])],
  ['none', scoped([])],
];

let built: BuiltSnapshot;

async function open(snapshotId: string): Promise<ServedSnapshot> {
  const store = built.harness.snapshots;
  const manifest = store.readManifest(snapshotId);
  if (!manifest) throw new Error('no manifest');
  return ServedSnapshot.open(
    store.serveDbPath(snapshotId),
    { snapshot_id: snapshotId, published_at: manifest.created_at },
    manifest,
  );
}

/** Customers of every kind: current, deleted (in dim_customer only) and unknown. */
async function customerIds(snapshotId: string): Promise<string[]> {
  const rows = await built.harness.snapshotRows<{ customer_id: string }>(
    'select distinct customer_id from dim_customer order by 1',
    snapshotId,
  );
  return [...rows.map((r) => r.customer_id), 'C_MISSING', ''];
}

async function filters(snapshot: ServedSnapshot): Promise<Array<[string, CustomerFilter]>> {
  const rows = await snapshot.query<{
    email: string;
    segment: string;
    country: string;
    ltv: number;
    last: string;
  }>(
    `select email, segment, country, cast(lifetime_value as double) as ltv, last_order_at as last
     from customer_360 where last_order_at is not null order by customer_id limit 1 offset 17`,
  );
  const row = rows[0];
  const segments = (
    await snapshot.query<{ segment: string }>('select distinct segment from customer_360 order by 1')
  ).map((r) => r.segment);
  return [
    ['none', {}],
    ['one segment', { segments: [row.segment] }],
    ['two segments', { segments: segments.slice(0, 2) }],
    ['country', { country: row.country }],
    ['min ltv', { minLtv: '250.5' }],
    ['max ltv', { maxLtv: '120' }],
    ['ltv range', { minLtv: '50.25', maxLtv: '900.10' }],
    ['last order after', { lastOrderAfter: '2024-06-15T12:00:00.000Z' }],
    ['last order before', { lastOrderBefore: row.last }],
    ['email', { email: row.email }],
    [
      'segment+country+after',
      { segments: [row.segment], country: row.country, lastOrderAfter: '2024-01-01T00:00:00.000Z' },
    ],
  ];
}

/** Every page of a list, following keyset cursors as the service does. */
async function walk(
  repos: Repositories,
  snapshot: ServedSnapshot,
  filter: CustomerFilter,
  scope: RowScope,
  sort: CustomerSort,
  limit: number,
): Promise<CustomerRow[][]> {
  const pages: CustomerRow[][] = [];
  let after = null;
  for (let i = 0; i < 1000; i++) {
    const page = await repos.customers.list(snapshot, filter, scope, { sort, after, limit });
    pages.push(page);
    if (page.length < limit) break;
    after = parseSortKey(sortKeyOf(page[page.length - 1], sort), sort);
  }
  return pages;
}

async function compareCustomers(snapshot: ServedSnapshot, ids: string[]): Promise<number> {
  let checks = 0;
  for (const [, scope] of SCOPES) {
    for (const id of ids) {
      expect(await sqlite.customers.findById(snapshot, id, scope)).toStrictEqual(
        await duckdb.customers.findById(snapshot, id, scope),
      );
      expect(await sqlite.customers.exists(snapshot, id, scope)).toBe(
        await duckdb.customers.exists(snapshot, id, scope),
      );
      checks += 2;
    }
  }
  return checks;
}

async function compareLists(snapshot: ServedSnapshot): Promise<number> {
  let checks = 0;
  for (const [name, filter] of await filters(snapshot)) {
    for (const [scopeName, scope] of SCOPES) {
      expect([name, scopeName, await sqlite.customers.count(snapshot, filter, scope)]).toStrictEqual([
        name,
        scopeName,
        await duckdb.customers.count(snapshot, filter, scope),
      ]);
      for (const sort of Object.values(CustomerSort)) {
        const limit = name === 'none' ? 97 : 23;
        const expected = await walk(duckdb, snapshot, filter, scope, sort, limit);
        const actual = await walk(sqlite, snapshot, filter, scope, sort, limit);
        expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
        checks += expected.length;
      }
    }
  }
  return checks;
}

async function compareAsOf(snapshot: ServedSnapshot, ids: string[]): Promise<void> {
  const asOf = snapshot.asOf;
  const instants = [
    asOf,
    new Date(new Date(asOf).getTime() - 10 * 86_400_000).toISOString(),
    '2024-06-15T12:34:56.789Z',
    '2023-03-01T00:00:00.000Z',
    '2020-01-01T00:00:00.000Z',
  ];
  for (const id of ids) {
    for (const instant of instants) {
      for (const [, scope] of SCOPES.slice(0, 2)) {
        const expected = await duckdb.customers.findAsOf(snapshot, id, instant, scope);
        expect(JSON.stringify(await sqlite.customers.findAsOf(snapshot, id, instant, scope))).toBe(
          JSON.stringify(expected),
        );
      }
    }
  }
  for (let i = 0; i < ids.length; i += 25) {
    const batch = ids.slice(i, i + 25);
    expect(JSON.stringify(await sqlite.customers.history(snapshot, batch))).toBe(
      JSON.stringify(await duckdb.customers.history(snapshot, batch)),
    );
  }
}

/** Every page of orders (with lines) and events of the customers, at two instants. */
async function compareFacts(snapshot: ServedSnapshot, ids: string[]): Promise<number> {
  let pages = 0;
  const untils = [snapshot.asOf, '2024-03-01T00:00:00.000Z'];
  for (const until of untils) {
    for (let i = 0; i < ids.length; i += 20) {
      const batch = ids.slice(i, i + 20);
      const countRequests = batch.map((customerId) => ({ customerId, until }));
      expect(await sqlite.orders.counts(snapshot, countRequests)).toStrictEqual(
        await duckdb.orders.counts(snapshot, countRequests),
      );
      expect(await sqlite.events.counts(snapshot, countRequests)).toStrictEqual(
        await duckdb.events.counts(snapshot, countRequests),
      );
      for (const kind of ['orders', 'events'] as const) {
        let requests: FactPageRequest[] = batch.map((customerId) => ({ customerId, until, after: null }));
        while (requests.length > 0) {
          const limit = 3;
          const expected = await duckdb[kind].pages(snapshot, requests, limit);
          const actual = await sqlite[kind].pages(snapshot, requests, limit);
          expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
          pages++;
          if (kind === 'orders') {
            const refs = expected.map((o) => ({
              orderId: String(o.order_id),
              customerId: String(o.customer_id),
            }));
            expect(JSON.stringify(await sqlite.orders.lines(snapshot, refs))).toBe(
              JSON.stringify(await duckdb.orders.lines(snapshot, refs)),
            );
          }
          const next: FactPageRequest[] = [];
          requests.forEach((request, index) => {
            const rows = expected.filter((r) => r.request === index);
            if (rows.length < limit) return;
            const last = rows[rows.length - 1] as Record<string, unknown>;
            const ts = String(kind === 'orders' ? last.order_ts : last.event_ts);
            const id = String(kind === 'orders' ? last.order_id : last.event_id);
            next.push({ ...request, after: { ts, id } });
          });
          requests = next;
        }
      }
    }
  }
  return pages;
}

async function compareSnapshot(snapshotId: string): Promise<void> {
  const snapshot = await open(snapshotId);
  try {
    expect(snapshot.store).not.toBeNull();
    const ids = await customerIds(snapshotId);
    expect(await compareCustomers(snapshot, ids)).toBeGreaterThan(1000);
    expect(await compareLists(snapshot)).toBeGreaterThan(100);
    const sample = ids.filter((_, i) => i % 7 === 0);
    await compareAsOf(snapshot, sample);
    expect(await compareFacts(snapshot, sample)).toBeGreaterThan(50);
  } finally {
    snapshot.retire();
  }
}

beforeAll(async () => {
  built = await buildSampleSnapshot({ scale: 0.01, seed: 11 });
});

afterAll(() => built?.cleanup());

describe('serving store (serve.sqlite)', () => {
  it('is built with the snapshot, read-only, and named by its manifest', () => {
    const manifest = built.harness.snapshots.readManifest(built.snapshotId);
    expect(manifest?.serving_store).toMatchObject({ file: SERVING_STORE_FILE, build: 'full' });
    const file = join(built.harness.snapshots.directory(built.snapshotId), SERVING_STORE_FILE);
    expect(statSync(file).mode & 0o222).toBe(0);
    expect(existsSync(`${file}.building`)).toBe(false);
  });

  it('answers every customer, list, point-in-time, order and event read exactly as DuckDB', async () => {
    await compareSnapshot(built.snapshotId);
  });

  it('after an incremental publish, replaces only changed customers and still matches DuckDB', async () => {
    await generateSources({
      outDir: built.harness.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: true,
      dirty: 0,
    });
    const run = await built.harness.build({ mode: 'incremental', asOf: new Date('2025-01-03T06:00:00Z') });
    expect(run.status).toBe('published');
    expect(run.plan?.kind).toBe('incremental');
    expect(run.plan?.serving_store?.build).toBe('incremental');
    const manifest = built.harness.snapshots.readManifest(String(run.snapshot_id));
    expect(manifest?.serving_store?.build).toBe('incremental');
    expect(manifest?.serving_store?.customers).toBeGreaterThan(0);
    await compareSnapshot(String(run.snapshot_id));
  });

  it('after an incremental publish at the same as_of, patches customer_360 rows in place', async () => {
    await generateSources({
      outDir: built.harness.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: true,
      dirty: 0,
    });
    const run = await built.harness.build({ mode: 'incremental', asOf: new Date('2025-01-03T06:00:00Z') });
    expect(run.status).toBe('published');
    const store = run.plan?.serving_store;
    expect(store?.build).toBe('incremental');
    // only the customers whose rows differ, not the whole table
    expect(store?.customers).toBeGreaterThan(0);
    expect(store?.customers).toBeLessThan(500);
    await compareSnapshot(String(run.snapshot_id));
  });

  it('after an as_of move of an hour, updates recency in place and still matches DuckDB', async () => {
    await generateSources({
      outDir: built.harness.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: true,
      dirty: 0,
    });
    const run = await built.harness.build({ mode: 'incremental', asOf: new Date('2025-01-03T07:00:00Z') });
    expect(run.status).toBe('published');
    const store = run.plan?.serving_store;
    expect(store?.build).toBe('incremental');
    // the run's changed customers plus those whose day count moved: not every customer
    const [{ n }] = await built.harness.snapshotRows<{ n: number }>(
      'select count(*)::integer as n from customer_360',
      String(run.snapshot_id),
    );
    expect(store?.customers).toBeGreaterThan(0);
    expect(store?.customers).toBeLessThan(n);
    await compareSnapshot(String(run.snapshot_id));
  });

  it('after an as_of move of days (recency indexes rebuilt), still matches DuckDB', async () => {
    await generateSources({
      outDir: built.harness.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: true,
      dirty: 0,
    });
    const run = await built.harness.build({ mode: 'incremental', asOf: new Date('2025-01-09T17:45:00Z') });
    expect(run.status).toBe('published');
    expect(run.plan?.serving_store?.build).toBe('incremental');
    await compareSnapshot(String(run.snapshot_id));
  });

  it('after a customer file alone and an as_of move of whole days, keeps the fact file and every recency', async () => {
    const batch = await generateSources({
      outDir: built.harness.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: true,
      dirty: 0,
    });
    // only the batch's customer file (as the pipeline bench's "1% changed customers")
    for (const { file } of batch.files)
      if (!/^customers-\d+\.csv$/.test(file)) rmSync(join(built.harness.dirs.landing, file));
    const base = String(built.harness.snapshots.readActive()?.snapshot_id);
    const run = await built.harness.build({ mode: 'incremental', asOf: new Date('2025-01-10T17:45:00Z') });
    expect(run.status).toBe('published');
    const id = String(run.snapshot_id);
    const store = built.harness.snapshots.readManifest(id)?.serving_store;
    expect(store?.build).toBe('incremental');
    // the fact tables did not change: the base snapshot's file is shared, not copied
    const facts = (snapshot: string): number =>
      statSync(join(built.harness.snapshots.directory(snapshot), SERVING_STORE_FACTS_FILE)).ino;
    expect(facts(id)).toBe(facts(base));
    expect(store?.tables).toMatchObject({ orders: 0, order_lines: 0, events: 0 });
    // recency is stored relative to the as_of day: a whole-day move rewrites no customer for it
    const [{ n }] = await built.harness.snapshotRows<{ n: number }>(
      'select count(*)::integer as n from customer_360',
      id,
    );
    expect(store?.rows).toBeLessThan(n / 10);
    await compareSnapshot(id);
  });

  it('keeps list pages and look-ups on indexes (no table scan, no sort)', async () => {
    const snapshot = await open(String(built.harness.snapshots.readActive()?.snapshot_id));
    try {
      const store = snapshot.store;
      if (!store) throw new Error('no store');
      const keysets: Array<[string, string, Array<string | number>]> = [
        ['customer_id', 'customer_id > ?', ['C1']],
        ['ltv_key, customer_id', '(ltv_key, customer_id) > (?, ?)', [-1000, 'C1']],
        ['lo_key, customer_id', '(lo_key, customer_id) > (?, ?)', [-1, 'C1']],
        ['rec_key, customer_id', '(rec_key, customer_id) > (?, ?)', [10, 'C1']],
      ];
      for (const [order, keyset, params] of keysets) {
        for (const [filter, filterParams] of [
          ['1', []],
          ['segment = ?', ['loyal']],
          ['country = ?', ['DE']],
        ] as Array<[string, Array<string | number>]>) {
          const plan = store
            .explain(`select * from customers where ${filter} and ${keyset} order by ${order} limit 50`, [
              ...filterParams,
              ...params,
            ] as Array<string | number>)
            .join(' | ');
          expect(plan).not.toMatch(/SCAN customers(?! USING)|TEMP B-TREE/);
        }
      }
      for (const sql of [
        'select * from orders where customer_id = ? and order_ts <= ? and (order_ts, order_id) < (?, ?) order by order_ts desc, order_id desc limit 10',
        'select * from events where customer_id = ? and event_ts <= ? order by event_ts desc, event_id desc limit 10',
        'select * from order_lines where customer_id = ? and order_id = ? order by line_no',
      ]) {
        const plan = store
          .explain(sql, sql.includes('(order_ts, order_id)') ? ['C1', 1, 1, 'O'] : ['C1', 1])
          .join(' | ');
        expect(plan).toMatch(/SEARCH/);
        expect(plan).not.toMatch(/TEMP B-TREE/);
      }
    } finally {
      snapshot.retire();
    }
  });
});

describe('HTTP: the same bytes from the serving store and from DuckDB', () => {
  it('serves REST and GraphQL reads identically (body, ETag, X-C360-Snapshot) per role', async () => {
    const env = {
      AUTH_JWT_SECRET: TEST_SECRET,
      C360_DATA_DIR: built.harness.root,
      C360_CONFIG_DIR: PACKAGE_ROOT,
      C360_SCHEDULE: 'off',
      C360_BUILDER: 'false',
      LOG_LEVEL: 'silent',
    };
    const viaStore = await serve(C360Config.fromEnv({ ...env, C360_SERVING_STORE: 'sqlite' }));
    const viaDuckDb = await serve(C360Config.fromEnv({ ...env, C360_SERVING_STORE: 'duckdb' }));
    try {
      const active = String(built.harness.snapshots.readActive()?.snapshot_id);
      expect(viaStore.app.get(SnapshotReaderService).snapshot()?.store).not.toBeNull();
      expect(viaDuckDb.app.get(SnapshotReaderService).snapshot()?.store).toBeNull();
      const [sample] = await built.harness.snapshotRows<{ customer_id: string }>(
        'select customer_id from customer_360 where orders_count > 3 order by customer_id limit 1',
        active,
      );
      const id = sample.customer_id;
      const paths = [
        '/v1/customers?limit=50',
        '/v1/customers?sort=-lifetime_value&limit=20&include_total=true',
        '/v1/customers?sort=-last_order_at&limit=20&segment=loyal&segment=champions',
        '/v1/customers?sort=recency_days&limit=20&min_ltv=100&country=DE',
        `/v1/customers/${id}`,
        `/v1/customers/${id}?as_of=2024-12-01T00:00:00Z`,
        `/v1/customers/${id}?as_of=2024-06-01T00:00:00Z`,
        `/v1/customers/${id}/history`,
        `/v1/customers/${id}/orders?limit=3`,
        `/v1/customers/${id}/events?limit=5`,
        '/v1/customers/C_MISSING',
      ];
      let compared = 0;
      for (const role of ['admin', 'support', 'analyst', 'data_scientist']) {
        const queue = [...paths];
        while (queue.length > 0) {
          const path = queue.shift() as string;
          const [a, b] = await Promise.all([viaStore.get(path, role), viaDuckDb.get(path, role)]);
          // problem bodies name their request: the only bytes allowed to differ
          const requestIds = (body: string): string =>
            body.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<request>');
          const [bodyA, bodyB] = (await Promise.all([a.text(), b.text()])).map(requestIds);
          expect([path, role, a.status, bodyA]).toStrictEqual([path, role, b.status, bodyB]);
          expect(a.headers.get('etag')).toBe(b.headers.get('etag'));
          expect(a.headers.get('x-c360-snapshot')).toBe(b.headers.get('x-c360-snapshot'));
          compared++;
          // follow one cursor per list: the next page must match too
          const next = (JSON.parse(bodyA) as { page?: { next_cursor?: string | null } }).page?.next_cursor;
          if (next && !path.includes('cursor=')) {
            queue.push(`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(next)}`);
          }
        }
        const query = `{ customers(first: 5, sort: LIFETIME_VALUE_DESC) { totalCount edges { cursor node {
            customerId email lifetimeValue
            orders(first: 2) { totalCount edges { node { orderId orderAmount lines { lineNo lineAmount } } } }
            history { version email }
          } } } }`;
        const post = (server: Served): Promise<Response> =>
          fetch(`${server.base}/graphql`, {
            method: 'POST',
            headers: { authorization: `Bearer ${server.tokens[role]}`, 'content-type': 'application/json' },
            body: JSON.stringify({ query }),
          });
        const [a, b] = await Promise.all([post(viaStore), post(viaDuckDb)]);
        const [bodyA, bodyB] = await Promise.all([a.text(), b.text()]);
        expect(bodyA).not.toContain('"errors"');
        expect(bodyA).toBe(bodyB);
        compared++;
      }
      expect(compared).toBeGreaterThan(40);
    } finally {
      await viaStore.close();
      await viaDuckDb.close();
    }
  });
});

describe('crash safety of the serving store build', () => {
  it('a kill -9 while serve.sqlite is being written publishes nothing; the next build does', async () => {
    const harness = new PipelineHarness({ C360_AS_OF: '2025-01-01T00:00:00Z', LOG_LEVEL: 'silent' });
    try {
      await generateSources({ outDir: harness.dirs.landing, scale: 0.05, seed: 3, changes: false, dirty: 0 });
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'warn',
        C360_DATA_DIR: harness.root,
        AUTH_JWT_SECRET: TEST_SECRET,
        C360_SCHEDULE: 'off',
        C360_AS_OF: '2025-01-01T00:00:00Z',
      };
      const child = spawn(process.execPath, [CLI, 'build', '--mode', 'full'], { env, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let building: string | null = null;
      for (let i = 0; i < 60_000 && !building; i++) {
        const dirs = existsSync(harness.dirs.snapshots) ? readdirSync(harness.dirs.snapshots) : [];
        building =
          dirs
            .map((d) => join(harness.dirs.snapshots, d, `${SERVING_STORE_FILE}.building`))
            .find((file) => existsSync(file)) ?? null;
        if (!building) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(building).not.toBeNull();
      child.kill('SIGKILL');
      await exited;
      // nothing was published: no ACTIVE pointer, no manifest next to the partial store
      expect(harness.snapshots.readActive()).toBeNull();
      expect(harness.snapshots.list()).toHaveLength(0);

      const run = await harness.build({ mode: 'incremental' });
      expect(run.status).toBe('published');
      const directory = harness.snapshots.directory(String(run.snapshot_id));
      expect(existsSync(join(directory, SERVING_STORE_FILE))).toBe(true);
      expect(existsSync(join(directory, `${SERVING_STORE_FILE}.building`))).toBe(false);
      // the interrupted candidate is gone
      expect(existsSync(String(building))).toBe(false);
      const manifest = harness.snapshots.readManifest(String(run.snapshot_id));
      if (!manifest) throw new Error('no manifest');
      const snapshot = await ServedSnapshot.open(
        harness.snapshots.serveDbPath(String(run.snapshot_id)),
        { snapshot_id: String(run.snapshot_id), published_at: run.finished_at ?? '' },
        manifest,
      );
      try {
        const page = { sort: CustomerSort.LifetimeValueDesc, after: null, limit: 200 };
        expect(await sqlite.customers.list(snapshot, {}, RowScope.unrestricted(), page)).toStrictEqual(
          await duckdb.customers.list(snapshot, {}, RowScope.unrestricted(), page),
        );
      } finally {
        snapshot.retire();
      }
    } finally {
      harness.cleanup();
    }
  });
});
