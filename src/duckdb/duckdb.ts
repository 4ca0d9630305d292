import {
  DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBValue,
} from '@duckdb/node-api';

export type SqlParam = string | number | boolean | null | bigint;
export type SqlParams = Record<string, SqlParam> | SqlParam[];
/** A row as c360 reads it: decimals and big integers as numbers, timestamps as ISO strings. */
export type Row = Record<string, JsonScalar | JsonScalar[]>;
export type JsonScalar = string | number | boolean | null;

export interface OpenOptions {
  readOnly?: boolean;
  threads?: number;
  memoryLimit?: string;
}

/** Opens a DuckDB database with extension downloads off and UTC as the session time zone. */
export async function openDuckDb(path: string, options: OpenOptions = {}): Promise<DuckDBInstance> {
  const settings: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (options.readOnly) settings.access_mode = 'READ_ONLY';
  if (options.threads) settings.threads = String(options.threads);
  if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
  return DuckDBInstance.create(path, settings);
}

export async function connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return connection;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function isoFromMicros(micros: bigint): string {
  const millis = Number(micros / 1000n);
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return String(micros);
  const fraction = Number(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n);
  const base = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(
    date.getUTCHours(),
  )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  if (fraction === 0) return `${base}Z`;
  return `${base}.${pad(fraction, 6).replace(/0+$/, '')}Z`;
}

/** Converts a DuckDB value to the JSON scalar c360 serves. Money is exact in SQL and only turned
 *  into a JSON number here, after rounding to its served scale. */
export function toJsonScalar(value: DuckDBValue): JsonScalar | JsonScalar[] {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    typeof value === 'number'
  ) {
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof DuckDBDecimalValue) return Number(value.toString());
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return isoFromMicros(value.micros);
  }
  if (value instanceof DuckDBDateValue) {
    const { year, month, day } = value.toParts();
    return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  }
  if (typeof value === 'object' && 'items' in value && Array.isArray(value.items)) {
    return value.items.map((item) => toJsonScalar(item) as JsonScalar);
  }
  return String(value);
}

/** Runs a parameterised query and returns rows as plain objects. */
export async function queryRows<T extends Row = Row>(
  connection: DuckDBConnection,
  sql: string,
  params?: SqlParams,
): Promise<T[]> {
  const reader = await connection.runAndReadAll(sql, params as Record<string, DuckDBValue> | DuckDBValue[]);
  const columns = reader.columnNames();
  return reader.getRows().map((values) => {
    const row: Row = {};
    values.forEach((value, index) => {
      row[columns[index]] = toJsonScalar(value);
    });
    return row as T;
  });
}

export async function execute(connection: DuckDBConnection, sql: string, params?: SqlParams): Promise<void> {
  await connection.run(sql, params as Record<string, DuckDBValue> | DuckDBValue[]);
}

/** Quotes an identifier that comes from configuration (never from a request). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a literal that comes from configuration (file paths, patterns) for statements that take
 *  no parameters, such as COPY and read_csv options. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
