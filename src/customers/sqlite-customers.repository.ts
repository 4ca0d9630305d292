import { Injectable } from '@nestjs/common';
import { RowScope } from '../auth/row-scope';
import { ServedSnapshot } from '../serving/served-snapshot';
import { isoFromMicrosNumber, ServingStore } from '../serving-store/serving-store';
import { keyText, NULL_LAST } from '../serving-store/serving-store.schema';
import {
  instantMicros,
  moneyAvgCents,
  roundE4ToCents,
  scaledDecimal,
  StoreParams,
  storeScopeCondition,
} from '../serving-store/store-values';
import { CustomerSort, CustomerSortKey } from './customer-sort';
import { CustomerFilter, CustomerPageRequest, CustomersRepository } from './customers.repository';
import { DuckDbCustomersRepository } from './duckdb-customers.repository';
import { CustomerVersionRow } from './models/customer-version.model';
import { CUSTOMER_COLUMNS, CustomerAsOfRow, CustomerRow } from './models/customer.model';

/**
 * customer_sk is stored as an integer: selected as its decimal text; recency_days is not stored
 * (it moves with as_of): the recency key plus the snapshot's as_of day. The day is an integer
 * from the store's own meta, written into the text so parameters keep the order of the clauses.
 */
function selectList(store: ServingStore): string {
  const recency = `case when rec_key = ${NULL_LAST} then null else rec_key + ${store.asOfDay} end as recency_days`;
  return CUSTOMER_COLUMNS.map((c) =>
    c === 'customer_sk' ? keyText(c) : c === 'recency_days' ? recency : c,
  ).join(', ');
}

const PROFILE_COLUMNS =
  'email, phone, first_name, last_name, birth_date, street, city, state, postal_code, country, ' +
  'signup_at, marketing_opt_in';

/** Each sort as one ascending key column of the store (see serving-store.schema.ts) plus the id. */
const SORT_KEY: Record<CustomerSort, string | null> = {
  [CustomerSort.CustomerId]: null,
  [CustomerSort.LifetimeValueDesc]: 'ltv_key',
  [CustomerSort.LastOrderAtDesc]: 'lo_key',
  [CustomerSort.RecencyDays]: 'rec_key',
};

const MICROS_PER_SECOND = 1_000_000;
const EVENTS_WINDOW_MICROS = 720 * 3600 * MICROS_PER_SECOND;

/**
 * customer_360 and dim_customer reads on the snapshot's SQLite serving store: every list page is
 * a range of one index (sort key, customer_id), every look-up a primary-key seek. A snapshot
 * without a store is read through DuckDB.
 */
@Injectable()
export class SqliteCustomersRepository extends CustomersRepository {
  constructor(private readonly duckdb: DuckDbCustomersRepository = new DuckDbCustomersRepository()) {
    super();
  }

  list(
    snapshot: ServedSnapshot,
    filter: CustomerFilter,
    scope: RowScope,
    page: CustomerPageRequest,
  ): Promise<CustomerRow[]> {
    const store = snapshot.store;
    if (!store) return this.duckdb.list(snapshot, filter, scope, page);
    const params = new StoreParams();
    const where = conditions(filter, scope, params);
    const sortKey = SORT_KEY[page.sort];
    if (page.after) where.push(after(store, sortKey, page.sort, page.after, params));
    const order = sortKey ? `${sortKey}, customer_id` : 'customer_id';
    const sql = `select ${selectList(store)} from customers where ${where.join(' and ')} order by ${order} limit ${params.add(
      page.limit,
    )}`;
    return run(snapshot, () => store.all<CustomerRow>(sql, params.values));
  }

  count(snapshot: ServedSnapshot, filter: CustomerFilter, scope: RowScope): Promise<number> {
    const store = snapshot.store;
    if (!store) return this.duckdb.count(snapshot, filter, scope);
    const params = new StoreParams();
    const where = conditions(filter, scope, params);
    return run(snapshot, () => {
      const [row] = store.values(
        `select count(*) from customers where ${where.join(' and ')}`,
        params.values,
      );
      return Number(row?.[0] ?? 0);
    });
  }

