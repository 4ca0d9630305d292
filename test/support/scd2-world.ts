import { Rng, streamKey } from '../../src/generate/rng';
import { CUSTOMER_HEADER, ITEM_HEADER, ORDER_HEADER, PRODUCT_HEADER, csv } from './pipeline-harness';

/**
 * Random change sequences for the SCD2 property tests: a few customers whose tracked attributes
 * flip between a couple of values (so many changes are no-ops), changed by CSV rows and Debezium
 * envelopes that arrive out of order, twice, at the same instant, or as deletes and re-creates;
 * plus orders, lines, products and events around them. `expectedVersions` is an independent
 * implementation of SPEC §6 the pipeline's dim_customer is compared with.
 */

export const T0 = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;

export const ATTRIBUTES = [
  'email',
  'phone',
  'first_name',
  'last_name',
  'birth_date',
  'street',
  'city',
  'state',
  'postal_code',
  'country',
  'signup_at',
  'marketing_opt_in',
] as const;
export type Attributes = Record<(typeof ATTRIBUTES)[number], string>;

const CHOICES: Record<(typeof ATTRIBUTES)[number], string[]> = {
  email: ['a@example.com', 'b@example.org'],
  phone: ['+49 30 1', '+49 30 2'],
  first_name: ['Ann', 'Bob'],
  last_name: ['Lee'],
  birth_date: ['1980-01-01', '1990-06-15'],
  street: ['Main St 1'],
  city: ['Berlin', 'Paris'],
  state: ['BE'],
  postal_code: ['10115'],
  country: ['DE', 'FR'],
  signup_at: ['2020-01-01T00:00:00Z'],
  marketing_opt_in: ['true', 'false'],
};

/** A change of one customer: a CSV row or a Debezium envelope (null attributes = delete). */
export interface CustomerChange {
  source: 'csv' | 'cdc';
  customerId: string;
  ts: number;
  attributes: Attributes | null;
  /** Debezium position: increases with ts over the whole stream, as a connector writes it. */
  lsn: number;
}

export interface Batch {
  number: number;
  asOf: Date;
  /** CSV rows in file order; a row may repeat an earlier one exactly. */
  csv: CustomerChange[];
  cdc: CustomerChange[];
  orders: string[];
  items: string[];
  products: string[];
  events: string[];
}

