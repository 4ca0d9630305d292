import {
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTableCommand,
  GlueClient,
  TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { tableProperties } from './athena-ddl';

/** Glue table parameter naming the snapshot the table's files hold (read by the Athena engine). */
export const SNAPSHOT_PARAMETER = 'c360.snapshot_id';
/** Registered last: its parameter is the pointer to the snapshot Athena serves. */
export const POINTER_TABLE = 'customer_360';

export interface CatalogTable {
  table: string;
  columns: Array<{ name: string; athenaType: string }>;
  /** Folder of the table's files, ending with '/'. */
  location: string;
  partition: { column: string; firstMonth: string } | null;
}

export interface CatalogResult {
  created: string[];
  updated: string[];
}

/** Glue's view of one exported table: external Parquet, partition projection for the facts. */
export function tableInput(table: CatalogTable, snapshotId: string): TableInput {
  return {
    Name: table.table,
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      ...Object.fromEntries(tableProperties(table)),
      [SNAPSHOT_PARAMETER]: snapshotId,
    },
    PartitionKeys: table.partition ? [{ Name: table.partition.column, Type: 'string' }] : [],
    StorageDescriptor: {
      Columns: table.columns.map((c) => ({ Name: c.name, Type: c.athenaType })),
      Location: table.location,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        Parameters: { 'serialization.format': '1' },
      },
    },
  };
}

const missing = (error: unknown): boolean =>
  error instanceof EntityNotFoundException || (error as { name?: string }).name === 'EntityNotFoundException';

/**
 * Creates the database if needed and creates or updates every table so Athena reads the new
 * snapshot. customer_360 goes last: its `c360.snapshot_id` is the pointer the Athena engine
 * reads, so it names a snapshot only once every table holds it.
 */
export async function registerTables(
  glue: GlueClient,
  database: string,
  tables: readonly CatalogTable[],
  snapshotId: string,
): Promise<CatalogResult> {
  try {
    await glue.send(new GetDatabaseCommand({ Name: database }));
  } catch (error) {
    if (!missing(error)) throw error;
    await glue.send(
      new CreateDatabaseCommand({
        DatabaseInput: { Name: database, Description: 'c360 gold tables (c360 export)' },
      }),
    );
  }
  const ordered = [
    ...tables.filter((t) => t.table !== POINTER_TABLE),
    ...tables.filter((t) => t.table === POINTER_TABLE),
  ];
  const result: CatalogResult = { created: [], updated: [] };
  for (const table of ordered) {
    const input = tableInput(table, snapshotId);
    let exists = true;
    try {
      await glue.send(new GetTableCommand({ DatabaseName: database, Name: table.table }));
    } catch (error) {
      if (!missing(error)) throw error;
      exists = false;
    }
    if (exists) {
      await glue.send(new UpdateTableCommand({ DatabaseName: database, TableInput: input }));
      result.updated.push(table.table);
    } else {
      await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: input }));
      result.created.push(table.table);
    }
  }
  return result;
}
