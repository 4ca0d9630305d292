/**
 * Layout of a snapshot's `serve.sqlite`: the rows point and keyset reads need, in tables clustered
 * by customer (WITHOUT ROWID, primary key led by customer_id) with one index per list sort and
 * filter, so a look-up or a page is a B-tree seek and never a scan.
 *
 * Values are stored so that they come back byte-identical to the DuckDB path (src/duckdb/duckdb.ts
 * toJsonScalar): timestamps as epoch microseconds (formatted by the same function), money as exact
 * scaled integers (cents, or 1/10,000 for unit prices and exact sums), dates as `YYYY-MM-DD` text,
 * booleans as 0/1, 60-bit surrogate keys as INTEGER (8 bytes instead of 18 characters), read back
 * as decimal text with `keyText` (the exact digits: no double in between).
 */

/** Bumped when the layout changes: a snapshot whose store has another version is read from DuckDB. */
export const SERVING_STORE_VERSION = 3;
export const SERVING_STORE_FILE = 'serve.sqlite';
/**
 * The fact tables (orders, lines, events: nine tenths of the bytes) live in a second file,
 * attached by the reader: an incremental run that changed none of them links the base snapshot's
 * file instead of copying it, and a full build writes it while the first file's indexes are built.
 */
export const SERVING_STORE_FACTS_FILE = 'serve-facts.sqlite';
export const FACTS_SCHEMA = 'facts';

/** How a stored column is turned back into the JSON scalar the DuckDB path serves. */
export type ColumnCodec = 'plain' | 'ts' | 'bool' | 'cents' | 'e4';

export interface StoreColumn {
  name: string;
  /** SQLite declared type. */
  type: 'TEXT' | 'INTEGER';
  /** DuckDB expression over the gold table producing the stored value (VARCHAR, INTEGER or BIGINT). */
  source: string;
  codec: ColumnCodec;
}

export interface StoreTable {
  /** Table in serve.sqlite. */
  name: string;
  /** Gold table in serve.duckdb it is copied from. */
  gold: string;
  columns: StoreColumn[];
  primaryKey: string[];
  indexes: string[][];
  /** Rows belong to one customer: an incremental build replaces only changed customers' rows. */
  perCustomer: boolean;
  /** Which file holds it: serve.sqlite, or the attached facts file. */
  file: 'main' | 'facts';
}

/** Sorts with nulls last as one ascending integer: the largest 64-bit value stands for null. */
export const NULL_LAST = 9223372036854775807n;

/**
 * Stands for the snapshot's as_of day (whole days since the epoch, `AS_OF_DAY_META` in meta) in a
 * column source; `sourceSelect` substitutes it. Recency is stored relative to it, so an as_of
 * that moves by whole days changes no stored row.
 */
export const AS_OF_DAY = '{as_of_day}';
export const AS_OF_DAY_META = 'as_of_day';

/** The as_of day of an instant: `date_diff('second', x, as_of) // 86400` counts whole days of it. */
export const asOfDay = (asOf: Date): number => Math.floor(asOf.getTime() / 86_400_000);

const text = (name: string, source = name): StoreColumn => ({ name, type: 'TEXT', source, codec: 'plain' });
const int = (name: string, source = name): StoreColumn => ({ name, type: 'INTEGER', source, codec: 'plain' });
const ts = (name: string, source = name): StoreColumn => ({
  name,
  type: 'INTEGER',
  // a double (exact below 2^53) becomes a JS number, far cheaper than a bigint; INTEGER affinity
  // stores it as the same integer
  source: `epoch_us(${source})::double`,
  codec: 'ts',
});
const bool = (name: string, source = name): StoreColumn => ({
  name,
  type: 'INTEGER',
  source: `(${source})::integer`,
  codec: 'bool',
});
const date = (name: string, source = name): StoreColumn => ({
  name,
  type: 'TEXT',
  source: `cast(${source} as varchar)`,
  codec: 'plain',
});
const key = (name: string): StoreColumn => int(name, `${name}::bigint`);

/** A surrogate key column in a read's select list: the decimal text the DuckDB path serves. */
export const keyText = (name: string): string => `cast(${name} as text) as ${name}`;
/** Money served with 2 decimals: `round(x, 2)::decimal(18, 2)` as the DuckDB repositories do. */
const cents = (name: string, source = name): StoreColumn => ({
  name,
  type: 'INTEGER',
  source: `(round(${source}, 2)::decimal(18, 2) * 100)::bigint::double`,
  codec: 'cents',
});
/** Exact decimal with 4 decimals (unit prices, and exact amounts summed by point-in-time reads). */
const e4 = (name: string, source = name): StoreColumn => ({
  name,
  type: 'INTEGER',
  source: `(${source} * 10000)::bigint::double`,
  codec: 'e4',
});

const PROFILE: StoreColumn[] = [
  text('email'),
  text('phone'),
  text('first_name'),
  text('last_name'),
  date('birth_date'),
  text('street'),
  text('city'),
  text('state'),
  text('postal_code'),
  text('country'),
  ts('signup_at'),
  bool('marketing_opt_in'),
];

const SORTS = ['ltv_key', 'lo_key', 'rec_key'];

