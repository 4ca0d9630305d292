import { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { hash as digest } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { execute, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { safeMessage } from '../common/safe-message';
import { RecordTable } from './extractor';
import { ExtractableSource } from './source-definition';

/** A database source could not be read (after its retries, when the failure was transient). */
export class SourceReadError extends Error {}

/** How a column's native text becomes contract text. */
type TextKind = 'timestamp' | 'timestamptz' | 'boolean' | 'text';

interface DbColumn {
  /** Name in the database (used in SQL). */
  sourceName: string;
  /** Name in the raw table: `rename`, else the lower-cased source name. */
  name: string;
  text: TextKind;
}

type NativeRow = Array<string | null>;

/** Where a database source's reading stands: the last (watermark, key) read, as the database wrote them. */
export interface DatabaseCursor {
  watermark: string;
  key: string[];
}

export interface DatabaseReadOptions {
  /** The committed cursor: reading continues strictly after it. */
  after: DatabaseCursor | null;
  /** Backfill: rows whose watermark lies in [from, to), whatever the cursor says. */
  window: { from: Date; to: Date } | null;
  /** Throws when the run was cancelled; called between pages. */
  checkCancelled: () => void;
  /** Environment the connection URL is read from. */
  env: NodeJS.ProcessEnv;
  onRetry?: (attempt: number, reason: string) => void;
}

export interface DatabaseReadResult {
  table: RecordTable;
  /** Rows the database counts in the window read, and the hash total of the rows as received. */
  sourceTotal: { rows: number; hash: string };
  /** The last row read (null when nothing was read past the cursor). */
  cursorTo: DatabaseCursor | null;
  rows: number;
}

const SAFE_COLUMN = /^[a-z_][a-z0-9_]{0,63}$/;
const UINT64 = 1n << 64n;
const ROW_SEPARATOR = '\u001f';
const NULL_TEXT = '\\N';

/** A 64-bit hash of one row's text (first 8 md5 bytes, big-endian): DuckDB computes the same. */
export function rowHash(values: NativeRow): bigint {
  const text = values.map((v) => v ?? NULL_TEXT).join(ROW_SEPARATOR);
  return digest('md5', text, 'buffer').readBigUInt64BE(0);
}

export function hashHex(total: bigint): string {
  return (total % UINT64).toString(16).padStart(16, '0');
}

/** One connection to the source database. */
interface Session {
  /** Columns of the base SELECT (no rows fetched). */
  describe(sql: string): Promise<DbColumn[]>;
  /** Up to `limit` rows of `sql` after the keyset position `params`; `key` names the reading. */
  page(key: string, sql: string, params: string[], limit: number): Promise<NativeRow[]>;
  count(sql: string, params: string[]): Promise<number>;
  close(): Promise<void>;
}

interface Dialect {
  kind: 'postgres' | 'mysql';
  quote(name: string): string;
  param(index: number): string;
  /** A window bound as the database parses it. */
  instant(date: Date): string;
  connect(url: string, timeoutMs: number, columns: (raw: string) => string): Promise<Session>;
  /** Whether a failure may pass on a new connection (network, restart, serialization). */
  isTransient(error: unknown): boolean;
}

const errorCode = (error: unknown): string => String((error as { code?: unknown } | null)?.code ?? '');

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
]);

function isNetworkError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return (
    NETWORK_CODES.has(errorCode(error)) ||
    /Connection terminated|timeout expired|connection timeout|Client has encountered a connection error/i.test(
      message,
    )
  );
}

