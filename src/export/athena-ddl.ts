/** A column as DuckDB describes it. */
export interface ExportColumn {
  name: string;
  /** DuckDB type (e.g. `DECIMAL(18,2)`, `TIMESTAMP`). */
  type: string;
}

export class UnsupportedTypeError extends Error {}

/**
 * The Athena (Hive DDL) type of a DuckDB column, and the SQL that writes it to Parquet in a form
 * Athena reads: unsigned and 128-bit integers become decimals, time zones are dropped to UTC
 * timestamps, anything exotic becomes text.
 */
export function athenaColumn(column: ExportColumn): { athenaType: string; cast: string | null } {
  const type = column.type.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return { athenaType: `decimal(${decimal[1]},${decimal[2]})`, cast: null };
  switch (type) {
    case 'VARCHAR':
      return { athenaType: 'string', cast: null };
    case 'BOOLEAN':
      return { athenaType: 'boolean', cast: null };
    case 'TINYINT':
      return { athenaType: 'tinyint', cast: null };
    case 'SMALLINT':
      return { athenaType: 'smallint', cast: null };
    case 'INTEGER':
      return { athenaType: 'int', cast: null };
    case 'BIGINT':
      return { athenaType: 'bigint', cast: null };
    case 'UTINYINT':
    case 'USMALLINT':
      return { athenaType: 'int', cast: 'INTEGER' };
    case 'UINTEGER':
      return { athenaType: 'bigint', cast: 'BIGINT' };
    case 'UBIGINT':
      return { athenaType: 'decimal(20,0)', cast: 'DECIMAL(20,0)' };
    case 'HUGEINT':
    case 'UHUGEINT':
      return { athenaType: 'decimal(38,0)', cast: 'DECIMAL(38,0)' };
    case 'FLOAT':
      return { athenaType: 'float', cast: null };
    case 'DOUBLE':
      return { athenaType: 'double', cast: null };
    case 'DATE':
      return { athenaType: 'date', cast: null };
    case 'TIMESTAMP':
    case 'TIMESTAMP_MS':
    case 'TIMESTAMP_S':
    case 'TIMESTAMP_NS':
      return { athenaType: 'timestamp', cast: type === 'TIMESTAMP' ? null : 'TIMESTAMP' };
    case 'TIMESTAMP WITH TIME ZONE':
      return { athenaType: 'timestamp', cast: 'TIMESTAMP' };
    default:
      return { athenaType: 'string', cast: 'VARCHAR' };
  }
}

const ident = (name: string): string => `\`${name.replace(/`/g, '')}\``;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

export interface TableDdl {
  database: string;
  table: string;
  columns: Array<{ name: string; athenaType: string }>;
  /** Folder of the table's files, ending with '/'. */
  location: string;
  /** Hive partition column (`yyyy-MM` text), with the first month present. */
  partition: { column: string; firstMonth: string } | null;
}

/**
 * `CREATE EXTERNAL TABLE` over the exported Parquet. Partitioned tables use partition projection
 * (months from the first one present up to NOW), so new months need no `MSCK REPAIR TABLE`.
 */
export function createTableDdl(ddl: TableDdl): string {
  const name = `${ident(ddl.database)}.${ident(ddl.table)}`;
  const columns = ddl.columns.map((c) => `  ${ident(c.name)} ${c.athenaType}`).join(',\n');
  const lines = [`CREATE EXTERNAL TABLE IF NOT EXISTS ${name} (`, columns, ')'];
  if (ddl.partition) lines.push(`PARTITIONED BY (${ident(ddl.partition.column)} string)`);
  lines.push('STORED AS PARQUET', `LOCATION ${literal(ddl.location)}`);
  const properties = tableProperties(ddl);
  lines.push(
    `TBLPROPERTIES (\n${properties.map(([k, v]) => `  ${literal(k)} = ${literal(v)}`).join(',\n')}\n);`,
  );
  return lines.join('\n');
}

/** Table properties: Parquet compression and, for a partitioned table, partition projection
 *  (the same for the DDL file and the Glue catalog). */
export function tableProperties(ddl: Pick<TableDdl, 'location' | 'partition'>): Array<[string, string]> {
  const properties: Array<[string, string]> = [['parquet.compression', 'ZSTD']];
  if (ddl.partition) {
    const p = ddl.partition.column;
    properties.push(
      ['projection.enabled', 'true'],
      [`projection.${p}.type`, 'date'],
      [`projection.${p}.format`, 'yyyy-MM'],
      [`projection.${p}.range`, `${ddl.partition.firstMonth},NOW`],
      [`projection.${p}.interval`, '1'],
      [`projection.${p}.interval.unit`, 'MONTHS'],
      ['storage.location.template', `${ddl.location}${p}=\${${p}}/`],
    );
  }
  return properties;
}
