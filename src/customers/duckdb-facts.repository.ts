import { Injectable } from '@nestjs/common';
import { ServedSnapshot } from '../serving/served-snapshot';
import { SqlParams, timestampParam } from '../serving/sql';
import { EventRow } from './models/event.model';
import { OrderLineRow, OrderRow } from './models/order.model';
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

const ORDERS: FactTable = {
  table: 'fact_orders',
  ts: 'order_ts',
  id: 'order_id',
  columns: `f.order_id, f.customer_id, cast(f.customer_sk as varchar) as customer_sk, f.order_ts,
    f.order_date, f.status, f.is_counted, f.channel, f.currency, f.updated_at,
    f.line_count::integer as line_count, round(f.order_amount, 2)::decimal(18, 2) as order_amount`,
};

const EVENTS: FactTable = {
  table: 'fact_events',
  ts: 'event_ts',
  id: 'event_id',
  columns: `f.event_id, f.customer_id, cast(f.customer_sk as varchar) as customer_sk, f.event_ts,
    f.event_type, f.session_id, f.device, f.product_id`,
};

/** The requests as a VALUES relation `k(request, customer_id, until, after_ts, after_id)`. */
function requestKeys(requests: readonly FactPageRequest[], params: SqlParams): string {
  const rows = requests.map((r, index) => {
    const after = r.after;
    return `(${params.add(index)}::integer, ${params.add(r.customerId)}::varchar, ${timestampParam(params, r.until)},
      ${after ? timestampParam(params, after.ts) : 'null::timestamp'}, ${after ? params.add(after.id) : 'null'}::varchar)`;
  });
  return `(values ${rows.join(', ')}) k(request, customer_id, until, after_ts, after_id)`;
}

/** The fact tables are stored sorted by customer_id: a range on it lets DuckDB skip row groups. */
function customerRange(customerIds: readonly string[], params: SqlParams, column: string): string {
  const sorted = [...customerIds].sort();
  return `${column} between ${params.add(sorted[0])} and ${params.add(sorted[sorted.length - 1])}`;
}

async function pages<T extends EventRow | OrderRow>(
  snapshot: ServedSnapshot,
  fact: FactTable,
  requests: readonly FactPageRequest[],
  limit: number,
): Promise<Array<Tagged<T>>> {
  if (requests.length === 0) return [];
  const params = new SqlParams();
  const keys = requestKeys(requests, params);
  const range = customerRange(
    requests.map((r) => r.customerId),
    params,
    'f.customer_id',
  );
  const sql = `select k.request, ${fact.columns}
    from ${fact.table} f
    join ${keys} on f.customer_id = k.customer_id
    where ${range}
      and f.${fact.ts} <= k.until
      and (k.after_ts is null or f.${fact.ts} < k.after_ts or (f.${fact.ts} = k.after_ts and f.${fact.id} < k.after_id))
    qualify row_number() over (partition by k.request order by f.${fact.ts} desc, f.${fact.id} desc) <= ${params.add(limit)}
    order by k.request, f.${fact.ts} desc, f.${fact.id} desc`;
  return snapshot.query<Tagged<T>>(sql, params.values);
}

async function counts(
  snapshot: ServedSnapshot,
  fact: FactTable,
  requests: readonly FactCountRequest[],
): Promise<number[]> {
  if (requests.length === 0) return [];
  const params = new SqlParams();
  const keys = requestKeys(
    requests.map((r) => ({ ...r, after: null })),
    params,
  );
  const range = customerRange(
    requests.map((r) => r.customerId),
    params,
    'f.customer_id',
  );
  const rows = await snapshot.query<{ request: number; total: number }>(
    `select k.request, count(*) as total
      from ${fact.table} f
      join ${keys} on f.customer_id = k.customer_id
      where ${range} and f.${fact.ts} <= k.until
      group by k.request`,
    params.values,
  );
  const totals = new Array<number>(requests.length).fill(0);
  for (const row of rows) totals[row.request] = row.total;
  return totals;
}

@Injectable()
export class DuckDbOrdersRepository extends OrdersRepository {
  pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<OrderRow>>> {
    return pages<OrderRow>(snapshot, ORDERS, requests, limit);
  }

  counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]> {
    return counts(snapshot, ORDERS, requests);
  }

  async lines(snapshot: ServedSnapshot, orders: readonly OrderRef[]): Promise<OrderLineRow[]> {
    if (orders.length === 0) return [];
    const params = new SqlParams();
    const range = customerRange(
      orders.map((o) => o.customerId),
      params,
      'l.customer_id',
    );
    const keys = orders.map(
      (o) => `(${params.add(o.customerId)}::varchar, ${params.add(o.orderId)}::varchar)`,
    );
    return snapshot.query<OrderLineRow>(
      `select l.order_id, l.line_no::integer as line_no, l.product_id, l.quantity::integer as quantity,
          l.unit_price, l.discount, round(l.line_amount, 2)::decimal(18, 2) as line_amount
        from fact_order_lines l
        join (values ${keys.join(', ')}) k(customer_id, order_id)
          on l.customer_id = k.customer_id and l.order_id = k.order_id
        where ${range}
        order by l.order_id, l.line_no`,
      params.values,
    );
  }
}

@Injectable()
export class DuckDbEventsRepository extends EventsRepository {
  pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<EventRow>>> {
    return pages<EventRow>(snapshot, EVENTS, requests, limit);
  }

  counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]> {
    return counts(snapshot, EVENTS, requests);
  }
}
