import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirs } from '../../src/common/data-dirs';
import { connect, execute, openDuckDb, SqlParam } from '../../src/duckdb/duckdb';
import { SnapshotStore } from '../../src/snapshots/snapshot.store';
import { PII_FIELDS, recordPii } from './log-capture';

export const FIXTURE_AS_OF = '2025-06-30T00:00:00Z';
export const FIXTURE_SEGMENTS = [
  'champions',
  'loyal',
  'new',
  'at_risk',
  'hibernating',
  'potential_loyalists',
  'need_attention',
  'prospects',
];

/** One customer_360 row as the fixture writes it (money as exact text). */
export interface FixtureCustomer {
  customer_id: string;
  customer_sk: number;
  email: string;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  street: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string;
  signup_at: string | null;
  marketing_opt_in: boolean | null;
  profile_valid_from: string;
  orders_count: number;
  lifetime_value: string;
  avg_order_value: string | null;
  first_order_at: string | null;
  last_order_at: string | null;
  recency_days: number | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  segment: string;
  favorite_category: string | null;
  events_30d: number;
  last_seen_at: string | null;
}

const FIRST_NAMES = ['Alice', 'Bruno', 'Chloé', 'David', 'Emma', 'Femi', 'Greta', 'Hugo', 'Ines', 'Jonas'];
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'ES'];
const BUYER_SEGMENTS = [
  'champions',
  'loyal',
  'new',
  'at_risk',
  'hibernating',
  'potential_loyalists',
  'need_attention',
];

/** A customer with orders; `overrides` change any field. */
export function buyer(n: number, overrides: Partial<FixtureCustomer> = {}): FixtureCustomer {
  const id = `C${String(n).padStart(3, '0')}`;
  const first = FIRST_NAMES[(n - 1) % FIRST_NAMES.length];
  const recency = (n * 7) % 40;
  const ordersCount = (n % 6) + 1;
  // Every fifth customer shares a lifetime value with the one before, to exercise ties.
  const ltv = ((n % 5 === 0 ? n - 1 : n) * 37.5 + 0.25).toFixed(2);
  const lastOrder = new Date(Date.parse(FIXTURE_AS_OF) - recency * 86_400_000 - 3_600_000);
  return {
    customer_id: id,
    customer_sk: 1000 + n,
    email: `${first
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}.${n}@example.com`,
    phone: `+49 30 555 ${String(1000 + n)}`,
    first_name: first,
    last_name: `Tester${n}`,
    birth_date: `${1960 + n}-0${(n % 9) + 1}-1${n % 10}`,
    street: `${n} Main Street`,
    city: 'Springfield',
    state: 'ST',
    postal_code: `${10000 + n}`,
    country: COUNTRIES[n % COUNTRIES.length],
    signup_at: '2023-01-15T08:30:00Z',
    marketing_opt_in: n % 2 === 0,
    profile_valid_from: '2024-01-01T00:00:00Z',
    orders_count: ordersCount,
    lifetime_value: ltv,
    avg_order_value: (Number(ltv) / ordersCount).toFixed(2),
    first_order_at: '2024-02-01T10:00:00Z',
    last_order_at: lastOrder.toISOString(),
    recency_days: recency,
    r_score: (n % 5) + 1,
    f_score: ((n + 1) % 5) + 1,
    m_score: ((n + 2) % 5) + 1,
    segment: BUYER_SEGMENTS[n % BUYER_SEGMENTS.length],
    favorite_category: n % 3 === 0 ? null : 'books',
    events_30d: n % 4,
    last_seen_at: '2025-06-29T12:00:00.123456Z',
    ...overrides,
  };
}

/** A customer without counted orders (SPEC §5: 0, 0.00, nulls, `prospects`). */
export function prospect(n: number, overrides: Partial<FixtureCustomer> = {}): FixtureCustomer {
  return buyer(n, {
    orders_count: 0,
    lifetime_value: '0.00',
    avg_order_value: null,
    first_order_at: null,
    last_order_at: null,
    recency_days: null,
    r_score: null,
    f_score: null,
    m_score: null,
    segment: 'prospects',
    favorite_category: null,
    ...overrides,
  });
}

