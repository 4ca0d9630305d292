import { ServedSnapshot } from '../serving/served-snapshot';
import { EventRow } from './models/event.model';
import { OrderLineRow, OrderRow } from './models/order.model';

/** Position after the last row of a newest-first page: its timestamp and id. */
export interface NewestFirstKey {
  ts: string;
  id: string;
}

/** One customer's page of facts: newest first, up to `until`, strictly after `after`. */
export interface FactPageRequest {
  customerId: string;
  /** ISO instant: facts after it are not served (the snapshot's as_of, or a point in time). */
  until: string;
  after: NewestFirstKey | null;
}

export interface FactCountRequest {
  customerId: string;
  until: string;
}

/** Rows of a batched page read, tagged with the index of the request they answer. */
export type Tagged<T> = T & { request: number };

export interface OrderRef {
  orderId: string;
  customerId: string;
}

/**
 * Orders and order lines of customers (fact_orders, fact_order_lines) from one served snapshot.
 * Batched: one call answers many customers (one DataLoader batch, or one REST page). Callers
 * have already checked that the customers are readable.
 */
export abstract class OrdersRepository {
  /** Up to `limit` orders per request, newest first (order_ts desc, order_id desc). */
  abstract pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<OrderRow>>>;

  abstract counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]>;

  /** The lines of the orders, in line_no order. */
  abstract lines(snapshot: ServedSnapshot, orders: readonly OrderRef[]): Promise<OrderLineRow[]>;
}

/** Behaviour events of customers (fact_events), batched like orders. */
export abstract class EventsRepository {
  /** Up to `limit` events per request, newest first (event_ts desc, event_id desc). */
  abstract pages(
    snapshot: ServedSnapshot,
    requests: readonly FactPageRequest[],
    limit: number,
  ): Promise<Array<Tagged<EventRow>>>;

  abstract counts(snapshot: ServedSnapshot, requests: readonly FactCountRequest[]): Promise<number[]>;
}
