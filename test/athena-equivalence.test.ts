import { DuckDBConnection, DuckDBInstance, DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'node-sql-parser';
import { AthenaRow } from '../src/athena/athena-client';
import { AthenaCustomersRepository } from '../src/athena/athena-customers.repository';
import { AthenaEngine, QueryRunner } from '../src/athena/athena-engine';
import { AthenaEventsRepository, AthenaOrdersRepository } from '../src/athena/athena-facts.repository';
import { athenaCaller, AthenaMasking } from '../src/athena/athena-masking';
import { AthenaQuery } from '../src/athena/athena-query';
import {
  AthenaDailyMetricsRepository,
  AthenaProductsRepository,
  AthenaSegmentsRepository,
} from '../src/athena/athena-aggregates.repository';
import { loadPolicy, RouteKind } from '../src/auth/policy';
import { Principal } from '../src/auth/principal';
import { RowScope } from '../src/auth/row-scope';
import { setLogLevel } from '../src/common/logger';
import { CustomerSort } from '../src/customers/customer-sort';
import { CustomerFilter } from '../src/customers/customers.repository';
import { DuckDbCustomersRepository } from '../src/customers/duckdb-customers.repository';
import { DuckDbEventsRepository, DuckDbOrdersRepository } from '../src/customers/duckdb-facts.repository';
import { CustomerRow } from '../src/customers/models/customer.model';
import { FactPageRequest } from '../src/customers/orders.repository';
import { DuckDbDailyMetricsRepository } from '../src/daily-metrics/duckdb-daily-metrics.repository';
import { connect, openDuckDb, quoteLiteral, Row, toJsonScalar } from '../src/duckdb/duckdb';
import { exportGold } from '../src/export/gold-export';
import { generateSources } from '../src/generate/generator';
import { MaskingService } from '../src/masking/masking.service';
import { PiiClassification } from '../src/masking/pii-classification';
import { DuckDbProductsRepository } from '../src/products/duckdb-products.repository';
import { ProductSort } from '../src/products/models/product.model';
import { DuckDbSegmentsRepository } from '../src/segments/duckdb-segments.repository';
import { ServedSnapshot } from '../src/serving/served-snapshot';
import { CustomersService } from '../src/customers/customers.service';
import { DailyMetricsService } from '../src/daily-metrics/daily-metrics.service';
import { ProductsService } from '../src/products/products.service';
import { SegmentsService } from '../src/segments/segments.service';
import { CursorCodec } from '../src/common/pagination/cursor';
import { SnapshotReaderService } from '../src/serving/snapshot-reader.service';
import { SnapshotResult } from '../src/serving/snapshot-result';
import { PipelineHarness } from './support/pipeline-harness';

/**
 * The Athena repositories' SQL, with its parameters bound the way Athena binds them, run on
 * DuckDB over the Parquet `c360 export` writes (views named like the Athena tables), must return
 * what the DuckDB repositories return from the snapshot — after masking, for every role.
 *
 * Test-only translation of the few Trino functions DuckDB lacks or spells differently (nothing
 * else of the text is changed): `to_hex(hmac_sha256(to_utf8(a), to_utf8(b)))` → a UDF for the HMAC
 * returning Trino's upper-case hex, with `to_utf8` and `to_hex` as identity macros (functions renamed trino_*, arguments untouched); `regexp_like` → `regexp_matches`; Trino's `regexp_replace`
 * replaces every match, DuckDB's needs the 'g' flag.
 */
function toDuckDb(query: AthenaQuery): string {
  let i = 0;
  // Athena substitutes each ExecutionParameter as a literal, in order.
  const bound = query.sql.replace(/\?/g, () => {
    const value = query.params[i++];
    if (value === undefined) throw new Error('more placeholders than parameters');
    return value;
  });
  if (i !== query.params.length) throw new Error('more parameters than placeholders');
  return bound
    .replace(/\bto_hex\(/g, 'trino_to_hex(')
    .replace(/\bhmac_sha256\(/g, 'trino_hmac_sha256(')
    .replace(/\bto_utf8\(/g, 'trino_to_utf8(')
    .replace(/regexp_like\(/g, 'regexp_matches(')
    .replace(/'\[\^0-9\]', ''\)/g, "'[^0-9]', '', 'g')")
    .replace(/'\\s\+', ' '\)/g, "'\\s+', ' ', 'g')");
}

class DuckDbOverParquet implements QueryRunner {
  readonly sent: AthenaQuery[] = [];

  constructor(private readonly connection: DuckDBConnection) {}

  async query<T extends AthenaRow = AthenaRow>(query: AthenaQuery): Promise<T[]> {
    this.sent.push(query);
    const reader = await this.connection.runAndReadAll(toDuckDb(query));
    const columns = reader.columnNames();
    return reader.getRows().map((values) => {
      const row: Row = {};
      values.forEach((value, c) => (row[columns[c]] = toJsonScalar(value)));
      return row as T;
    });
  }
}

const AS_OF = new Date('2025-01-01T06:00:00Z');
const TABLES = [
  'customer_360',
  'dim_customer',
  'dim_product',
  'fact_events',
  'fact_order_lines',
  'fact_orders',
  'orders_daily',
  'product_performance',
  'segment_summary',
];

describe('Athena engine: SQL equivalence with DuckDB and Trino validity', () => {
  let harness: PipelineHarness;
  let exportDir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let snapshot: ServedSnapshot;
  let runner: DuckDbOverParquet;
  let masking: MaskingService;
  const principals: Record<string, Principal> = {};

  const duck = {
    customers: new DuckDbCustomersRepository(),
    orders: new DuckDbOrdersRepository(),
    events: new DuckDbEventsRepository(),
    segments: new DuckDbSegmentsRepository(),
    products: new DuckDbProductsRepository(),
    daily: new DuckDbDailyMetricsRepository(),
  };
  let athena: {
    customers: AthenaCustomersRepository;
    orders: AthenaOrdersRepository;
    events: AthenaEventsRepository;
    segments: AthenaSegmentsRepository;
    products: AthenaProductsRepository;
    daily: AthenaDailyMetricsRepository;
  };

  beforeAll(async () => {
    setLogLevel('silent');
    harness = new PipelineHarness({ LOG_LEVEL: 'silent' });
    // A second batch of changes gives customers several profile versions (history, as-of reads).
    await generateSources({ outDir: harness.dirs.landing, scale: 0.003, seed: 8, changes: false, dirty: 0 });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.003, seed: 8, changes: true, dirty: 0 });
    const run = await harness.build({ mode: 'full', asOf: AS_OF });
    expect(run.status).toBe('published');
    exportDir = mkdtempSync(join(tmpdir(), 'c360-athena-eq-'));
    const exported = await exportGold(harness.config, { target: exportDir, role: 'admin' });

    instance = await openDuckDb(':memory:');
    connection = await connect(instance);
    for (const table of TABLES) {
      const glob = join(exportDir, table, '**', '*.parquet');
      await connection.run(
        `create view ${table} as select * from read_parquet(${quoteLiteral(glob)}, hive_partitioning = true)`,
      );
    }
    connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name: 'trino_hmac_sha256',
        returnType: VARCHAR,
        parameterTypes: [VARCHAR, VARCHAR],
        mainFunction: (_info, input, output) => {
          const values = input.getColumnVector(0);
          const keys = input.getColumnVector(1);
          for (let row = 0; row < input.rowCount; row++) {
            const value = values.getItem(row);
            output.setItem(
              row,
              value === null
                ? null
                : createHmac('sha256', String(keys.getItem(row)))
                    .update(String(value))
                    .digest('hex')
                    .toUpperCase(),
            );
          }
          output.flush();
        },
      }),
    );
    await connection.run('create temp macro trino_to_utf8(x) as x');
    await connection.run('create temp macro trino_to_hex(x) as x');
    runner = new DuckDbOverParquet(connection);

    const id = exported.snapshot_id;
    const manifest = harness.snapshots.readManifest(id);
    if (!manifest) throw new Error('no manifest');
    snapshot = await ServedSnapshot.open(
      harness.snapshots.serveDbPath(id),
      { snapshot_id: id, published_at: manifest.created_at },
      manifest,
    );
    const policy = loadPolicy(harness.config.configDir);
    const classification = PiiClassification.fromConfigDir(harness.config.configDir);
    masking = new MaskingService(policy, classification, harness.config.maskingKey);
    const engine = new AthenaEngine(
      runner,
      new AthenaMasking(masking, classification, harness.config.maskingKey),
      { exportedSnapshotId: () => Promise.resolve(id) },
    );
    athena = {
      customers: new AthenaCustomersRepository(engine),
      orders: new AthenaOrdersRepository(engine),
      events: new AthenaEventsRepository(engine),
      segments: new AthenaSegmentsRepository(engine),
      products: new AthenaProductsRepository(engine),
      daily: new AthenaDailyMetricsRepository(engine),
    };
    for (const role of ['admin', 'support', 'analyst', 'data_scientist']) {
      principals[role] = {
        sub: `eq-${role}`,
        roles: [role],
        permissions: policy.permissionsFor([role]),
        countries: null,
      };
    }
  });

  afterAll(() => {
    snapshot?.retire();
    connection?.closeSync();
    instance?.closeSync();
    harness.cleanup();
    if (exportDir) rmSync(exportDir, { recursive: true, force: true });
  });

  /** Both engines' rows for one call, masked for `role` and `kind` as the API would send them. */
  async function both<T extends object>(
    role: string,
    kind: RouteKind,
    duckCall: () => Promise<T[]>,
    athenaCall: () => Promise<T[]>,
  ): Promise<{ duck: T[]; athena: T[] }> {
    const principal = principals[role];
    const viaDuck = (await duckCall()).map((row) => masking.maskRecord(row, principal, kind));
    const viaAthena = await athenaCaller.run({ principal, kind }, athenaCall);
    return { duck: viaDuck, athena: viaAthena.map((row) => masking.maskRecord(row, principal, kind)) };
  }

  async function same<T extends object>(
    role: string,
    kind: RouteKind,
    duckCall: () => Promise<T[]>,
    athenaCall: () => Promise<T[]>,
  ): Promise<T[]> {
    const rows = await both(role, kind, duckCall, athenaCall);
    expect(rows.athena).toEqual(rows.duck);
    return rows.duck;
  }

  const one = <T>(row: T | null): T[] => (row === null ? [] : [row]);

  it('customers: every sort, filter, keyset page, scope and role masks to the same rows', async () => {
    const all = await snapshot.query<CustomerRow>('select * from customer_360 order by customer_id');
    expect(all.length).toBeGreaterThan(100);
    const countries = [...new Set(all.map((c) => c.country))].sort().slice(0, 2);
    const scopes = [RowScope.unrestricted(), RowScope.of({ ...principals.analyst, countries })];
    const withOrders = all.find((c) => c.orders_count > 2) ?? all[0];
    const filters: CustomerFilter[] = [
      {},
      { segments: ['prospects', 'champions'] },
      { country: countries[0] },
      { minLtv: '100.00', maxLtv: '2000.50' },
      { lastOrderAfter: '2024-06-01T00:00:00Z', lastOrderBefore: '2024-12-01T00:00:00Z' },
      { email: String(withOrders.email) },
    ];
    for (const scope of scopes) {
      for (const filter of filters) {
        for (const sort of Object.values(CustomerSort)) {
          const first = await same(
            'admin',
            'list',
            () => duck.customers.list(snapshot, filter, scope, { sort, after: null, limit: 25 }),
            () => athena.customers.list(snapshot, filter, scope, { sort, after: null, limit: 25 }),
          );
          const last = first[first.length - 1] as CustomerRow | undefined;
          if (last) {
            const value =
              sort === CustomerSort.CustomerId
                ? null
                : sort === CustomerSort.LifetimeValueDesc
                  ? last.lifetime_value.toFixed(2)
                  : sort === CustomerSort.LastOrderAtDesc
                    ? last.last_order_at
                    : last.recency_days;
            const after = { value, customerId: last.customer_id };
            await same(
              'admin',
              'list',
              () => duck.customers.list(snapshot, filter, scope, { sort, after, limit: 25 }),
              () => athena.customers.list(snapshot, filter, scope, { sort, after, limit: 25 }),
            );
          }
        }
        expect(await athena.customers.count(snapshot, filter, scope)).toBe(
          await duck.customers.count(snapshot, filter, scope),
        );
      }
    }
    // Masking in the SQL equals MaskingService's, per role and route kind.
    for (const role of ['admin', 'support', 'analyst', 'data_scientist']) {
      for (const kind of ['list', 'single'] as const) {
        const rows = await same(
          role,
          kind,
          () =>
            duck.customers.list(snapshot, {}, scopes[0], {
              sort: CustomerSort.CustomerId,
              after: null,
              limit: 200,
            }),
          () =>
            athena.customers.list(snapshot, {}, scopes[0], {
              sort: CustomerSort.CustomerId,
              after: null,
              limit: 200,
            }),
        );
        expect(rows).toHaveLength(200);
        await same(
          role,
          kind,
          async () => one(await duck.customers.findById(snapshot, withOrders.customer_id, scopes[0])),
          async () => one(await athena.customers.findById(snapshot, withOrders.customer_id, scopes[0])),
        );
        await same(
          role,
          kind,
          () =>
            duck.customers.history(
              snapshot,
              all.slice(0, 40).map((c) => c.customer_id),
            ),
          () =>
            athena.customers.history(
              snapshot,
              all.slice(0, 40).map((c) => c.customer_id),
            ),
        );
      }
    }
    const analystRow = (
      await athenaCaller.run({ principal: principals.analyst, kind: 'list' }, () =>
        athena.customers.findById(snapshot, withOrders.customer_id, scopes[0]),
      )
    )?.email;
    expect(analystRow).toMatch(/^.\*\*\*@/);
    const hashed = (
      await athenaCaller.run({ principal: principals.data_scientist, kind: 'list' }, () =>
        athena.customers.findById(snapshot, withOrders.customer_id, scopes[0]),
      )
    )?.email;
    expect(hashed).toMatch(/^[0-9a-f]{64}$/);
  });

  it('customers: look-ups, existence and as-of profiles match, in and out of scope', async () => {
    const all = await snapshot.query<CustomerRow>(
      'select * from customer_360 order by orders_count desc, customer_id limit 30',
    );
    const scoped = RowScope.of({ ...principals.admin, countries: [String(all[0].country)] });
    for (const scope of [RowScope.unrestricted(), scoped]) {
      for (const customer of all) {
        const id = customer.customer_id;
        await same(
          'admin',
          'single',
          async () => one(await duck.customers.findById(snapshot, id, scope)),
          async () => one(await athena.customers.findById(snapshot, id, scope)),
        );
        expect(await athena.customers.exists(snapshot, id, scope)).toBe(
          await duck.customers.exists(snapshot, id, scope),
        );
        for (const instant of ['2024-03-15T12:00:00Z', '2024-11-30T23:59:59Z', snapshot.asOf]) {
          await same(
            'support',
            'single',
            async () => one(await duck.customers.findAsOf(snapshot, id, instant, scope)),
            async () => one(await athena.customers.findAsOf(snapshot, id, instant, scope)),
          );
        }
      }
    }
    expect(await athena.customers.findById(snapshot, 'no-such-customer', RowScope.unrestricted())).toBeNull();
  });

  it('orders, lines and events: batched newest-first pages, counts and keyset continuation', async () => {
    const customers = await snapshot.query<{ customer_id: string }>(
      'select customer_id from customer_360 where orders_count > 0 order by customer_id limit 12',
    );
    const requests: FactPageRequest[] = customers.map((c, i) => ({
      customerId: c.customer_id,
      until: i % 2 === 0 ? snapshot.asOf : '2024-09-01T00:00:00Z',
      after: null,
    }));
    const orders = await same(
      'admin',
      'list',
      () => duck.orders.pages(snapshot, requests, 3),
      () => athena.orders.pages(snapshot, requests, 3),
    );
    expect(orders.length).toBeGreaterThan(5);
    const next: FactPageRequest[] = requests.map((r, i) => {
      const last = orders.filter((o) => o.request === i).pop();
      return { ...r, after: last ? { ts: last.order_ts, id: last.order_id } : null };
    });
    await same(
      'admin',
      'list',
      () => duck.orders.pages(snapshot, next, 3),
      () => athena.orders.pages(snapshot, next, 3),
    );
    expect(await athena.orders.counts(snapshot, requests)).toEqual(
      await duck.orders.counts(snapshot, requests),
    );
    const refs = orders.map((o) => ({ orderId: o.order_id, customerId: o.customer_id }));
    await same(
      'admin',
      'list',
      () => duck.orders.lines(snapshot, refs),
      () => athena.orders.lines(snapshot, refs),
    );
    const events = await same(
      'admin',
      'list',
      () => duck.events.pages(snapshot, requests, 4),
      () => athena.events.pages(snapshot, requests, 4),
    );
    expect(events.length).toBeGreaterThan(0);
    expect(await athena.events.counts(snapshot, requests)).toEqual(
      await duck.events.counts(snapshot, requests),
    );
  });

  it('segments, products and daily metrics: precomputed and recomputed for a scoped caller', async () => {
    const [{ country }] = await snapshot.query<{ country: string }>(
      'select country, count(*) as n from customer_360 group by country order by n desc, country limit 1',
    );
    const scopes = [
      RowScope.unrestricted(),
      RowScope.of({ ...principals.analyst, countries: [country] }),
      RowScope.of({ ...principals.analyst, countries: [] }),
    ];
    const products = await snapshot.query<{ product_id: string; category: string }>(
      'select product_id, category from dim_product order by product_id limit 15',
    );
    for (const scope of scopes) {
      await same(
        'analyst',
        'list',
        () => duck.segments.summary(snapshot, scope),
        () => athena.segments.summary(snapshot, scope),
      );
      for (const sort of Object.values(ProductSort)) {
        for (const filter of [{}, { category: products[0].category }]) {
          const first = await same(
            'analyst',
            'list',
            () => duck.products.list(snapshot, scope, filter, { sort, after: null, limit: 7 }),
            () => athena.products.list(snapshot, scope, filter, { sort, after: null, limit: 7 }),
          );
          const last = first[first.length - 1];
          if (last) {
            const after = { rank: last.revenue_rank, productId: last.product_id };
            await same(
              'analyst',
              'list',
              () => duck.products.list(snapshot, scope, filter, { sort, after, limit: 7 }),
              () => athena.products.list(snapshot, scope, filter, { sort, after, limit: 7 }),
            );
          }
          expect(await athena.products.count(snapshot, scope, filter)).toBe(
            await duck.products.count(snapshot, scope, filter),
          );
        }
      }
      const ids = products.map((p) => p.product_id);
      const sortById = (rows: Row[]): Row[] =>
        [...rows].sort((a, b) => String(a.product_id).localeCompare(String(b.product_id)));
      const rows = await both(
        'analyst',
        'list',
        () => duck.products.findByIds(snapshot, scope, ids),
        () => athena.products.findByIds(snapshot, scope, ids),
      );
      expect(sortById(rows.athena)).toEqual(sortById(rows.duck));
      const days = await same(
        'analyst',
        'list',
        () => duck.daily.ordersDaily(snapshot, scope, '2024-01-01', '2024-12-31'),
        () => athena.daily.ordersDaily(snapshot, scope, '2024-01-01', '2024-12-31'),
      );
      if (scope.countries?.length !== 0) expect(days.length).toBeGreaterThan(10);
    }
  });

  it('through the service layer: whole cursor walks and aggregates answer the same, masked per role', async () => {
    const reader = new SnapshotReaderService(harness.snapshots);
    await reader.start();
    const cursors = new CursorCodec(harness.config.maskingKey);
    const services = (engine: 'duckdb' | 'athena') => {
      const repos = engine === 'duckdb' ? duck : athena;
      return {
        customers: new CustomersService(reader, repos.customers, cursors),
        segments: new SegmentsService(reader, repos.segments),
        products: new ProductsService(reader, repos.products, cursors),
        daily: new DailyMetricsService(reader, repos.daily),
      };
    };
    /** Every page of a list, as the API sends them (masked for `principal`). */
    async function walk(
      principal: Principal,
      next: (cursor: string | undefined) => Promise<SnapshotResult<{ page: { next_cursor: string | null } }>>,
    ): Promise<unknown[]> {
      const bodies: unknown[] = [];
      let cursor: string | undefined;
      do {
        const result = await next(cursor);
        expect(result.snapshotId).toBe(snapshot.id);
        bodies.push(masking.maskResponse(result.body, principal, 'list'));
        cursor = result.body.page.next_cursor ?? undefined;
      } while (cursor);
      return bodies;
    }
    try {
      const [{ country }] = await snapshot.query<{ country: string }>(
        'select country from customer_360 group by country order by count(*) desc, country limit 1',
      );
      for (const [role, countries] of [
        ['analyst', null],
        ['data_scientist', [country]],
        ['support', null],
      ] as const) {
        const principal = { ...principals[role], countries: countries ? [...countries] : null };
        const answers = await Promise.all(
          (['duckdb', 'athena'] as const).map((engine) =>
            athenaCaller.run({ principal, kind: 'list' }, async () => {
              const s = services(engine);
              return {
                customers: await walk(principal, (cursor) =>
                  s.customers.list(
                    {
                      filter: {},
                      sort: CustomerSort.LifetimeValueDesc,
                      limit: 60,
                      cursor,
                      includeTotal: true,
                    },
                    principal,
                  ),
                ),
                products: await walk(principal, (cursor) =>
                  s.products.list(
                    { filter: {}, sort: ProductSort.RevenueRank, limit: 40, cursor },
                    principal,
                  ),
                ),
                segments: (await s.segments.list(principal)).body,
                daily: (await s.daily.ordersDaily('2024-01-01', '2024-12-31', principal)).body,
              };
            }),
          ),
        );
        expect(answers[1]).toEqual(answers[0]);
        // several pages walked by cursor (the scoped caller's country fits in one)
        if (!countries) expect(answers[0].customers.length).toBeGreaterThan(3);
      }
    } finally {
      reader.onModuleDestroy();
    }
  });

  it('every distinct query the Athena repositories sent parses as Trino SQL, with and without bound values', () => {
    // node-sql-parser has a `trino` dialect (Athena engine v3 is Trino): the text as sent with `?`
    // placeholders, and the text Athena runs once it has substituted the ExecutionParameters.
    const parser = new Parser();
    const distinct = new Map<string, AthenaQuery>();
    for (const query of runner.sent) distinct.set(query.sql, query);
    expect(distinct.size).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const query of distinct.values()) {
      let i = 0;
      const bound = query.sql.replace(/\?/g, () => query.params[i++]);
      for (const text of [query.sql, bound]) {
        try {
          parser.astify(text, { database: 'trino' });
        } catch (error) {
          failures.push(`${(error as Error).message.slice(0, 200)}\n${text}`);
        }
      }
      expect((query.sql.match(/\?/g) ?? []).length).toBe(query.params.length);
    }
    expect(failures).toEqual([]);
    // Coverage: one query shape at least per repository method.
    const shapes = [...distinct.keys()].join('\n');
    for (const table of TABLES) expect(shapes).toContain(table);
    expect(readdirSync(exportDir)).toEqual(expect.arrayContaining(TABLES));
  });
});
