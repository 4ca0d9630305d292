import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { CursorCodec } from '../common/pagination/cursor';
import { KeysetPage, keysetPage, restPage } from '../common/pagination/keyset';
import { ServedSnapshot } from '../serving/served-snapshot';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotResult } from '../serving/snapshot-result';
import { CustomersService } from './customers.service';
import { EventPage, EventRow } from './models/event.model';
import { OrderLineRow, OrderPage, OrderRow, OrderWithLines } from './models/order.model';
import {
  EventsRepository,
  FactCountRequest,
  FactPageRequest,
  NewestFirstKey,
  OrderRef,
  OrdersRepository,
  Tagged,
} from './orders.repository';

/** Cursor sort names: a cursor of one list is refused by another. */
export const ORDERS_CURSOR = 'orders';
export const EVENTS_CURSOR = 'events';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** A page request of one customer's facts, whichever transport it came from. */
export interface FactListRequest {
  customerId: string;
  limit: number;
  cursor?: string;
  includeTotal?: boolean;
}

/** One customer's page of a batch (GraphQL `Customer.orders` / `Customer.events`). */
export interface FactBatchKey {
  customerId: string;
  until: string;
  after: NewestFirstKey | null;
  limit: number;
}

/**
 * Orders (with their lines) and events of one customer or of many at once. REST pages one
 * customer; GraphQL DataLoaders page a batch of customers in one repository call.
 */
@Injectable()
export class CustomerFactsService {
  constructor(
    private readonly reader: SnapshotReaderService,
    private readonly customers: CustomersService,
    private readonly orders: OrdersRepository,
    private readonly events: EventsRepository,
    private readonly cursors: CursorCodec,
  ) {}

  /** `GET /v1/customers/{id}/orders`: newest first, lines included. */
  async listOrders(request: FactListRequest, principal: Principal): Promise<SnapshotResult<OrderPage>> {
    const decoded = this.decode(request.cursor, ORDERS_CURSOR);
    return this.reader.withSnapshot(async (snapshot) => {
      await this.customers.assertReadable(snapshot, request.customerId, principal);
      const key = {
        customerId: request.customerId,
        until: snapshot.asOf,
        after: decoded.after,
        limit: request.limit,
      };
      const [rows] = await this.orderPages(snapshot, [key]);
      const lines = await this.linesOf(
        snapshot,
        rows.rows.map((o) => ({ orderId: o.order_id, customerId: o.customer_id })),
      );
      const data: OrderWithLines[] = rows.rows.map((order, i) => ({ ...order, lines: lines[i] }));
      if (request.includeTotal) [rows.total] = await this.orderCounts(snapshot, [key]);
      return new SnapshotResult(snapshot.id, { data, page: restPage(rows, request.limit) });
    }, decoded.snapshotId);
  }

  /** `GET /v1/customers/{id}/events`: newest first. */
  async listEvents(request: FactListRequest, principal: Principal): Promise<SnapshotResult<EventPage>> {
    const decoded = this.decode(request.cursor, EVENTS_CURSOR);
    return this.reader.withSnapshot(async (snapshot) => {
      await this.customers.assertReadable(snapshot, request.customerId, principal);
      const key = {
        customerId: request.customerId,
        until: snapshot.asOf,
        after: decoded.after,
        limit: request.limit,
      };
      const [page] = await this.eventPages(snapshot, [key]);
      if (request.includeTotal) [page.total] = await this.eventCounts(snapshot, [key]);
      return new SnapshotResult(snapshot.id, { data: page.rows, page: restPage(page, request.limit) });
    }, decoded.snapshotId);
  }

  /** The position a cursor of `kind` holds (nested GraphQL connections read their parent's
   *  snapshot, so only the position is used there). */
  decode(cursor: string | undefined, kind: string): { after: NewestFirstKey | null; snapshotId?: string } {
    if (cursor === undefined) return { after: null };
    const decoded = this.cursors.decode(cursor, kind);
    const [ts, id] = decoded.keys;
    if (
      decoded.keys.length !== 2 ||
      typeof ts !== 'string' ||
      !ISO_TIMESTAMP.test(ts) ||
      typeof id !== 'string'
    ) {
      throw CursorCodec.invalid();
    }
    return { after: { ts, id }, snapshotId: decoded.snapshotId ?? undefined };
  }

  /** Pages of orders for many customers: one repository call per distinct page size. */
  orderPages(snapshot: ServedSnapshot, keys: readonly FactBatchKey[]): Promise<Array<KeysetPage<OrderRow>>> {
    return this.batchPages(
      snapshot,
      keys,
      ORDERS_CURSOR,
      (row) => [row.order_ts, row.order_id],
      (requests, limit) => this.orders.pages(snapshot, requests, limit),
    );
  }

  eventPages(snapshot: ServedSnapshot, keys: readonly FactBatchKey[]): Promise<Array<KeysetPage<EventRow>>> {
    return this.batchPages(
      snapshot,
      keys,
      EVENTS_CURSOR,
      (row) => [row.event_ts, row.event_id],
      (requests, limit) => this.events.pages(snapshot, requests, limit),
    );
  }

  orderCounts(snapshot: ServedSnapshot, keys: readonly FactCountRequest[]): Promise<number[]> {
    return this.orders.counts(snapshot, keys);
  }

  eventCounts(snapshot: ServedSnapshot, keys: readonly FactCountRequest[]): Promise<number[]> {
    return this.events.counts(snapshot, keys);
  }

  /** The lines of each order, in `orders` order (one repository call). */
  async linesOf(snapshot: ServedSnapshot, refs: readonly OrderRef[]): Promise<OrderLineRow[][]> {
    const rows = await this.orders.lines(snapshot, refs);
    const byOrder = new Map<string, OrderLineRow[]>();
    for (const row of rows) {
      const list = byOrder.get(row.order_id);
      if (list) list.push(row);
      else byOrder.set(row.order_id, [row]);
    }
    return refs.map((ref) => byOrder.get(ref.orderId) ?? []);
  }

  private async batchPages<T extends OrderRow | EventRow>(
    snapshot: ServedSnapshot,
    keys: readonly FactBatchKey[],
    kind: string,
    keyOf: (row: T) => [string, string],
    read: (requests: FactPageRequest[], limit: number) => Promise<Array<Tagged<T>>>,
  ): Promise<Array<KeysetPage<T>>> {
    const results = new Array<KeysetPage<T>>(keys.length);
    const bySize = new Map<number, number[]>();
    keys.forEach((key, index) => {
      const group = bySize.get(key.limit);
      if (group) group.push(index);
      else bySize.set(key.limit, [index]);
    });
    const cursorOf = (row: T): string => this.cursors.encode(kind, keyOf(row), snapshot.id);
    for (const [limit, indexes] of bySize) {
      const requests = indexes.map((i) => ({
        customerId: keys[i].customerId,
        until: keys[i].until,
        after: keys[i].after,
      }));
      const rows = await read(requests, limit + 1);
      const grouped = indexes.map(() => [] as T[]);
      for (const { request, ...row } of rows) grouped[request].push(row as unknown as T);
      indexes.forEach((keyIndex, i) => {
        results[keyIndex] = keysetPage(snapshot, grouped[i], limit, cursorOf);
      });
    }
    return results;
  }
}
