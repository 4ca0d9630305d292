import { RunRecord } from '../src/runs/run.model';
import { CLOSED_PORT, pg, postgresUrl, uniqueName } from './support/databases';
import { serve } from './support/http';
import { CUSTOMERS_CONTRACT, IngestConfig, ORDERS_CONTRACT } from './support/ingest-config';
import { PipelineHarness } from './support/pipeline-harness';

const AS_OF = '2025-01-01T00:00:00Z';
const URL_ENV = 'C360_TEST_INGEST_PG_URL';
const CUSTOMERS = 1200;
const ORDERS = 2000;

function sources(schema: string): Record<string, string> {
  return {
    pg_customers: `name: pg_customers
kind: postgres
entity: customers
url_env: ${URL_ENV}
table: ${schema}.customers
page_size: 500
retries: 2
retry_backoff_ms: 20
connect_timeout_ms: 2000
primary_key: [customer_id]
watermark: updated_at
evolution: strict
${CUSTOMERS_CONTRACT}`,
    pg_orders: `name: pg_orders
kind: postgres
entity: orders
url_env: ${URL_ENV}
query: select o.* from ${schema}.orders o where ${schema}.c360_guard(o.order_id)
page_size: 500
retries: 2
retry_backoff_ms: 20
primary_key: [order_id]
watermark: updated_at
evolution: strict
${ORDERS_CONTRACT}`,
  };
}

