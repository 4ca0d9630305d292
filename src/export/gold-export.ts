import { GlueClient } from '@aws-sdk/client-glue';
import { DuckDBConnection, DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { loadPolicy } from '../auth/policy';
import { Principal } from '../auth/principal';
import { DataDirs } from '../common/data-dirs';
import { C360Config } from '../config/config';
import { connect, execute, openDuckDb, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { MaskingService } from '../masking/masking.service';
import { PiiClassification } from '../masking/pii-classification';
import { maskValue } from '../masking/strategies';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { athenaColumn, createTableDdl, ExportColumn } from './athena-ddl';
import { CatalogTable, registerTables } from './glue-catalog';
import { ObjectStore, parseS3Uri, S3ObjectStore } from './object-store';

/** Tables written as Hive partitions by the month of a date column (the big, time-ordered ones). */
const MONTHLY_PARTITIONS: Record<string, { date: string; column: string }> = {
  fact_orders: { date: 'order_date', column: 'order_month' },
  fact_order_lines: { date: 'order_date', column: 'order_month' },
  fact_events: { date: 'event_date', column: 'event_month' },
};

export class ExportError extends Error {}

export interface ExportOptions {
  /** A directory, or `s3://bucket/prefix`. */
  target: string;
  /** The policy role whose masking applies to PII columns (SPEC §9: exports mask like the API). */
  role: string;
  /** Default: the active snapshot. */
  snapshotId?: string;
  /** For a directory target: the S3 URI it will be uploaded to, for the DDL's LOCATION. */
  location?: string;
  /**
   * For an s3:// target: register or update the tables in the Glue catalog (ATHENA_DATABASE) so
   * Athena reads the new snapshot. Default: on when ATHENA_DATABASE is set.
   */
  register?: boolean;
}

export interface ExportedTable {
  table: string;
  rows: number;
  files: number;
  partitioned_by: string | null;
  location: string;
  masked_columns: string[];
}

export interface ExportResult {
  snapshot_id: string;
  target: string;
  role: string;
  exported_at: string;
  tables: ExportedTable[];
  ddl: string;
  /** s3:// targets: what was uploaded (files above the part size go up as multipart uploads). */
  upload?: { files: number; bytes: number; multipart_files: number; part_size: number };
  /** s3:// targets registered in Glue: the database and the tables created or updated. */
  catalog?: { database: string; created: string[]; updated: string[] };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** `c360_mask(text, pii_class, strategy)`: the masking strategies of src/masking, in SQL. */
function registerMasking(connection: DuckDBConnection, hashKey: string): void {
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'c360_mask',
      returnType: VARCHAR,
      parameterTypes: [VARCHAR, VARCHAR, VARCHAR],
      mainFunction: (_info, input, output) => {
        const values = input.getColumnVector(0);
        const classes = input.getColumnVector(1);
        const strategies = input.getColumnVector(2);
        for (let row = 0; row < input.rowCount; row++) {
          const masked = maskValue(
            values.getItem(row),
            String(classes.getItem(row)) as Parameters<typeof maskValue>[1],
            String(strategies.getItem(row)) as Parameters<typeof maskValue>[2],
            hashKey,
          );
          output.setItem(row, masked === null ? null : String(masked));
        }
        output.flush();
      },
    }),
  );
}

/**
 * `c360 export`: a snapshot's gold tables (internal `int_*` tables excepted) as ZSTD Parquet —
 * the fact tables in monthly Hive partitions — plus `athena.sql` (CREATE EXTERNAL TABLE with
 * partition projection) and `_manifest.json`. PII columns are masked for `role` exactly as the
 * API masks list responses. An `s3://` target is written to a local staging directory first,
 * uploaded, and objects a previous export left under the exported tables are removed.
 */
