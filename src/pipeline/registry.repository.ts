import { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows } from '../duckdb/duckdb';

/**
 * What has been loaded, kept in the warehouse database. Written only when a run publishes, in one
 * transaction, so a failed or interrupted run leaves it as it was and the next run re-reads the
 * same window.
 */
export class RegistryRepository {
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
  }

  async loadedFileNames(source: string): Promise<Set<string>> {
    const rows = await queryRows<{ name: string }>(
      this.connection,
      `select name from ${this.schema}.loaded_files where source = $1`,
      [source],
    );
    return new Set(rows.map((r) => r.name));
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

  /** Records a published run's loads in one transaction. */
  async commit(
    runId: string,
    loads: Array<{
      source: string;
      files: Array<{ name: string; batch: number; size: number; mtimeMs: number }>;
      bronzePath: string | null;
      rows: number;
      watermark: string | null;
    }>,
  ): Promise<void> {
    await execute(this.connection, 'begin transaction');
    try {
      const now = new Date().toISOString();
      for (const load of loads) {
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
        if (load.watermark !== null) {
          await execute(
            this.connection,
            `insert or replace into ${this.schema}.watermarks values ($1, $2, $3, $4::timestamptz)`,
            [load.source, load.watermark, runId, now],
          );
        }
      }
      await execute(this.connection, 'commit');
    } catch (error) {
      await execute(this.connection, 'rollback');
      throw error;
    }
  }
}
