import { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows } from '../duckdb/duckdb';

/** One source's loads of a run, as the publish step commits them. */
export interface RegistryLoad {
  source: string;
  files: Array<{ name: string; batch: number; size: number; mtimeMs: number }>;
  bronzePath: string | null;
  rows: number;
  watermark: string | null;
}

/** A file (or object) the registry has recorded as loaded. */
export interface LoadedFile {
  name: string;
  size: number;
  mtimeMs: number;
}

/**
 * What has been loaded, kept in the warehouse database. Written only when a run publishes, in one
 * transaction, so a failed or interrupted run leaves it as it was and the next run re-reads the
 * same window.
 *
 * During a run, extraction may stage what the publish step's loads do not carry — a database
 * source's cursor (watermark plus key tie-breaker), the loads of sources that only feed staging
 * models — and `commit` writes it in the same transaction. Nothing staged outlives the run.
 */
export class RegistryRepository {
  private readonly stagedCursors = new Map<string, string>();
  private readonly stagedLoads: RegistryLoad[] = [];

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly schema = 'wh',
  ) {}

  async ensureSchema(): Promise<void> {
    await execute(
      this.connection,
      `create table if not exists ${this.schema}.loaded_files (
         source varchar, name varchar, batch integer, size bigint, mtime_ms double, run_id varchar, loaded_at timestamp)`,
    );
    await execute(
      this.connection,
      `create table if not exists ${this.schema}.bronze_files (source varchar, run_id varchar, path varchar, rows bigint)`,
    );
    await execute(
      this.connection,
      `create table if not exists ${this.schema}.watermarks (source varchar primary key, value varchar, run_id varchar, updated_at timestamp)`,
    );
    await execute(
      this.connection,
      `alter table ${this.schema}.watermarks add column if not exists cursor varchar`,
    );
  }

  async loadedFileNames(source: string): Promise<Set<string>> {
    const rows = await queryRows<{ name: string }>(
      this.connection,
      `select name from ${this.schema}.loaded_files where source = $1`,
      [source],
    );
    return new Set(rows.map((r) => r.name));
  }

  /** Every recorded load of a source's files (an object re-uploaded under its key is a new load). */
  async loadedFiles(source: string): Promise<LoadedFile[]> {
    return queryRows<{ name: string; size: number; mtimeMs: number }>(
      this.connection,
      `select name, size, mtime_ms as "mtimeMs" from ${this.schema}.loaded_files where source = $1`,
      [source],
    );
  }

  async bronzeFiles(): Promise<Map<string, string[]>> {
    const rows = await queryRows<{ source: string; path: string }>(
      this.connection,
      `select source, path from ${this.schema}.bronze_files order by run_id, path`,
    );
    const bySource = new Map<string, string[]>();
    for (const row of rows) bySource.set(row.source, [...(bySource.get(row.source) ?? []), row.path]);
    return bySource;
  }

  async registeredRunIds(): Promise<Set<string>> {
    const rows = await queryRows<{ run_id: string }>(
      this.connection,
      `select distinct run_id from ${this.schema}.bronze_files`,
    );
    return new Set(rows.map((r) => r.run_id));
  }

  async watermark(source: string): Promise<string | null> {
    const rows = await queryRows<{ value: string }>(
      this.connection,
      `select value from ${this.schema}.watermarks where source = $1`,
      [source],
    );
    return rows[0]?.value ?? null;
  }

  /** A database source's committed cursor (JSON written by the source reader), or null. */
  async cursor(source: string): Promise<string | null> {
    const rows = await queryRows<{ cursor: string | null }>(
      this.connection,
      `select cursor from ${this.schema}.watermarks where source = $1`,
      [source],
    );
    return rows[0]?.cursor ?? null;
  }

  /** Records the cursor a source reached in this run; committed only if the run publishes. */
  stageCursor(source: string, cursor: string): void {
    this.stagedCursors.set(source, cursor);
  }

  /** Records loads the publish step does not know about (sources that only feed staging). */
  stageLoad(load: RegistryLoad): void {
    this.stagedLoads.push(load);
  }

  /** Records a published run's loads (and what extraction staged) in one transaction. */
  async commit(runId: string, loads: RegistryLoad[]): Promise<void> {
    await execute(this.connection, 'begin transaction');
    try {
      const now = new Date().toISOString();
      const all = [...loads, ...this.stagedLoads];
      for (const load of all) {
        for (const file of load.files) {
          await execute(
            this.connection,
            `insert into ${this.schema}.loaded_files values ($1, $2, $3, $4, $5, $6, $7::timestamptz)`,
            [load.source, file.name, file.batch, file.size, file.mtimeMs, runId, now],
          );
        }
        if (load.bronzePath) {
          await execute(this.connection, `insert into ${this.schema}.bronze_files values ($1, $2, $3, $4)`, [
            load.source,
            runId,
            load.bronzePath,
            load.rows,
          ]);
        }
        const cursor = this.stagedCursors.get(load.source) ?? null;
        if (load.watermark !== null || cursor !== null) {
          await execute(
            this.connection,
            `insert or replace into ${this.schema}.watermarks (source, value, run_id, updated_at, cursor)
             values ($1, coalesce($2, (select value from ${this.schema}.watermarks where source = $1)), $3, $4::timestamptz,
                     coalesce($5, (select cursor from ${this.schema}.watermarks where source = $1)))`,
            [load.source, load.watermark, runId, now, cursor],
          );
        }
      }
      await execute(this.connection, 'commit');
      this.stagedCursors.clear();
      this.stagedLoads.length = 0;
    } catch (error) {
      await execute(this.connection, 'rollback');
      throw error;
    }
  }
}
