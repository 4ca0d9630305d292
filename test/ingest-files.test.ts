import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { connect, openDuckDb, queryRows, quoteLiteral } from '../src/duckdb/duckdb';
import { RunRecord } from '../src/runs/run.model';
import { CUSTOMERS_CONTRACT, IngestConfig, ORDERS_CONTRACT } from './support/ingest-config';
import { PipelineHarness } from './support/pipeline-harness';

const AS_OF = '2025-01-01T00:00:00Z';

const SOURCES = {
  customers_gz: `name: customers_gz
kind: file
entity: customers
path: customers*.csv.gz
format: csv
csv: { delimiter: ';', quote: "'", header: true }
primary_key: [customer_id]
watermark: updated_at
evolution: strict
${CUSTOMERS_CONTRACT}`,
  products_nh: `name: products_nh
kind: file
entity: products
path: products*.txt
format: csv
csv: { header: false }
primary_key: [product_id]
watermark: updated_at
contract:
  product_id: { type: string, required: true }
  name: { type: string }
  category: { type: string }
  brand: { type: string }
  unit_price: { type: decimal, min: 0 }
  updated_at: { type: timestamp, required: true }`,
  orders_pq: `name: orders_pq
kind: file
entity: orders
path: orders*.parquet
format: parquet
primary_key: [order_id]
watermark: updated_at
evolution: add_columns
${ORDERS_CONTRACT}`,
  events_gz: `name: events_gz
kind: file
entity: events
path: events*.ndjson.gz
format: ndjson
primary_key: [event_id]
watermark: event_ts
evolution: ignore
contract:
  event_id: { type: string, required: true }
  customer_id: { type: string, required: true }
  event_ts: { type: timestamp, required: true }
  event_type: { type: string }
  session_id: { type: string }
  device: { type: string }
  product_id: { type: string }`,
};

const CUSTOMER_COLUMNS =
  'customer_id;email;phone;first_name;last_name;birth_date;street;city;state;postal_code;country;signup_at;marketing_opt_in;updated_at';

function bySource(run: RunRecord): Record<string, RunRecord['sources'][number]> {
  return Object.fromEntries(run.sources.map((s) => [s.name, s]));
}

