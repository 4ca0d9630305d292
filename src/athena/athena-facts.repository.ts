import { EventRow } from '../customers/models/event.model';
import { OrderLineRow, OrderRow } from '../customers/models/order.model';
import {
  EventsRepository,
  FactCountRequest,
  FactPageRequest,
  OrderRef,
  OrdersRepository,
  Tagged,
} from '../customers/orders.repository';
import { ServedSnapshot } from '../serving/served-snapshot';
import { AthenaEngine } from './athena-engine';
import { AthenaParams } from './athena-query';
import { intLiteral } from './athena-sql';

interface FactTable {
  table: string;
  ts: string;
  id: string;
  columns: string;
  names: string;
}

const ORDERS: FactTable = {
  table: 'fact_orders',
  ts: 'order_ts',
  id: 'order_id',
  columns: `f.order_id, f.customer_id, cast(f.customer_sk as varchar) as customer_sk, f.order_ts,
    f.order_date, f.status, f.is_counted, f.channel, f.currency, f.updated_at,
    cast(f.line_count as integer) as line_count, cast(round(f.order_amount, 2) as decimal(18, 2)) as order_amount`,
  names: `order_id, customer_id, customer_sk, order_ts, order_date, status, is_counted, channel, currency,
    updated_at, line_count, order_amount`,
};

const EVENTS: FactTable = {
  table: 'fact_events',
  ts: 'event_ts',
  id: 'event_id',
  columns: `f.event_id, f.customer_id, cast(f.customer_sk as varchar) as customer_sk, f.event_ts,
    f.event_type, f.session_id, f.device, f.product_id`,
  names: 'event_id, customer_id, customer_sk, event_ts, event_type, session_id, device, product_id',
};

/** The requests as a VALUES relation `k(request, customer_id, until, after_ts, after_id)`. */
function requestKeys(requests: readonly FactPageRequest[], p: AthenaParams): string {
  const rows = requests.map((r, index) => {
    const after = r.after;
    return `(cast(${p.int(index)} as integer), cast(${p.text(r.customerId)} as varchar), ${p.timestamp(r.until)},
      ${after ? p.timestamp(after.ts) : 'cast(null as timestamp)'}, cast(${after ? p.text(after.id) : 'null'} as varchar))`;
  });
  return `(values ${rows.join(', ')}) as k (request, customer_id, until, after_ts, after_id)`;
}

async function pages<T extends EventRow | OrderRow>(
  engine: AthenaEngine,
  snapshot: ServedSnapshot,
  fact: FactTable,
  requests: readonly FactPageRequest[],
  limit: number,
): Promise<Array<Tagged<T>>> {
  if (requests.length === 0) return [];
  const p = new AthenaParams();
  const keys = requestKeys(requests, p);
  // Trino has no QUALIFY: rank inside, filter outside.
  const sql = `select request, ${fact.names}
    from (
      select k.request, ${fact.columns},
        row_number() over (partition by k.request order by f.${fact.ts} desc, f.${fact.id} desc) as row_in_request
      from ${fact.table} f
      join ${keys} on f.customer_id = k.customer_id
      where f.${fact.ts} <= k.until
        and (k.after_ts is null or f.${fact.ts} < k.after_ts or (f.${fact.ts} = k.after_ts and f.${fact.id} < k.after_id))
    ) ranked
    where row_in_request <= ${intLiteral(limit)}
    order by request, ${fact.ts} desc, ${fact.id} desc`;
  return engine.query<Tagged<T>>(snapshot, p.query(sql));
}

async function counts(
  engine: AthenaEngine,
  snapshot: ServedSnapshot,
  fact: FactTable,
  requests: readonly FactCountRequest[],
): Promise<number[]> {
  if (requests.length === 0) return [];
  const p = new AthenaParams();
  const keys = requestKeys(
    requests.map((r) => ({ ...r, after: null })),
    p,
  );
  const rows = await engine.query<{ request: number; total: number }>(
    snapshot,
    p.query(`select k.request, count(*) as total
      from ${fact.table} f
      join ${keys} on f.customer_id = k.customer_id
      where f.${fact.ts} <= k.until
      group by k.request`),
  );
  const totals = new Array<number>(requests.length).fill(0);
  for (const row of rows) totals[row.request] = row.total;
  return totals;
}

export class AthenaOrdersRepository extends OrdersRepository {
  constructor(private readonly engine: AthenaEngine) {
    super();
  }

  pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<OrderRow>>> {
    return pages<OrderRow>(this.engine, snapshot, ORDERS, requests, limit);
  }

  counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]> {
    return counts(this.engine, snapshot, ORDERS, requests);
  }

  async lines(snapshot: ServedSnapshot, orders: readonly OrderRef[]): Promise<OrderLineRow[]> {
    if (orders.length === 0) return [];
    const p = new AthenaParams();
    const keys = orders.map(
      (o) => `(cast(${p.text(o.customerId)} as varchar), cast(${p.text(o.orderId)} as varchar))`,
    );
    return this.engine.query<OrderLineRow>(
      snapshot,
      p.query(`select l.order_id, cast(l.line_no as integer) as line_no, l.product_id,
          cast(l.quantity as integer) as quantity, l.unit_price, l.discount,
          cast(round(l.line_amount, 2) as decimal(18, 2)) as line_amount
        from fact_order_lines l
        join (values ${keys.join(', ')}) as k (customer_id, order_id)
          on l.customer_id = k.customer_id and l.order_id = k.order_id
        order by l.order_id, l.line_no`),
    );
  }
}

export class AthenaEventsRepository extends EventsRepository {
  constructor(private readonly engine: AthenaEngine) {
    super();
  }

  pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<EventRow>>> {
    return pages<EventRow>(this.engine, snapshot, EVENTS, requests, limit);
  }

  counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]> {
    return counts(this.engine, snapshot, EVENTS, requests);
  }
}