const postgres: Dialect = {
  kind: 'postgres',
  quote: (name) => `"${name.replace(/"/g, '""')}"`,
  param: (index) => `$${index}`,
  instant: (date) => date.toISOString().replace('T', ' ').replace('Z', '+00'),
  isTransient: (error) => {
    const code = errorCode(error);
    // 08: connection exception; 57P: operator intervention (restart); 40001/40P01: retry the read.
    return isNetworkError(error) || /^08|^57P0[123]$|^53300$|^40001$|^40P01$/.test(code);
  },
  async connect(url, timeoutMs, columnName) {
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: timeoutMs,
      application_name: 'c360-ingest',
      // Every value as the database's own text: nothing is parsed (or rounded) in JavaScript.
      types: { getTypeParser: () => (value: string) => value },
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query("set time zone 'UTC'");
      await client.query("set datestyle = 'ISO, YMD'");
      await client.query('begin isolation level repeatable read read only');
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    const open = new Set<string>();
    return {
      async describe(sql) {
        const result = await client.query({
          text: `select * from (${sql}) as c360_q limit 0`,
          rowMode: 'array',
        });
        return result.fields.map((field) => ({
          sourceName: field.name,
          name: columnName(field.name),
          text:
            field.dataTypeID === 1184
              ? 'timestamptz'
              : field.dataTypeID === 1114
                ? 'timestamp'
                : field.dataTypeID === 16
                  ? 'boolean'
                  : 'text',
        }));
      },
      async page(key, sql, params, limit) {
        // A server-side cursor per reading: the query runs once, pages are fetched from it.
        const cursor = `c360_${key}`;
        if (!open.has(cursor)) {
          await client.query({ text: `declare ${cursor} cursor for ${sql}`, values: params });
          open.add(cursor);
        }
        const result = await client.query<NativeRow>({
          text: `fetch ${limit} from ${cursor}`,
          rowMode: 'array',
        });
        return result.rows;
      },
      async count(sql, params) {
        const result = await client.query<[string]>({ text: sql, values: params, rowMode: 'array' });
        return Number(result.rows[0][0]);
      },
      async close() {
        await client.query('rollback').catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  },
};

const mysqlDialect: Dialect = {
  kind: 'mysql',
  quote: (name) => `\`${name.replace(/`/g, '``')}\``,
  param: () => '?',
  instant: (date) => date.toISOString().replace('T', ' ').replace('Z', ''),
  isTransient: (error) =>
    isNetworkError(error) ||
    ['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_SERVER_SHUTDOWN', 'ER_QUERY_INTERRUPTED'].includes(
      errorCode(error),
    ),
  async connect(url, timeoutMs, columnName) {
    const connection = await mysql.createConnection({
      uri: url,
      connectTimeout: timeoutMs,
      rowsAsArray: true,
      // Every value as the server's text; BIT as its number.
      typeCast: (field) => {
        if (field.type === 'BIT') {
          const buffer = field.buffer();
          return buffer === null ? null : String(buffer.reduce((n, byte) => n * 256 + byte, 0));
        }
        return field.string();
      },
    });
    connection.on('error', () => undefined);
    try {
      await connection.query("set time_zone = '+00:00'");
      await connection.query('set session transaction isolation level repeatable read');
      await connection.query('start transaction with consistent snapshot, read only');
    } catch (error) {
      await connection.end().catch(() => undefined);
      throw error;
    }
    return {
      async describe(sql) {
        const [, fields] = await connection.query(`select * from (${sql}) as c360_q limit 0`);
        return fields.map((field) => {
          const type = field.columnType ?? field.type;
          return {
            sourceName: field.name,
            name: columnName(field.name),
            text:
              type === 7 || type === 12
                ? 'timestamp'
                : (type === 1 || type === 16) && field.columnLength === 1
                  ? 'boolean'
                  : 'text',
          };
        });
      },
      async page(_key, sql, params, limit) {
        const [rows] = await connection.query(`${sql} limit ${limit}`, params);
        return rows as unknown as NativeRow[];
      },
      async count(sql, params) {
        const [rows] = await connection.query(sql, params);
        return Number((rows as unknown as NativeRow[])[0][0]);
      },
      async close() {
        await connection.query('rollback').catch(() => undefined);
        await connection.end().catch(() => undefined);
      },
    };
  },
};

/** The SQL turning a column's native text into contract text (ISO-8601, `true`/`false`). */
function textConversion(column: DbColumn): string {
  const name = quoteIdent(column.name);
  switch (column.text) {
    case 'timestamptz':
      // 2025-01-02 03:04:05.123+00 → 2025-01-02T03:04:05.123+00:00
      return `regexp_replace(replace(${name}, ' ', 'T'), '([+-][0-9]{2})$', '\\1:00')`;
    case 'timestamp':
      return `replace(${name}, ' ', 'T')`;
    case 'boolean':
      return `case when ${name} in ('t', '1') then 'true' when ${name} in ('f', '0') then 'false' else ${name} end`;
    case 'text':
      return name;
  }
}