async function writeParquet(path: string, select: string): Promise<void> {
  const instance = await openDuckDb(':memory:');
  const connection = await connect(instance);
  try {
    await connection.run(`copy (${select}) to ${quoteLiteral(path)} (format parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function parquetRows(path: string): Promise<Record<string, unknown>[]> {
  const instance = await openDuckDb(':memory:');
  const connection = await connect(instance);
  try {
    return await queryRows(connection, `select * from read_parquet(${quoteLiteral(path)}) order by all`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('ingest: file sources (CSV options, gzip, NDJSON, Parquet), drift and backfill windows', () => {
  let config: IngestConfig;
  let harness: PipelineHarness;

  beforeAll(async () => {
    config = new IngestConfig(SOURCES);
    harness = new PipelineHarness({ C360_AS_OF: AS_OF, C360_CONFIG_DIR: config.dir });
    const customers = [
      CUSTOMER_COLUMNS,
      "C1;anna@example.com;;Anna;'Smith; Jr';;;Berlin;;;de;;true;2024-01-01T00:00:00Z",
      'C2;bob@example.com;;Bob;Brown;;;;;;FR;;;2024-02-01T00:00:00+01:00',
      'C3;not-an-email;;Eve;Evil;;;;;;DE;;;2024-03-01T00:00:00Z',
    ].join('\n');
    writeFileSync(join(harness.dirs.landing, 'customers.csv.gz'), gzipSync(`${customers}\n`));
    harness.land(
      'products.txt',
      [
        'P1,Mug,kitchen,Acme,10.50,2024-01-01T00:00:00Z',
        'P2,Book,books,Pub,-1,2024-01-01T00:00:00Z',
        'P3,"Broken quote,books,Pub,1,2024-01-01T00:00:00Z',
      ].join('\n') + '\n',
    );
    await writeParquet(
      join(harness.dirs.landing, 'orders.parquet'),
      `select * from (values
         ('O1', 'C1', timestamptz '2024-06-01 10:00:00+02', 'Delivered', 'web', 'EUR', timestamp '2024-06-01 08:00:00', 'gift'),
         ('O2', 'C1', timestamptz '2024-07-01 10:00:00+00', 'shipped', 'app', 'EUR', null, null),
         ('O3', 'C2', timestamptz '2024-08-01 10:00:00+00', 'lost', 'web', 'EUR', timestamp '2024-08-01 10:00:00', null)
       ) t(order_id, customer_id, order_ts, status, channel, currency, updated_at, note)`,
    );
    const events = [
      '{"event_id":"E1","customer_id":"C1","event_ts":"2024-12-20T10:00:00Z","event_type":"view","extra":1}',
      '{"event_id":"E2","customer_id":"C2","event_ts":"2024-12-25T10:00:00Z","event_type":"view"}',
      '{"event_id":"E3","customer_id":"C1"',
      '{"event_id":"E4","customer_id":"C1","event_ts":"2024-11-01T00:00:00Z","event_type":"login"}',
    ].join('\n');
    writeFileSync(join(harness.dirs.landing, 'events.ndjson.gz'), gzipSync(`${events}\n`));
  });

  afterAll(() => {
    harness.cleanup();
    config.cleanup();
  });

  it('reads every format into bronze and quarantine with read = loaded + quarantined', async () => {
    const run = await harness.build();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    const sources = bySource(run);
    expect(sources.customers_gz).toMatchObject({ read: 3, loaded: 2, quarantined: 1, kind: 'file' });
    expect(sources.products_nh).toMatchObject({ read: 3, loaded: 1, quarantined: 2 });
    expect(sources.orders_pq).toMatchObject({ read: 3, loaded: 2, quarantined: 1 });
    expect(sources.events_gz).toMatchObject({ read: 4, loaded: 3, quarantined: 1 });
    for (const source of run.sources) expect(source.read).toBe(source.loaded + source.quarantined);
    // add_columns keeps the new Parquet column and records drift; ignore records drift only
    expect(run.drift).toEqual(
      expect.arrayContaining([
        { source: 'orders_pq', kind: 'new_column', column: 'note', file: 'orders.parquet' },
      ]),
    );

    const reasons = async (source: string): Promise<Array<Record<string, unknown>>> =>
      parquetRows(join(harness.dirs.quarantine, source, `${run.id}.parquet`));
    expect((await reasons('customers_gz')).map((r) => [r.reason, r.line, r.run_id])).toEqual([
      ['pattern:email', 4, run.id],
    ]);
    expect((await reasons('products_nh')).map((r) => [r.reason, r.line])).toEqual([
      ['malformed_record', 3],
      ['min:unit_price', 2],
    ]);
    const order = await reasons('orders_pq');
    expect(order.map((r) => [r.reason, r.line])).toEqual([['enum:status', 3]]);
    expect(JSON.parse(String(order[0].raw))).toMatchObject({ order_id: 'O3', status: 'lost' });
    expect((await reasons('events_gz')).map((r) => [r.reason, r.line])).toEqual([['invalid_json', 3]]);

    const bronze = await parquetRows(join(harness.dirs.bronze, 'orders_pq', `${run.id}.parquet`));
    expect(bronze.map((r) => [r.order_id, r.order_ts, r.status, r.updated_at, r.note])).toEqual([
      ['O1', '2024-06-01T08:00:00Z', 'delivered', '2024-06-01T08:00:00Z', 'gift'],
      ['O2', '2024-07-01T10:00:00Z', 'shipped', '2024-07-01T10:00:00Z', null],
    ]);
    const customers = await harness.snapshotRows(
      'select customer_id, last_name, country, orders_count, events_30d from customer_360 order by customer_id',
    );
    expect(customers).toEqual([
      { customer_id: 'C1', last_name: 'Smith; Jr', country: 'DE', orders_count: 2, events_30d: 1 },
      { customer_id: 'C2', last_name: 'Brown', country: 'FR', orders_count: 0, events_30d: 1 },
    ]);
    expect(sources.customers_gz.watermark_to).toBe('2024-01-31T23:00:00Z');
  });

  it('fails a strict source whose new file drifts, and the previous snapshot keeps serving', async () => {
    const before = harness.snapshots.readActive()?.snapshot_id;
    writeFileSync(
      join(harness.dirs.landing, 'customers-0002.csv.gz'),
      gzipSync(
        `${CUSTOMER_COLUMNS};loyalty_tier\nC4;dan@example.com;;Dan;Doe;;;;;;US;;;2024-04-01T00:00:00Z;gold\n`,
      ),
    );
    const run = await harness.build();
    expect(run.status).toBe('failed');
    expect(run.error).toContain('customers_gz');
    expect(run.error).toContain('new column(s) loyalty_tier');
    expect(run.error).toContain('evolution is strict');
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(before);
    // nothing of the failed run is left in bronze
    expect(readdirSync(join(harness.dirs.bronze, 'events_gz')).some((f) => f.startsWith(run.id))).toBe(false);

    // the same file under evolution `ignore` loads, the drift recorded on the run
    config.setSources({
      customers_gz: SOURCES.customers_gz.replace('evolution: strict', 'evolution: ignore'),
    });
    const next = await harness.build();
    expect(next.status).toBe('published');
    expect(bySource(next).customers_gz).toMatchObject({
      read: 1,
      loaded: 1,
      files: ['customers-0002.csv.gz'],
    });
    expect(next.drift).toEqual([
      {
        source: 'customers_gz',
        kind: 'new_column',
        column: 'loyalty_tier',
        file: 'customers-0002.csv.gz',
      },
    ]);
  });

  it('re-extracts a backfill window from the landing zone without moving watermarks or registrations', async () => {
    const previous = await harness.build();
    expect(previous.sources.every((s) => s.read === 0)).toBe(true);
    const run = await harness.build({
      trigger: 'backfill',
      window: { from: new Date('2024-12-01T00:00:00Z'), to: new Date('2025-01-01T00:00:00Z') },
    });
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    const sources = bySource(run);
    // events E1 and E2 lie in December; the broken line is quarantined again (nothing dropped silently)
    expect(sources.events_gz).toMatchObject({ read: 3, loaded: 2, quarantined: 1 });
    expect(sources.events_gz.watermark_to).toBe(sources.events_gz.watermark_from);
    expect(sources.orders_pq).toMatchObject({ loaded: 0 });
    // the next incremental run still reads nothing: the backfill registered no file
    const after = await harness.build();
    expect(after.sources.every((s) => s.read === 0)).toBe(true);
    const customers = await harness.snapshotRows(
      'select customer_id, events_30d from customer_360 order by 1',
    );
    expect(customers).toEqual([
      { customer_id: 'C1', events_30d: 1 },
      { customer_id: 'C2', events_30d: 1 },
      { customer_id: 'C4', events_30d: 0 },
    ]);
    expect(existsSync(join(harness.dirs.bronze, 'events_gz', `${run.id}.parquet`))).toBe(true);
  });
});
