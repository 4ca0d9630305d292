import { DuckDBConnection } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import {
  createTableSql,
  CUSTOMERS,
  insertSql,
  SERVING_STORE_FILE,
  SERVING_STORE_VERSION,
  sourceSelect,
  STORE_TABLES,
  StoreTable,
} from './serving-store.schema';

/** What a store build did (recorded on the run and in the manifest). */
export interface ServingStoreBuild {
  file: string;
  version: number;
  build: 'full' | 'incremental';
  /** Wall time of the whole store build. */
  ms: number;
  /** Rows written (all tables for a full build; the replaced customers' rows otherwise). */
  rows: number;
  /** Customers whose rows were replaced (incremental builds). */
  customers: number | null;
  bytes: number;
  /** Milliseconds per store table. */
  tables: Record<string, number>;
}

export interface ServingStoreBuildOptions {
  /** The candidate snapshot directory (serve.sqlite is written there). */
  directory: string;
  snapshotId: string;
  /** Qualified name of a gold table of the candidate on `connection`. */
  qualified(table: string): string;
  /**
   * An incremental run: the base snapshot's files, and the table (on `connection`) of customers
   * whose per-customer gold rows the run recomputed. Without it the store is written from scratch.
   */
  incremental?: {
    baseSqlite: string;
    baseDuckDb: string;
    changedCustomers: string;
    /** as_of moved since the base: every customer's recency changed, customer_360 is rewritten
     *  without comparing it first. */
    rewriteCustomers?: boolean;
  } | null;
  /** Checked between chunks: a cancelled run stops copying. */
  signal?: AbortSignal;
}

const BUILDING_SUFFIX = '.building';
const BASE_ALIAS = 'serve_store_base';
const CHANGED_TABLE = 'serve_store_changed';
/** Past this share of a table's customers changed, the table is rewritten instead of patched. */
const REWRITE_SHARE = 0.2;

/**
 * Builds `serve.sqlite` next to the candidate's serve.duckdb, before the snapshot is published.
 * The file is written under a temporary name with journaling off (nothing reads it yet), fsynced,
 * made read-only and renamed: a crash at any point leaves at most a temporary file in an
 * unpublished directory, which the next run prunes.
 */
export async function buildServingStore(
  connection: DuckDBConnection,
  options: ServingStoreBuildOptions,
): Promise<ServingStoreBuild> {
  const started = performance.now();
  const target = join(options.directory, SERVING_STORE_FILE);
  const building = target + BUILDING_SUFFIX;
  rmSync(building, { force: true });
  const incremental =
    options.incremental && existsSync(options.incremental.baseSqlite) ? options.incremental : null;
  const copyStarted = performance.now();
  if (incremental) {
    // off the event loop; a reflink where the file system offers one, a plain copy otherwise
    await copyFile(incremental.baseSqlite, building, constants.COPYFILE_FICLONE);
    chmodSync(building, 0o644);
  }
  const copyMs = Math.round(performance.now() - copyStarted);
  const db = new Database(building);
  let rows = 0;
  let customers: number | null = null;
  const timings: Record<string, number> = incremental ? { copy: copyMs } : {};
  const indexes: string[] = [];
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('cache_size = -131072');
    db.exec('begin');
    if (incremental) {
      const result = await replaceChangedCustomers(connection, db, options, incremental, timings, indexes);
      rows = result.rows;
      customers = result.customers;
    } else {
      rows = await writeAll(connection, db, options, timings, indexes);
    }
    await writeMeta(connection, db, options);
    db.exec('commit');
    db.close();
    const indexStarted = performance.now();
    await createIndexesOffThread(building, indexes);
    timings.indexes = Math.round(performance.now() - indexStarted);
  } catch (error) {
    if (db.open) db.close();
    rmSync(building, { force: true });
    throw error;
  }
  syncFile(building);
  chmodSync(building, 0o444);
  renameSync(building, target);
  syncFile(dirname(target));
  return {
    file: SERVING_STORE_FILE,
    version: SERVING_STORE_VERSION,
    build: incremental ? 'incremental' : 'full',
    ms: Math.round(performance.now() - started),
    rows,
    customers,
    bytes: statSync(target).size,
    tables: timings,
  };
}

