import { DuckDBConnection } from '@duckdb/node-api';
import { copyFileSync, mkdirSync } from 'node:fs';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { SnapshotStore } from './snapshot.store';

/** The alias a run attaches its candidate snapshot under. */
export const SNAPSHOT_ALIAS = 'snap';

/** Indexes the serving layer relies on, created whenever their table is (re)written. */
const SERVING_INDEXES: Record<string, string[]> = {
  customer_360: ['create unique index customer_360_id on {table} (customer_id)'],
};

export interface SnapshotWriterOptions {
  /** Copy this snapshot's database and change it (incremental runs); a new database otherwise. */
  baseSnapshotId?: string | null;
  /** Called with the time a base copy took (the benchmark counts it as data work). */
  onCopy?: (from: string, to: string, ms: number) => void;
}

/**
 * Writes one snapshot's `serve.duckdb`: the only code that creates or changes a snapshot's
 * tables. The candidate is private to its run until the publish step activates it, so it can be
 * built in place — from scratch, or as a copy of the previous snapshot with only what changed
 * replaced.
 */
export class SnapshotWriter {
  private attached = false;

  private constructor(
    private readonly connection: DuckDBConnection,
    readonly snapshotId: string,
    readonly path: string,
  ) {}

  static async open(
    connection: DuckDBConnection,
    store: SnapshotStore,
    snapshotId: string,
    options: SnapshotWriterOptions = {},
  ): Promise<SnapshotWriter> {
    mkdirSync(store.directory(snapshotId), { recursive: true });
    const path = store.serveDbPath(snapshotId);
    if (options.baseSnapshotId) {
      const from = store.serveDbPath(options.baseSnapshotId);
      const started = performance.now();
      copyFileSync(from, path);
      options.onCopy?.(from, path, performance.now() - started);
    }
    const writer = new SnapshotWriter(connection, snapshotId, path);
    await execute(connection, `attach ${quoteLiteral(path)} as ${SNAPSHOT_ALIAS}`);
    writer.attached = true;
    return writer;
  }

  /** `snap.main.<table>`. */
  qualified(table: string): string {
    return `${SNAPSHOT_ALIAS}.main.${quoteIdent(table)}`;
  }

  /** Replaces a whole table with the rows of `select`. */
  async replaceTable(table: string, select: string): Promise<void> {
    await execute(this.connection, `create or replace table ${this.qualified(table)} as\n${select}`);
    await this.createIndexes(table);
  }

  /**
   * Makes the rows of the partitions listed in `keysTable` equal to `rowsTable` (which holds the
   * complete new rows of exactly those partitions), writing only what differs: rows whose unique
   * key disappeared or whose values changed are deleted (by row id), new and changed rows
   * inserted. Untouched rows stay where they are, so the next checkpoint rewrites little. The
   * target is read once. Returns how many rows were deleted and inserted.
   */
  async mergePartitions(
    table: string,
    options: { partitionColumn: string; keysTable: string; rowsTable: string; uniqueKey: string[] },
  ): Promise<{ deleted: number; inserted: number }> {
    const target = this.qualified(table);
    const columns = (
      await queryRows<{ column_name: string }>(
        this.connection,
        `select column_name from duckdb_columns() where database_name = $1 and schema_name = 'main' and table_name = $2
         order by column_index`,
        [SNAPSHOT_ALIAS, table],
      )
    ).map((c) => quoteIdent(c.column_name));
    const list = columns.join(', ');
    const key = options.uniqueKey.map(quoteIdent);
    const partition = quoteIdent(options.partitionColumn);
    const rows = quoteIdent(options.rowsTable);
    const matches = (a: string, b: string): string => key.map((k) => `${a}.${k} = ${b}.${k}`).join(' and ');
    await execute(
      this.connection,
      `create or replace temp table merge_old as
       select rowid as merge_rowid, ${list} from ${target}
       where ${partition} in (select ${partition} from ${quoteIdent(options.keysTable)})`,
    );
    await execute(
      this.connection,
      `create or replace temp table merge_changes as select ${list} from ${rows} except select ${list} from merge_old`,
    );
    // old rows whose key is gone or whose values changed
    await execute(
      this.connection,
      `create or replace temp table merge_stale as
       select o.merge_rowid from merge_old o
       where not exists (select 1 from ${rows} n where ${matches('n', 'o')})
          or exists (select 1 from merge_changes c where ${matches('c', 'o')})`,
    );
    // (no RETURNING: it makes DuckDB's delete an order of magnitude slower)
    await execute(
      this.connection,
      `delete from ${target} where rowid in (select merge_rowid from merge_stale)`,
    );
    await execute(this.connection, `insert into ${target} (${list}) select * from merge_changes`);
    const [counts] = await queryRows<{ deleted: number; inserted: number }>(
      this.connection,
      'select (select count(*) from merge_stale) as deleted, (select count(*) from merge_changes) as inserted',
    );
    for (const temp of ['merge_old', 'merge_changes', 'merge_stale']) {
      await execute(this.connection, `drop table temp.main.${temp}`);
    }
    return counts;
  }

  async hasTable(table: string): Promise<boolean> {
    const rows = await queryRows<{ n: number }>(
      this.connection,
      `select count(*) as n from duckdb_tables() where database_name = $1 and schema_name = 'main' and table_name = $2`,
      [SNAPSHOT_ALIAS, table],
    );
    return rows[0].n > 0;
  }

  /** Row counts of the snapshot's tables (for the manifest). */
  async tableRows(tables: string[]): Promise<Record<string, { rows: number }>> {
    const result: Record<string, { rows: number }> = {};
    for (const table of tables) {
      const [row] = await queryRows<{ n: number }>(
        this.connection,
        `select count(*) as n from ${this.qualified(table)}`,
      );
      result[table] = { rows: row.n };
    }
    return result;
  }

  /** Drops tables no model writes any more (a model file was removed). */
  async dropTablesExcept(keep: string[]): Promise<void> {
    const rows = await queryRows<{ table_name: string }>(
      this.connection,
      `select table_name from duckdb_tables() where database_name = $1 and schema_name = 'main'`,
      [SNAPSHOT_ALIAS],
    );
    for (const { table_name } of rows) {
      if (!keep.includes(table_name))
        await execute(this.connection, `drop table ${this.qualified(table_name)}`);
    }
  }

  /** Writes everything to the file; the candidate stays attached for the quality checks. */
  async checkpoint(): Promise<void> {
    await execute(this.connection, `checkpoint ${SNAPSHOT_ALIAS}`);
  }

  async close(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    // the candidate may be the session's default database (the gold step reads it unqualified)
    await execute(this.connection, 'use memory');
    await execute(this.connection, 'reset search_path');
    await execute(this.connection, `detach ${SNAPSHOT_ALIAS}`);
  }

  /** A run that does not publish: detach without failing (the directory is removed after). */
  async abandon(): Promise<void> {
    try {
      await this.close();
    } catch {
      // the connection may already be closed or interrupted
    }
  }

  private async createIndexes(table: string): Promise<void> {
    for (const statement of SERVING_INDEXES[table] ?? []) {
      await execute(this.connection, statement.replace('{table}', this.qualified(table)));
    }
  }
}