/**
 * Reads a `postgres` (or Redshift) or `mysql` source into a raw table of the run, page by page
 * (never the whole table in memory), in (watermark, key) order so the last row read is the
 * cursor the next run continues after. All pages are read in one read-only snapshot transaction;
 * a transient failure (network, restart) reconnects and continues after the last row read, up to
 * the source's retries with exponential back-off. Rows whose watermark is NULL cannot be tracked
 * by a cursor: every run reads them again.
 */
export class DatabaseReader {
  private readonly dialect: Dialect;
  private session: Session | null = null;
  private columns: DbColumn[] = [];
  private readings = 0;

  constructor(private readonly source: ExtractableSource) {
    this.dialect = source.kind === 'mysql' ? mysqlDialect : postgres;
  }

  /** Human name of where rows come from, kept as each row's `_source_file`. */
  get origin(): string {
    const database = this.source.database;
    const what = database?.table ? database.table.join('.') : 'query';
    return `${this.dialect.kind}:${what}`;
  }

  /** Fills the raw table `rawName` (created here) with every row read. */
  async read(
    connection: DuckDBConnection,
    rawName: string,
    options: DatabaseReadOptions,
  ): Promise<DatabaseReadResult> {
    const raw = quoteIdent(rawName);
    const database = this.source.database;
    if (!database) throw new SourceReadError(`source ${this.source.name}: not a database source`);
    const url = options.env[database.urlEnv];
    if (!url) {
      throw new SourceReadError(
        `source ${this.source.name}: environment variable ${database.urlEnv} (url_env) is not set`,
      );
    }
    try {
      this.columns = await this.attempt(url, options, (session) => session.describe(this.baseSql()));
      const names = new Set<string>();
      for (const column of this.columns) {
        if (!SAFE_COLUMN.test(column.name) || names.has(column.name)) {
          throw new SourceReadError(
            `source ${this.source.name}: the ${this.dialect.kind} column names must be distinct snake_case names (use rename)`,
          );
        }
        names.add(column.name);
      }
      const watermark = this.sourceColumn(this.source.watermark ?? '');
      const keys = this.source.primaryKey.map((key) => this.sourceColumn(key));
      // Each row is appended as one JSON array [line, value…] (two appender calls a row instead of
      // one per value), then split into text columns by DuckDB.
      const pages = quoteIdent(`${rawName}_pages`);
      await execute(connection, `create or replace temp table ${pages} (j varchar)`);
      const appender = await connection.createAppender(`${rawName}_pages`, null, 'temp');
      let rows = 0;
      let hash = 0n;
      const append = (page: NativeRow[]): void => {
        for (const row of page) {
          rows++;
          hash += rowHash(row);
          appender.appendVarchar(JSON.stringify([rows, ...row]));
          appender.endRow();
        }
        appender.flushSync();
      };
      let cursorTo: DatabaseCursor | null;
      let counted: number;
      const after = options.window ? null : options.after;
      try {
        // Rows without a watermark, then the rows after the cursor (or in the backfill window).
        await this.readAll(url, options, 'nulls', watermark, keys, null, append);
        cursorTo = await this.readAll(url, options, 'rows', watermark, keys, after, append);
        counted = await this.attempt(url, options, (session) =>
          session.count(...this.countSql(watermark, keys, after, cursorTo, options.window)),
        );
      } finally {
        closeAppender(appender);
      }
      const paths = ['$[0]', ...this.columns.map((_, i) => `$[${i + 1}]`)].map((p) => `'${p}'`).join(', ');
      const columns = this.columns.map((c, i) => `v[${i + 2}] as ${quoteIdent(c.name)}`).join(', ');
      await execute(
        connection,
        `create temp table ${raw} as
         select ${columns}, ${quoteLiteral(this.origin)} as _source_file, 1 as _batch,
                cast(v[1] as bigint) as _line, null::varchar as _raw
         from (select json_extract_string(j, [${paths}]) as v from ${pages})`,
      );
      await execute(connection, `drop table ${pages}`);
      return {
        table: {
          rawColumns: this.columns.map((c) => c.name),
          textOf: this.textOf(),
          rawFormat: 'json',
          origin: this.origin,
        },
        sourceTotal: { rows: counted, hash: hashHex(hash) },
        cursorTo: options.window ? null : cursorTo,
        rows,
      };
    } finally {
      await this.session?.close();
      this.session = null;
    }
  }

