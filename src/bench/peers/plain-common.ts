/**
 * What the two plain peers (plain-pg-server.ts, plain-duckdb-server.ts) share: the SQL (the same
 * text for PostgreSQL and DuckDB, only the table names differ), the three REST shapes of c360
 * they answer, and the JSON they send. Kept free of Nest and of c360's modules so the peers stay
 * what they claim to be: node:http plus a driver.
 */
import { IncomingMessage, ServerResponse } from 'node:http';

export interface ServingTables {
  customers: string;
  orders: string;
  lines: string;
}

export interface ServingColumns {
  customers: string[];
  orders: string[];
}

/** Fields of an order line in a response (c360's OrderLineRow). */
export const LINE_FIELDS = ['line_no', 'product_id', 'quantity', 'unit_price', 'discount', 'line_amount'];
const LINE_PREFIX = 'line__';

// Surrogate keys are 60-bit integers: served as strings (as c360 does) so JSON never rounds them.
const column = (name: string, qualifier = ''): string =>
  name.endsWith('_sk') ? `cast(${qualifier}${name} as varchar) as ${name}` : `${qualifier}${name}`;

export interface ServingSql {
  /** $1 customer_id */
  customerById: string;
  /** $1 segment, $2 limit */
  topOfSegment: string;
  /** $1 customer_id, $2 limit: one row per line (orders without lines once, line fields null). */
  ordersWithLines: string;
}

export function servingSql(tables: ServingTables, columns: ServingColumns): ServingSql {
  const customerColumns = columns.customers.map((c) => column(c)).join(', ');
  const orderColumns = columns.orders.map((c) => column(c)).join(', ');
  const lineColumns = LINE_FIELDS.map((f) => `l.${f} as ${LINE_PREFIX}${f}`).join(', ');
  return {
    customerById: `select ${customerColumns} from ${tables.customers} where customer_id = $1`,
    topOfSegment:
      `select ${customerColumns} from ${tables.customers} where segment = $1 ` +
      `order by lifetime_value desc, customer_id asc limit $2`,
    ordersWithLines:
      `with o as (select ${orderColumns} from ${tables.orders} where customer_id = $1 ` +
      `order by order_ts desc, order_id desc limit $2) ` +
      `select o.*, ${lineColumns} from o ` +
      `left join ${tables.lines} l on l.order_id = o.order_id and l.customer_id = $1 ` +
      `order by o.order_ts desc, o.order_id desc, l.line_no asc`,
  };
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonRow = Record<string, JsonValue>;

/** Folds the joined rows into orders, each with its `lines`, keeping the query's order. */
export function groupOrders(rows: JsonRow[]): JsonRow[] {
  const orders: JsonRow[] = [];
  let current: JsonRow | null = null;
  let lines: JsonRow[] = [];
  for (const row of rows) {
    if (current === null || current.order_id !== row.order_id) {
      current = {};
      lines = [];
      for (const [key, value] of Object.entries(row)) {
        if (!key.startsWith(LINE_PREFIX)) current[key] = value;
      }
      current.lines = lines;
      orders.push(current);
    }
    if (row[`${LINE_PREFIX}line_no`] !== null && row[`${LINE_PREFIX}line_no`] !== undefined) {
      const line: JsonRow = {};
      for (const field of LINE_FIELDS) line[field] = row[`${LINE_PREFIX}${field}`] ?? null;
      lines.push(line);
    }
  }
  return orders;
}

export type PlainRoute =
  | { kind: 'health' }
  | { kind: 'customer'; id: string }
  | { kind: 'segment'; segment: string; limit: number }
  | { kind: 'orders'; id: string; limit: number }
  | { kind: 'bad'; detail: string }
  | null;

const ID = /^[A-Za-z0-9_-]{1,64}$/;

function limitOf(params: URLSearchParams, fallback: number): number | null {
  const raw = params.get('limit');
  if (raw === null) return fallback;
  const limit = Number(raw);
  return Number.isInteger(limit) && limit >= 1 && limit <= 200 ? limit : null;
}

/** The three c360 read shapes the plain peers answer (and /health/live). */
export function parseRoute(method: string | undefined, rawUrl: string | undefined): PlainRoute {
  if (method !== 'GET' || !rawUrl) return null;
  const url = new URL(rawUrl, 'http://peer');
  const parts = url.pathname.split('/').filter(Boolean);
  if (url.pathname === '/health/live') return { kind: 'health' };
  if (parts[0] !== 'v1' || parts[1] !== 'customers') return null;
  if (parts.length === 2) {
    const segment = url.searchParams.get('segment');
    const sort = url.searchParams.get('sort') ?? '-lifetime_value';
    const limit = limitOf(url.searchParams, 50);
    if (!segment || sort !== '-lifetime_value' || limit === null)
      return { kind: 'bad', detail: 'segment, sort=-lifetime_value and limit 1..200 are supported' };
    return { kind: 'segment', segment, limit };
  }
  const id = decodeURIComponent(parts[2]);
  if (!ID.test(id)) return { kind: 'bad', detail: 'bad customer id' };
  if (parts.length === 3) return { kind: 'customer', id };
  if (parts.length === 4 && parts[3] === 'orders') {
    const limit = limitOf(url.searchParams, 50);
    return limit === null ? { kind: 'bad', detail: 'limit 1..200' } : { kind: 'orders', id, limit };
  }
  return null;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status < 400 ? 'application/json' : 'application/problem+json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function problem(res: ServerResponse, status: number, title: string, detail?: string): void {
  sendJson(res, status, { type: 'about:blank', title, status, ...(detail ? { detail } : {}) });
}

export interface PlainBackend {
  customerById(id: string): Promise<JsonRow | null>;
  topOfSegment(segment: string, limit: number): Promise<JsonRow[]>;
  ordersWithLines(id: string, limit: number): Promise<JsonRow[]>;
}

/** The request handler both plain peers use: route, one backend call, JSON. */
export function handler(backend: PlainBackend): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const route = parseRoute(req.method, req.url);
    const answer = async (): Promise<void> => {
      if (route === null) return problem(res, 404, 'Not Found');
      switch (route.kind) {
        case 'health':
          return sendJson(res, 200, { status: 'ok' });
        case 'bad':
          return problem(res, 400, 'Bad Request', route.detail);
        case 'customer': {
          const row = await backend.customerById(route.id);
          return row ? sendJson(res, 200, row) : problem(res, 404, 'Not Found');
        }
        case 'segment': {
          const data = await backend.topOfSegment(route.segment, route.limit);
          return sendJson(res, 200, { data, page: { limit: route.limit, next_cursor: null } });
        }
        case 'orders': {
          const data = groupOrders(await backend.ordersWithLines(route.id, route.limit));
          return sendJson(res, 200, { data, page: { limit: route.limit, next_cursor: null } });
        }
      }
    };
    answer().catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      if (!res.headersSent) problem(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  };
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
