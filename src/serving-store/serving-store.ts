import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isoFromMicros, JsonScalar } from '../duckdb/duckdb';
import {
  AS_OF_DAY_META,
  ColumnCodec,
  FACTS_SCHEMA,
  SERVING_STORE_FACTS_FILE,
  SERVING_STORE_VERSION,
  STORE_TABLES,
} from './serving-store.schema';

/** A bound SQLite parameter. */
export type StoreParam = string | number | bigint | null;

/** Prepared statements kept per store (texts vary with IN-list lengths and filter combinations). */
const STATEMENTS = 256;

const CODECS = new Map<string, ColumnCodec>();
for (const table of STORE_TABLES) for (const column of table.columns) CODECS.set(column.name, column.codec);

type Decoder = (value: unknown) => JsonScalar;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * isoFromMicros (src/duckdb/duckdb.ts) on a number instead of a bigint (epoch microseconds stay
 * below 2^53 until the year 2255): the same text, without BigInt arithmetic on every timestamp.
 */
export function isoFromMicrosNumber(micros: number): string {
  if (!Number.isSafeInteger(micros)) return isoFromMicros(BigInt(micros));
  const date = new Date(Math.trunc(micros / 1000));
  if (Number.isNaN(date.getTime())) return isoFromMicros(BigInt(micros));
  const fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  const base = `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(
    date.getUTCDate(),
  )}T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
  if (fraction === 0) return `${base}Z`;
  return `${base}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}Z`;
}

const DECODERS: Record<ColumnCodec, Decoder> = {
  plain: (v) => v as JsonScalar,
  ts: (v) => (v === null ? null : isoFromMicrosNumber(v as number)),
  bool: (v) => (v === null ? null : v !== 0),
  // exact integers divided once: the same double as parsing the decimal text
  cents: (v) => (v === null ? null : (v as number) / 100),
  e4: (v) => (v === null ? null : (v as number) / 10_000),
};

interface Prepared {
  statement: Database.Statement;
  decoders: Decoder[];
  columns: string[];
}

/**
 * One snapshot's serve.sqlite, opened read-only: synchronous indexed reads (a few µs each), with
 * prepared statements cached by their text. Rows come back as the DuckDB path returns them.
 */
export class ServingStore {
  private readonly statements = new Map<string, Prepared>();
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    /** The snapshot's as_of day: stored recency keys are relative to it (serving-store.schema.ts). */
    readonly asOfDay: number,
  ) {}

  /** Opens a store that was completely built for this snapshot; null when there is none. */
  static open(path: string, snapshotId: string): ServingStore | null {
    const facts = join(dirname(path), SERVING_STORE_FACTS_FILE);
    if (!existsSync(path) || !existsSync(facts)) return null;
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      // read-only like the main file; its tables are found by their unqualified names
      db.prepare(`attach database ? as ${FACTS_SCHEMA}`).run(facts);
      db.pragma('query_only = ON');
      db.pragma('cache_size = -32768');
      db.pragma(`${FACTS_SCHEMA}.cache_size = -32768`);
      const meta = new Map(
        (db.prepare('select key, value from meta').all() as Array<{ key: string; value: string }>).map(
          (r) => [r.key, r.value],
        ),
      );
      const day = Number(meta.get(AS_OF_DAY_META));
      if (
        meta.get('version') !== String(SERVING_STORE_VERSION) ||
        meta.get('snapshot_id') !== snapshotId ||
        !Number.isSafeInteger(day)
      ) {
        db.close();
        return null;
      }
      return new ServingStore(db, day);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Runs a cached statement; `columns` name what it selects (in order), which decides decoding. */
  all<T>(sql: string, params: readonly StoreParam[]): T[] {
    const prepared = this.prepare(sql);
    const raw = prepared.statement.all(...params) as unknown[][];
    return raw.map((values) => {
      const row: Record<string, JsonScalar> = {};
      for (let i = 0; i < values.length; i++) row[prepared.columns[i]] = prepared.decoders[i](values[i]);
      return row as T;
    });
  }

  /** A statement's raw values (for aggregates decoded by the caller). */
  values(sql: string, params: readonly StoreParam[]): unknown[][] {
    return this.prepare(sql).statement.all(...params) as unknown[][];
  }

  meta(key: string): string | null {
    const row = this.values('select value from meta where key = ?', [key])[0];
    return (row?.[0] as string | undefined) ?? null;
  }

  /** Query plans (tests check that keyset pages never scan). */
  explain(sql: string, params: readonly StoreParam[]): string[] {
    return (this.db.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>).map(
      (r) => r.detail,
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  private prepare(sql: string): Prepared {
    if (this.closed) throw new Error('serving store is closed');
    const cached = this.statements.get(sql);
    if (cached) {
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.db.prepare(sql).raw(true);
    const columns = statement.columns().map((c) => c.name);
    const decoders = columns.map((name) => DECODERS[CODECS.get(name) ?? 'plain']);
    const prepared = { statement, columns, decoders };
    this.statements.set(sql, prepared);
    if (this.statements.size > STATEMENTS) {
      const oldest = this.statements.keys().next().value as string;
      this.statements.delete(oldest);
    }
    return prepared;
  }
}