export interface World {
  customers: string[];
  batches: Batch[];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function randomAttributes(rng: Rng, previous: Attributes | null): Attributes {
  const next = {} as Attributes;
  for (const name of ATTRIBUTES) {
    // mostly keep the previous value: many changes touch one attribute or none
    next[name] = previous && rng.chance(0.7) ? previous[name] : rng.pick(CHOICES[name]);
  }
  return next;
}

/** A reproducible world of `batchCount` batches from `seed`. */
export function generateWorld(seed: number, batchCount = 4): World {
  const rng = new Rng(streamKey(seed, 'scd2-world'));
  const customers = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
  // the whole change history first (times spread over 40 days), then shuffled into batches
  const changes: CustomerChange[] = [];
  for (const customerId of customers) {
    let state: Attributes | null = null;
    const count = rng.between(2, 7);
    const times = Array.from(
      { length: count },
      () => T0 - 30 * DAY + rng.int(40) * DAY + rng.int(4) * 3_600_000,
    ).sort((a, b) => a - b);
    for (const ts of times) {
      const remove: boolean = state !== null && rng.chance(0.15);
      state = remove ? null : randomAttributes(rng, state);
      const source = remove || rng.chance(0.4) ? 'cdc' : 'csv';
      changes.push({ source, customerId, ts, attributes: state, lsn: 0 });
      // a second change at the very same instant (the last in source order wins)
      if (!remove && rng.chance(0.15)) {
        changes.push({
          source: rng.chance(0.5) ? 'csv' : 'cdc',
          customerId,
          ts,
          attributes: randomAttributes(rng, state),
          lsn: 0,
        });
      }
    }
  }
  const cdcInOrder = changes.filter((c) => c.source === 'cdc').sort((a, b) => a.ts - b.ts);
  cdcInOrder.forEach((c, i) => (c.lsn = 1000 + i * 10));

  const batches: Batch[] = Array.from({ length: batchCount }, (_, i) => ({
    number: i + 1,
    asOf: new Date(T0 + (12 + i * 3) * DAY),
    csv: [],
    cdc: [],
    orders: [],
    items: [],
    products: [],
    events: [],
  }));
  // arrival is random: a change may come batches after later ones (out of order)
  for (const change of changes) {
    const batch = batches[rng.int(batchCount)];
    (change.source === 'csv' ? batch.csv : batch.cdc).push(change);
    if (rng.chance(0.1)) {
      const again = batches[rng.int(batchCount)];
      (change.source === 'csv' ? again.csv : again.cdc).push(change); // delivered twice
    }
  }

  const categories = ['books', 'garden', 'kitchen'];
  let orderNo = 0;
  let eventNo = 0;
  const orderCustomer = new Map<string, string>();
  for (const batch of batches) {
    const productCount = batch.number === 1 ? 3 : rng.int(2);
    for (let p = 0; p < productCount; p++) {
      const id = batch.number === 1 ? `P${p + 1}` : rng.chance(0.5) ? `P${rng.between(1, 4)}` : 'P4';
      const updated = iso(T0 - 60 * DAY + batch.number * DAY + p * 1000);
      batch.products.push(
        `${id},Product ${id},${rng.pick(categories)},Acme,${rng.between(1, 9)}.50,${updated}`,
      );
    }
    for (let o = 0; o < 4; o++) {
      const existing = [...orderCustomer.keys()];
      const update = existing.length > 0 && rng.chance(0.3);
      const orderId = update ? rng.pick(existing) : `O${++orderNo}`;
      // now and then an order moves to another customer, or belongs to one never seen
      const customerId =
        update && !rng.chance(0.2)
          ? (orderCustomer.get(orderId) as string)
          : rng.chance(0.1)
            ? 'C99'
            : rng.pick(customers);
      orderCustomer.set(orderId, customerId);
      const orderTs = T0 - 35 * DAY + rng.int(50) * DAY + rng.int(20) * 3_600_000;
      const status = rng.pick(['placed', 'shipped', 'delivered', 'cancelled', 'returned']);
      const updated = iso(T0 + batch.number * DAY + o * 1000);
      batch.orders.push(`${orderId},${customerId},${iso(orderTs)},${status},web,EUR,${updated}`);
      const lines = rng.int(3);
      for (let l = 1; l <= lines; l++) {
        const product = rng.chance(0.1) ? 'P9' : `P${rng.between(1, 4)}`;
        batch.items.push(
          `${orderId},${l},${product},${rng.between(1, 3)},${rng.between(1, 20)}.25,${rng.chance(0.3) ? '0.50' : ''}`,
        );
      }
    }
    if (rng.chance(0.3)) batch.items.push(`O${orderNo + 50},1,P1,1,5.00,`); // a line of an order not seen yet
    for (let e = 0; e < 6; e++) {
      const eventTs = batch.asOf.getTime() - 40 * DAY + rng.int(42 * 24) * 3_600_000;
      const customerId = rng.chance(0.1) ? 'C98' : rng.pick(customers);
      batch.events.push(
        JSON.stringify({
          event_id: `E${++eventNo}`,
          customer_id: customerId,
          event_ts: iso(eventTs),
          event_type: rng.pick(['page_view', 'add_to_cart']),
          session_id: `s${eventNo}`,
          device: 'web',
          product_id: null,
        }),
      );
    }
  }
  return { customers, batches };
}

function csvRow(change: CustomerChange): string {
  const a = change.attributes as Attributes;
  return [
    change.customerId,
    a.email,
    a.phone,
    a.first_name,
    a.last_name,
    a.birth_date,
    a.street,
    a.city,
    a.state,
    a.postal_code,
    a.country,
    a.signup_at,
    a.marketing_opt_in,
    iso(change.ts),
  ].join(',');
}

function envelope(change: CustomerChange): string {
  const image = change.attributes
    ? { customer_id: change.customerId, ...change.attributes, updated_at: iso(change.ts) }
    : null;
  return JSON.stringify({
    before: change.attributes ? null : { customer_id: change.customerId },
    after: image,
    op: change.attributes ? 'u' : 'd',
    ts_ms: change.ts,
    source: { connector: 'postgresql', lsn: change.lsn },
  });
}

/** The landing files of one batch (file names carry the batch number: its load order). */
export function batchFiles(batch: Batch): Record<string, string> {
  const suffix = batch.number === 1 ? '' : `-${String(batch.number).padStart(4, '0')}`;
  const files: Record<string, string> = {};
  if (batch.csv.length) files[`customers${suffix}.csv`] = csv(CUSTOMER_HEADER, batch.csv.map(csvRow));
  if (batch.cdc.length)
    files[`customers${suffix}.debezium.ndjson`] = `${batch.cdc.map(envelope).join('\n')}\n`;
  if (batch.products.length) files[`products${suffix}.csv`] = csv(PRODUCT_HEADER, batch.products);
  if (batch.orders.length) files[`orders${suffix}.csv`] = csv(ORDER_HEADER, batch.orders);
  if (batch.items.length) files[`order_items${suffix}.csv`] = csv(ITEM_HEADER, batch.items);
  if (batch.events.length) files[`events${suffix}.ndjson`] = `${batch.events.join('\n')}\n`;
  return files;
}

export interface ExpectedVersion {
  customer_id: string;
  valid_from: string;
  valid_to: string | null;
  is_current: boolean;
  is_deleted: boolean;
  version: number;
  attributes: Attributes;
}

/**
 * SPEC §6 from first principles, over the changes delivered so far: order by change time (CSV
 * before Debezium at the same time, CSV by batch then line, envelopes by position); at one instant
 * the last change wins; a change that alters no tracked attribute makes no version; a delete
 * closes the open version and marks it deleted; a later change opens a new one.
 */
export function expectedVersions(batches: Batch[]): ExpectedVersion[] {
  interface Ordered {
    change: CustomerChange;
    rank: number;
    sequence: number;
  }
  const ordered: Ordered[] = [];
  for (const batch of batches) {
    batch.csv.forEach((change, line) =>
      ordered.push({ change, rank: 0, sequence: batch.number * 1e6 + line }),
    );
    for (const change of batch.cdc) ordered.push({ change, rank: 1, sequence: change.lsn });
  }
  ordered.sort((a, b) => a.change.ts - b.change.ts || a.rank - b.rank || a.sequence - b.sequence);
  const byCustomer = new Map<string, Ordered[]>();
  for (const entry of ordered) {
    const list = byCustomer.get(entry.change.customerId) ?? [];
    // the last change at one instant wins
    if (list.length && list[list.length - 1].change.ts === entry.change.ts) list.pop();
    list.push(entry);
    byCustomer.set(entry.change.customerId, list);
  }
  const versions: ExpectedVersion[] = [];
  const same = (a: Attributes | null, b: Attributes | null): boolean =>
    a === null || b === null ? a === b : ATTRIBUTES.every((n) => a[n] === b[n]);
  for (const [customerId, list] of [...byCustomer.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let state: Attributes | null | undefined = undefined;
    const mine: ExpectedVersion[] = [];
    for (const { change } of list) {
      if (state !== undefined && same(state, change.attributes)) continue;
      state = change.attributes;
      const open = mine.at(-1);
      if (open && open.valid_to === null) {
        open.valid_to = iso(change.ts);
        open.is_current = false;
        open.is_deleted = change.attributes === null;
      }
      if (change.attributes) {
        mine.push({
          customer_id: customerId,
          valid_from: iso(change.ts),
          valid_to: null,
          is_current: true,
          is_deleted: false,
          version: mine.length + 1,
          attributes: change.attributes,
        });
      }
    }
    versions.push(...mine);
  }
  return versions;
}