describe('ingest: PostgreSQL sources (incremental on a watermark, paged, reconciled)', () => {
  let url: string;
  let schema: string;
  let config: IngestConfig;
  let harness: PipelineHarness;

  const build = (): Promise<RunRecord> => harness.build();
  const source = (run: RunRecord, name: string): RunRecord['sources'][number] => {
    const found = run.sources.find((s) => s.name === name);
    if (!found) throw new Error(`no source ${name} in run ${run.id}`);
    return found;
  };
  const dbCount = async (sql: string): Promise<number> => Number((await pg(url, sql))[0][0][0]);
  const guard = (mode: string): Promise<unknown> => pg(url, `update ${schema}.ctl set mode = '${mode}'`);

  beforeAll(async () => {
    url = await postgresUrl();
    process.env[URL_ENV] = url;
    schema = uniqueName('c360_ingest_pg');
    await pg(
      url,
      `create schema ${schema}`,
      `create table ${schema}.customers (
         customer_id text primary key, email text, phone text, first_name text, last_name text, birth_date date,
         street text, city text, state text, postal_code text, country text, signup_at timestamptz,
         marketing_opt_in boolean, updated_at timestamptz not null)`,
      `create index on ${schema}.customers (updated_at, customer_id)`,
      // updated_at without time zone: read as UTC
      `create table ${schema}.orders (
         order_id text primary key, customer_id text, order_ts timestamptz, status text, channel text,
         currency text, updated_at timestamp not null)`,
      `create index on ${schema}.orders (updated_at, order_id)`,
      `create table ${schema}.ctl (mode text)`,
      `insert into ${schema}.ctl values ('off')`,
      // Fails (or stalls) on one row: with the index the cursor evaluates it only when that page is fetched.
      `create function ${schema}.c360_guard(id text) returns boolean language plpgsql stable as $$
       declare m text;
       begin
         select mode into m from ${schema}.ctl;
         if m = 'fail' and id = 'O01600' then raise exception 'injected failure at a late row'; end if;
         if m = 'sleep' and id = 'O01600' then perform pg_sleep(2); end if;
         return true;
       end $$`,
      `insert into ${schema}.customers
       select 'C' || lpad(g::text, 5, '0'), 'user' || g || '@example.com', '+4930' || g, 'First' || g, 'Last' || g,
              date '1980-01-01' + g, 'Street ' || g, 'Berlin', 'BE', '10115', case when g % 3 = 0 then 'fr' else 'DE' end,
              timestamptz '2020-01-01 00:00:00+00' + g * interval '1 hour', g % 2 = 0,
              timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
       from generate_series(1, ${CUSTOMERS}) g`,
      // one customer breaks the contract (pattern:email)
      `update ${schema}.customers set email = 'not-an-email' where customer_id = 'C00007'`,
      `insert into ${schema}.orders
       select 'O' || lpad(g::text, 5, '0'), 'C' || lpad((1 + g % ${CUSTOMERS})::text, 5, '0'),
              timestamptz '2024-06-01 00:00:00+00' + g * interval '1 hour',
              case when g % 10 = 0 then 'cancelled' else 'delivered' end, 'web', 'EUR',
              timestamp '2024-06-01 00:00:00' + g * interval '1 hour'
       from generate_series(1, ${ORDERS}) g`,
      `analyze ${schema}.customers`,
      `analyze ${schema}.orders`,
    );
    config = new IngestConfig(sources(schema));
    harness = new PipelineHarness({ C360_AS_OF: AS_OF, C360_CONFIG_DIR: config.dir });
  });

  afterAll(async () => {
    harness?.cleanup();
    config?.cleanup();
    if (url && schema) await pg(url, `drop schema if exists ${schema} cascade`);
    delete process.env[URL_ENV];
  });

  it('loads a table and a query in pages, reconciled by count and hash total', async () => {
    const run = await build();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    expect(source(run, 'pg_customers')).toMatchObject({
      kind: 'postgres',
      read: CUSTOMERS,
      loaded: CUSTOMERS - 1,
      quarantined: 1,
      watermark_from: null,
      watermark_to: '2024-01-01T20:00:00Z',
      files: [`postgres:${schema}.customers`],
    });
    expect(source(run, 'pg_customers').hash_total).toMatchObject({ rows: CUSTOMERS, matches: true });
    expect(source(run, 'pg_orders')).toMatchObject({ read: ORDERS, loaded: ORDERS, quarantined: 0 });
    expect(source(run, 'pg_orders').hash_total?.matches).toBe(true);
    // the reconciliation is stored on the run and served by GET /v1/admin/runs/{id}
    const served = await serve(harness.config);
    try {
      const record = (await (await served.get(`/v1/admin/runs/${run.id}`)).json()) as RunRecord;
      expect(record.sources.find((s) => s.name === 'pg_customers')).toMatchObject({
        read: CUSTOMERS,
        loaded: CUSTOMERS - 1,
        quarantined: 1,
        hash_total: { rows: CUSTOMERS, matches: true, source: expect.stringMatching(/^[0-9a-f]{16}$/) },
      });
      // the bad database row is in quarantine: its row as the database sent it, and a reason
      const quarantine = (await (await served.get('/v1/admin/quarantine?source=pg_customers')).json()) as {
        data: Array<{ reason: string; raw: string; file: string; line: number; run_id: string }>;
      };
      expect(quarantine.data).toHaveLength(1);
      expect(quarantine.data[0]).toMatchObject({
        reason: 'pattern:email',
        file: `postgres:${schema}.customers`,
        run_id: run.id,
      });
      expect(JSON.parse(quarantine.data[0].raw)).toMatchObject({
        customer_id: 'C00007',
        email: 'not-an-email',
        marketing_opt_in: 'f',
      });
    } finally {
      await served.close();
    }
    const rows = await harness.snapshotRows<{ customer_id: string; country: string; orders_count: number }>(
      'select customer_id, country, orders_count, marketing_opt_in from customer_360 order by customer_id',
    );
    expect(rows).toHaveLength(CUSTOMERS - 1);
    expect(rows.find((r) => r.customer_id === 'C00003')).toMatchObject({
      country: 'FR',
      marketing_opt_in: false,
    });
    // counted orders per customer, computed by PostgreSQL itself
    const counted = await pg(
      url,
      `select customer_id, count(*)::int from ${schema}.orders where status <> 'cancelled' and customer_id <> 'C00007'
       group by customer_id`,
    );
    const expected = new Map(counted[0].map((r) => [String(r[0]), Number(r[1])]));
    for (const row of rows) expect(row.orders_count).toBe(expected.get(row.customer_id) ?? 0);
  });

  it('reads only inserts and updates after the committed watermark (key as tie-breaker)', async () => {
    await pg(
      url,
      // new rows at the very instant of the last row read (C01200): the key tells them apart
      `insert into ${schema}.customers (customer_id, email, country, updated_at)
       select 'C' || lpad(g::text, 5, '0'), 'new' || g || '@example.com', 'NL', timestamptz '2024-01-01 20:00:00+00'
       from generate_series(${CUSTOMERS + 1}, ${CUSTOMERS + 50}) g`,
      `update ${schema}.customers set country = 'AT', updated_at = timestamptz '2024-03-01 00:00:00+00'
       where customer_id = 'C00001'`,
    );
    const run = await build();
    expect(run.status).toBe('published');
    const customers = source(run, 'pg_customers');
    expect(customers).toMatchObject({ read: 51, loaded: 51, quarantined: 0 });
    expect(customers.watermark_from).toBe('2024-01-01T20:00:00Z');
    expect(customers.watermark_to).toBe('2024-03-01T00:00:00Z');
    expect(customers.hash_total).toMatchObject({ rows: 51, matches: true });
    expect(source(run, 'pg_orders')).toMatchObject({ read: 0 });
    const rows = await harness.snapshotRows(
      "select customer_id, country from customer_360 where customer_id in ('C00001', 'C01250') order by 1",
    );
    expect(rows).toEqual([
      { customer_id: 'C00001', country: 'AT' },
      { customer_id: 'C01250', country: 'NL' },
    ]);
    expect((await harness.snapshotRows('select count(*) as n from customer_360'))[0].n).toBe(CUSTOMERS + 49);
  });

  it('fails mid-extraction without moving anything, and the re-run recovers with nothing lost or doubled', async () => {
    await pg(
      url,
      `insert into ${schema}.orders
       select 'O' || lpad(g::text, 5, '0'), 'C00002', timestamptz '2024-12-01 00:00:00+00' + g * interval '1 minute',
              'placed', 'app', 'EUR', timestamp '2024-12-01 00:00:00' + g * interval '1 minute'
       from generate_series(${ORDERS + 1}, ${ORDERS + 700}) g`,
      `update ${schema}.orders set status = 'shipped', updated_at = timestamp '2024-12-31 00:00:00'
       where order_id = 'O01600'`,
    );
    const active = harness.snapshots.readActive()?.snapshot_id;
    await guard('fail');
    const failed = await build();
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('source pg_orders');
    expect(failed.error).toContain('injected failure');
    expect(failed.steps.find((s) => s.name === 'extract')?.status).toBe('failed');
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(active);

    await guard('off');
    const recovered = await build();
    expect(recovered.status).toBe('published');
    // the whole window again: the 700 new orders and the one updated
    expect(source(recovered, 'pg_orders')).toMatchObject({ read: 701, loaded: 701 });
    expect(source(recovered, 'pg_orders').hash_total?.matches).toBe(true);
    const orders = await harness.snapshotRows<{ n: number; ids: number; shipped: number }>(
      `select count(*) as n, count(distinct order_id) as ids, count(*) filter (where order_id = 'O01600' and status = 'shipped') as shipped
       from fact_orders`,
    );
    expect(orders[0]).toEqual({ n: ORDERS + 700, ids: ORDERS + 700, shipped: 1 });
    expect(orders[0].n).toBe(await dbCount(`select count(*) from ${schema}.orders`));

    // the same state a single full load of the same database reaches
    const fresh = new PipelineHarness({ C360_AS_OF: AS_OF, C360_CONFIG_DIR: config.dir });
    try {
      expect((await fresh.build({ mode: 'full' })).status).toBe('published');
      const query = 'select * exclude (customer_sk) from customer_360 order by customer_id';
      expect(await harness.snapshotRows(query)).toEqual(await fresh.snapshotRows(query));
    } finally {
      fresh.cleanup();
    }
  });

  it('a run cancelled mid-extraction moves nothing; the next run reads the same window', async () => {
    // 1201 changed orders; the guard stalls on O01600, the last of them (third page)
    await pg(
      url,
      `update ${schema}.orders
       set updated_at = timestamp '2025-02-01 00:00:00' + cast(substr(order_id, 2) as int) * interval '1 second'
       where order_id >= 'O01500'`,
      `update ${schema}.orders set updated_at = timestamp '2025-03-01 00:00:00' where order_id = 'O01600'`,
    );
    const expected = await dbCount(`select count(*) from ${schema}.orders where order_id >= 'O01500'`);
    expect(expected).toBe(1201);
    await guard('sleep');
    try {
      const started = await harness.coordinator.trigger({ mode: 'incremental', trigger: 'cli' });
      // cancel while the reader waits for a page
      for (let i = 0; i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const [rows] = await pg(
          url,
          `select 1 from pg_stat_activity where application_name = 'c360-ingest' and query like 'fetch%' and state = 'active'`,
        );
        if (rows.length > 0) break;
      }
      const cancelled = await harness.coordinator.cancel(started.id);
      expect(cancelled?.status).toBe('cancelled');
      expect(cancelled?.snapshot_id).toBeNull();
    } finally {
      await guard('off');
    }
    const run = await build();
    expect(run.status).toBe('published');
    expect(source(run, 'pg_orders')).toMatchObject({ read: expected, loaded: expected });
    const [ids] = await harness.snapshotRows<{ n: number; d: number }>(
      'select count(*) as n, count(distinct order_id) as d from fact_orders',
    );
    expect(ids).toEqual({ n: ORDERS + 700, d: ORDERS + 700 });
  });

  it('survives a dropped connection mid-extraction (reconnects and continues after the last row)', async () => {
    await pg(
      url,
      `update ${schema}.orders set updated_at = updated_at + interval '400 days' where order_id >= 'O01000' and order_id < 'O02000'`,
    );
    await guard('sleep');
    try {
      const running = harness.build();
      // the reader stalls on one row; drop its connection while it waits
      let terminated = 0;
      for (let i = 0; i < 100 && terminated === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const [rows] = await pg(
          url,
          `select pg_terminate_backend(pid) from pg_stat_activity
           where application_name = 'c360-ingest' and query like 'fetch%' and state = 'active'`,
        );
        terminated = rows.length;
      }
      await guard('off');
      const run = await running;
      expect(terminated).toBe(1);
      expect(run.status).toBe('published');
      expect(source(run, 'pg_orders')).toMatchObject({ read: 1000, loaded: 1000 });
      expect(source(run, 'pg_orders').hash_total?.matches).toBe(true);
      const [ids] = await harness.snapshotRows<{ n: number; d: number }>(
        'select count(*) as n, count(distinct order_id) as d from fact_orders',
      );
      expect(ids).toEqual({ n: ORDERS + 700, d: ORDERS + 700 });
    } finally {
      await guard('off');
    }
  });

  it('a source that is down fails the run after bounded retries; the previous snapshot keeps serving', async () => {
    const active = harness.snapshots.readActive()?.snapshot_id;
    process.env[URL_ENV] = `postgres://postgres@127.0.0.1:${CLOSED_PORT}/test`;
    const started = Date.now();
    try {
      const run = await build();
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/source pg_\w+: postgres unreachable after 3 attempt\(s\) \(ECONNREFUSED\)/);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      process.env[URL_ENV] = url;
    }
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(active);
    expect((await harness.snapshotRows('select count(*) as n from customer_360'))[0].n).toBe(CUSTOMERS + 49);
    // and once it is back, nothing was missed
    const back = await build();
    expect(back.status).toBe('published');
    expect(back.sources.every((s) => s.read === 0)).toBe(true);
  });
});