async function writeAll(
  connection: DuckDBConnection,
  db: Database.Database,
  options: ServingStoreBuildOptions,
  timings: Record<string, number>,
  indexes: string[],
): Promise<number> {
  db.exec('create table meta (key text primary key, value text) without rowid');
  let rows = 0;
  for (const table of STORE_TABLES) {
    const started = performance.now();
    rows += await writeTable(connection, db, table, options, indexes);
    timings[table.name] = Math.round(performance.now() - started);
  }
  return rows;
}

/** A table from scratch: rows in primary-key order (every insert appends to the B-tree); its
 *  indexes are left to `pending`, created after all rows (one sort each instead of random inserts). */
async function writeTable(
  connection: DuckDBConnection,
  db: Database.Database,
  table: StoreTable,
  options: ServingStoreBuildOptions,
  pending: string[],
): Promise<number> {
  const [create, ...indexes] = createTableSql(table);
  db.exec(create);
  const select = `${sourceSelect(table, options.qualified(table.gold))} order by ${table.primaryKey.join(', ')}`;
  const rows = await copyRows(connection, db, table, select, options.signal);
  pending.push(...indexes);
  return rows;
}

/**
 * Index builds are long synchronous sorts: they run on a worker thread so that a process that
 * serves and builds keeps answering requests. (The worker is plain JavaScript evaluated from a
 * string: it needs nothing compiled.)
 */
