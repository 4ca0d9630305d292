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
  indexSql,
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
  } | null;
  /** Checked between chunks: a cancelled run stops copying. */
  signal?: AbortSignal;
}

const BUILDING_SUFFIX = '.building';
const BASE_ALIAS = 'serve_store_base';
/** Marks the builder's own DuckDB statements (the pipeline bench counts them on the store's row). */
const MARK = '/* serve_store_ */';
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

/**
 * Every table in turn on this thread. (Writing half the rows on a worker thread — exported as
 * Parquet, read by the worker's own DuckDB into a second SQLite file, merged by SQLite's transfer
 * optimisation — was measured slower on the 2-core machine: 10.5 s against 7.9–9.4 s.)
 */
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
 * Incremental: the copy of the base store keeps every customer whose rows did not change.
 * Per-customer fact and version tables: the incremental gold models recomputed exactly the run's
 * changed customers (gold.step.ts buildPartition), so exactly their rows are replaced (deleted,
 * then read from the candidate with a semi-join) — nothing is compared. A table where most
 * customers changed is rewritten from scratch, which is cheaper than as many deletes and inserts.
 * customer_360 is recomputed whole every run (recency moves with as_of, RFM ranks shift): it is
 * compared with the base snapshot's in DuckDB (~1 row per customer); customers that differ in
 * more than recency are replaced, those whose recency alone moved get an update of its two columns
 * (an as_of move touches only those whose day count changed).
 */
async function replaceChangedCustomers(
  connection: DuckDBConnection,
  db: Database.Database,
  options: ServingStoreBuildOptions,
  incremental: NonNullable<ServingStoreBuildOptions['incremental']>,
  timings: Record<string, number>,
  indexes: string[],
): Promise<{ rows: number; customers: number }> {
  const [{ n: customerCount }] = await queryRows<{ n: number }>(
    connection,
    `${MARK} select count(*) as n from ${options.qualified(CUSTOMERS.gold)}`,
  );
  // a relation name chosen by the pipeline (never by a request)
  const changedIds = (
    await queryRows<{ customer_id: string }>(
      connection,
      `${MARK} select customer_id from ${incremental.changedCustomers} order by 1`,
    )
  ).map((r) => r.customer_id);
  const ids = new Set<string>(changedIds);
  let rows = 0;
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
    } else if (table === CUSTOMERS) {
      rows += await replaceChangedProfiles(
        connection,
        db,
        options,
        incremental,
        customerCount,
        ids,
        indexes,
        timings,
      );
    } else if (changedIds.length > REWRITE_SHARE * customerCount) {
      db.exec(`drop table ${table.name}`);
      rows += await writeTable(connection, db, table, options, indexes);
    } else {
      await deleteCustomers(db, table, changedIds);
      const select = `${sourceSelect(
        table,
        options.qualified(table.gold),
        `customer_id in (select customer_id from ${incremental.changedCustomers})`,
      )} order by ${table.primaryKey.join(', ')}`;
      rows += await copyRows(connection, db, table, select, options.signal);
    }
    timings[table.name] = Math.round(performance.now() - tableStarted);
  }
  return { rows, customers: ids.size };
}

/** customers columns that move with as_of alone (gold/customer_360.sql recency_days). */
const RECENCY_COLUMNS = new Set(['recency_days', 'rec_key']);
/** Past this share of customers with a new recency, its three indexes are rebuilt rather than
 *  maintained row by row (rebuilding them takes ~0.2 s at 100k customers, ~13k updates as much). */
const RECENCY_REBUILD_SHARE = 0.1;

