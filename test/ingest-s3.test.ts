import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { connect, openDuckDb, quoteLiteral } from '../src/duckdb/duckdb';
import { RunRecord } from '../src/runs/run.model';
import { uniqueName } from './support/databases';
import { IngestConfig, ORDERS_CONTRACT } from './support/ingest-config';
import { PipelineHarness } from './support/pipeline-harness';
import { LocalS3, S3_CREDENTIALS } from './support/s3';

const ENDPOINT_ENV = 'C360_TEST_INGEST_S3_ENDPOINT';
const ORDER_HEADER = 'order_id,customer_id,order_ts,status,channel,currency,updated_at';

function orders(from: number, to: number, extra: string[] = []): Buffer {
  const rows: string[] = [];
  for (let n = from; n <= to; n++) {
    rows.push(
      `O${n},C${n % 7},2024-05-0${1 + (n % 9)}T10:00:00Z,delivered,web,EUR,2024-05-0${1 + (n % 9)}T10:00:00Z`,
    );
  }
  return gzipSync([ORDER_HEADER, ...rows, ...extra].join('\n') + '\n');
}

async function parquetObject(select: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'c360-s3-parquet-'));
  const path = join(dir, 'products.parquet');
  const instance = await openDuckDb(':memory:');
  const connection = await connect(instance);
  try {
    await connection.run(`copy (${select}) to ${quoteLiteral(path)} (format parquet)`);
    const { readFileSync } = await import('node:fs');
    return readFileSync(path);
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ingest: S3 sources against an S3-compatible server on loopback', () => {
  const saved: Record<string, string | undefined> = {};
  let storage: string;
  let s3: LocalS3;
  let config: IngestConfig;
  let harness: PipelineHarness;
  const source = (run: RunRecord, name: string): RunRecord['sources'][number] | undefined =>
    run.sources.find((s) => s.name === name);

  beforeAll(async () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', ENDPOINT_ENV])
      saved[name] = process.env[name];
    storage = mkdtempSync(join(tmpdir(), 'c360-s3rver-'));
    s3 = new LocalS3(storage, uniqueName('c360-ingest').replace(/_/g, '-'));
    await s3.start();
    process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
    process.env[ENDPOINT_ENV] = s3.endpoint;
    config = new IngestConfig({
      s3_orders: `name: s3_orders
kind: s3
entity: orders
bucket: ${s3.bucket}
prefix: exports/orders/
pattern: 'orders*.csv.gz'
endpoint_env: ${ENDPOINT_ENV}
region: eu-central-1
retries: 1
format: csv
primary_key: [order_id]
watermark: updated_at
${ORDERS_CONTRACT}`,
      s3_products: `name: s3_products
kind: s3
entity: products
bucket: ${s3.bucket}
prefix: exports/products/
endpoint_env: ${ENDPOINT_ENV}
format: parquet
primary_key: [product_id]
watermark: updated_at
contract:
  product_id: { type: string, required: true }
  name: { type: string }
  category: { type: string }
  brand: { type: string }
  unit_price: { type: decimal, min: 0 }
  updated_at: { type: timestamp, required: true }`,
    });
    harness = new PipelineHarness({ C360_AS_OF: '2025-01-01T00:00:00Z', C360_CONFIG_DIR: config.dir });
  });

  afterAll(async () => {
    await s3?.stop().catch(() => undefined);
    harness?.cleanup();
    config?.cleanup();
    rmSync(storage, { recursive: true, force: true });
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('lists by prefix and pattern and loads gzip CSV and Parquet objects', async () => {
    await s3.put(
      'exports/orders/orders.csv.gz',
      orders(1, 40, ['O999,,2024-05-01T10:00:00Z,placed,web,EUR,']),
    );
    await s3.put('exports/orders/README.txt', 'not data');
    await s3.put('exports/elsewhere/orders.csv.gz', orders(500, 510));
    await s3.put(
      'exports/products/products.parquet',
      await parquetObject(
        `select * from (values ('P1', 'Mug', 'kitchen', 'Acme', 12.5::decimal(10,2), timestamp '2024-01-01 00:00:00'),
                               ('P2', 'Cup', 'kitchen', 'Acme', -1.0::decimal(10,2), timestamp '2024-01-01 00:00:00'))
         t(product_id, name, category, brand, unit_price, updated_at)`,
      ),
    );
    const run = await harness.build();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    expect(source(run, 's3_orders')).toMatchObject({
      kind: 's3',
      read: 41,
      loaded: 40,
      quarantined: 1,
      files: [`s3://${s3.bucket}/exports/orders/orders.csv.gz`],
    });
    expect(source(run, 's3_products')).toMatchObject({ read: 2, loaded: 1, quarantined: 1 });
    const [counts] = await harness.snapshotRows('select count(*) as n from fact_orders');
    expect(counts.n).toBe(40);
    expect(await harness.snapshotRows('select product_id, unit_price from dim_product')).toEqual([
      { product_id: 'P1', unit_price: 12.5 },
    ]);
  });

  it('reads only the objects that are new since the last published run', async () => {
    await s3.put('exports/orders/orders-0002.csv.gz', orders(41, 60));
    const run = await harness.build();
    expect(run.status).toBe('published');
    expect(source(run, 's3_orders')).toMatchObject({
      read: 20,
      loaded: 20,
      files: [`s3://${s3.bucket}/exports/orders/orders-0002.csv.gz`],
    });
    expect(source(run, 's3_products')?.read).toBe(0);
    // an object re-uploaded under its key is new data
    await s3.put('exports/orders/orders-0002.csv.gz', orders(41, 61));
    const again = await harness.build();
    expect(source(again, 's3_orders')).toMatchObject({ read: 21, loaded: 21 });
    const [counts] = await harness.snapshotRows(
      'select count(*) as n, count(distinct order_id) as d from fact_orders',
    );
    expect(counts).toEqual({ n: 61, d: 61 });
  });

  it('fails clearly while the store is down, keeps the snapshot, and loads what it missed once back', async () => {
    const active = harness.snapshots.readActive()?.snapshot_id;
    await s3.stop();
    try {
      const run = await harness.build();
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/source s3_\w+: s3 list failed after 2 attempt\(s\)/);
      expect(harness.snapshots.readActive()?.snapshot_id).toBe(active);
    } finally {
      await s3.start();
    }
    await s3.put('exports/orders/orders-0003.csv.gz', orders(62, 70));
    const run = await harness.build();
    expect(run.status).toBe('published');
    expect(source(run, 's3_orders')).toMatchObject({
      read: 9,
      files: [`s3://${s3.bucket}/exports/orders/orders-0003.csv.gz`],
    });
    const [counts] = await harness.snapshotRows('select count(*) as n from fact_orders');
    expect(counts.n).toBe(70);
  });

  it('re-reads every object for a backfill window, keeping the rows inside it and registering nothing', async () => {
    const run = await harness.build({
      trigger: 'backfill',
      window: { from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') },
    });
    expect(run.status).toBe('published');
    // orders n with n % 9 = 0 are dated 2024-05-01 (7 of them, in all three objects); the bad
    // order is quarantined again
    expect(source(run, 's3_orders')).toMatchObject({ read: 8, loaded: 7, quarantined: 1 });
    expect(source(run, 's3_orders')?.files).toHaveLength(3);
    expect(source(run, 's3_orders')?.watermark_to).toBe(source(run, 's3_orders')?.watermark_from);
    const next = await harness.build();
    expect(source(next, 's3_orders')?.read).toBe(0);
    const [counts] = await harness.snapshotRows('select count(*) as n from fact_orders');
    expect(counts.n).toBe(70);
  });
});
