import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTableCommand,
  GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogLevel } from '../src/common/logger';
import { C360Config } from '../src/config/config';
import { connect, openDuckDb, queryRows, quoteLiteral, Row } from '../src/duckdb/duckdb';
import { exportGold, ExportResult } from '../src/export/gold-export';
import { S3ObjectStore } from '../src/export/object-store';
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

  it('uploads a file larger than the part size as a multipart upload (S3-compatible server on loopback)', async () => {
    const s3 = new LocalS3(tempDir(), 'big-bucket');
    await s3.start();
    const commands: string[] = [];
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_CREDENTIALS,
    });
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    const partSize = 5 * 1024 * 1024;
    const store = new S3ObjectStore('big-bucket', {
      region: 'us-east-1',
      endpoint: s3.endpoint,
      partSizeBytes: partSize,
      client,
    });
    try {
      const file = join(tempDir(), 'big.parquet');
      const content = randomBytes(2 * partSize + 123_457);
      writeFileSync(file, content);
      const put = await store.put('exports/big/part-0.parquet', file);
      expect(put).toEqual({ key: 'exports/big/part-0.parquet', bytes: content.length, parts: 3 });
      expect(commands.filter((c) => c === 'CreateMultipartUploadCommand')).toHaveLength(1);
      expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
      expect(commands.filter((c) => c === 'CompleteMultipartUploadCommand')).toHaveLength(1);
      expect(commands).not.toContain('PutObjectCommand');
      const got = await client.send(
        new GetObjectCommand({ Bucket: 'big-bucket', Key: 'exports/big/part-0.parquet' }),
      );
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      expect(bytes.equals(content)).toBe(true);

      // A file within one part goes up as one PutObject.
      commands.length = 0;
      const small = join(tempDir(), 'small.txt');
      writeFileSync(small, 'small');
      expect((await store.put('exports/big/small.txt', small)).parts).toBe(1);
      expect(commands).toEqual(['PutObjectCommand']);
    } finally {
      store.close();
      await s3.stop();
    }
  });

  it('registers the tables in Glue after the upload: created, then updated; customer_360 (the pointer) last', async () => {
    const glue = mockClient(GlueClient);
    const s3 = new LocalS3(tempDir(), 'gold-bucket');
    await s3.start();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    });
    try {
      const config = C360Config.fromEnv({
        C360_DATA_DIR: harness.root,
        AUTH_JWT_SECRET: TEST_SECRET,
        C360_SCHEDULE: 'off',
        C360_EXPORT_S3_ENDPOINT: s3.endpoint,
        AWS_REGION: 'us-east-1',
        ATHENA_DATABASE: 'c360_gold',
      });
      // Athena masks per caller in SQL: a masked export must not be registered for it.
      await expect(exportGold(config, { target: 's3://gold-bucket/lake', role: 'analyst' })).rejects.toThrow(
        /--role analyst: tables registered for the Athena engine need PII in clear/,
      );
      expect(glue.calls()).toHaveLength(0);

      const notFound = new EntityNotFoundException({ message: 'not found', $metadata: {} });
      glue.on(GetDatabaseCommand).rejects(notFound);
      glue.on(GetTableCommand).rejects(notFound);
      glue.on(CreateDatabaseCommand).resolves({});
      glue.on(CreateTableCommand).resolves({});
      const first = await exportGold(config, { target: 's3://gold-bucket/lake', role: 'admin' });
      expect(first.catalog).toEqual({ database: 'c360_gold', created: expect.any(Array), updated: [] });
      expect(first.upload).toMatchObject({ multipart_files: 0, part_size: 16 * 1024 * 1024 });
      expect(glue.commandCalls(CreateDatabaseCommand)[0].args[0].input.DatabaseInput?.Name).toBe('c360_gold');
      const created = glue.commandCalls(CreateTableCommand).map((c) => c.args[0].input);
      expect(created.map((t) => t.TableInput?.Name).sort()).toEqual(EXPORTED);
      expect(created[created.length - 1].TableInput?.Name).toBe('customer_360');
      for (const input of created) {
        expect(input.DatabaseName).toBe('c360_gold');
        expect(input.TableInput?.Parameters?.['c360.snapshot_id']).toBe(first.snapshot_id);
        expect(input.TableInput?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
          'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        );
        expect(input.TableInput?.StorageDescriptor?.Location).toBe(
          `s3://gold-bucket/lake/${input.TableInput?.Name}/`,
        );
      }
      const orders = created.find((t) => t.TableInput?.Name === 'fact_orders')?.TableInput;
      expect(orders?.PartitionKeys).toEqual([{ Name: 'order_month', Type: 'string' }]);
      expect(orders?.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.order_month.type': 'date',
        'storage.location.template': 's3://gold-bucket/lake/fact_orders/order_month=${order_month}/',
      });
      expect(orders?.StorageDescriptor?.Columns?.find((c) => c.Name === 'order_amount')?.Type).toMatch(
        /^decimal\(\d+,\d+\)$/,
      );
      expect(orders?.StorageDescriptor?.Columns?.some((c) => c.Name === 'order_month')).toBe(false);
      const c360 = created.find((t) => t.TableInput?.Name === 'customer_360')?.TableInput;
      expect(c360?.PartitionKeys).toEqual([]);
      expect(c360?.StorageDescriptor?.Columns).toContainEqual({ Name: 'email', Type: 'string' });

      // Exported again: the tables exist, so they are updated (same order, pointer last).
      glue.reset();
      glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'c360_gold' } });
      glue.on(GetTableCommand).resolves({ Table: { Name: 'x' } });
      glue.on(UpdateTableCommand).resolves({});
      const second = await exportGold(config, { target: 's3://gold-bucket/lake', role: 'admin' });
      expect(second.catalog?.updated).toHaveLength(EXPORTED.length);
      expect(glue.commandCalls(CreateTableCommand)).toHaveLength(0);
      const updated = glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input.TableInput?.Name);
      expect(updated[updated.length - 1]).toBe('customer_360');

      // --no-register (register: false) leaves the catalog alone.
      glue.reset();
      const skipped = await exportGold(config, {
        target: 's3://gold-bucket/lake',
        role: 'analyst',
        register: false,
      });
      expect(skipped.catalog).toBeUndefined();
      expect(glue.calls()).toHaveLength(0);
    } finally {
      glue.restore();
      process.env = saved;
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