  private textOf(): Map<string, string> {
    return new Map(this.columns.map((c) => [c.name, textConversion(c)]));
  }

  /** The database name of a contract column. */
  private sourceColumn(name: string): string {
    const column = this.columns.find((c) => c.name === name);
    if (!column) {
      throw new SourceReadError(
        `source ${this.source.name}: column ${name} is not in the ${this.dialect.kind} result`,
      );
    }
    return column.sourceName;
  }

  private baseSql(): string {
    const database = this.source.database;
    if (database?.table) return `select * from ${database.table.map((p) => this.dialect.quote(p)).join('.')}`;
    return database?.query ?? '';
  }

  /** `(columns) > (values)`, written out so every dialect plans it. */
  private after(columns: string[], values: string[], params: string[], strict = true): string {
    const q = (c: string): string => `q.${this.dialect.quote(c)}`;
    const terms: string[] = [];
    for (let i = 0; i < columns.length; i++) {
      const equal = columns.slice(0, i).map((c, j) => {
        params.push(values[j]);
        return `${q(c)} = ${this.dialect.param(params.length)}`;
      });
      params.push(values[i]);
      const last = i === columns.length - 1;
      const op = last && !strict ? '>=' : '>';
      terms.push([...equal, `${q(columns[i])} ${op} ${this.dialect.param(params.length)}`].join(' and '));
    }
    return `(${terms.join(' or ')})`;
  }

  private pageSql(
    phase: 'nulls' | 'rows',
    watermark: string,
    keys: string[],
    position: DatabaseCursor | null,
    window: { from: Date; to: Date } | null,
  ): [string, string[]] {
    const q = (c: string): string => `q.${this.dialect.quote(c)}`;
    const params: string[] = [];
    const where: string[] = [];
    if (phase === 'nulls') {
      where.push(`${q(watermark)} is null`);
      if (position) where.push(this.after(keys, position.key, params));
    } else {
      where.push(`${q(watermark)} is not null`);
      if (window) {
        params.push(this.dialect.instant(window.from));
        where.push(`${q(watermark)} >= ${this.dialect.param(params.length)}`);
        params.push(this.dialect.instant(window.to));
        where.push(`${q(watermark)} < ${this.dialect.param(params.length)}`);
      }
      if (position)
        where.push(this.after([watermark, ...keys], [position.watermark, ...position.key], params));
    }
    const order = (phase === 'nulls' ? keys : [watermark, ...keys]).map(q).join(', ');
    return [
      `select q.* from (${this.baseSql()}) as q where ${where.join(' and ')} order by ${order}`,
      params,
    ];
  }

  /** The source's own count of the rows this run read: NULL-watermark rows plus (after, to]. */
  private countSql(
    watermark: string,
    keys: string[],
    after: DatabaseCursor | null,
    to: DatabaseCursor | null,
    window: { from: Date; to: Date } | null,
  ): [string, string[]] {
    const q = (c: string): string => `q.${this.dialect.quote(c)}`;
    const params: string[] = [];
    const range: string[] = [];
    if (window) {
      params.push(this.dialect.instant(window.from));
      range.push(`${q(watermark)} >= ${this.dialect.param(params.length)}`);
      params.push(this.dialect.instant(window.to));
      range.push(`${q(watermark)} < ${this.dialect.param(params.length)}`);
    } else {
      if (after) range.push(this.after([watermark, ...keys], [after.watermark, ...after.key], params));
      if (to) {
        // Not after `to`: (w, k) <= to, i.e. not (w, k) > to.
        range.push(`not ${this.after([watermark, ...keys], [to.watermark, ...to.key], params)}`);
      } else range.push('1 = 0');
    }
    const rows = `(${q(watermark)} is not null and ${range.join(' and ')})`;
    return [`select count(*) from (${this.baseSql()}) as q where ${q(watermark)} is null or ${rows}`, params];
  }

