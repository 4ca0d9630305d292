/**
 * `npm run bench -- --only ingest [--scales 1]` — ingest throughput (issue 3). For each scale:
 * sample sources (`generateSources`, fixed seed, clean), then
 *
 *   file ingest   c360's extraction of orders.csv, order_items.csv and events.ndjson: read,
 *                 contract, bronze Parquet (and quarantine) — the extract step's own code;
 *   PostgreSQL    the same orders loaded into a PostgreSQL table (index on the watermark and key),
 *                 extracted by c360 in pages of 10,000 into bronze with its count and hash total;
 *   floor         plain DuckDB: `COPY (SELECT * FROM read_csv(file)) TO 'x.parquet'` of the same
 *                 file, and for PostgreSQL also the bare driver fetching the rows (no DuckDB).
 *
 * Three runs each, medians. Environment: C360_BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test);
 * without a reachable PostgreSQL the database rows are reported as skipped.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { setLogLevel } from '../common/logger';
import { safeMessage } from '../common/safe-message';
import { PACKAGE_ROOT } from '../config/config';
import { connect, execute, openDuckDb, quoteLiteral } from '../duckdb/duckdb';
import { generateSources } from '../generate/generator';
import { DatabaseReader } from '../ingest/database-source';
import { ExtractResult, Extractor } from '../ingest/extractor';
import { LandingFile } from '../ingest/landing-files';
import { ExtractableSource, loadSourceDefinitions, SourceDefinition } from '../ingest/source-definition';
import { BenchContext, BenchSection, markdownTable, median } from './bench.model';

const SEED = 42;
const RUNS = 3;
const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const PG_URL_ENV = 'C360_BENCH_PG_URL';
const PAGE_SIZE = 10_000;

interface Measured {
  rows: number;
  seconds: number;
}

/** A private in-memory DuckDB, as a build run uses. */
async function withDuckDb<T>(
  scratch: string,
  work: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const instance: DuckDBInstance = await openDuckDb(':memory:');
  const connection = await connect(instance);
  try {
    mkdirSync(scratch, { recursive: true });
    await execute(connection, `set temp_directory = ${quoteLiteral(scratch)}`);
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function timed(work: () => Promise<number>): Promise<Measured> {
  const started = process.hrtime.bigint();
  const rows = await work();
  return { rows, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function medianOf(runs: number, work: () => Promise<number>): Promise<Measured> {
  const results: Measured[] = [];
  for (let i = 0; i < runs; i++) results.push(await timed(work));
  return { rows: results[0].rows, seconds: median(results.map((r) => r.seconds)) };
}

/** c360's extraction of one landing file into bronze (a fresh run each time). */
function c360File(workDir: string, source: ExtractableSource, path: string): () => Promise<number> {
  let run = 0;
  return () =>
    withDuckDb(join(workDir, 'tmp'), async (connection) => {
      const runId = `rbench-${source.name}-${++run}`;
      const stat = statSync(path);
      const file: LandingFile = { path, name: path, batch: 1, size: stat.size, mtimeMs: stat.mtimeMs };
      const result = await new Extractor({
        connection,
        runId,
        ingestTs: new Date(),
        bronzeDir: join(workDir, 'lake', 'bronze'),
        quarantineDir: join(workDir, 'lake', 'quarantine'),
      }).extract(source, [file]);
      return checked(result);
    });
}

/** Plain DuckDB: read the same file and write it as Parquet. */
function floorFile(workDir: string, path: string, format: 'csv' | 'ndjson'): () => Promise<number> {
  return () =>
    withDuckDb(join(workDir, 'tmp'), async (connection) => {
      const target = join(workDir, 'floor.parquet');
      const read = format === 'csv' ? `read_csv(${quoteLiteral(path)})` : `read_json(${quoteLiteral(path)})`;
      const reader = await connection.runAndReadAll(
        `copy (select * from ${read}) to ${quoteLiteral(target)} (format parquet, compression zstd)`,
      );
      const rows = Number(reader.getRows()[0]?.[0] ?? 0);
      rmSync(target, { force: true });
      return rows;
    });
}

function checked(result: ExtractResult): number {
  if (result.read !== result.loaded + result.quarantined) throw new Error('reconciliation failed');
  if (result.hashTotal && !result.hashTotal.matches) throw new Error('hash totals differ');
  return result.read;
}

/** Loads orders.csv into a PostgreSQL table (JSON batches through the driver). */
async function loadOrdersIntoPostgres(
  url: string,
  schema: string,
  csvPath: string,
  workDir: string,
): Promise<number> {
  const ndjson = join(workDir, 'orders-pg.ndjson');
  await withDuckDb(join(workDir, 'tmp'), (connection) =>
    execute(
      connection,
      `copy (select order_id, customer_id, order_ts, status, channel, currency, coalesce(updated_at, order_ts) as updated_at
             from read_csv(${quoteLiteral(csvPath)}, all_varchar = true))
       to ${quoteLiteral(ndjson)} (format json)`,
    ),
  );
  const client = new Client({ connectionString: url });
  await client.connect();
  let rows = 0;
  try {
    await client.query(`create schema ${schema}`);
    await client.query(
      `create table ${schema}.orders (order_id text primary key, customer_id text, order_ts timestamptz, status text,
         channel text, currency text, updated_at timestamptz not null)`,
    );
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await client.query(
        `insert into ${schema}.orders select * from json_populate_recordset(null::${schema}.orders, $1::json)`,
        [`[${batch.join(',')}]`],
      );
      rows += batch.length;
      batch = [];
    };
    for await (const line of createInterface({ input: createReadStream(ndjson) })) {
      if (line.trim() === '') continue;
      batch.push(line);
      if (batch.length >= 50_000) await flush();
    }
    await flush();
    await client.query(`create index on ${schema}.orders (updated_at, order_id)`);
    await client.query(`analyze ${schema}.orders`);
  } finally {
    await client.end();
    rmSync(ndjson, { force: true });
  }
  return rows;
}

/** c360's extraction of the PostgreSQL table into bronze (pages, appender, contract, hash total). */
function c360Postgres(workDir: string, source: ExtractableSource): () => Promise<number> {
  let run = 0;
  return () =>
    withDuckDb(join(workDir, 'tmp'), async (connection) => {
      const reader = new DatabaseReader(source);
      const result = await new Extractor({
        connection,
        runId: `rbench-pg-${++run}`,
        ingestTs: new Date(),
        bronzeDir: join(workDir, 'lake', 'bronze'),
        quarantineDir: join(workDir, 'lake', 'quarantine'),
      }).extractRecords(source, async (rawName) => {
        const read = await reader.read(connection, rawName, {
          after: null,
          window: null,
          checkCancelled: () => undefined,
          env: process.env,
        });
        return { ...read.table, sourceTotal: read.sourceTotal };
      });
      return checked(result);
    });
}

/** The bare driver: the same ordered rows fetched through a cursor, text values, nothing else. */
function driverOnly(url: string, schema: string): () => Promise<number> {
  return async () => {
    const client = new Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } });
    await client.connect();
    let rows = 0;
    try {
      await client.query('begin isolation level repeatable read read only');
      await client.query(`declare c cursor for select * from ${schema}.orders order by updated_at, order_id`);
      for (;;) {
        const page = await client.query({ text: `fetch ${PAGE_SIZE} from c`, rowMode: 'array' });
        rows += page.rows.length;
        if (page.rows.length < PAGE_SIZE) break;
      }
      await client.query('commit');
    } finally {
      await client.end();
    }
    return rows;
  };
}

