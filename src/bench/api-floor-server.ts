/**
 * The floor of the API benchmark (`src/bench/api.bench.ts`): a plain `node:http` server that runs
 * exactly the reads the API runs for the same answers — the same repositories on the same
 * ServedSnapshot (its SQLite serving store where the build wrote one, DuckDB otherwise) — and
 * nothing else: no Nest, no auth, no validation, no masking, no cache.
 *
 *   node dist/bench/api-floor-server.js <serve.duckdb> <port>
 *
 *   GET /v1/customers/<id>                               customer_360 row (404 when unknown)
 *   GET /v1/customers?segment=<s>                        top 50 of the segment by lifetime value
 *   GET /dashboard?segment=<s>                           the same 50 with their last 10 orders, the
 *                                                        orders' lines and the lines' products
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { RowScope } from '../auth/row-scope';
import { CustomerSort } from '../customers/customer-sort';
import { SqliteCustomersRepository } from '../customers/sqlite-customers.repository';
import { SqliteOrdersRepository } from '../customers/sqlite-facts.repository';
import { DuckDbProductsRepository } from '../products/duckdb-products.repository';
import { ServedSnapshot } from '../serving/served-snapshot';
import { SnapshotManifest } from '../snapshots/snapshot.model';

// The repositories CustomersModule binds for the DuckDB engine: the snapshot's SQLite serving
// store for point and keyset reads when it has one, DuckDB otherwise.
const customers = new SqliteCustomersRepository();
const orders = new SqliteOrdersRepository();
const products = new DuckDbProductsRepository();
const everyone = RowScope.unrestricted();

async function topOfSegment(snapshot: ServedSnapshot, segment: string) {
  const rows = await customers.list(snapshot, { segments: [segment] }, everyone, {
    sort: CustomerSort.LifetimeValueDesc,
    after: null,
    limit: 51,
  });
  return rows.slice(0, 50);
}

async function dashboard(snapshot: ServedSnapshot, segment: string): Promise<unknown> {
  const page = await topOfSegment(snapshot, segment);
  const orderRows = await orders.pages(
    snapshot,
    page.map((c) => ({ customerId: c.customer_id, until: snapshot.asOf, after: null })),
    11,
  );
  const byRequest = page.map(() => [] as typeof orderRows);
  for (const row of orderRows) if (byRequest[row.request].length < 10) byRequest[row.request].push(row);
  const shown = byRequest.flat();
  const lines = await orders.lines(
    snapshot,
    shown.map((o) => ({ orderId: o.order_id, customerId: o.customer_id })),
  );
  const productRows = await products.findByIds(snapshot, everyone, [
    ...new Set(lines.map((l) => l.product_id)),
  ]);
  const productById = new Map(productRows.map((p) => [p.product_id, p]));
  return page.map((customer, i) => ({
    customerId: customer.customer_id,
    email: customer.email,
    lifetimeValue: customer.lifetime_value,
    segment: customer.segment,
    orders: byRequest[i].map((order) => ({
      orderId: order.order_id,
      orderTs: order.order_ts,
      orderAmount: order.order_amount,
      lines: lines
        .filter((l) => l.order_id === order.order_id)
        .map((l) => ({
          lineNo: l.line_no,
          quantity: l.quantity,
          lineAmount: l.line_amount,
          product: productById.get(l.product_id) ?? null,
        })),
    })),
  }));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function handle(
  snapshot: ServedSnapshot,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://floor');
  const segment = url.searchParams.get('segment') ?? '';
  if (url.pathname === '/dashboard') return send(response, 200, { data: await dashboard(snapshot, segment) });
  if (url.pathname === '/v1/customers')
    return send(response, 200, { data: await topOfSegment(snapshot, segment) });
  const match = /^\/v1\/customers\/([^/]+)$/.exec(url.pathname);
  if (match) {
    const row = await customers.findById(snapshot, decodeURIComponent(match[1]), everyone);
    return row ? send(response, 200, row) : send(response, 404, { code: 'not_found' });
  }
  send(response, 404, { code: 'not_found' });
}

async function main(): Promise<void> {
  // `duckdb`: every read on DuckDB (issue 5's plain DuckDB floor); otherwise the snapshot's
  // serving store answers point and keyset reads, as in the API
  const [path, port, engine] = process.argv.slice(2);
  const manifest = JSON.parse(readFileSync(join(dirname(path), 'manifest.json'), 'utf8')) as SnapshotManifest;
  const snapshot = await ServedSnapshot.open(
    path,
    { snapshot_id: manifest.snapshot_id, published_at: manifest.created_at },
    manifest,
    { servingStore: engine !== 'duckdb' },
  );
  snapshot.acquire();
  createServer((request, response) => {
    handle(snapshot, request, response).catch(() => send(response, 500, { code: 'internal' }));
  }).listen(Number(port), '127.0.0.1');
}

void main();
