import { existsSync, copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config/config';
import { connect, openDuckDb, queryRows, quoteLiteral } from '../src/duckdb/duckdb';
import { IngestConfig } from './support/ingest-config';
import { PipelineHarness } from './support/pipeline-harness';

/** The real Online Retail sample: `shared/` beside the repository (as in CI), or C360_SHARED_DIR. */
const DATASET_CANDIDATES = [
  join(PACKAGE_ROOT, '..', 'shared'),
  ...(process.env.C360_SHARED_DIR ? [process.env.C360_SHARED_DIR] : []),
  '/work/shared',
].map((dir) => join(dir, 'datasets', 'online-retail-sample', 'OnlineRetail.csv'));
const DATASET =
  DATASET_CANDIDATES.find((file) => existsSync(file)) ??
  (() => {
    throw new Error(`the Online Retail sample is missing; looked in ${DATASET_CANDIDATES.join(', ')}`);
  })();
const EXAMPLE = join(PACKAGE_ROOT, 'ingest', 'examples', 'online-retail');

/** A plain CSV reader (quotes, doubled quotes), independent of the pipeline's. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** Money in hundredths (prices have at most 2 decimals): exact integer arithmetic. */
const cents = (price: string): number => Math.round(Number(price) * 100);

interface Expected {
  orders: number;
  ltvCents: number;
  lastOrderAt: string;
}

/** What the example must produce, computed from the CSV with the rules docs/staging.md states. */
function expectedFromCsv(): { customers: Map<string, Expected>; bad: number; withoutCustomer: number } {
  const [header, ...rows] = parseCsv(readFileSync(DATASET, 'utf8'));
  const at = (name: string): number => header.indexOf(name);
  const valid = (r: string[]): boolean =>
    /^C?[0-9]{6}$/.test(r[at('InvoiceNo')]) &&
    r[at('StockCode')].trim() !== '' &&
    /^-?[0-9]+$/.test(r[at('Quantity')]) &&
    Number(r[at('UnitPrice')]) >= 0 &&
    /^[0-9]+(\.0)?$/.test(r[at('CustomerID')]) &&
    r[at('Country')].trim() !== '';
  const good = rows.filter(valid);
  const distinct = new Map(good.map((r) => [r.join('\u0001'), r]));
  const customers = new Map<string, Expected & { invoices: Set<string> }>();
  for (const r of distinct.values()) {
    const invoice = r[at('InvoiceNo')];
    if (invoice.startsWith('C')) continue;
    const id = r[at('CustomerID')].replace(/\.0$/, '');
    const entry = customers.get(id) ?? {
      orders: 0,
      ltvCents: 0,
      lastOrderAt: '',
      invoices: new Set<string>(),
    };
    entry.invoices.add(invoice);
    entry.orders = entry.invoices.size;
    entry.ltvCents += Number(r[at('Quantity')]) * cents(r[at('UnitPrice')]);
    const ts = `${r[at('InvoiceDate')].replace(' ', 'T')}Z`;
    if (ts > entry.lastOrderAt) entry.lastOrderAt = ts;
    customers.set(id, entry);
  }
  return {
    customers,
    bad: rows.length - good.length,
    withoutCustomer: rows.filter((r) => r[at('CustomerID')] === '').length,
  };
}

describe('staging SQL: the Online Retail export mapped onto canonical entities (docs/staging.md)', () => {
  let config: IngestConfig;
  let harness: PipelineHarness;

  beforeAll(() => {
    const sources = Object.fromEntries(
      readdirSync(join(EXAMPLE, 'sources')).map((f) => [
        f.replace(/\.yaml$/, ''),
        readFileSync(join(EXAMPLE, 'sources', f), 'utf8'),
      ]),
    );
    const staging = Object.fromEntries(
      readdirSync(join(EXAMPLE, 'staging')).map((f) => [
        f.replace(/\.sql$/, ''),
        readFileSync(join(EXAMPLE, 'staging', f), 'utf8'),
      ]),
    );
    config = new IngestConfig(sources, { staging });
    harness = new PipelineHarness({ C360_AS_OF: '2011-12-10T00:00:00Z', C360_CONFIG_DIR: config.dir });
    copyFileSync(DATASET, join(harness.dirs.landing, 'OnlineRetail.csv'));
  });

  afterAll(() => {
    harness.cleanup();
    config.cleanup();
  });

  it('produces customer_360 rows whose order counts and lifetime values match an independent computation', async () => {
    const expected = expectedFromCsv();
    const run = await harness.build({ mode: 'full' });
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');

    const raw = run.sources.find((s) => s.name === 'online_retail');
    expect(raw).toMatchObject({ read: 30_000, quarantined: expected.bad, files: ['OnlineRetail.csv'] });
    expect(raw?.loaded).toBe(30_000 - expected.bad);
    for (const model of ['retail_customers', 'retail_products', 'retail_orders', 'retail_order_items']) {
      expect(run.sources.find((s) => s.name === model)).toMatchObject({ kind: 'staging', quarantined: 0 });
    }

    // every line without a customer is in quarantine, with its reason
    const instance = await openDuckDb(':memory:');
    const connection = await connect(instance);
    try {
      const reasons = await queryRows<{ reason: string; n: number }>(
        connection,
        `select reason, count(*) as n from read_parquet(${quoteLiteral(
          join(harness.dirs.quarantine, 'online_retail', `${run.id}.parquet`),
        )}) group by reason order by reason`,
      );
      expect(reasons.find((r) => r.reason === 'required:customer_id')?.n).toBe(expected.withoutCustomer);
      expect(reasons.reduce((n, r) => n + r.n, 0)).toBe(expected.bad);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }

    const rows = await harness.snapshotRows<{
      customer_id: string;
      orders_count: number;
      lifetime_value: number;
      last_order_at: string | null;
      country: string | null;
    }>('select customer_id, orders_count, lifetime_value, last_order_at, country from customer_360');
    expect(rows).toHaveLength(3_569);
    const mismatches: string[] = [];
    for (const row of rows) {
      const want = expected.customers.get(row.customer_id) ?? { orders: 0, ltvCents: 0, lastOrderAt: '' };
      const got = { orders: row.orders_count, ltvCents: Math.round(row.lifetime_value * 100) };
      if (got.orders !== want.orders || got.ltvCents !== want.ltvCents) {
        mismatches.push(`${row.customer_id}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      }
      if (want.orders > 0) expect(row.last_order_at).toBe(want.lastOrderAt);
    }
    expect(mismatches).toEqual([]);
    const withOrders = rows.filter((r) => r.orders_count > 0).length;
    expect(withOrders).toBe(expected.customers.size);
    const uk = rows.filter((r) => r.country === 'GB').length;
    expect(uk).toBeGreaterThan(3_000);
  });

  it('loads nothing twice: a second run reads no new file and keeps the same result', async () => {
    const before = await harness.snapshotRows('select * from customer_360 order by customer_id');
    const run = await harness.build();
    expect(run.status).toBe('published');
    expect(run.sources.every((s) => s.read === 0)).toBe(true);
    expect(await harness.snapshotRows('select * from customer_360 order by customer_id')).toEqual(before);
  });
});