  /** Reads one phase to its end; returns the last row's cursor. */
  private async readAll(
    url: string,
    options: DatabaseReadOptions,
    phase: 'nulls' | 'rows',
    watermark: string,
    keys: string[],
    start: DatabaseCursor | null,
    append: (page: NativeRow[]) => void,
  ): Promise<DatabaseCursor | null> {
    const pageSize = this.source.database?.pageSize ?? 10_000;
    const wmIndex = this.columns.findIndex((c) => c.sourceName === watermark);
    const keyIndexes = keys.map((key) => this.columns.findIndex((c) => c.sourceName === key));
    let position = start;
    let sessionOfReading: Session | null = null;
    let reading = '';
    for (;;) {
      options.checkCancelled();
      const page = await this.attempt(url, options, (session) => {
        // A new session (after a reconnect) starts a new server-side reading after the last row.
        if (session !== sessionOfReading) {
          sessionOfReading = session;
          reading = `${phase}_${++this.readings}`;
        }
        const [sql, params] = this.pageSql(phase, watermark, keys, position, options.window);
        return session.page(reading, sql, params, pageSize);
      });
      if (page.length > 0) {
        append(page);
        const last = page[page.length - 1];
        position = {
          watermark: last[wmIndex] ?? '',
          key: keyIndexes.map((index) => last[index] ?? ''),
        };
      }
      if (page.length < pageSize) return phase === 'nulls' ? null : position;
    }
  }

  /** Runs `work` on a session, reconnecting on transient failures up to the source's retries. */
  private async attempt<T>(
    url: string,
    options: DatabaseReadOptions,
    work: (session: Session) => Promise<T>,
  ) {
    const { retries, backoffMs } = this.source.retry;
    const timeout = this.source.database?.connectTimeoutMs ?? 10_000;
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.session) {
          this.session = await this.dialect.connect(url, timeout, (name) => this.columnName(name));
        }
        return await work(this.session);
      } catch (error) {
        if (error instanceof SourceReadError) throw error;
        const transient = this.dialect.isTransient(error);
        await this.session?.close();
        this.session = null;
        if (!transient || attempt > retries) {
          const what = transient ? `unreachable after ${attempt} attempt(s)` : 'failed';
          const code = errorCode(error);
          throw new SourceReadError(
            `source ${this.source.name}: ${this.dialect.kind} ${what}${code ? ` (${code})` : ''}: ${safeMessage(error, 200)}`,
          );
        }
        options.onRetry?.(attempt, errorCode(error) || 'error');
        options.checkCancelled();
        await new Promise((resolve) => setTimeout(resolve, retryDelay(backoffMs, attempt)));
      }
    }
  }

  private columnName(name: string): string {
    return this.source.rename[name] ?? name.toLowerCase();
  }
}

/** Longest single wait between attempts, whatever `retry_backoff_ms` and `retries` say. */
const MAX_BACKOFF_MS = 60_000;

/**
 * The wait before attempt `attempt + 1`: `backoffMs` doubled per attempt (capped), with "equal
 * jitter" — a random half of it — so sources failing together do not reconnect in lockstep.
 * The total over `retries` attempts stays within [½, 1] × Σ backoffMs·2^(n-1): the budget is known.
 */
export function retryDelay(backoffMs: number, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

function closeAppender(appender: DuckDBAppender): void {
  try {
    appender.closeSync();
  } catch {
    // Already closed or the connection is gone: the run's database is discarded anyway.
  }
}

/** A committed cursor, or null when it is absent or unreadable. */
export function parseCursor(text: string | null): DatabaseCursor | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { watermark?: unknown; key?: unknown };
    if (typeof value.watermark !== 'string' || !Array.isArray(value.key)) return null;
    return { watermark: value.watermark, key: value.key.map(String) };
  } catch {
    return null;
  }
}