/** 30 customers: 24 buyers over 5 countries and 7 segments (with ties on every sort key) and 6
 *  prospects, one with null PII fields. */
export function fixtureCustomers(): FixtureCustomer[] {
  const customers: FixtureCustomer[] = [];
  for (let n = 1; n <= 24; n++) customers.push(buyer(n));
  customers[0] = buyer(1, {
    email: 'alice@example.com',
    phone: '+1 (555) 010-0123',
    first_name: 'Alice',
    last_name: 'Anderson',
    birth_date: '1987-04-12',
    country: 'DE',
    segment: 'champions',
  });
  // Same last_order_at and recency as C001: ties broken by customer_id.
  customers[1] = buyer(2, {
    last_order_at: customers[0].last_order_at,
    recency_days: customers[0].recency_days,
  });
  for (let n = 25; n <= 30; n++) customers.push(prospect(n));
  customers[29] = prospect(30, {
    phone: null,
    first_name: null,
    last_name: null,
    birth_date: null,
    street: null,
  });
  return customers;
}

const CREATE_TABLE = `create table customer_360 (
  customer_id varchar primary key, customer_sk bigint, email varchar, phone varchar,
  first_name varchar, last_name varchar, birth_date date, street varchar, city varchar,
  state varchar, postal_code varchar, country varchar, signup_at timestamp, marketing_opt_in boolean,
  profile_valid_from timestamp, orders_count integer, lifetime_value decimal(18,2),
  avg_order_value decimal(18,2), first_order_at timestamp, last_order_at timestamp,
  recency_days integer, r_score integer, f_score integer, m_score integer, segment varchar,
  favorite_category varchar, events_30d integer, last_seen_at timestamp
)`;

export interface FixtureSnapshot {
  dataDir: string;
  snapshotId: string;
  customers: FixtureCustomer[];
  cleanup(): void;
}

/** A temporary data directory with one published snapshot whose serve.duckdb holds
 *  `customers` in customer_360. With `publish: false` the directory has no snapshot. */
export async function createFixtureSnapshot(
  options: { customers?: FixtureCustomer[]; publish?: boolean } = {},
): Promise<FixtureSnapshot> {
  const dataDir = mkdtempSync(join(tmpdir(), 'c360-test-'));
  const dirs = new DataDirs(dataDir);
  dirs.ensure();
  const customers = options.customers ?? fixtureCustomers();
  // The log scan looks for these values in every service's logs.
  recordPii(customers.flatMap((c) => PII_FIELDS.map((field) => c[field])));
  const cleanup = (): void => rmSync(dataDir, { recursive: true, force: true });
  if (options.publish === false) return { dataDir, snapshotId: '', customers, cleanup };

  const snapshotId = await publishFixtureSnapshot(dataDir, customers);
  return { dataDir, snapshotId, customers, cleanup };
}

/** Writes `customers` as a new snapshot of `dataDir` and makes it the active one (as a build's
 *  publish does); returns its id. */
export async function publishFixtureSnapshot(dataDir: string, customers: FixtureCustomer[]): Promise<string> {
  const dirs = new DataDirs(dataDir);
  const store = new SnapshotStore(dirs);
  const snapshotId = store.newSnapshotId(new Date(FIXTURE_AS_OF));
  mkdirSync(store.directory(snapshotId), { recursive: true });
  const instance = await openDuckDb(store.serveDbPath(snapshotId));
  const connection = await connect(instance);
  await execute(connection, CREATE_TABLE);
  const columns = Object.keys(customers[0]);
  const placeholders = columns.map((_c, i) => `$${i + 1}`).join(', ');
  for (const customer of customers) {
    await execute(
      connection,
      `insert into customer_360 (${columns.join(', ')}) values (${placeholders})`,
      columns.map((c) => customer[c as keyof FixtureCustomer] as SqlParam),
    );
  }
  connection.closeSync();
  instance.closeSync();
  store.writeManifest({
    snapshot_id: snapshotId,
    run_id: 'r-fixture',
    created_at: new Date().toISOString(),
    as_of: FIXTURE_AS_OF,
    tables: { customer_360: { rows: customers.length } },
    segments: FIXTURE_SEGMENTS,
  });
  store.activate(snapshotId);
  return snapshotId;
}