const rate = (m: Measured): string => `${Math.round(m.rows / m.seconds).toLocaleString('en-US')}`;
const seconds = (m: Measured): string => m.seconds.toFixed(2);

async function runScale(context: BenchContext, scale: number): Promise<string> {
  const workDir = join(context.workDir, `scale-${scale}`);
  const landing = join(workDir, 'landing');
  context.log(`scale ${scale}: generating sample sources`);
  await generateSources({ outDir: landing, scale, seed: SEED, changes: false, dirty: 0 });
  const definitions = new Map<string, SourceDefinition>(
    loadSourceDefinitions(PACKAGE_ROOT).map((d) => [d.name, d]),
  );
  const source = (name: string): SourceDefinition => {
    const found = definitions.get(name);
    if (!found) throw new Error(`no default source ${name}`);
    return found;
  };

  const rows: Array<Array<string | number>> = [];
  const files: Array<{ name: string; file: string; format: 'csv' | 'ndjson' }> = [
    { name: 'orders', file: 'orders.csv', format: 'csv' },
    { name: 'order_items', file: 'order_items.csv', format: 'csv' },
    { name: 'events', file: 'events.ndjson', format: 'ndjson' },
  ];
  let ordersFloor: Measured | null = null;
  for (const { name, file, format } of files) {
    const path = join(landing, file);
    context.log(`scale ${scale}: file ingest of ${file}`);
    const c360 = await medianOf(RUNS, c360File(workDir, source(name), path));
    const floor = await medianOf(RUNS, floorFile(workDir, path, format));
    if (name === 'orders') ordersFloor = floor;
    rows.push([
      `file: ${file}`,
      c360.rows.toLocaleString('en-US'),
      seconds(c360),
      rate(c360),
      seconds(floor),
      rate(floor),
      `${(c360.seconds / floor.seconds).toFixed(1)}×`,
    ]);
  }

  const url = process.env[PG_URL_ENV] ?? DEFAULT_PG_URL;
  process.env[PG_URL_ENV] = url;
  const schema = `c360_bench_ingest_${process.pid}`;
  try {
    context.log(`scale ${scale}: loading orders into PostgreSQL`);
    await loadOrdersIntoPostgres(url, schema, join(landing, 'orders.csv'), workDir);
    const pgSource: ExtractableSource = {
      ...source('orders'),
      name: 'pg_orders',
      kind: 'postgres',
      database: {
        urlEnv: PG_URL_ENV,
        table: [schema, 'orders'],
        query: null,
        pageSize: PAGE_SIZE,
        connectTimeoutMs: 10_000,
      },
    };
    context.log(`scale ${scale}: extracting orders from PostgreSQL`);
    const c360 = await medianOf(RUNS, c360Postgres(workDir, pgSource));
    const driver = await medianOf(RUNS, driverOnly(url, schema));
    const floor =
      ordersFloor ?? (await medianOf(RUNS, floorFile(workDir, join(landing, 'orders.csv'), 'csv')));
    rows.push([
      'PostgreSQL: orders table → bronze',
      c360.rows.toLocaleString('en-US'),
      seconds(c360),
      rate(c360),
      seconds(floor),
      rate(floor),
      `${(c360.seconds / floor.seconds).toFixed(1)}×`,
    ]);
    rows.push([
      '(driver alone: pg cursor fetch, text rows)',
      driver.rows.toLocaleString('en-US'),
      seconds(driver),
      rate(driver),
      '',
      '',
      `${(c360.seconds / driver.seconds).toFixed(1)}× of c360 vs driver`,
    ]);
  } catch (error) {
    rows.push(['PostgreSQL: orders table → bronze', 'skipped', safeMessage(error, 120), '', '', '', '']);
  } finally {
    const client = new Client({ connectionString: url });
    await client
      .connect()
      .then(() => client.query(`drop schema if exists ${schema} cascade`))
      .catch(() => undefined)
      .finally(() => client.end().catch(() => undefined));
  }

  return [
    `### Scale ${scale}`,
    '',
    markdownTable(['path', 'rows', 'c360 s', 'c360 rows/s', 'floor s', 'floor rows/s', 'c360 / floor'], rows),
  ].join('\n');
}

export const ingestBench: BenchSection = {
  id: 'ingest',
  title: 'Ingest throughput',
  async run(context: BenchContext): Promise<string> {
    setLogLevel('warn');
    const parts = [
      'c360 extraction (read, contract with quarantine, typed bronze Parquet; for PostgreSQL pages of ' +
        `${PAGE_SIZE.toLocaleString('en-US')} rows through a server-side cursor, the DuckDB appender and the ` +
        'count and hash-total reconciliation) against the plain-DuckDB floor: ' +
        '`COPY (SELECT * FROM read_csv(file)) TO parquet` of the same data (`read_json` for NDJSON). ' +
        `Median of ${RUNS} runs; clean sample data (seed ${SEED}).`,
    ];
    for (const scale of context.scales) parts.push(await runScale(context, scale));
    return parts.join('\n\n');
  },
};
