/**
 * Copies the gold rows the serving benchmark reads (customer_360, fact_orders, fact_order_lines of
 * one snapshot) into a PostgreSQL schema of their own: tables `customers`, `orders`,
 * `order_lines` with primary keys, foreign keys and the indexes the three queries need. Exported
 * with DuckDB `COPY … TO` (CSV) and loaded with psql `\copy` (streamed, client side).
 *
 * Orders of customers that are not in customer_360 (deleted customers, orders of unknown
 * customers) are left out, and with them their lines: the foreign keys could not hold otherwise,
 * and no request of the benchmark can reach them (c360 answers 404 for those customers).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, openDuckDb, queryRows, quoteLiteral } from '../../duckdb/duckdb';
import { runCommand } from './proc';

export interface PgTarget {
  /** libpq connection URI, e.g. postgres://postgres@127.0.0.1:5432/test */
  url: string;
  schema: string;
}

export interface PgLoadResult {
  rows: { customers: number; orders: number; order_lines: number };
  seconds: { export: number; copy: number; index: number };
}

function pgEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PGCONNECT_TIMEOUT: '5', PGAPPNAME: 'c360-bench' };
}

/** Runs SQL (and psql meta-commands) through psql; throws with psql's message on failure. */
export async function psql(url: string, commands: string[], timeoutMs = 30 * 60_000): Promise<string> {
  const args = [url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  for (const command of commands) args.push('-c', command);
  const result = await runCommand('psql', args, { env: pgEnv(), timeoutMs });
  if (result.timedOut) throw new Error(`psql timed out after ${timeoutMs / 1000} s`);
  if (result.code !== 0) throw new Error(`psql failed: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout.trim();
}

/** The server's version string, or the reason it cannot be reached. */
export async function probePostgres(
  url: string,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const version = await psql(url, ['show server_version'], 15_000);
    return { ok: true, version };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

export const pgIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** DuckDB column type → PostgreSQL column type. */
export function pgType(duckType: string): string {
  const t = duckType.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `numeric(${decimal[1]},${decimal[2]})`;
  const map: Record<string, string> = {
    VARCHAR: 'text',
    BOOLEAN: 'boolean',
    TINYINT: 'smallint',
    SMALLINT: 'smallint',
    INTEGER: 'integer',
    BIGINT: 'bigint',
    HUGEINT: 'numeric(39,0)',
    UTINYINT: 'smallint',
    USMALLINT: 'integer',
    UINTEGER: 'bigint',
    UBIGINT: 'numeric(20,0)',
    FLOAT: 'real',
    DOUBLE: 'double precision',
    DATE: 'date',
    TIMESTAMP: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamptz',
    UUID: 'uuid',
  };
  return map[t] ?? 'text';
}

interface TableCopy {
  pgTable: 'customers' | 'orders' | 'order_lines';
  duckTable: string;
  /** Rows of duckTable to copy (alias t). */
  where: string;
  notNull: string[];
}

const COPIES: TableCopy[] = [
  { pgTable: 'customers', duckTable: 'customer_360', where: 'true', notNull: ['customer_id'] },
  {
    pgTable: 'orders',
    duckTable: 'fact_orders',
    where: 't.customer_id in (select customer_id from customer_360)',
    notNull: ['order_id', 'customer_id'],
  },
  {
    pgTable: 'order_lines',
    duckTable: 'fact_order_lines',
    where:
      't.order_id in (select order_id from fact_orders where customer_id in (select customer_id from customer_360))',
    notNull: ['order_id', 'line_no'],
  },
];

/** Creates the schema and loads it. The caller drops the schema (dropSchema) in any case. */
export async function loadGoldIntoPostgres(
  serveDb: string,
  target: PgTarget,
  scratchDir: string,
  log: (message: string) => void,
): Promise<PgLoadResult> {
  const schema = pgIdent(target.schema);
  const seconds = { export: 0, copy: 0, index: 0 };
  const rows = { customers: 0, orders: 0, order_lines: 0 };
  const instance = await openDuckDb(serveDb, { readOnly: true });
  const duck = await connect(instance);
  const ddl: string[] = [`create schema ${schema}`];
  const files: Array<{ copy: TableCopy; file: string; columns: string[] }> = [];
  try {
    for (const copy of COPIES) {
      const columns = await queryRows<{ column_name: string; data_type: string }>(
        duck,
        'select column_name, data_type from information_schema.columns where table_name = $1 order by ordinal_position',
        [copy.duckTable],
      );
      const definitions = columns.map(
        (c) =>
          `${pgIdent(c.column_name)} ${pgType(c.data_type)}${copy.notNull.includes(c.column_name) ? ' not null' : ''}`,
      );
      ddl.push(`create table ${schema}.${copy.pgTable} (${definitions.join(', ')})`);
      const names = columns.map((c) => c.column_name);
      const file = join(scratchDir, `${copy.pgTable}.csv`);
      const started = Date.now();
      await duck.run(
        `copy (select ${names.map((n) => `t.${pgIdent(n)}`).join(', ')} from ${copy.duckTable} t where ${copy.where}) ` +
          `to ${quoteLiteral(file)} (format csv, header true)`,
      );
      seconds.export += (Date.now() - started) / 1000;
      files.push({ copy, file, columns: names });
    }
  } finally {
    duck.closeSync();
    instance.closeSync();
  }
  await psql(target.url, ddl);
  for (const { copy, file, columns } of files) {
    const started = Date.now();
    const out = await psql(target.url, [
      `\\copy ${schema}.${copy.pgTable} (${columns.map(pgIdent).join(', ')}) from ${quoteLiteral(file)} with (format csv, header true)`,
      `select count(*) from ${schema}.${copy.pgTable}`,
    ]);
    rows[copy.pgTable] = Number(out.split('\n').at(-1));
    seconds.copy += (Date.now() - started) / 1000;
    rmSync(file, { force: true });
    log(`postgres: ${copy.pgTable} loaded (${rows[copy.pgTable].toLocaleString('en-US')} rows)`);
  }
  const started = Date.now();
  // Keys and indexes after the load (faster than maintaining them row by row).
  await psql(target.url, [
    `alter table ${schema}.customers add primary key (customer_id)`,
    `alter table ${schema}.orders add primary key (order_id)`,
    `alter table ${schema}.order_lines add primary key (order_id, line_no)`,
    `alter table ${schema}.orders add foreign key (customer_id) references ${schema}.customers (customer_id)`,
    `alter table ${schema}.order_lines add foreign key (order_id) references ${schema}.orders (order_id)`,
    // top 50 of a segment by lifetime value
    `create index customers_segment_ltv on ${schema}.customers (segment, lifetime_value desc, customer_id)`,
    // a customer's newest orders
    `create index orders_customer_recent on ${schema}.orders (customer_id, order_ts desc, order_id desc)`,
    `vacuum (analyze) ${schema}.customers`,
    `vacuum (analyze) ${schema}.orders`,
    `vacuum (analyze) ${schema}.order_lines`,
  ]);
  seconds.index = (Date.now() - started) / 1000;
  return { rows, seconds };
}

export async function dropSchema(target: PgTarget): Promise<void> {
  await psql(target.url, [`drop schema if exists ${pgIdent(target.schema)} cascade`], 5 * 60_000);
}
