import { DuckDBConnection } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  linkSync,
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
  AS_OF_DAY_META,
  asOfDay,
  columnSource,
  createTableSql,
  CUSTOMERS,
  indexSql,
  insertSql,
  SERVING_STORE_FACTS_FILE,
  SERVING_STORE_FILE,
  SERVING_STORE_VERSION,
  sourceSelect,
  StoreColumn,
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
  /** Customers whose rows were replaced or updated (incremental builds). */
  customers: number | null;
  bytes: number;
  /** Milliseconds per store table. */
  tables: Record<string, number>;
}

export interface ServingStoreBuildOptions {
  /** The candidate snapshot directory (serve.sqlite is written there). */
  directory: string;
  snapshotId: string;
  /** The snapshot's as_of (recency is stored relative to its day). */
  asOf: Date;
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
    /** Gold tables equal to the base snapshot's (the gold step changed none of their rows): their
     *  store tables are kept as copied. */
    unchangedTables: ReadonlySet<string>;
  } | null;
  /**
   * The candidate's serve.duckdb, checkpointed (its tables no longer change): a full build reads
   * the fact tables from it on a worker thread. Without it they are copied on this thread.
   */
  candidateFile?: string;
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

/** The two files being written (facts null when an incremental run links the base's). */
interface StoreFiles {
  main: Database.Database;
  facts: Database.Database | null;
}

function fileOf(files: StoreFiles, table: StoreTable): Database.Database {
  const db = table.file === 'main' ? files.main : files.facts;
  if (!db) throw new Error(`serving store: ${table.name} is kept from the base snapshot`);
  return db;
}

function openForWriting(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('cache_size = -131072');
  db.exec('begin');
  return db;
}

const FACT_TABLES = STORE_TABLES.filter((t) => t.file === 'facts');

/**
 * Builds `serve.sqlite` and `serve-facts.sqlite` next to the candidate's serve.duckdb, before the
 * snapshot is published. Each file is written under a temporary name with journaling off (nothing
 * reads it yet), fsynced, made read-only and renamed, serve.sqlite last (the reader needs both): a
 * crash at any point leaves at most temporary files in an unpublished directory, which the next
 * run prunes.
 */
