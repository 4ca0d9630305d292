import { Injectable } from '@nestjs/common';
import { ServedSnapshot } from '../serving/served-snapshot';
import { ServingStore } from '../serving-store/serving-store';
import { instantMicros } from '../serving-store/store-values';
import { DuckDbEventsRepository, DuckDbOrdersRepository } from './duckdb-facts.repository';
import { EventRow } from './models/event.model';
import { OrderLineRow, OrderRow } from './models/order.model';
import { keyText } from '../serving-store/serving-store.schema';
import {
  EventsRepository,
  FactCountRequest,
  FactPageRequest,
  OrderRef,
  OrdersRepository,
  Tagged,
} from './orders.repository';

interface FactTable {
  table: string;
  ts: string;
  id: string;
  columns: string;
}

// Column lists in the DuckDB repositories' order: the JSON bytes follow it.
const ORDERS: FactTable = {
  table: 'orders',
  ts: 'order_ts',
  id: 'order_id',
  columns:
    `order_id, customer_id, ${keyText('customer_sk')}, order_ts, order_date, status, is_counted, channel, currency, ` +
    'updated_at, line_count, order_amount',
};

const EVENTS: FactTable = {
  table: 'events',
  ts: 'event_ts',
  id: 'event_id',
  columns: `event_id, customer_id, ${keyText('customer_sk')}, event_ts, event_type, session_id, device, product_id`,
};

/** Newest first within one customer: a backwards walk of the primary key (customer_id, ts, id). */
function pageSql(fact: FactTable, keyset: boolean): string {
  return `select ${fact.columns} from ${fact.table}
    where customer_id = ? and ${fact.ts} <= ?${keyset ? ` and (${fact.ts}, ${fact.id}) < (?, ?)` : ''}
    order by ${fact.ts} desc, ${fact.id} desc
    limit ?`;
}

function pages<T>(
  snapshot: ServedSnapshot,
  store: ServingStore,
  fact: FactTable,
  requests: readonly FactPageRequest[],
  limit: number,
): Promise<Array<Tagged<T>>> {
  return run(snapshot, () => {
    const result: Array<Tagged<T>> = [];
    requests.forEach((r, request) => {
      const params: Array<string | number> = [r.customerId, instantMicros(r.until)];
      if (r.after) params.push(instantMicros(r.after.ts), r.after.id);
      params.push(limit);
      for (const row of store.all<T>(pageSql(fact, r.after !== null), params))
        result.push({ request, ...row });
    });
    return result;
  });
}

function counts(
  snapshot: ServedSnapshot,
  store: ServingStore,
  fact: FactTable,
  requests: readonly FactCountRequest[],
): Promise<number[]> {
  const sql = `select count(*) from ${fact.table} where customer_id = ? and ${fact.ts} <= ?`;
  return run(snapshot, () =>
    requests.map((r) => Number(store.values(sql, [r.customerId, instantMicros(r.until)])[0][0])),
  );
}

function run<T>(snapshot: ServedSnapshot, read: () => T): Promise<T> {
  try {
    snapshot.countQuery();
    return Promise.resolve(read());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** The lines of one customer's orders with ids in [from, to]: one range of the primary key
 *  (customer_id, order_id, line_no) per customer, which costs less than a look-up per order id;
 *  lines of orders in the range that were not asked for are dropped by the caller. */
const LINES_SQL = `select order_id, line_no, product_id, quantity, unit_price, discount, line_amount
  from order_lines where customer_id = ? and order_id >= ? and order_id <= ?`;

/** Every line of one customer. */
const CUSTOMER_LINES_SQL = `select order_id, line_no, product_id, quantity, unit_price, discount, line_amount
  from order_lines where customer_id = ?`;

const NON_ASCII = /[^ -~]/;

/** The statement and parameters reading at least the lines of `ids` of one customer: the range
 *  between the smallest and greatest id, as SQLite orders text (UTF-8 bytes). JavaScript compares
 *  UTF-16 code units, which agrees on printable ASCII; with any other id, every line of the customer. */
function linesQuery(customerId: string, ids: readonly string[]): [string, string[]] {
  if (ids.some((id) => NON_ASCII.test(id))) return [CUSTOMER_LINES_SQL, [customerId]];
  let from = ids[0];
  let to = ids[0];
  for (const id of ids) {
    if (id < from) from = id;
    if (id > to) to = id;
  }
  return [LINES_SQL, [customerId, from, to]];
}

/** fact_orders and fact_order_lines on the SQLite serving store (DuckDB without one). */
@Injectable()
export class SqliteOrdersRepository extends OrdersRepository {
  constructor(private readonly duckdb: DuckDbOrdersRepository = new DuckDbOrdersRepository()) {
    super();
  }

  pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<OrderRow>>> {
    const store = snapshot.store;
    if (!store) return this.duckdb.pages(snapshot, requests, limit);
    return pages<OrderRow>(snapshot, store, ORDERS, requests, limit);
  }

  counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]> {
    const store = snapshot.store;
    if (!store) return this.duckdb.counts(snapshot, requests);
    return counts(snapshot, store, ORDERS, requests);
  }

  lines(snapshot: ServedSnapshot, orders: readonly OrderRef[]): Promise<OrderLineRow[]> {
    const store = snapshot.store;
    if (!store) return this.duckdb.lines(snapshot, orders);
    return run(snapshot, () => {
      const byCustomer = new Map<string, string[]>();
      for (const { customerId, orderId } of orders) {
        const ids = byCustomer.get(customerId);
        if (ids) ids.push(orderId);
        else byCustomer.set(customerId, [orderId]);
      }
      const rows: OrderLineRow[] = [];
      for (const [customerId, ids] of byCustomer) {
        const wanted = new Set(ids);
        const [sql, params] = linesQuery(customerId, ids);
        for (const row of store.all<OrderLineRow>(sql, params)) if (wanted.has(row.order_id)) rows.push(row);
      }
      // one result in (order_id, line_no) order, as the DuckDB join returns it
      return rows.sort((a, b) =>
        a.order_id === b.order_id ? a.line_no - b.line_no : a.order_id < b.order_id ? -1 : 1,
      );
    });
  }
}

/** fact_events on the SQLite serving store (DuckDB without one). */
@Injectable()
export class SqliteEventsRepository extends EventsRepository {
  constructor(private readonly duckdb: DuckDbEventsRepository = new DuckDbEventsRepository()) {
    super();
  }

  pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<EventRow>>> {
    const store = snapshot.store;
    if (!store) return this.duckdb.pages(snapshot, requests, limit);
    return pages<EventRow>(snapshot, store, EVENTS, requests, limit);
  }

  counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]> {
    const store = snapshot.store;
    if (!store) return this.duckdb.counts(snapshot, requests);
    return counts(snapshot, store, EVENTS, requests);
  }
}
