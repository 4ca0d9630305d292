import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { connect, execute, openDuckDb, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { CliError } from './cli-error';

interface ExportManifest {
  snapshot_id: string;
  role: string;
  tables: Array<{ table: string; rows: number; partitioned_by: string | null; masked_columns: string[] }>;
}

/**
 * `c360 restore --from DIR`: serves the gold tables of a `c360 export --role admin` directory
 * again, as a new snapshot made active (for a lost or corrupted data directory). An export with
 * masked PII columns cannot restore a snapshot: it would serve masked values as if they were clear.
 */
export async function restoreCommand(config: C360Config, options: { from: string }): Promise<void> {
  const from = resolve(options.from);
  const manifestFile = join(from, '_manifest.json');
  if (!existsSync(manifestFile))
    throw new CliError(`--from ${options.from}: no _manifest.json (not a c360 export directory)`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as ExportManifest;
  const masked = manifest.tables.filter((t) => t.masked_columns.length > 0).map((t) => t.table);
  if (masked.length > 0) {
    throw new CliError(
      `--from ${options.from}: exported with role ${manifest.role}, PII is masked in ${masked.join(', ')}; restore needs an export made with --role admin`,
    );
  }
  const dirs = new DataDirs(config.dataDir);
  dirs.ensure();
  const snapshots = new SnapshotStore(dirs);
  const id = snapshots.newSnapshotId();
  mkdirSync(snapshots.directory(id), { recursive: true });
  const instance = await openDuckDb(snapshots.serveDbPath(id));
  const connection = await connect(instance);
  const tables: Record<string, { rows: number }> = {};
  let segments: string[] = [];
  let asOf: string | null = null;
  try {
    for (const table of manifest.tables) {
      if (!/^[a-z][a-z0-9_]*$/.test(table.table))
        throw new CliError(`_manifest.json: bad table name ${table.table}`);
      const files = quoteLiteral(join(from, table.table, '**', '*.parquet'));
      const drop = table.partitioned_by ? ` exclude (${quoteIdent(table.partitioned_by)})` : '';
      await execute(
        connection,
        `create table ${quoteIdent(table.table)} as select *${drop} from read_parquet(${files}, hive_partitioning = ${table.partitioned_by ? 'true' : 'false'})`,
      );
      const [count] = await queryRows<{ n: number }>(
        connection,
        `select count(*) as n from ${quoteIdent(table.table)}`,
      );
      if (count.n !== table.rows)
        throw new CliError(`${table.table}: ${count.n} rows read, the export lists ${table.rows}`, 1);
      tables[table.table] = { rows: count.n };
    }
    if (tables.segment_summary) {
      segments = (
        await queryRows<{ segment: string }>(
          connection,
          'select segment from segment_summary order by position',
        )
      ).map((r) => r.segment);
    }
    if (tables.customer_360) {
      await execute(connection, 'create unique index customer_360_id on customer_360 (customer_id)');
      const [latest] = await queryRows<{ ts: string | null }>(
        connection,
        'select max(last_order_at) as ts from customer_360',
      );
      asOf = latest.ts;
    }
    await execute(connection, 'checkpoint');
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    rmSync(snapshots.directory(id), { recursive: true, force: true });
    throw error;
  }
  connection.closeSync();
  instance.closeSync();
  const original = snapshots.readManifest(manifest.snapshot_id);
  snapshots.writeManifest({
    snapshot_id: id,
    run_id: `restore-of-${manifest.snapshot_id}`,
    created_at: new Date().toISOString(),
    as_of: original?.as_of ?? asOf ?? new Date().toISOString(),
    tables,
    segments: original?.segments ?? segments,
  });
  snapshots.activate(id);
  console.log(
    `restored snapshot ${id} from the export of ${manifest.snapshot_id} (${Object.keys(tables).length} tables); it is now active`,
  );
}