export async function buildServingStore(
  connection: DuckDBConnection,
  options: ServingStoreBuildOptions,
): Promise<ServingStoreBuild> {
  const started = performance.now();
  const target = {
    main: join(options.directory, SERVING_STORE_FILE),
    facts: join(options.directory, SERVING_STORE_FACTS_FILE),
  };
  const building = { main: target.main + BUILDING_SUFFIX, facts: target.facts + BUILDING_SUFFIX };
  const removeBuilding = (): void => {
    rmSync(building.main, { force: true });
    rmSync(building.facts, { force: true });
  };
  removeBuilding();
  const base = options.incremental
    ? {
        main: options.incremental.baseSqlite,
        facts: join(dirname(options.incremental.baseSqlite), SERVING_STORE_FACTS_FILE),
      }
    : null;
  const incremental =
    options.incremental && base && existsSync(base.main) && existsSync(base.facts)
      ? options.incremental
      : null;
  // the run changed none of the fact tables: the base's file (read-only, never modified) is shared
  const factsKept = incremental !== null && FACT_TABLES.every((t) => incremental.unchangedTables.has(t.gold));
  const copyStarted = performance.now();
  if (incremental && base) {
    // off the event loop; a reflink where the file system offers one, a plain copy otherwise
    await Promise.all([
      copyFile(base.main, building.main, constants.COPYFILE_FICLONE),
      factsKept
        ? Promise.resolve(linkSync(base.facts, building.facts))
        : copyFile(base.facts, building.facts, constants.COPYFILE_FICLONE),
    ]);
    chmodSync(building.main, 0o644);
    if (!factsKept) chmodSync(building.facts, 0o644);
  }
  const copyMs = Math.round(performance.now() - copyStarted);
  let rows = 0;
  let customers: number | null = null;
  const timings: Record<string, number> = incremental ? { copy: copyMs } : {};
  const indexes: string[] = [];
  let indexing: Promise<void> | null = null;
  let factsWriting: Promise<{ rows: number; timings: Record<string, number> }> | null = null;
  const files: StoreFiles = { main: openForWriting(building.main), facts: null };
  try {
    if (!factsKept) files.facts = openForWriting(building.facts);
    if (incremental) {
      const result = await replaceChangedCustomers(connection, files, options, incremental, timings, indexes);
      rows = result.rows;
      customers = result.customers;
      await writeMeta(connection, files.main, options);
      for (const db of [files.main, files.facts]) db?.exec('commit');
      for (const db of [files.main, files.facts]) db?.close();
      const indexStarted = performance.now();
      await createIndexesOffThread(building.main, indexes);
      timings.indexes = Math.round(performance.now() - indexStarted);
    } else {
      // the facts file on a worker thread from the start (when the candidate file can be read
      // there); serve.sqlite here, then its indexes on another worker while the facts are written
      if (options.candidateFile) {
        files.facts?.close();
        files.facts = null;
        rmSync(building.facts, { force: true });
        const day = asOfDay(options.asOf);
        factsWriting = writeTablesOffThread(
          options.candidateFile,
          building.facts,
          FACT_TABLES.map((table) => {
            const [create] = createTableSql(table);
            const insert = insertSql(table, 1);
            const values = insert.lastIndexOf(' values ');
            return {
              name: table.name,
              create,
              select: `${sourceSelect(table, quoteIdent(table.gold), day)} order by ${table.primaryKey.join(', ')}`,
              width: table.columns.length,
              head: insert.slice(0, values + ' values '.length),
              tuple: insert.slice(values + ' values '.length),
            };
          }),
          options.signal,
        );
      }
      files.main.exec('create table meta (key text primary key, value text) without rowid');
      for (const table of STORE_TABLES.filter((t) => t.file === 'main'))
        rows += await timed(timings, table, () =>
          writeTable(connection, fileOf(files, table), table, options, indexes),
        );
      await writeMeta(connection, files.main, options);
      files.main.exec('commit');
      files.main.close();
      const indexStarted = performance.now();
      indexing = createIndexesOffThread(building.main, indexes).then(() => {
        timings.indexes = Math.round(performance.now() - indexStarted);
      });
      if (factsWriting) {
        const facts = await factsWriting;
        rows += facts.rows;
        Object.assign(timings, facts.timings);
      } else {
        for (const table of FACT_TABLES)
          rows += await timed(timings, table, () =>
            writeTable(connection, fileOf(files, table), table, options, []),
          );
        files.facts?.exec('commit');
        files.facts?.close();
      }
      await indexing;
    }
  } catch (error) {
    await indexing?.catch(() => undefined);
    await factsWriting?.catch(() => undefined);
    for (const db of [files.main, files.facts]) if (db?.open) db.close();
    removeBuilding();
    throw error;
  }
  if (!factsKept) {
    syncFile(building.facts);
    chmodSync(building.facts, 0o444);
  }
  renameSync(building.facts, target.facts);
  syncFile(building.main);
  chmodSync(building.main, 0o444);
  renameSync(building.main, target.main);
  syncFile(options.directory);
  return {
    file: SERVING_STORE_FILE,
    version: SERVING_STORE_VERSION,
    build: incremental ? 'incremental' : 'full',
    ms: Math.round(performance.now() - started),
    rows,
    customers,
    bytes: statSync(target.main).size + statSync(target.facts).size,
    tables: timings,
  };
}

async function timed(
  timings: Record<string, number>,
  table: StoreTable,
  write: () => Promise<number>,
): Promise<number> {
  const started = performance.now();
  const rows = await write();
  timings[table.name] = Math.round(performance.now() - started);
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
  const select = `${sourceSelect(table, options.qualified(table.gold), asOfDay(options.asOf))} order by ${table.primaryKey.join(', ')}`;
  const rows = await copyRows(connection, db, table, select, options.signal);
  pending.push(...indexes);
  return rows;
}