function createIndexesOffThread(path: string, statements: string[]): Promise<void> {
  if (statements.length === 0) return Promise.resolve();
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.module);
    const db = new Database(workerData.path);
    try {
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -131072');
      db.exec('begin');
      for (const statement of workerData.statements) db.exec(statement);
      db.exec('commit');
    } finally {
      db.close();
    }
    parentPort.postMessage('done');`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: { module: require.resolve('better-sqlite3'), path, statements },
    });
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`serving store index worker exited with code ${code}`));
      else resolve();
    });
  });
}

/**
 * Incremental: the copy of the base store keeps every customer whose rows did not change. Which
 * customers changed is decided per table by comparing the candidate with the base snapshot:
 * version and fact rows only among the run's changed customers (the incremental gold models'
 * contract; an as_of move puts customers there whose facts did not change), customer_360 over the
 * whole table (it is recomputed whole: recency and RFM ranks move). A table where most customers
 * changed is rewritten from scratch, which is cheaper than as many deletes and inserts.
 */
async function replaceChangedCustomers(
  connection: DuckDBConnection,
  db: Database.Database,
  options: ServingStoreBuildOptions,
  incremental: NonNullable<ServingStoreBuildOptions['incremental']>,
  timings: Record<string, number>,
  indexes: string[],
): Promise<{ rows: number; customers: number }> {
  // a relation name chosen by the pipeline (never by a request)
  const changed = `(select customer_id from ${incremental.changedCustomers})`;
  const [{ n: customerCount }] = await queryRows<{ n: number }>(
    connection,
    `select count(*) as n from ${options.qualified(CUSTOMERS.gold)}`,
  );
  await execute(connection, `attach ${quoteLiteral(incremental.baseDuckDb)} as ${BASE_ALIAS} (read_only)`);
  try {
    let rows = 0;
    const ids = new Set<string>();
    for (const table of STORE_TABLES) {
      const tableStarted = performance.now();
      if (!table.perCustomer) {
        db.exec(`delete from ${table.name}`);
        rows += await copyRows(
          connection,
          db,
          table,
          sourceSelect(table, options.qualified(table.gold)),
          options.signal,
        );
        timings[table.name] = Math.round(performance.now() - tableStarted);
        continue;
      }
      const candidate = options.qualified(table.gold);
      if (table === CUSTOMERS && incremental.rewriteCustomers) {
        db.exec(`drop table ${table.name}`);
        rows += await writeTable(connection, db, table, options, indexes);
        timings[table.name] = Math.round(performance.now() - tableStarted);
        continue;
      }
      const base = `${BASE_ALIAS}.main.${quoteIdent(table.gold)}`;
      const scope = table === CUSTOMERS ? '' : ` where customer_id in ${changed}`;
      await execute(
        connection,
        // per customer: row count and the sum of 64-bit hashes of the stored values (cheaper than
        // comparing whole rows; a difference that cancels out would need a 64-bit collision)
        `create or replace temp table ${CHANGED_TABLE} as
         with candidate as (${digest(table, candidate, scope)}),
         base as (${digest(table, base, scope)})
         select customer_id
         from candidate full join base using (customer_id)
         where candidate.rows is distinct from base.rows or candidate.digest is distinct from base.digest`,
      );
      const customerIds = (
        await queryRows<{ customer_id: string }>(
          connection,
          `select customer_id from temp.main.${CHANGED_TABLE} order by 1`,
        )
      ).map((r) => r.customer_id);
      for (const id of customerIds) ids.add(id);
      timings[`${table.name}_diff`] = Math.round(performance.now() - tableStarted);
      if (customerIds.length > REWRITE_SHARE * customerCount) {
        db.exec(`drop table ${table.name}`);
        rows += await writeTable(connection, db, table, options, indexes);
        timings[table.name] = Math.round(performance.now() - tableStarted);
        continue;
      }
      const remove = db.prepare(`delete from ${table.name} where customer_id = ?`);
      for (let i = 0; i < customerIds.length; i++) {
        remove.run(customerIds[i]);
        // let a serving process answer requests between batches of deletes
        if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
      }
      timings[`${table.name}_delete`] = Math.round(performance.now() - tableStarted);
      const select = `${sourceSelect(
        table,
        candidate,
        `customer_id in (select customer_id from temp.main.${CHANGED_TABLE})`,
      )} order by ${table.primaryKey.join(', ')}`;
      rows += await copyRows(connection, db, table, select, options.signal);
      timings[table.name] = Math.round(performance.now() - tableStarted);
    }
    return { rows, customers: ids.size };
  } finally {
    await execute(connection, `drop table if exists temp.main.${CHANGED_TABLE}`);
    await execute(connection, `detach ${BASE_ALIAS}`);
  }
}

/** Per customer of a gold table: its row count and the sum of the hashes of its stored values. */
function digest(table: StoreTable, relation: string, where: string): string {
  const values = table.columns.map((c) => c.source).join(', ');
  return `select customer_id, count(*) as rows, sum(hash(${values})) as digest from ${relation}${where} group by customer_id`;
}

async function writeMeta(
  connection: DuckDBConnection,
  db: Database.Database,
  options: ServingStoreBuildOptions,
): Promise<void> {
  // the segment of customers without counted orders: the last configured one (gold/segments.yaml)
  const [prospects] = await queryRows<{ segment: string }>(
    connection,
    `select segment from ${options.qualified('segment_summary')} order by position desc limit 1`,
  );
  const upsert = db.prepare('insert or replace into meta (key, value) values (?, ?)');
  upsert.run('version', String(SERVING_STORE_VERSION));
  upsert.run('snapshot_id', options.snapshotId);
  upsert.run('prospects_segment', prospects?.segment ?? null);
}

/** Streams a DuckDB result chunk by chunk into one prepared insert (the awaits between chunks
 *  let a serving process answer requests during the copy). */
async function copyRows(
  connection: DuckDBConnection,
  db: Database.Database,
  table: StoreTable,
  select: string,
  signal?: AbortSignal,
): Promise<number> {
  const insert = db.prepare(insertSql(table));
  const result = await connection.stream(select);
  let rows = 0;
  // DuckDB produces the next chunk (on its own threads) while this one is inserted
  let next = result.fetchChunk();
  for (;;) {
    const chunk = await next;
    if (!chunk || chunk.rowCount === 0) break;
    const values = chunk.getRows();
    next = result.fetchChunk();
    if (signal?.aborted) {
      await next;
      throw new Error('serving store build cancelled');
    }
    for (const row of values) insert.run(row as BindValue[]);
    rows += chunk.rowCount;
  }
  return rows;
}

/** The source selects produce only VARCHAR, INTEGER and BIGINT values (serving-store.schema.ts). */
type BindValue = string | number | bigint | null;

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
