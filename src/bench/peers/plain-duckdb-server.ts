/**
 * Peer of the serving benchmark: a plain node:http server over the snapshot's serve.duckdb (one
 * read-only instance, a few connections, each with the three statements prepared once) answering
 * c360's three REST read shapes with the same SQL as the plain PostgreSQL peer. Started by
 * serving.bench.ts:
 *   PORT=… C360_BENCH_DUCKDB_PATH=…/serve.duckdb node dist/bench/peers/plain-duckdb-server.js
 */
import { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { createServer } from 'node:http';
import { connect, openDuckDb, queryRows, toJsonScalar } from '../../duckdb/duckdb';
import { handler, JsonRow, PlainBackend, requiredEnv, servingSql } from './plain-common';

interface Worker {
  connection: DuckDBConnection;
  customerById: DuckDBPreparedStatement;
  topOfSegment: DuckDBPreparedStatement;
  ordersWithLines: DuckDBPreparedStatement;
}

/** Connections handed out one request at a time; callers queue when all are busy. */
class WorkerPool {
  private readonly idle: Worker[];
  private readonly waiting: Array<(worker: Worker) => void> = [];

  constructor(workers: Worker[]) {
    this.idle = [...workers];
  }

  async use<T>(task: (worker: Worker) => Promise<T>): Promise<T> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    try {
      return await task(worker);
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }
}

async function rowsOf(statement: DuckDBPreparedStatement): Promise<JsonRow[]> {
  const reader = await statement.runAndReadAll();
  const columns = reader.columnNames();
  return reader.getRows().map((values) => {
    const row: JsonRow = {};
    values.forEach((value, index) => (row[columns[index]] = toJsonScalar(value)));
    return row;
  });
}

async function main(): Promise<void> {
  const port = Number(requiredEnv('PORT'));
  const threads = Number(process.env.C360_BENCH_DUCKDB_THREADS ?? 0);
  const instance = await openDuckDb(requiredEnv('C360_BENCH_DUCKDB_PATH'), {
    readOnly: true,
    ...(threads > 0 ? { threads } : {}),
  });
  const first = await connect(instance);
  const columnsOf = async (table: string): Promise<string[]> =>
    (
      await queryRows<{ column_name: string }>(
        first,
        'select column_name from information_schema.columns where table_name = $1 order by ordinal_position',
        [table],
      )
    ).map((r) => r.column_name);
  const sql = servingSql(
    { customers: 'customer_360', orders: 'fact_orders', lines: 'fact_order_lines' },
    { customers: await columnsOf('customer_360'), orders: await columnsOf('fact_orders') },
  );
  const size = Math.max(1, Number(process.env.C360_BENCH_DUCKDB_CONNECTIONS ?? 4));
  const workers: Worker[] = [];
  for (let i = 0; i < size; i++) {
    const connection = i === 0 ? first : await connect(instance);
    workers.push({
      connection,
      customerById: await connection.prepare(sql.customerById),
      topOfSegment: await connection.prepare(sql.topOfSegment),
      ordersWithLines: await connection.prepare(sql.ordersWithLines),
    });
  }
  const pool = new WorkerPool(workers);
  const backend: PlainBackend = {
    customerById: (id) =>
      pool.use(async (w) => {
        w.customerById.bindVarchar(1, id);
        return (await rowsOf(w.customerById))[0] ?? null;
      }),
    topOfSegment: (segment, limit) =>
      pool.use(async (w) => {
        w.topOfSegment.bindVarchar(1, segment);
        w.topOfSegment.bindInteger(2, limit);
        return rowsOf(w.topOfSegment);
      }),
    ordersWithLines: (id, limit) =>
      pool.use(async (w) => {
        w.ordersWithLines.bindVarchar(1, id);
        w.ordersWithLines.bindInteger(2, limit);
        return rowsOf(w.ordersWithLines);
      }),
  };
  const server = createServer({ keepAliveTimeout: 65_000 }, handler(backend));
  server.listen(port, '127.0.0.1');
  // Read-only: nothing to flush, so exit at once (closing DuckDB under a running query can block).
  const shutdown = (): void => process.exit(0);
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