export async function exportGold(config: C360Config, options: ExportOptions): Promise<ExportResult> {
  const dirs = new DataDirs(config.dataDir);
  const snapshots = new SnapshotStore(dirs);
  const snapshotId = options.snapshotId ?? snapshots.readActive()?.snapshot_id;
  if (!snapshotId) throw new ExportError('no snapshot has been published yet (run c360 build first)');
  const manifest = snapshots.readManifest(snapshotId);
  if (!manifest) throw new ExportError(`snapshot ${snapshotId} does not exist or is not complete`);

  const policy = loadPolicy(config.configDir);
  if (!policy.roleNames().includes(options.role)) {
    throw new ExportError(`--role ${options.role}: unknown role (known: ${policy.roleNames().join(', ')})`);
  }
  const classification = PiiClassification.fromConfigDir(config.configDir);
  const masking = new MaskingService(policy, classification, config.maskingKey);
  const principal: Principal = {
    sub: 'c360-export',
    roles: [options.role],
    permissions: policy.permissionsFor([options.role]),
    countries: null,
  };
  const strategies = masking.strategiesFor(principal, 'list');
  const register =
    options.target.startsWith('s3://') && (options.register ?? config.get('athenaDatabase') !== null);
  if (register && Object.values(strategies).some((strategy) => strategy !== 'clear')) {
    // The Athena engine masks per caller in its SQL: tables it serves must hold PII in clear.
    throw new ExportError(
      `--role ${options.role}: tables registered for the Athena engine need PII in clear (use --role admin, or --no-register)`,
    );
  }

  const s3 = options.target.startsWith('s3://') ? parseS3Uri(options.target) : null;
  if (options.target.startsWith('s3://') && !s3)
    throw new ExportError(`--target ${options.target}: not an s3://bucket/prefix URI`);
  const stage = s3
    ? (mkdirSync(dirs.scratch, { recursive: true }), mkdtempSync(join(dirs.scratch, 'export-')))
    : resolve(options.target);
  mkdirSync(stage, { recursive: true });
  const locationBase = s3
    ? `s3://${s3.bucket}/${s3.prefix ? `${s3.prefix}/` : ''}`
    : options.location
      ? `${options.location.replace(/\/+$/, '')}/`
      : `file://${stage}${sep}`;

  const internal = new Set(manifest.internal_tables ?? []);
  const tables = Object.keys(manifest.tables).filter((t) => !internal.has(t) && !t.startsWith('int_'));
  const instance = await openDuckDb(':memory:');
  const connection = await connect(instance);
  const exported: ExportedTable[] = [];
  const catalogTables: CatalogTable[] = [];
  const ddl: string[] = [
    `-- c360 gold snapshot ${snapshotId} (as of ${manifest.as_of}), exported ${new Date().toISOString()}`,
    `-- PII masked for role ${options.role}. Partitioned tables use partition projection: no MSCK REPAIR TABLE needed.`,
    ...(s3 || options.location
      ? []
      : ['-- LOCATION is this directory: upload it to S3 and pass --location s3://… to export again.']),
    '',
  ];
  const database = config.get('athenaDatabase') ?? 'c360';
  let store: ObjectStore | null = null;
  try {
    registerMasking(connection, config.maskingKey);
    await execute(
      connection,
      `attach ${quoteLiteral(snapshots.serveDbPath(snapshotId))} as snap (read_only)`,
    );
    for (const table of tables) {
      const columns = await queryRows<{ name: string; type: string }>(
        connection,
        `select column_name as name, data_type as type from duckdb_columns()
         where database_name = 'snap' and schema_name = 'main' and table_name = $1 order by column_index`,
        [table],
      );
      const masked: string[] = [];
      const select: string[] = [];
      const athena: Array<{ name: string; athenaType: string }> = [];
      for (const column of columns as ExportColumn[]) {
        const id = quoteIdent(column.name);
        const piiClass = classification.classOf(column.name);
        const strategy = piiClass ? strategies[piiClass] : 'clear';
        if (piiClass && strategy !== 'clear') {
          masked.push(column.name);
          select.push(
            strategy === 'redact'
              ? `null::varchar as ${id}`
              : `c360_mask(cast(${id} as varchar), ${quoteLiteral(piiClass)}, ${quoteLiteral(strategy)}) as ${id}`,
          );
          athena.push({ name: column.name, athenaType: 'string' });
          continue;
        }
        const { athenaType, cast } = athenaColumn(column);
        select.push(cast ? `cast(${id} as ${cast}) as ${id}` : id);
        athena.push({ name: column.name, athenaType });
      }
      const partition =
        MONTHLY_PARTITIONS[table] && columns.some((c) => c.name === MONTHLY_PARTITIONS[table].date)
          ? MONTHLY_PARTITIONS[table]
          : null;
      const dir = join(stage, table);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const source = `snap.main.${quoteIdent(table)}`;
      if (partition) {
        await execute(
          connection,
          `copy (select ${select.join(', ')}, strftime(${quoteIdent(partition.date)}, '%Y-%m') as ${quoteIdent(partition.column)}
                 from ${source} where ${quoteIdent(partition.date)} is not null)
           to ${quoteLiteral(dir)} (format parquet, compression zstd, partition_by (${quoteIdent(partition.column)}),
                                    filename_pattern 'part-{i}', overwrite_or_ignore)`,
        );
      } else {
        await execute(
          connection,
          `copy (select ${select.join(', ')} from ${source}) to ${quoteLiteral(join(dir, 'part-0.parquet'))} (format parquet, compression zstd)`,
        );
      }
      const [{ rows, first_month }] = await queryRows<{ rows: number; first_month: string | null }>(
        connection,
        `select count(*) as rows, ${partition ? `min(strftime(${quoteIdent(partition.date)}, '%Y-%m'))` : 'null'} as first_month from ${source}`,
      );
      const location = `${locationBase}${table}/`;
      const partitionSpec = partition
        ? { column: partition.column, firstMonth: first_month ?? new Date().toISOString().slice(0, 7) }
        : null;
      ddl.push(createTableDdl({ database, table, columns: athena, location, partition: partitionSpec }), '');
      catalogTables.push({ table, columns: athena, location, partition: partitionSpec });
      exported.push({
        table,
        rows,
        files: filesUnder(dir).length,
        partitioned_by: partition?.column ?? null,
        location,
        masked_columns: masked,
      });
    }
    const result: ExportResult = {
      snapshot_id: snapshotId,
      target: options.target,
      role: options.role,
      exported_at: new Date().toISOString(),
      tables: exported,
      ddl: 'athena.sql',
    };
    writeFileSync(join(stage, 'athena.sql'), ddl.join('\n'));
    writeFileSync(join(stage, '_manifest.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (s3) {
      const s3Store = new S3ObjectStore(s3.bucket, {
        region: config.get('awsRegion'),
        endpoint: config.get('exportS3Endpoint'),
        partSizeBytes: config.get('exportPartSizeMb') * 1024 * 1024,
      });
      store = s3Store;
      const prefix = s3.prefix ? `${s3.prefix}/` : '';
      const uploaded = new Set<string>();
      const upload = { files: 0, bytes: 0, multipart_files: 0, part_size: s3Store.partSize };
      for (const file of filesUnder(stage)) {
        const key = `${prefix}${relative(stage, file).split(sep).join('/')}`;
        const put = await store.put(key, file);
        uploaded.add(key);
        upload.files++;
        upload.bytes += put.bytes;
        if (put.parts > 1) upload.multipart_files++;
      }
      result.upload = upload;
      // files of an earlier export that this one did not rewrite (e.g. a month no longer present)
      for (const table of tables) {
        const stale = (await store.list(`${prefix}${table}/`)).filter((key) => !uploaded.has(key));
        if (stale.length) await store.delete(stale);
      }
      // Only once every file is in place: Athena then reads the new snapshot whole.
      if (register) {
        const glue = new GlueClient({
          region: config.get('awsRegion') ?? 'us-east-1',
          ...(config.get('exportGlueEndpoint')
            ? { endpoint: config.get('exportGlueEndpoint') ?? undefined }
            : {}),
          maxAttempts: 4,
        });
        try {
          const registered = await registerTables(glue, database, catalogTables, snapshotId);
          result.catalog = { database, ...registered };
        } finally {
          glue.destroy();
        }
      }
    }
    return result;
  } finally {
    connection.closeSync();
    instance.closeSync();
    store?.close();
    if (s3) rmSync(stage, { recursive: true, force: true });
  }
}

/** Total size of an export directory, for the CLI summary. */
export function directoryBytes(dir: string): number {
  if (!isAbsolute(dir)) return 0;
  return filesUnder(dir).reduce((sum, file) => sum + statSync(file).size, 0);
}