/**
 * Writes tables into a new SQLite file on a worker thread that reads them from its own read-only
 * DuckDB instance on the candidate's serve.duckdb (checkpointed: nothing changes it any more), so
 * that the conversion and inserts of the fact tables use the second core while this thread writes
 * serve.sqlite. Plain JavaScript evaluated from a string (it needs nothing compiled); the copy
 * loop is copyRows'.
 */
function writeTablesOffThread(
  candidateFile: string,
  path: string,
  tables: Array<{ name: string; create: string; select: string; width: number; head: string; tuple: string }>,
  signal?: AbortSignal,
): Promise<{ rows: number; timings: Record<string, number> }> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { DuckDBInstance } = require(workerData.duckdb);
    const Database = require(workerData.sqlite);
    (async () => {
      const instance = await DuckDBInstance.create(workerData.candidate, {
        access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false',
      });
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      const db = new Database(workerData.path);
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('cache_size = -131072');
      db.exec('begin');
      let rows = 0;
      const timings = {};
      for (const table of workerData.tables) {
        const started = performance.now();
        db.exec(table.create);
        const statements = new Map();
        const insert = (n) => {
          let statement = statements.get(n);
          if (!statement) {
            statement = db.prepare(table.head + Array.from({ length: n }, () => table.tuple).join(', '));
            statements.set(n, statement);
          }
          return statement;
        };
        const batch = workerData.batch;
        const width = table.width;
        const full = insert(batch);
        const params = new Array(width * batch);
        const result = await connection.stream(table.select);
        let next = result.fetchChunk();
        for (;;) {
          const chunk = await next;
          if (!chunk || chunk.rowCount === 0) break;
          const columns = chunk.getColumns();
          const count = chunk.rowCount;
          next = result.fetchChunk();
          let row = 0;
          for (; row + batch <= count; row += batch) {
            let k = 0;
            for (let r = row; r < row + batch; r++) for (let c = 0; c < width; c++) params[k++] = columns[c][r];
            full.run(params);
          }
          if (row < count) {
            const rest = [];
            for (let r = row; r < count; r++) for (let c = 0; c < width; c++) rest.push(columns[c][r]);
            insert(count - row).run(rest);
          }
          rows += count;
        }
        timings[table.name] = Math.round(performance.now() - started);
      }
      db.exec('commit');
      db.close();
      connection.closeSync();
      instance.closeSync();
      parentPort.postMessage({ rows, timings });
    })().catch((error) => { throw error; });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: {
        duckdb: require.resolve('@duckdb/node-api'),
        sqlite: require.resolve('better-sqlite3'),
        candidate: candidateFile,
        path,
        tables,
        batch: BATCH_ROWS,
      },
    });
    const cancel = (): void => void worker.terminate();
    signal?.addEventListener('abort', cancel, { once: true });
    let result: { rows: number; timings: Record<string, number> } | null = null;
    worker.once('message', (message: { rows: number; timings: Record<string, number> }) => {
      result = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', cancel);
      if (result) resolve(result);
      else reject(new Error(`serving store facts worker exited with code ${code}`));
    });
  });
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
 * Per-customer tables: the incremental gold models recomputed exactly the run's changed customers
 * (gold.step.ts buildPartition), so only their rows can differ from the base snapshot's. They are
 * compared with the base snapshot in DuckDB (exact stored values, only those customers' rows) and
 * the customers whose rows differ are replaced (deleted, then read from the candidate with a
 * semi-join): a customer file alone leaves the fact tables untouched. A table where most
 * customers differ is rewritten from scratch, cheaper than as many deletes and inserts.
 * customer_360 is recomputed whole every run (RFM ranks shift, events_30d moves with as_of): all
 * of it is compared; recency is stored relative to the as_of day, so only customers whose day
 * count moved otherwise than as_of's get an update of that key.
 */
async function replaceChangedCustomers(
  connection: DuckDBConnection,
  files: StoreFiles,
  options: ServingStoreBuildOptions,
  incremental: NonNullable<ServingStoreBuildOptions['incremental']>,
  timings: Record<string, number>,
  indexes: string[],
): Promise<{ rows: number; customers: number }> {
  const [{ n: customerCount }] = await queryRows<{ n: number }>(
    connection,
    `${MARK} select count(*) as n from ${options.qualified(CUSTOMERS.gold)}`,
  );
  const baseMeta = files.main.prepare('select value from meta where key = ?').pluck();
  const baseDay = Number(baseMeta.get(AS_OF_DAY_META));
  const days = { candidate: asOfDay(options.asOf), base: baseDay };
  const ids = new Set<string>();
  let listed: string[] | null = null;
  // a relation name chosen by the pipeline (never by a request); read once, when first needed
  const changedIds = async (): Promise<string[]> =>
    (listed ??= (
      await queryRows<{ customer_id: string }>(
        connection,
        `${MARK} select customer_id from ${incremental.changedCustomers} order by 1`,
      )
    ).map((r) => r.customer_id));
  let rows = 0;
  await execute(connection, `attach ${quoteLiteral(incremental.baseDuckDb)} as ${BASE_ALIAS} (read_only)`);
  try {
    for (const table of STORE_TABLES) {
      const tableStarted = performance.now();
      // (customers store recency relative to the as_of day: kept only when the day is the same)
      if (
        incremental.unchangedTables.has(table.gold) &&
        (table !== CUSTOMERS || days.candidate === days.base)
      ) {
        timings[table.name] = 0;
        continue;
      }
      const db = fileOf(files, table);
      if (!table.perCustomer) {
        db.exec(`delete from ${table.name}`);
        rows += await copyRows(
          connection,
          db,
          table,
          sourceSelect(table, options.qualified(table.gold), days.candidate),
          options.signal,
        );
      } else if (table === CUSTOMERS) {
        rows += await replaceChangedProfiles(
          connection,
          db,
          options,
          days,
          customerCount,
          ids,
          indexes,
          timings,
        );
      } else {
        rows += await replaceChangedFacts(
          connection,
          db,
          table,
          options,
          incremental,
          days.candidate,
          customerCount,
          await changedIds(),
          ids,
          indexes,
        );
      }
      timings[table.name] = Math.round(performance.now() - tableStarted);
    }
  } finally {
    await execute(connection, `drop table if exists temp.main.${CHANGED_TABLE}`);
    await execute(connection, `detach ${BASE_ALIAS}`);
  }
  return { rows, customers: ids.size };
}

const baseRelation = (table: StoreTable): string => `${BASE_ALIAS}.main.${quoteIdent(table.gold)}`;

/** `select <stored values as v0, v1, …> from relation`: comparable across candidate and base. */
function storedValues(table: StoreTable, relation: string, day: number, where = ''): string {
  return `select ${table.columns.map((c, i) => `${columnSource(c, day)} as v${i}`).join(', ')} from ${relation}${
    where ? ` where ${where}` : ''
  }`;
}

/** A fact or version table: the changed customers' rows are replaced (their new rows read from
 *  the candidate with a semi-join), or the whole table rewritten when most customers changed. */
async function replaceChangedFacts(
  connection: DuckDBConnection,
  db: Database.Database,
  table: StoreTable,
  options: ServingStoreBuildOptions,
  incremental: NonNullable<ServingStoreBuildOptions['incremental']>,
  day: number,
  customerCount: number,
  changedIds: string[],
  ids: Set<string>,
  indexes: string[],
): Promise<number> {
  for (const id of changedIds) ids.add(id);
  if (changedIds.length > REWRITE_SHARE * customerCount) {
    db.exec(`drop table ${table.name}`);
    return await writeTable(connection, db, table, options, indexes);
  }
  await deleteCustomers(db, table, changedIds);
  const select = `${sourceSelect(
    table,
    options.qualified(table.gold),
    day,
    `customer_id in (select customer_id from ${incremental.changedCustomers})`,
  )} order by ${table.primaryKey.join(', ')}`;
  return await copyRows(connection, db, table, select, options.signal);
}

/** customers columns that move with as_of alone (gold/customer_360.sql recency_days). */
const RECENCY_COLUMN = 'rec_key';
/** Past this share of customers with a new recency, its three indexes are rebuilt rather than
 *  maintained row by row (rebuilding them takes ~0.2 s at 100k customers, ~13k updates as much). */
const RECENCY_REBUILD_SHARE = 0.1;

/**
 * customer_360 against the base snapshot's, compared on the stored values: a customer added,
 * removed or with a new value in an indexed column other than the recency key is deleted and
 * inserted; any other change is an update in place of the columns no index holds (plus the
 * recency key when it moved), which leaves the other ten indexes untouched (events_30d moving
 * with as_of, profile fields).
 */
async function replaceChangedProfiles(
  connection: DuckDBConnection,
  db: Database.Database,
  options: ServingStoreBuildOptions,
  days: { candidate: number; base: number },
  customerCount: number,
  ids: Set<string>,
  indexes: string[],
  timings: Record<string, number>,
): Promise<number> {
  const started = performance.now();
  const table = CUSTOMERS;
  const candidate = options.qualified(table.gold);
  const indexed = new Set([...table.primaryKey, ...table.indexes.flat()]);
  const values = (relation: string, day: number): string =>
    `select 1 as present, ${storedValues(table, relation, day).slice('select '.length)}`;
  // exact comparison of the stored values (not a hash): ~1 row per customer, cheap in DuckDB
  const differs = (columns: (c: StoreColumn) => boolean): string =>
    table.columns
      .map((c, i) => (columns(c) ? `c.v${i} is distinct from b.v${i}` : null))
      .filter((condition): condition is string => condition !== null)
      .join(' or ') || 'false';
  const replace = `c.present is null or b.present is null or ${differs(
    (c) => indexed.has(c.name) && c.name !== RECENCY_COLUMN,
  )}`;
  const recency = differs((c) => c.name === RECENCY_COLUMN);
  await execute(
    connection,
    `${MARK} create or replace temp table ${CHANGED_TABLE} as
     with c as (${values(candidate, days.candidate)}), b as (${values(baseRelation(table), days.base)})
     select coalesce(c.v0, b.v0) as customer_id, ${replace} as whole, ${recency} as recency
     from c full join b on c.v0 = b.v0
     where ${replace} or ${differs(() => true)}`,
  );
  const changed = await queryRows<{ customer_id: string; whole: boolean; recency: boolean }>(
    connection,
    `${MARK} select customer_id, whole, recency from temp.main.${CHANGED_TABLE} order by customer_id`,
  );
  const whole = changed.filter((r) => r.whole).map((r) => r.customer_id);
  timings.customers_diff = Math.round(performance.now() - started);
  if (whole.length > REWRITE_SHARE * customerCount) {
    for (const r of changed) ids.add(r.customer_id);
    db.exec(`drop table ${table.name}`);
    return await writeTable(connection, db, table, options, indexes);
  }
  for (const r of changed) ids.add(r.customer_id);
  await deleteCustomers(db, table, whole);
  let rows = await copyRows(
    connection,
    db,
    table,
    `${sourceSelect(
      table,
      candidate,
      days.candidate,
      `customer_id in (select customer_id from temp.main.${CHANGED_TABLE} where whole)`,
    )} order by customer_id`,
    options.signal,
  );
  const moved = changed.filter((r) => !r.whole && r.recency).length;
  // many moved (as_of crossed a day for many): drop the recency indexes, rebuild them after
  if (moved > RECENCY_REBUILD_SHARE * customerCount) {
    for (const [name, create] of indexSql(table)) {
      if (!name.includes(RECENCY_COLUMN)) continue;
      db.exec(`drop index ${name}`);
      indexes.push(create);
    }
  }
  for (const withRecency of [false, true]) {
    const set = table.columns.filter(
      (c) => !indexed.has(c.name) || (withRecency && c.name === RECENCY_COLUMN),
    );
    const update = db.prepare(
      `update ${table.name} set ${set.map((c) => `${c.name} = ?`).join(', ')} where customer_id = ?`,
    );
    const result = await connection.stream(
      `${MARK} select ${set.map((c) => columnSource(c, days.candidate)).join(', ')}, customer_id from ${candidate}
       where customer_id in (select customer_id from temp.main.${CHANGED_TABLE} where not whole and recency = ${withRecency})
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
  upsert.run(AS_OF_DAY_META, String(asOfDay(options.asOf)));
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