  findById(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<CustomerRow | null> {
    const store = snapshot.store;
    if (!store) return this.duckdb.findById(snapshot, customerId, scope);
    const params = new StoreParams();
    const where = [`customer_id = ${params.add(customerId)}`, storeScopeCondition(scope, params)];
    return run(
      snapshot,
      () =>
        store.all<CustomerRow>(
          `select ${selectList(store)} from customers where ${where.join(' and ')}`,
          params.values,
        )[0] ?? null,
    );
  }

  exists(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<boolean> {
    const store = snapshot.store;
    if (!store) return this.duckdb.exists(snapshot, customerId, scope);
    return run(snapshot, () => readable(store, customerId, scope));
  }

  findAsOf(
    snapshot: ServedSnapshot,
    customerId: string,
    instant: string,
    scope: RowScope,
  ): Promise<CustomerAsOfRow | null> {
    const store = snapshot.store;
    if (!store) return this.duckdb.findAsOf(snapshot, customerId, instant, scope);
    return run(snapshot, () => asOf(store, customerId, instantMicros(instant), scope));
  }

  history(snapshot: ServedSnapshot, customerIds: readonly string[]): Promise<CustomerVersionRow[]> {
    const store = snapshot.store;
    if (!store) return this.duckdb.history(snapshot, customerIds);
    if (customerIds.length === 0) return Promise.resolve([]);
    const params = new StoreParams();
    const sql = `select customer_id, ${keyText('customer_sk')}, version, valid_from, valid_to, is_current, is_deleted, ${PROFILE_COLUMNS}
      from versions where customer_id in (${params.list([...new Set(customerIds)])}) order by customer_id, version`;
    return run(snapshot, () => store.all<CustomerVersionRow>(sql, params.values));
  }
}

/** One store read, counted like a DuckDB query; errors surface as a rejected promise. */
function run<T>(snapshot: ServedSnapshot, read: () => T): Promise<T> {
  try {
    snapshot.countQuery();
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

function readable(store: ServingStore, customerId: string, scope: RowScope): boolean {
  const params = new StoreParams();
  const where = [`customer_id = ${params.add(customerId)}`, storeScopeCondition(scope, params)];
  return store.values(`select 1 from customers where ${where.join(' and ')}`, params.values).length > 0;
}

function conditions(filter: CustomerFilter, scope: RowScope, params: StoreParams): string[] {
  const where = [storeScopeCondition(scope, params)];
  if (filter.segments && filter.segments.length > 0)
    where.push(`segment in (${params.list(filter.segments)})`);
  if (filter.country !== undefined) where.push(`country = ${params.add(filter.country)}`);
  if (filter.minLtv !== undefined)
    where.push(`lifetime_value >= ${params.add(scaledDecimal(filter.minLtv, 2))}`);
  if (filter.maxLtv !== undefined)
    where.push(`lifetime_value <= ${params.add(scaledDecimal(filter.maxLtv, 2))}`);
  if (filter.lastOrderAfter !== undefined)
    where.push(`last_order_at >= ${params.add(instantMicros(filter.lastOrderAfter))}`);
  if (filter.lastOrderBefore !== undefined)
    where.push(`last_order_at < ${params.add(instantMicros(filter.lastOrderBefore))}`);
  if (filter.email !== undefined) where.push(`email = ${params.add(filter.email)}`);
  return where;
}

/** Keyset condition: rows strictly after `key`; nulls sort last as the largest key. */
function after(
  store: ServingStore,
  sortKey: string | null,
  sort: CustomerSort,
  key: CustomerSortKey,
  params: StoreParams,
): string {
  if (sortKey === null) return `customer_id > ${params.add(key.customerId)}`;
  let value: bigint | number;
  switch (sort) {
    case CustomerSort.LifetimeValueDesc:
      value = -scaledDecimal(String(key.value), 2);
      break;
    case CustomerSort.LastOrderAtDesc:
      value = key.value === null ? NULL_LAST : -instantMicros(String(key.value));
      break;
    default:
      // stored relative to the as_of day (serving-store.schema.ts)
      value = key.value === null ? NULL_LAST : BigInt(key.value) - BigInt(store.asOfDay);
  }
  return `(${sortKey}, customer_id) > (${params.add(value)}, ${params.add(key.customerId)})`;
}

/** The rules of gold/customer_360.sql for one customer, cut at `at` (as DuckDbCustomersRepository). */
function asOf(store: ServingStore, customerId: string, at: number, scope: RowScope): CustomerAsOfRow | null {
  if (!readable(store, customerId, scope)) return null;
  const [version] = store.all<Record<string, string | number | boolean | null>>(
    `select customer_id, ${keyText('customer_sk')}, ${PROFILE_COLUMNS}, valid_from as profile_valid_from
     from versions
     where customer_id = ? and valid_from <= ? and (valid_to is null or ? < valid_to)
     order by version limit 1`,
    [customerId, at, at],
  );
  if (!version) return null;
  const [orders] = store.values(
    `select count(*), sum(order_amount_e4), min(order_ts), max(order_ts)
     from orders where customer_id = ? and is_counted = 1 and order_ts <= ?`,
    [customerId, at],
  );
  const ordersCount = Number(orders[0]);
  const totalE4 = BigInt((orders[1] as number | null) ?? 0);
  const firstOrder = orders[2] as number | null;
  const lastOrder = orders[3] as number | null;
  const [favorite] = store.values(
    `select p.category
     from order_lines l join products p on p.product_id = l.product_id
     where l.customer_id = ? and l.is_counted = 1 and l.order_ts <= ? and p.category is not null
     group by p.category
     order by sum(l.line_amount_e4) desc, p.category asc
     limit 1`,
    [customerId, at],
  );
  const [events] = store.values(
    `select count(case when event_ts > ? then 1 end), max(event_ts)
     from events where customer_id = ? and event_ts <= ?`,
    [at - EVENTS_WINDOW_MICROS, customerId, at],
  );
  const avg = moneyAvgCents(totalE4, ordersCount);
  const lastSeen = events[1] as number | null;
  return {
    customer_id: version.customer_id as string,
    customer_sk: version.customer_sk as string,
    email: version.email as string | null,
    phone: version.phone as string | null,
    first_name: version.first_name as string | null,
    last_name: version.last_name as string | null,
    birth_date: version.birth_date as string | null,
    street: version.street as string | null,
    city: version.city as string | null,
    state: version.state as string | null,
    postal_code: version.postal_code as string | null,
    country: version.country as string,
    signup_at: version.signup_at as string | null,
    marketing_opt_in: version.marketing_opt_in as boolean | null,
    profile_valid_from: version.profile_valid_from as string | null,
    orders_count: ordersCount,
    lifetime_value: Number(roundE4ToCents(totalE4)) / 100,
    avg_order_value: avg === null ? null : Number(avg) / 100,
    first_order_at: firstOrder === null ? null : isoFromMicrosNumber(firstOrder),
    last_order_at: lastOrder === null ? null : isoFromMicrosNumber(lastOrder),
    // date_diff('second', last, at) // 86400: whole seconds of each instant, then whole days
    recency_days:
      lastOrder === null
        ? null
        : Math.floor(
            (Math.trunc(at / MICROS_PER_SECOND) - Math.trunc(lastOrder / MICROS_PER_SECOND)) / 86400,
          ),
    r_score: null,
    f_score: null,
    m_score: null,
    segment: ordersCount === 0 ? store.meta('prospects_segment') : null,
    favorite_category: (favorite?.[0] as string | undefined) ?? null,
    events_30d: Number(events[0]),
    last_seen_at: lastSeen === null ? null : isoFromMicrosNumber(lastSeen),
    as_of: isoFromMicrosNumber(at),
  };
}
