import { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows } from '../duckdb/duckdb';

/** What the gold layer was last built to: the snapshot an incremental run continues from. */
export interface GoldState {
  snapshot_id: string;
  run_id: string;
  /** The as_of the snapshot was computed at (ISO-8601). */
  as_of: string;
  /** modelsFingerprint of the model files that built it. */
  fingerprint: string;
  /** checksFingerprint of the checks its quality gate ran (null: unknown). */
  checks_fingerprint: string | null;
  /** Size of serve.duckdb after the last full build (incremental builds grow it). */
  full_bytes: number | null;
  built_at: string;
}

/**
 * The gold state pointer, one row in the warehouse database. A publishing run writes it after its
 * snapshot is complete and before it commits its loads to the registry: if the process dies in
 * between, the next run continues from that snapshot and re-reads the same files, which changes
 * nothing (a customer's models are recomputed from all of its rows).
 */
export class GoldStateRepository {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly schema = 'wh',
  ) {}

  async ensureSchema(): Promise<void> {
    await execute(
      this.connection,
      `create table if not exists ${this.schema}.gold_state (
         id integer primary key, snapshot_id varchar, run_id varchar, as_of timestamp, fingerprint varchar,
         built_at timestamp)`,
    );
    await execute(
      this.connection,
      `alter table ${this.schema}.gold_state add column if not exists checks_fingerprint varchar`,
    );
    await execute(
      this.connection,
      `alter table ${this.schema}.gold_state add column if not exists full_bytes bigint`,
    );
  }

  async read(): Promise<GoldState | null> {
    const rows = await queryRows<{
      snapshot_id: string;
      run_id: string;
      as_of: string;
      fingerprint: string;
      checks_fingerprint: string | null;
      full_bytes: number | null;
      built_at: string;
    }>(
      this.connection,
      `select snapshot_id, run_id, as_of, fingerprint, checks_fingerprint, full_bytes, built_at
       from ${this.schema}.gold_state where id = 1`,
    );
    return rows[0] ?? null;
  }

  async write(state: Omit<GoldState, 'built_at'>): Promise<void> {
    await execute(
      this.connection,
      `insert or replace into ${this.schema}.gold_state
         (id, snapshot_id, run_id, as_of, fingerprint, built_at, checks_fingerprint, full_bytes)
       values (1, $1, $2, $3::timestamptz, $4, now(), $5, $6)`,
      [
        state.snapshot_id,
        state.run_id,
        state.as_of,
        state.fingerprint,
        state.checks_fingerprint,
        state.full_bytes,
      ],
    );
  }
}
