import DataLoader from 'dataloader';
import { KeysetPage } from '../common/pagination/keyset';
import { ServedSnapshot } from '../serving/served-snapshot';
import { ReadCaller, readCaller } from '../serving/read-caller';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { CustomerFactsService, FactBatchKey } from './customer-facts.service';
import { CustomersService } from './customers.service';
import { CustomerVersionRow } from './models/customer-version.model';
import { EventRow } from './models/event.model';
import { OrderLineRow, OrderRow } from './models/order.model';
import { FactCountRequest, OrderRef } from './orders.repository';

/** DataLoaders of a customer's relations on one snapshot, for one GraphQL request. */
export interface CustomerLoaders {
  orders: DataLoader<FactBatchKey, KeysetPage<OrderRow>, string>;
  orderCounts: DataLoader<FactCountRequest, number, string>;
  events: DataLoader<FactBatchKey, KeysetPage<EventRow>, string>;
  eventCounts: DataLoader<FactCountRequest, number, string>;
  lines: DataLoader<OrderRef, OrderLineRow[], string>;
  history: DataLoader<string, CustomerVersionRow[]>;
}

export interface CustomerLoaderDeps {
  reader: SnapshotReaderService;
  customers: CustomersService;
  facts: CustomerFactsService;
}

const json = (key: object): string => JSON.stringify(key);

/** Each batch is one repository call (per page size for pages), on the snapshot the parent
 *  objects were read from, for the caller and route kind of the root field they hang under (an
 *  engine masking in its SQL needs them). The parents are readable customers: no scope check is
 *  repeated. */
export function createCustomerLoaders(
  deps: CustomerLoaderDeps,
  snapshotId: string,
  caller: ReadCaller,
): CustomerLoaders {
  const on = <T>(work: (snapshot: ServedSnapshot) => Promise<T>): Promise<T> =>
    readCaller.run(caller, () => deps.reader.withSnapshot(work, snapshotId));
  return {
    orders: new DataLoader<FactBatchKey, KeysetPage<OrderRow>, string>(
      (keys) => on((s) => deps.facts.orderPages(s, keys)),
      { cacheKeyFn: json },
    ),
    orderCounts: new DataLoader<FactCountRequest, number, string>(
      (keys) => on((s) => deps.facts.orderCounts(s, keys)),
      { cacheKeyFn: json },
    ),
    events: new DataLoader<FactBatchKey, KeysetPage<EventRow>, string>(
      (keys) => on((s) => deps.facts.eventPages(s, keys)),
      { cacheKeyFn: json },
    ),
    eventCounts: new DataLoader<FactCountRequest, number, string>(
      (keys) => on((s) => deps.facts.eventCounts(s, keys)),
      { cacheKeyFn: json },
    ),
    lines: new DataLoader<OrderRef, OrderLineRow[], string>(
      (keys) => on((s) => deps.facts.linesOf(s, keys)),
      {
        cacheKeyFn: json,
      },
    ),
    history: new DataLoader<string, CustomerVersionRow[]>((keys) =>
      on((s) => deps.customers.historyOf(s, keys)),
    ),
  };
}
