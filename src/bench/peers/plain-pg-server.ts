/**
 * Peer of the serving benchmark: a plain node:http server with `pg` (one pool) answering c360's
 * three REST read shapes from the PostgreSQL copy of the gold tables, with the same SQL as the
 * plain DuckDB peer. Started by serving.bench.ts:
 *   PORT=… C360_BENCH_PG_URL=… C360_BENCH_PG_SCHEMA=… node dist/bench/peers/plain-pg-server.js
 */
import { createServer } from 'node:http';
import { Pool, types } from 'pg';
import { handler, JsonRow, PlainBackend, requiredEnv, servingSql } from './plain-common';

// JSON as c360 sends it: numbers for numeric/bigint (bigint as text beyond 2^53), ISO UTC timestamps.
const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 };
types.setTypeParser(OID.int8, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});
types.setTypeParser(OID.numeric, (v: string) => Number(v));
types.setTypeParser(OID.date, (v: string) => v);
types.setTypeParser(OID.timestamp, (v: string) => `${v.replace(' ', 'T')}Z`);
types.setTypeParser(OID.timestamptz, (v: string) => new Date(v).toISOString());

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function main(): Promise<void> {
  const port = Number(requiredEnv('PORT'));
  const schema = requiredEnv('C360_BENCH_PG_SCHEMA');
  const pool = new Pool({
    connectionString: requiredEnv('C360_BENCH_PG_URL'),
    max: Number(process.env.C360_BENCH_PG_POOL ?? 10),
    application_name: 'c360-bench-plain-pg',
  });
  const columnsOf = async (table: string): Promise<string[]> => {
    const result = await pool.query<{ column_name: string }>(
      'select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
      [schema, table],
    );
    return result.rows.map((r) => r.column_name);
  };
  const sql = servingSql(
    {
      customers: `${quote(schema)}.customers`,
      orders: `${quote(schema)}.orders`,
      lines: `${quote(schema)}.order_lines`,
    },
    { customers: await columnsOf('customers'), orders: await columnsOf('orders') },
  );
  // Named statements: parsed and planned once per pooled connection.
  const backend: PlainBackend = {
    async customerById(id) {
      const r = await pool.query<JsonRow>({ name: 'customer_by_id', text: sql.customerById, values: [id] });
      return r.rows[0] ?? null;
    },
    async topOfSegment(segment, limit) {
      const r = await pool.query<JsonRow>({
        name: 'top_of_segment',
        text: sql.topOfSegment,
        values: [segment, limit],
      });
      return r.rows;
    },
    async ordersWithLines(id, limit) {
      const r = await pool.query<JsonRow>({
        name: 'orders_with_lines',
        text: sql.ordersWithLines,
        values: [id, limit],
      });
      return r.rows;
    },
  };
  const server = createServer({ keepAliveTimeout: 65_000 }, handler(backend));
  server.listen(port, '127.0.0.1');
  const shutdown = (): void => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