export const CUSTOMERS: StoreTable = {
  name: 'customers',
  gold: 'customer_360',
  columns: [
    text('customer_id'),
    key('customer_sk'),
    ...PROFILE,
    ts('profile_valid_from'),
    int('orders_count'),
    cents('lifetime_value'),
    cents('avg_order_value'),
    ts('first_order_at'),
    ts('last_order_at'),
    int('r_score'),
    int('f_score'),
    int('m_score'),
    text('segment'),
    text('favorite_category'),
    int('events_30d'),
    ts('last_seen_at'),
    // keyset sort keys, each ascending with customer_id as the tie-breaker
    int('ltv_key', '(-(lifetime_value * 100)::bigint)::double'),
    int('lo_key', `coalesce(-epoch_us(last_order_at), ${NULL_LAST})`),
    // recency_days minus the as_of day: read back as rec_key + as_of day (null when NULL_LAST)
    int('rec_key', `coalesce(recency_days::bigint - ${AS_OF_DAY}, ${NULL_LAST})`),
  ],
  primaryKey: ['customer_id'],
  indexes: [
    ...SORTS.map((sort) => [sort, 'customer_id']),
    ...['segment', 'country'].flatMap((filter) => [
      [filter, 'customer_id'],
      ...SORTS.map((sort) => [filter, sort, 'customer_id']),
    ]),
    ['email'],
  ],
  perCustomer: true,
  file: 'main',
};

export const VERSIONS: StoreTable = {
  name: 'versions',
  gold: 'dim_customer',
  columns: [
    text('customer_id'),
    int('version'),
    key('customer_sk'),
    ts('valid_from'),
    ts('valid_to'),
    bool('is_current'),
    bool('is_deleted'),
    ...PROFILE,
  ],
  primaryKey: ['customer_id', 'version'],
  indexes: [],
  perCustomer: true,
  file: 'main',
};

export const ORDERS: StoreTable = {
  name: 'orders',
  gold: 'fact_orders',
  columns: [
    text('customer_id'),
    ts('order_ts'),
    text('order_id'),
    key('customer_sk'),
    date('order_date'),
    text('status'),
    bool('is_counted'),
    text('channel'),
    text('currency'),
    ts('updated_at'),
    int('line_count', 'line_count::integer'),
    cents('order_amount'),
    e4('order_amount_e4', 'order_amount'),
  ],
  primaryKey: ['customer_id', 'order_ts', 'order_id'],
  indexes: [],
  perCustomer: true,
  file: 'facts',
};

export const LINES: StoreTable = {
  name: 'order_lines',
  gold: 'fact_order_lines',
  columns: [
    text('customer_id'),
    text('order_id'),
    int('line_no', 'line_no::integer'),
    text('product_id'),
    ts('order_ts'),
    bool('is_counted'),
    int('quantity', 'quantity::integer'),
    e4('unit_price'),
    e4('discount'),
    cents('line_amount'),
    e4('line_amount_e4', 'line_amount'),
  ],
  primaryKey: ['customer_id', 'order_id', 'line_no'],
  indexes: [],
  perCustomer: true,
  file: 'facts',
};

export const EVENTS: StoreTable = {
  name: 'events',
  gold: 'fact_events',
  columns: [
    text('customer_id'),
    ts('event_ts'),
    text('event_id'),
    key('customer_sk'),
    text('event_type'),
    text('session_id'),
    text('device'),
    text('product_id'),
  ],
  primaryKey: ['customer_id', 'event_ts', 'event_id'],
  indexes: [],
  perCustomer: true,
  file: 'facts',
};

/** Current product categories (favorite_category of point-in-time reads); small, copied whole. */
export const PRODUCTS: StoreTable = {
  name: 'products',
  gold: 'dim_product',
  columns: [text('product_id'), text('category')],
  primaryKey: ['product_id'],
  indexes: [],
  perCustomer: false,
  file: 'main',
};

export const STORE_TABLES: StoreTable[] = [CUSTOMERS, VERSIONS, ORDERS, LINES, EVENTS, PRODUCTS];

export function createTableSql(table: StoreTable): string[] {
  const columns = table.columns.map((c) => `${c.name} ${c.type}`).join(', ');
  return [
    `create table ${table.name} (${columns}, primary key (${table.primaryKey.join(', ')})) without rowid`,
    ...indexSql(table).map(([, create]) => create),
  ];
}

/** A table's secondary indexes: [name, create statement]. */
export function indexSql(table: StoreTable): Array<[string, string]> {
  return table.indexes.map((cols) => {
    const name = `${table.name}_${cols.join('_')}`;
    return [name, `create index ${name} on ${table.name} (${cols.join(', ')})`];
  });
}

/** An insert of `rows` rows per statement (one statement per batch size, prepared once). */
export function insertSql(table: StoreTable, rows = 1): string {
  const tuple = `(${table.columns.map(() => '?').join(', ')})`;
  return `insert into ${table.name} (${table.columns.map((c) => c.name).join(', ')}) values ${Array.from(
    { length: rows },
    () => tuple,
  ).join(', ')}`;
}

/** A column's DuckDB expression for a snapshot whose as_of day is `day`. */
export function columnSource(column: StoreColumn, day: number): string {
  if (!Number.isSafeInteger(day)) throw new Error('as_of day must be an integer');
  return column.source.split(AS_OF_DAY).join(String(day));
}

/** The DuckDB select that produces a store table's rows from its gold table. */
export function sourceSelect(table: StoreTable, relation: string, day: number, where = ''): string {
  return `select ${table.columns.map((c) => columnSource(c, day)).join(', ')} from ${relation}${where ? ` where ${where}` : ''}`;
}
