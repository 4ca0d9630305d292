import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');

/** A consumer's program: typed calls through openapi-fetch with types generated from the
 *  checked-in docs/openapi.json. The @ts-expect-error lines only compile when the generated types
 *  are real (a wrong parameter type or an unknown path must be a compile error). */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type Customer = components['schemas']['CustomerDto'];

async function main(): Promise<void> {
  const client = createClient<paths>({
    baseUrl: process.env.BASE_URL,
    headers: { authorization: \`Bearer \${process.env.TOKEN}\` },
  });

  const list = await client.GET('/v1/customers', {
    params: { query: { segment: ['champions'], sort: '-lifetime_value', limit: 3, include_total: true } },
  });
  if (!list.data) throw new Error('list failed');
  const first: Customer = list.data.data[0];
  const id: string = first.customer_id;

  const one = await client.GET('/v1/customers/{id}', { params: { path: { id } } });
  const pit = await client.GET('/v1/customers/{id}', {
    params: { path: { id }, query: { as_of: '2024-12-01T00:00:00Z' } },
  });
  const history = await client.GET('/v1/customers/{id}/history', { params: { path: { id } } });
  const orders = await client.GET('/v1/customers/{id}/orders', { params: { path: { id }, query: { limit: 2 } } });
  const events = await client.GET('/v1/customers/{id}/events', { params: { path: { id }, query: { limit: 2 } } });
  const segments = await client.GET('/v1/segments');
  const products = await client.GET('/v1/products', { params: { query: { sort: 'revenue_rank', limit: 2 } } });
  const productId = products.data?.data[0]?.product_id ?? '';
  const product = await client.GET('/v1/products/{id}', { params: { path: { id: productId } } });
  const daily = await client.GET('/v1/metrics/orders-daily', { params: { query: { from: '2024-12-01', to: '2024-12-07' } } });
  const missing = await client.GET('/v1/customers/{id}', { params: { path: { id: 'C99999999' } } });
  const bad = await client.GET('/v1/customers', { params: { query: { limit: 500 } } });

  if (process.env.NEVER === 'yes') {
    // @ts-expect-error limit is an integer, not text
    await client.GET('/v1/customers', { params: { query: { limit: 'ten' } } });
    // @ts-expect-error there is no such route
    await client.GET('/v1/customer');
    // @ts-expect-error sort takes the named enum CustomerSort only
    await client.GET('/v1/customers', { params: { query: { sort: 'name' } } });
  }

  const lifetimeValue: number = one.data?.lifetime_value ?? -1;
  console.log(
    JSON.stringify({
      total: list.data.page.total,
      ids: list.data.data.map((c) => c.customer_id),
      snapshot: list.response.headers.get('x-c360-snapshot'),
      one: { id: one.data?.customer_id, email: one.data?.email, lifetimeValue },
      pit: { asOf: pit.data?.as_of, ordersCount: pit.data?.orders_count },
      versions: history.data?.data.length,
      orders: orders.data?.data.map((o) => ({ id: o.order_id, lines: o.lines.length })),
      nextOrders: orders.data?.page.next_cursor !== undefined,
      events: events.data?.data.length,
      segments: segments.data?.data.map((s) => s.segment),
      products: products.data?.data.map((p) => p.revenue_rank),
      product: product.data?.product_id,
      days: daily.data?.data.map((d) => d.date),
      missing: { status: missing.response.status, code: missing.error?.code },
      bad: { status: bad.response.status, code: bad.error?.code, parameter: bad.error?.parameter },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

interface ClientOutput {
  total: number;
  ids: string[];
  snapshot: string;
  one: { id: string; email: string; lifetimeValue: number };
  pit: { asOf: string; ordersCount: number };
  versions: number;
  orders: Array<{ id: string; lines: number }>;
  events: number;
  segments: string[];
  products: number[];
  product: string;
  days: string[];
  missing: { status: number; code: string };
  bad: { status: number; code: string; parameter: string };
}

describe('a TypeScript client generated from docs/openapi.json', () => {
  let t: TestApp;
  let work: string;

  beforeAll(async () => {
    t = await startTestApp({ build: { scale: 0.005, seed: 3 } });
    work = mkdtempSync(join(tmpdir(), 'c360-client-'));
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('is generated with openapi-typescript, compiles with openapi-fetch, and works against the server', async () => {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
        join(ROOT, 'docs/openapi.json'),
        '-o',
        join(work, 'api.ts'),
      ],
      { stdio: 'pipe' },
    );
    expect(readFileSync(join(work, 'api.ts'), 'utf8')).toContain('"/v1/customers/{id}/orders"');
    writeFileSync(join(work, 'client.ts'), CLIENT);
    writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          strict: true,
          outDir: 'out',
          types: ['node'],
        },
        files: ['client.ts'],
      }),
    );
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', work], {
        stdio: 'pipe',
      });
    } catch (error) {
      throw new Error(`the client does not compile:\n${String((error as { stdout?: Buffer }).stdout)}`);
    }

    const token = await t.token(['analyst']);
    // Asynchronously: the server under test runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, [join(work, 'out', 'client.js')], {
      env: { PATH: process.env.PATH ?? '', BASE_URL: t.baseUrl, TOKEN: token },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const output = JSON.parse(stdout) as ClientOutput;
    const direct = await t.get<{ data: Array<{ customer_id: string }>; page: { total: number } }>(
      '/v1/customers?segment=champions&sort=-lifetime_value&limit=3&include_total=true',
      token,
    );
    expect(output.ids).toEqual(direct.body.data.map((c) => c.customer_id));
    expect(output.total).toBe(direct.body.page.total);
    expect(output.snapshot).toBe(t.fixture.snapshotId);
    expect(output.one.id).toBe(output.ids[0]);
    expect(output.one.email).toMatch(/^.\*\*\*@/);
    expect(output.one.lifetimeValue).toBeGreaterThan(0);
    expect(output.pit.asOf).toBe('2024-12-01T00:00:00Z');
    expect(output.versions).toBeGreaterThanOrEqual(1);
    expect(output.orders.length).toBe(2);
    expect(output.orders.every((o) => o.lines > 0)).toBe(true);
    expect(output.segments).toContain('champions');
    expect(output.products).toEqual([1, 2]);
    expect(output.product).toBeDefined();
    expect(output.days.length).toBeGreaterThan(0);
    expect(output.missing).toEqual({ status: 404, code: 'not_found' });
    expect(output.bad).toEqual({ status: 400, code: 'invalid_parameter', parameter: 'limit' });
  });
});
