import { C360Config } from '../config/config';
import { exportGold, ExportError } from '../export/gold-export';
import { CliError } from './cli-error';

export interface ExportCommandOptions {
  target: string;
  role: string;
  snapshot?: string;
  location?: string;
  /** Commander's `--no-register`: false skips the Glue registration of an s3:// export. */
  register?: boolean;
}

/** `c360 export --target DIR|s3://bucket/prefix [--role ROLE] [--snapshot ID] [--location s3://…]`. */
export async function exportCommand(config: C360Config, options: ExportCommandOptions): Promise<number> {
  if (!options.target.trim()) throw new CliError('--target must be a directory or s3://bucket/prefix');
  if (options.location && !/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/.test(options.location)) {
    throw new CliError(`--location must be an s3://bucket/prefix URI, got "${options.location}"`);
  }
  try {
    const result = await exportGold(config, {
      target: options.target,
      role: options.role,
      snapshotId: options.snapshot,
      location: options.location,
      register: options.register === false ? false : undefined,
    });
    console.log(
      `exported snapshot ${result.snapshot_id} to ${result.target} (PII masked for role ${result.role})`,
    );
    for (const table of result.tables) {
      const partitions = table.partitioned_by ? `, partitioned by ${table.partitioned_by}` : '';
      console.log(`  ${table.table}: ${table.rows} rows in ${table.files} file(s)${partitions}`);
    }
    console.log(`  Athena DDL: ${result.ddl}`);
    if (result.upload) {
      console.log(
        `  uploaded ${result.upload.files} file(s), ${result.upload.bytes} bytes (${result.upload.multipart_files} as multipart uploads)`,
      );
    }
    if (result.catalog) {
      console.log(
        `  Glue database ${result.catalog.database}: ${result.catalog.created.length} table(s) created, ${result.catalog.updated.length} updated`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof ExportError) throw new CliError(error.message, 1);
    throw error;
  }
}