async function replaceChangedProfiles(
  connection: DuckDBConnection,
  db: Database.Database,
  options: ServingStoreBuildOptions,
  incremental: NonNullable<ServingStoreBuildOptions['incremental']>,
  customerCount: number,
  ids: Set<string>,
  indexes: string[],
  timings: Record<string, number>,
): Promise<number> {
  const started = performance.now();
  const table = CUSTOMERS;
  const candidate = options.qualified(table.gold);
  const base = `${BASE_ALIAS}.main.${quoteIdent(table.gold)}`;
  const values = (relation: string): string =>
    `select 1 as present, ${table.columns.map((c, i) => `${c.source} as v${i}`).join(', ')} from ${relation}`;
  // exact comparison of the stored values (not a hash): ~1 row per customer, cheap in DuckDB
  const differs = (recency: boolean): string =>
    table.columns
      .map((c, i) => (RECENCY_COLUMNS.has(c.name) === recency ? `c.v${i} is distinct from b.v${i}` : null))
      .filter((condition): condition is string => condition !== null)
      .join(' or ');
  await execute(connection, `attach ${quoteLiteral(incremental.baseDuckDb)} as ${BASE_ALIAS} (read_only)`);
  try {
    await execute(
      connection,
      `create or replace temp table ${CHANGED_TABLE} as
       with c as (${values(candidate)}), b as (${values(base)})
       select coalesce(c.v0, b.v0) as customer_id,
              c.present is null or b.present is null or ${differs(false)} as whole
       from c full join b on c.v0 = b.v0
       where c.present is null or b.present is null or ${differs(false)} or ${differs(true)}`,
    );
    const changed = await queryRows<{ customer_id: string; whole: boolean }>(
      connection,
      `select customer_id, whole from temp.main.${CHANGED_TABLE} order by customer_id`,
    );
    const whole = changed.filter((r) => r.whole).map((r) => r.customer_id);
    timings.customers_diff = Math.round(performance.now() - started);
    if (whole.length > REWRITE_SHARE * customerCount) {
      for (const r of changed) ids.add(r.customer_id);
      db.exec(`drop table ${table.name}`);
      return await writeTable(connection, db, table, options, indexes);
    }
    for (const id of whole) ids.add(id);
    await deleteCustomers(db, table, whole);
    let rows = await copyRows(
      connection,
      db,
      table,
      `${sourceSelect(
        table,
        candidate,
        `customer_id in (select customer_id from temp.main.${CHANGED_TABLE} where whole)`,
      )} order by customer_id`,
      options.signal,
    );
    const recencyOnly = changed.length - whole.length;
    if (recencyOnly > 0) {
      // many moved (as_of crossed a day for many): drop the recency indexes, rebuild them after
      if (recencyOnly > RECENCY_REBUILD_SHARE * customerCount) {
        for (const [name, create] of indexSql(table)) {
          if (!name.includes('rec_key')) continue;
          db.exec(`drop index ${name}`);
          indexes.push(create);
        }
      }
      const recency = table.columns.filter((c) => RECENCY_COLUMNS.has(c.name));
      const update = db.prepare(
        `update ${table.name} set ${recency.map((c) => `${c.name} = ?`).join(', ')} where customer_id = ?`,
      );
      const result = await connection.stream(
        `select ${recency.map((c) => c.source).join(', ')}, customer_id from ${candidate}
         where customer_id in (select customer_id from temp.main.${CHANGED_TABLE} where not whole)
         order by customer_id`,
      );
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        if (options.signal?.aborted) throw new Error('serving store build cancelled');
        for (const row of chunk.getRows()) update.run(row as BindValue[]);
        rows += chunk.rowCount;
      }
    }
    return rows;
  } finally {
    await execute(connection, `drop table if exists temp.main.${CHANGED_TABLE}`);
    await execute(connection, `detach ${BASE_ALIAS}`);
  }
}

/** Deletes customers' rows (a range of the clustered primary key each). */
async function deleteCustomers(
  db: Database.Database,
  table: StoreTable,
  customerIds: string[],
): Promise<void> {
  const remove = db.prepare(`delete from ${table.name} where customer_id = ?`);
  for (let i = 0; i < customerIds.length; i++) {
    remove.run(customerIds[i]);
    // let a serving process answer requests between batches of deletes
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
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

/** Rows per insert statement: one statement call binds this many rows (fewer calls, one
 *  parse per batch size). 64 × 34 columns stays far below SQLite's 32,766 parameters. */
const BATCH_ROWS = 64;

/**
 * Streams a DuckDB result chunk by chunk into multi-row inserts: each chunk is read column-wise
 * (no object per row) and its values bound in batches of BATCH_ROWS rows (the awaits between
 * chunks let a serving process answer requests during the copy).
 */
async function copyRows(
  connection: DuckDBConnection,
  db: Database.Database,
  table: StoreTable,
  select: string,
  signal?: AbortSignal,
): Promise<number> {
  const width = table.columns.length;
  const statements = new Map<number, Database.Statement>();
  const insert = (count: number): Database.Statement => {
    let statement = statements.get(count);
    if (!statement) {
      statement = db.prepare(insertSql(table, count));
      statements.set(count, statement);
    }
    return statement;
  };
  const full = insert(BATCH_ROWS);
  const params: BindValue[] = new Array<BindValue>(width * BATCH_ROWS);
  const result = await connection.stream(select);
  let rows = 0;
  // DuckDB produces the next chunk (on its own threads) while this one is inserted
  let next = result.fetchChunk();
  for (;;) {
    const chunk = await next;
    if (!chunk || chunk.rowCount === 0) break;
    const columns = chunk.getColumns() as BindValue[][];
    const count = chunk.rowCount;
    next = result.fetchChunk();
    if (signal?.aborted) {
      await next;
      throw new Error('serving store build cancelled');
    }
    let row = 0;
    for (; row + BATCH_ROWS <= count; row += BATCH_ROWS) {
      let k = 0;
      for (let r = row; r < row + BATCH_ROWS; r++)
        for (let c = 0; c < width; c++) params[k++] = columns[c][r];
      full.run(params);
    }
    if (row < count) {
      const rest: BindValue[] = [];
      for (let r = row; r < count; r++) for (let c = 0; c < width; c++) rest.push(columns[c][r]);
      insert(count - row).run(rest);
    }
    rows += count;
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
