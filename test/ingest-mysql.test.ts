import { RunRecord } from '../src/runs/run.model';
import { CLOSED_PORT, my, MYSQL_URL, uniqueName } from './support/databases';
import { CUSTOMERS_CONTRACT, IngestConfig } from './support/ingest-config';
import { PipelineHarness } from './support/pipeline-harness';

const AS_OF = '2025-01-01T00:00:00Z';
const URL_ENV = 'C360_TEST_INGEST_MYSQL_URL';
const CUSTOMERS = 900;

describe('ingest: MySQL/MariaDB sources (incremental on a watermark, paged, reconciled)', () => {
  let table: string;
  let guardFn: string;
  let ctl: string;
  let config: IngestConfig;
  let harness: PipelineHarness;

  const source = (run: RunRecord): RunRecord['sources'][number] => {
    const found = run.sources.find((s) => s.name === 'my_customers');
    if (!found) throw new Error('no my_customers');
    return found;
  };

  beforeAll(async () => {
    process.env[URL_ENV] = MYSQL_URL;
    table = uniqueName('c360_customers');
    guardFn = uniqueName('c360_guard');
    ctl = uniqueName('c360_ctl');
    await my(
      `create table ${table} (
         CustomerID varchar(16) primary key, email varchar(200), phone varchar(40), first_name varchar(100),
         last_name varchar(100), birth_date date, street varchar(200), city varchar(100), state varchar(100),
         postal_code varchar(20), country varchar(10), signup_at datetime(6) null,
         marketing_opt_in tinyint(1), updated_at timestamp(6) not null default current_timestamp(6),
         key by_watermark (updated_at, CustomerID))`,
      `create table ${ctl} (mode varchar(10))`,
      `insert into ${ctl} values ('off')`,
      `create function ${guardFn}(id varchar(16)) returns int deterministic reads sql data
       begin
         if (select mode from ${ctl} limit 1) = 'fail' and id = 'C00650' then
           signal sqlstate '45000' set message_text = 'injected failure at a late row';
         end if;
         return 1;
       end`,
    );
    const values: string[] = [];
    for (let n = 1; n <= CUSTOMERS; n++) {
      const minute = String(n % 60).padStart(2, '0');
      const hour = String(Math.floor(n / 60)).padStart(2, '0');
      values.push(
        `('C${String(n).padStart(5, '0')}', 'user${n}@example.com', null, 'First${n}', 'Last${n}', '1985-05-05', null, ` +
          `'Paris', null, '75001', '${n % 4 === 0 ? 'es' : 'FR'}', '2020-02-02 10:00:00.5', ${n % 2}, ` +
          `'2024-02-01 ${hour}:${minute}:00.000001')`,
      );
    }
    await my(`insert into ${table} values ${values.join(', ')}`);
    config = new IngestConfig({
      my_customers: `name: my_customers
kind: mysql
entity: customers
url_env: ${URL_ENV}
query: select * from ${table} where ${guardFn}(CustomerID) = 1
rename: { CustomerID: customer_id }
page_size: 250
retries: 1
retry_backoff_ms: 20
connect_timeout_ms: 2000
primary_key: [customer_id]
watermark: updated_at
evolution: strict
${CUSTOMERS_CONTRACT}`,
    });
    harness = new PipelineHarness({ C360_AS_OF: AS_OF, C360_CONFIG_DIR: config.dir });
  });

  afterAll(async () => {
    harness?.cleanup();
    config?.cleanup();
    await my(
      `drop table if exists ${table}`,
      `drop table if exists ${ctl}`,
      `drop function if exists ${guardFn}`,
    );
    delete process.env[URL_ENV];
  });

  it('loads the initial rows in pages with MySQL types as contract text', async () => {
    const run = await harness.build();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    expect(source(run)).toMatchObject({
      kind: 'mysql',
      read: CUSTOMERS,
      loaded: CUSTOMERS,
      quarantined: 0,
      watermark_to: '2024-02-01T15:00:00.000001Z',
      files: ['mysql:query'],
    });
    expect(source(run).hash_total).toMatchObject({ rows: CUSTOMERS, matches: true });
    const rows = await harness.snapshotRows(
      "select customer_id, country, marketing_opt_in, signup_at from customer_360 where customer_id in ('C00001', 'C00004') order by 1",
    );
    expect(rows).toEqual([
      { customer_id: 'C00001', country: 'FR', marketing_opt_in: true, signup_at: '2020-02-02T10:00:00.5Z' },
      { customer_id: 'C00004', country: 'ES', marketing_opt_in: false, signup_at: '2020-02-02T10:00:00.5Z' },
    ]);
  });

  it('reads inserts and updates after the watermark, then recovers from a failure mid-extraction', async () => {
    await my(
      `update ${table} set email = 'not-an-email', updated_at = '2024-03-01 00:00:00' where CustomerID = 'C00010'`,
      `update ${table} set country = 'PT', updated_at = '2024-03-01 00:30:00' where CustomerID between 'C00301' and 'C00600'`,
      // the guard fails on this row, on the second page of the read
      `update ${table} set country = 'BE', updated_at = '2024-03-01 01:00:00' where CustomerID = 'C00650'`,
      `insert into ${table} (CustomerID, email, country, updated_at)
       values ('C09001', 'a@example.com', 'IT', '2024-03-02 00:00:00'), ('C09002', 'b@example.com', 'IT', '2024-03-02 00:00:00')`,
    );
    const active = harness.snapshots.readActive()?.snapshot_id;
    await my(`update ${ctl} set mode = 'fail'`);
    const failed = await harness.build();
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('source my_customers: mysql failed (ER_SIGNAL_EXCEPTION)');
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(active);

    await my(`update ${ctl} set mode = 'off'`);
    const run = await harness.build();
    expect(run.status).toBe('published');
    expect(source(run)).toMatchObject({
      read: 304,
      loaded: 303,
      quarantined: 1,
      watermark_from: '2024-02-01T15:00:00.000001Z',
      watermark_to: '2024-03-02T00:00:00Z',
    });
    expect(source(run).hash_total?.matches).toBe(true);
    const rows = await harness.snapshotRows<{ customer_id: string; country: string; email: string }>(
      "select customer_id, country, email from customer_360 where customer_id in ('C00010', 'C00400', 'C00650', 'C09002') order by 1",
    );
    // C00010's bad update is quarantined: the customer keeps the last good version
    expect(rows).toEqual([
      { customer_id: 'C00010', country: 'FR', email: 'user10@example.com' },
      { customer_id: 'C00400', country: 'PT', email: 'user400@example.com' },
      { customer_id: 'C00650', country: 'BE', email: 'user650@example.com' },
      { customer_id: 'C09002', country: 'IT', email: 'b@example.com' },
    ]);
    const [count] = await harness.snapshotRows<{ n: number; d: number }>(
      'select count(*) as n, count(distinct customer_id) as d from customer_360',
    );
    expect(count).toEqual({ n: CUSTOMERS + 2, d: CUSTOMERS + 2 });
  });

  it('a source that is down fails the run after bounded retries; the previous snapshot keeps serving', async () => {
    const active = harness.snapshots.readActive()?.snapshot_id;
    process.env[URL_ENV] = `mysql://root@127.0.0.1:${CLOSED_PORT}/test`;
    try {
      const run = await harness.build();
      expect(run.status).toBe('failed');
      expect(run.error).toContain('source my_customers: mysql unreachable after 2 attempt(s) (ECONNREFUSED)');
    } finally {
      process.env[URL_ENV] = MYSQL_URL;
    }
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(active);
    const back = await harness.build();
    expect(back.status).toBe('published');
    expect(source(back).read).toBe(0);
  });
});
