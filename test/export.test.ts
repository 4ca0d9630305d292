import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogLevel } from '../src/common/logger';
import { C360Config } from '../src/config/config';
import { connect, openDuckDb, queryRows, quoteLiteral, Row } from '../src/duckdb/duckdb';
import { exportGold, ExportResult } from '../src/export/gold-export';
import { generateSources } from '../src/generate/generator';
import { runCli } from './support/cli';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';
import { LocalS3, S3_CREDENTIALS } from './support/s3';

const AS_OF = new Date('2025-01-01T06:00:00Z');
const EXPORTED = [
  'customer_360',
  'dim_customer',
  'dim_date',
  'dim_product',
  'fact_events',
  'fact_order_lines',
  'fact_orders',
  'orders_daily',
  'product_performance',
  'segment_summary',
];

/** Rows of Parquet files read back with DuckDB (Hive partitions as columns). */
async function parquetRows(glob: string, sql: (from: string) => string): Promise<Row[]> {
  const instance = await openDuckDb(':memory:');
  const connection = await connect(instance);
  try {
    return await queryRows(connection, sql(`read_parquet(${quoteLiteral(glob)}, hive_partitioning = true)`));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('c360 export', () => {
  let harness: PipelineHarness;
  const dirs: string[] = [];

  beforeAll(async () => {
    setLogLevel('silent');
    harness = new PipelineHarness({ LOG_LEVEL: 'silent' });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.003, seed: 8, changes: false, dirty: 0 });
    const run = await harness.build({ mode: 'full', asOf: AS_OF });
    expect(run.status).toBe('published');
  });
  afterAll(() => {
    harness.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'c360-export-'));
    dirs.push(dir);
    return dir;
  }

  it('writes every gold table as Parquet (facts by month) with the snapshot rows, PII masked for the role', async () => {
    const target = tempDir();
    const result = await exportGold(harness.config, { target, role: 'analyst' });
    const manifest = harness.snapshots.readManifest(result.snapshot_id);
    expect(result.tables.map((t) => t.table).sort()).toEqual(EXPORTED);
    expect(existsSync(join(target, 'int_customer_metrics'))).toBe(false);

    for (const table of result.tables) {
      const [{ n }] = await parquetRows(
        `${target}/${table.table}/**/*.parquet`,
        (from) => `select count(*) as n from ${from}`,
      );
      expect({ table: table.table, rows: n }).toEqual({
        table: table.table,
        rows: manifest?.tables[table.table].rows,
      });
    }
    const orders = result.tables.find((t) => t.table === 'fact_orders');
    expect(orders).toMatchObject({ partitioned_by: 'order_month' });
    const months = readdirSync(join(target, 'fact_orders'));
    expect(months.length).toBeGreaterThan(1);
    expect(months.every((m) => /^order_month=\d{4}-\d{2}$/.test(m))).toBe(true);
    // a partition holds exactly its month's rows
    const [wrong] = await parquetRows(
      `${target}/fact_orders/**/*.parquet`,
      (from) => `select count(*) as n from ${from} where strftime(order_date, '%Y-%m') <> order_month`,
    );
    expect(wrong.n).toBe(0);

    // same values as the snapshot for what is not PII; PII masked like the API does for analysts
    const exported = await parquetRows(
      `${target}/customer_360/*.parquet`,
      (from) =>
        `select customer_id, email, phone, street, lifetime_value, segment from ${from} order by customer_id`,
    );
    const served = await harness.snapshotRows(
      'select customer_id, email, lifetime_value, segment from customer_360 order by customer_id',
    );
    expect(exported.map((r) => [r.customer_id, r.lifetime_value, r.segment])).toEqual(
      served.map((r) => [r.customer_id, r.lifetime_value, r.segment]),
    );
    exported.forEach((row, i) => {
      const email = String(served[i].email);
      expect(row.email).toBe(`${email[0]}***${email.slice(email.indexOf('@'))}`);
      expect(row.street).toBeNull();
    });
    expect(result.tables.find((t) => t.table === 'customer_360')?.masked_columns).toEqual(
      expect.arrayContaining(['email', 'phone', 'first_name', 'last_name', 'birth_date', 'street', 'city']),
    );

    const admin = await exportGold(harness.config, { target: tempDir(), role: 'admin' });
    expect(admin.tables.every((t) => t.masked_columns.length === 0)).toBe(true);
  });

  it('writes Athena DDL: one CREATE EXTERNAL TABLE per table, Athena types, partition projection', async () => {
    const target = tempDir();
    await exportGold(harness.config, { target, role: 'analyst', location: 's3://lake/c360/gold' });
    const ddl = readFileSync(join(target, 'athena.sql'), 'utf8');
    const statements = ddl.split(';').filter((s) => s.includes('CREATE EXTERNAL TABLE'));
    expect(statements).toHaveLength(EXPORTED.length);
    const c360 = statements.find((s) => s.includes('`c360`.`customer_360`')) ?? '';
    expect(c360).toContain('`lifetime_value` decimal(18,2)');
    expect(c360).toContain('`customer_sk` bigint');
    expect(c360).toContain('`last_order_at` timestamp');
    expect(c360).toContain('`email` string');
    expect(c360).toContain("LOCATION 's3://lake/c360/gold/customer_360/'");
    expect(c360).not.toContain('PARTITIONED BY');
    const lines = statements.find((s) => s.includes('`fact_order_lines`')) ?? '';
    expect(lines).toContain('PARTITIONED BY (`order_month` string)');
    expect(lines).not.toMatch(/`order_month` string,\n/); // not a data column
    expect(lines).toContain("'projection.enabled' = 'true'");
    expect(lines).toMatch(/'projection\.order_month\.range' = '\d{4}-\d{2},NOW'/);
    expect(lines).toContain(
      "'storage.location.template' = 's3://lake/c360/gold/fact_order_lines/order_month=${order_month}/'",
    );
    const dimDate = statements.find((s) => s.includes('`dim_date`')) ?? '';
    expect(dimDate).toContain('`date_day` date');
    expect(dimDate).toContain('`is_weekend` boolean');
  });

  it('uploads to s3:// (an S3-compatible server on loopback) and removes objects a previous export left', async () => {
    const s3 = new LocalS3(tempDir(), 'gold-bucket');
    await s3.start();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    });
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_CREDENTIALS,
    });
    try {
      await s3.put('exports/c360/fact_orders/order_month=1999-01/part-0.parquet', 'stale');
      await s3.put('exports/other/keep.txt', 'not ours');
      const config = C360Config.fromEnv({
        C360_DATA_DIR: harness.root,
        AUTH_JWT_SECRET: TEST_SECRET,
        C360_SCHEDULE: 'off',
        C360_EXPORT_S3_ENDPOINT: s3.endpoint,
        AWS_REGION: 'us-east-1',
      });
      const result: ExportResult = await exportGold(config, {
        target: 's3://gold-bucket/exports/c360',
        role: 'analyst',
      });
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: 'gold-bucket', Prefix: 'exports/' }),
      );
      const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
      expect(keys).toContain('exports/c360/athena.sql');
      expect(keys).toContain('exports/c360/_manifest.json');
      expect(keys).toContain('exports/c360/customer_360/part-0.parquet');
      expect(
        keys.some((k) => /^exports\/c360\/fact_events\/event_month=\d{4}-\d{2}\/part-0\.parquet$/.test(k)),
      ).toBe(true);
      expect(keys).not.toContain('exports/c360/fact_orders/order_month=1999-01/part-0.parquet');
      expect(keys).toContain('exports/other/keep.txt');
      const files = result.tables.reduce((n, t) => n + t.files, 0);
      expect(keys.filter((k) => k.startsWith('exports/c360/') && k.endsWith('.parquet'))).toHaveLength(files);
      const ddl = await client.send(
        new GetObjectCommand({ Bucket: 'gold-bucket', Key: 'exports/c360/athena.sql' }),
      );
      expect(await ddl.Body?.transformToString()).toContain(
        "LOCATION 's3://gold-bucket/exports/c360/fact_orders/'",
      );
    } finally {
      process.env = saved;
      client.destroy();
      await s3.stop();
    }
  });

  it('the command answers bad arguments with one line and a non-zero exit', () => {
    const env = { C360_DATA_DIR: harness.root, AUTH_JWT_SECRET: TEST_SECRET };
    const missing = runCli(['export'], env);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr.trim().split('\n')[0]).toBe(
      "c360: required option '--target <dir|s3uri>' not specified",
    );
    const role = runCli(['export', '--target', tempDir(), '--role', 'nobody'], env);
    expect(role.status).toBe(1);
    expect(role.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^c360: --role nobody: unknown role/),
    ]);
    const uri = runCli(['export', '--target', 's3://'], env);
    expect(uri.status).toBe(1);
    const ok = runCli(['export', '--target', tempDir()], env);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('fact_orders');
  });
});
