/**
 * Writes the six landing files of one batch. Good rows come from the world and the
 * batch's change plan (independent of `dirty`); the Injector adds the dirty rows from
 * separate streams, so a dirty file is its clean twin plus extra lines.
 */
import type { BatchChanges, CustomerDelete, CustomerUpdate } from './change-plan';
import {
  type BenignKind,
  type DirtCounts,
  duplicateKind,
  type ExpectedFault,
  type FaultKind,
  Injector,
} from './dirt';
import { csvLine, isoTimestamp, pad, SECONDS_PER_DAY } from './format';
import { LineFile } from './line-file';
import { EVENT_DEVICE_WEIGHTS, EVENT_DEVICES, EVENT_TYPES, type EventType } from './reference-data';
import { cumulate, Rng, streamKey } from './rng';
import {
  ANCHOR_SEC,
  batchWindow,
  CUSTOMER_COLUMNS,
  customerFields,
  customerImage,
  customerKey,
  EVENT_COLUMNS,
  EVENT_HISTORY_DAYS,
  eventKey,
  type Order,
  ORDER_COLUMNS,
  ORDER_ITEM_COLUMNS,
  orderFields,
  orderKey,
  type OrderLine,
  orderLineFields,
  PRODUCT_COLUMNS,
  productFields,
  productKey,
  type Customer,
  type Product,
  SampleWorld,
  type TimeWindow,
  timeIn,
} from './sample-world';

export type SourceEntity = 'customers' | 'products' | 'orders' | 'order_items' | 'events' | 'customers_cdc';

export interface WrittenFile {
  readonly file: string;
  readonly entity: SourceEntity;
  /** Data records (physical lines after the header), bad and benign rows included. */
  readonly rows: number;
  /** Rows of the clean data set. */
  readonly cleanRows: number;
  readonly badRows: number;
  readonly duplicateRows: number;
  readonly normalisedRows: number;
  readonly unknownCustomerRows: number;
}

export interface BatchOutput {
  readonly files: WrittenFile[];
  readonly expected: ExpectedFault[];
  readonly unknownCustomerOrderIds: string[];
}

interface BatchInput {
  readonly dir: string;
  readonly world: SampleWorld;
  readonly changes: BatchChanges;
  readonly dirty: number;
}

/** `customers.csv` for batch 1, `customers-0002.csv` for batch 2, … */
export function batchFileName(base: string, ext: string, batch: number): string {
  return batch === 1 ? `${base}.${ext}` : `${base}-${pad(batch, 4)}.${ext}`;
}

/** Reserved key numbers for extra rows, never used by the clean population (any scale ≤ 100). */
function reserved(base: number, batch: number, stride: number, serial: number): number {
  return base + (batch % 50) * stride + (serial % stride);
}

/** Alternates the variants of a fault across its occurrences. */
function variant(values: readonly string[], serial: number, kinds: number): string {
  return values[Math.floor(serial / kinds) % values.length];
}

const BAD_TIMESTAMPS = ['2024-13-45T99:00:00Z', 'yesterday'] as const;

interface CsvFault {
  readonly reason: string;
  readonly column: string;
  /** Fixed variants (alternating between occurrences), or derived from the row's valid fields. */
  readonly values: readonly string[] | ((fields: readonly string[], occurrence: number) => string);
}

function csvFaults(
  columns: readonly string[],
  faults: readonly CsvFault[],
  base: (rng: Rng, serial: number) => string[],
): FaultKind[] {
  return faults.map((fault) => {
    const column = columns.indexOf(fault.column);
    if (column < 0) throw new Error(`unknown column ${fault.column}`);
    return {
      reason: fault.reason,
      make: (rng: Rng, serial: number): string => {
        const fields = base(rng, serial);
        fields[column] =
          typeof fault.values === 'function'
            ? fault.values(fields, Math.floor(serial / faults.length))
            : variant(fault.values, serial, faults.length);
        return csvLine(fields);
      },
    };
  });
}

/** `anna.schmidt.12@example.com` → `  Anna.Schmidt.12@Example.COM ` (normalises back to the original). */
function messyEmail(email: string): string {
  const [local, domain] = email.split('@');
  const cap = (part: string): string => part.charAt(0).toUpperCase() + part.slice(1);
  const parts = domain.split('.');
  const messyDomain = parts.map((p, i) => (i === parts.length - 1 ? p.toUpperCase() : cap(p))).join('.');
  return `  ${local.split('.').map(cap).join('.')}@${messyDomain} `;
}

class BatchWriter {
  private readonly files: WrittenFile[] = [];
  private readonly open: LineFile[] = [];
  private readonly expected: ExpectedFault[] = [];
  private readonly unknownCustomerOrderIds: string[] = [];
  private readonly window: TimeWindow;
  private readonly batch: number;

  constructor(private readonly input: BatchInput) {
    this.batch = input.changes.batch;
    this.window = batchWindow(this.batch);
  }

  async run(): Promise<BatchOutput> {
    try {
      await this.customers();
      await this.products();
      await this.orders();
      await this.orderItems();
      await this.events();
      await this.debezium();
      for (const file of this.open) await file.commit();
    } catch (error) {
      for (const file of this.open) await file.discard();
      throw error;
    }
    return {
      files: this.files,
      expected: this.expected,
      unknownCustomerOrderIds: this.unknownCustomerOrderIds,
    };
  }

  private keys(file: string): [number, number, number] {
    const seed = this.input.world.seed;
    return [
      streamKey(seed, 'dirt-bad', file, this.batch),
      streamKey(seed, 'dirt-benign', file, this.batch),
      streamKey(seed, 'dirt-rows', file, this.batch),
    ];
  }

  /** Streams `count` good rows from `next` through an injector into a new file. */
  private async writeFile<T>(spec: {
    name: string;
    entity: SourceEntity;
    header: readonly string[] | null;
    count: number;
    next: () => T;
    line: (row: T) => string;
    faults: readonly FaultKind[];
    benign: readonly BenignKind<T>[];
  }): Promise<void> {
    const file = await LineFile.create(this.input.dir, spec.name);
    this.open.push(file);
    if (spec.header) file.write(spec.header.join(','));
    const injector = new Injector<T>({
      file,
      keys: this.keys(spec.name),
      goodRows: spec.count,
      rate: this.input.dirty,
      faults: spec.faults,
      benign: spec.benign,
      expected: this.expected,
    });
    for (let g = 0; g < spec.count; g++) {
      injector.at(g);
      const row = spec.next();
      const text = spec.line(row);
      file.write(text);
      injector.keep(text, row);
      if (file.needsFlush) await file.flush();
    }
    injector.at(spec.count);
    await file.close();
    this.record(spec.name, spec.entity, file.lines - (spec.header ? 1 : 0), spec.count, injector.counts);
  }

  private record(
    file: string,
    entity: SourceEntity,
    rows: number,
    cleanRows: number,
    counts: DirtCounts,
  ): void {
    this.files.push({
      file,
      entity,
      rows,
      cleanRows,
      badRows: counts.bad,
      duplicateRows: counts.duplicate,
      normalisedRows: counts.normalised,
      unknownCustomerRows: counts.unknownCustomer,
    });
  }

  // ---- customers -------------------------------------------------------------------------

  private async customers(): Promise<void> {
    const { world, changes } = this.input;
    let count: number;
    let next: () => Customer;
    if (this.batch === 1) {
      count = world.sizes.customers;
      let i = 0;
      next = () => world.customerAt(i++);
    } else {
      const rows = [...changes.csvUpdates.map((u) => u.after), ...changes.newCustomers].sort(
        (a, b) => a.index - b.index,
      );
      count = rows.length;
      let i = 0;
      next = () => rows[i++];
    }
    const base = (rng: Rng, serial: number): string[] =>
      customerFields(
        world.syntheticCustomer(rng, reserved(90_000_000, this.batch, 100_000, serial) - 1, this.window),
      );
    const faults = csvFaults(
      CUSTOMER_COLUMNS,
      [
        { reason: 'required:customer_id', column: 'customer_id', values: [''] },
        { reason: 'required:email', column: 'email', values: [''] },
        { reason: 'required:country', column: 'country', values: [''] },
        { reason: 'required:updated_at', column: 'updated_at', values: [''] },
        {
          reason: 'pattern:email',
          column: 'email',
          // Alternately no @ at all, or a space inside the local part.
          values: (fields, occurrence) =>
            occurrence % 2 === 0 ? fields[1].replace('@', '.') : fields[1].replace('.', ' '),
        },
        { reason: 'pattern:country', column: 'country', values: ['Germany', 'D1'] },
        { reason: 'type:signup_at', column: 'signup_at', values: BAD_TIMESTAMPS },
        { reason: 'type:updated_at', column: 'updated_at', values: BAD_TIMESTAMPS },
        { reason: 'type:birth_date', column: 'birth_date', values: ['31/12/1990'] },
        { reason: 'type:marketing_opt_in', column: 'marketing_opt_in', values: ['yes'] },
      ],
      base,
    );
    const benign: BenignKind<Customer>[] = [
      duplicateKind(),
      {
        category: 'normalised',
        make: (_rng, _line, c) => {
          const fields = customerFields(c);
          fields[1] = messyEmail(c.email);
          return csvLine(fields);
        },
      },
      {
        category: 'normalised',
        make: (_rng, _line, c) => {
          const fields = customerFields(c);
          fields[10] = ` ${c.country.toLowerCase()} `;
          return csvLine(fields);
        },
      },
    ];
    await this.writeFile({
      name: batchFileName('customers', 'csv', this.batch),
      entity: 'customers',
      header: CUSTOMER_COLUMNS,
      count,
      next,
      line: (c) => csvLine(customerFields(c)),
      faults,
      benign,
    });
  }

  // ---- products --------------------------------------------------------------------------

  private async products(): Promise<void> {
    const { world, changes } = this.input;
    const rows: readonly Product[] =
      this.batch === 1
        ? Array.from({ length: world.sizes.products }, (_, i) => world.product(i))
        : changes.priceChanges;
    let i = 0;
    const base = (rng: Rng, serial: number): string[] =>
      productFields({
        ...world.product(rng.int(world.sizes.products)),
        id: productKey(reserved(900_000, this.batch, 1000, serial)),
        updatedSec: timeIn(rng, this.window.from, this.window.to),
      });
    await this.writeFile<Product>({
      name: batchFileName('products', 'csv', this.batch),
      entity: 'products',
      header: PRODUCT_COLUMNS,
      count: rows.length,
      next: () => rows[i++],
      line: (p) => csvLine(productFields(p)),
      faults: csvFaults(
        PRODUCT_COLUMNS,
        [
          { reason: 'required:product_id', column: 'product_id', values: [''] },
          { reason: 'required:updated_at', column: 'updated_at', values: [''] },
          { reason: 'type:unit_price', column: 'unit_price', values: ['abc'] },
          { reason: 'min:unit_price', column: 'unit_price', values: ['-1.00'] },
        ],
        base,
      ),
      benign: [duplicateKind()],
    });
  }

  // ---- orders ----------------------------------------------------------------------------

  /** Order indices written as brand-new orders in this batch. */
  private newOrderRange(): [number, number] {
    const { world } = this.input;
    return this.batch === 1
      ? [0, world.sizes.orders]
      : [world.ordersThrough(this.batch - 1), world.ordersThrough(this.batch)];
  }

  private async orders(): Promise<void> {
    const { world, changes } = this.input;
    const [from, to] = this.newOrderRange();
    const updates = changes.statusChanges;
    let u = 0;
    let j = from;
    // Status updates carry older order ids, so they come first: the file stays in key order.
    const next = (): Order => (u < updates.length ? updates[u++] : world.orderAt(j++));
    const randomCustomer = (rng: Rng): string => customerKey(1 + rng.int(world.sizes.customers));
    const base = (rng: Rng, serial: number): string[] => {
      const orderSec = timeIn(
        rng,
        Math.max(this.window.from, ANCHOR_SEC - 365 * SECONDS_PER_DAY),
        this.window.to,
      );
      return orderFields({
        index: -1,
        id: orderKey(reserved(900_000_000, this.batch, 1_000_000, serial)),
        customerId: randomCustomer(rng),
        orderSec,
        status: 'placed',
        channel: 'web',
        currency: 'EUR',
        updatedSec: orderSec,
      });
    };
    const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
    const benign: BenignKind<Order>[] = [
      duplicateKind(),
      {
        category: 'normalised',
        make: (_rng, _line, o) => {
          const fields = orderFields(o);
          fields[3] = ` ${cap(o.status)} `;
          return csvLine(fields);
        },
      },
      {
        category: 'unknown_customer',
        make: (rng, _line, _o, serial) => {
          const orderSec = timeIn(
            rng,
            Math.max(this.window.from, ANCHOR_SEC - 365 * SECONDS_PER_DAY),
            this.window.to,
          );
          const id = orderKey(reserved(800_000_000, this.batch, 1_000_000, serial));
          this.unknownCustomerOrderIds.push(id);
          return csvLine(
            orderFields({
              index: -1,
              id,
              customerId: customerKey(99_990_000 + rng.int(10_000)),
              orderSec,
              status: 'delivered',
              channel: 'web',
              currency: 'EUR',
              updatedSec: orderSec,
            }),
          );
        },
      },
    ];
    await this.writeFile({
      name: batchFileName('orders', 'csv', this.batch),
      entity: 'orders',
      header: ORDER_COLUMNS,
      count: updates.length + (to - from),
      next,
      line: (o) => csvLine(orderFields(o)),
      faults: csvFaults(
        ORDER_COLUMNS,
        [
          { reason: 'required:order_id', column: 'order_id', values: [''] },
          { reason: 'required:customer_id', column: 'customer_id', values: [''] },
          { reason: 'required:order_ts', column: 'order_ts', values: [''] },
          { reason: 'type:order_ts', column: 'order_ts', values: BAD_TIMESTAMPS },
          { reason: 'enum:status', column: 'status', values: ['lost'] },
        ],
        base,
      ),
      benign,
    });
  }

  private async orderItems(): Promise<void> {
    const { world, changes } = this.input;
    const [from, to] = this.newOrderRange();
    let count = 0;
    for (let j = from; j < to; j++) count += world.lineCount(j);
    let j = from;
    let pending: OrderLine[] = [];
    let p = 0;
    const next = (): OrderLine => {
      while (p >= pending.length) {
        pending = world.orderLines(j++, changes.prices);
        p = 0;
      }
      return pending[p++];
    };
    const base = (rng: Rng, serial: number): string[] => {
      const product = world.pickProduct(rng);
      return orderLineFields({
        orderId: orderKey(reserved(700_000_000, this.batch, 1_000_000, serial)),
        lineNo: 1,
        productId: productKey(product + 1),
        quantity: 1,
        unitCents: changes.prices[product],
        discountCents: 0,
      });
    };
    await this.writeFile<OrderLine>({
      name: batchFileName('order_items', 'csv', this.batch),
      entity: 'order_items',
      header: ORDER_ITEM_COLUMNS,
      count,
      next,
      line: (l) => csvLine(orderLineFields(l)),
      faults: csvFaults(
        ORDER_ITEM_COLUMNS,
        [
          { reason: 'required:order_id', column: 'order_id', values: [''] },
          { reason: 'required:line_no', column: 'line_no', values: [''] },
          { reason: 'required:product_id', column: 'product_id', values: [''] },
          { reason: 'required:quantity', column: 'quantity', values: [''] },
          { reason: 'required:unit_price', column: 'unit_price', values: [''] },
          { reason: 'type:line_no', column: 'line_no', values: ['1.5', 'two'] },
          { reason: 'type:quantity', column: 'quantity', values: ['two', '1.5'] },
          { reason: 'min:quantity', column: 'quantity', values: ['0'] },
          { reason: 'min:unit_price', column: 'unit_price', values: ['-2.50'] },
          { reason: 'min:discount', column: 'discount', values: ['-1.00'] },
        ],
        base,
      ),
      benign: [duplicateKind()],
    });
  }

  // ---- events ----------------------------------------------------------------------------

  private async events(): Promise<void> {
    const { world } = this.input;
    const { sizes } = world;
    const count = this.batch === 1 ? sizes.events : sizes.eventsPerDay;
    const firstIndex = this.batch === 1 ? 0 : sizes.events + sizes.eventsPerDay * (this.batch - 2);
    const window: TimeWindow =
      this.batch === 1
        ? { from: ANCHOR_SEC - EVENT_HISTORY_DAYS * SECONDS_PER_DAY, to: ANCHOR_SEC }
        : this.window;
    const stream = new EventStream(world, this.batch, window, firstIndex, count);
    const base = (rng: Rng, serial: number): EventRow => ({
      event_id: eventKey(reserved(9_000_000_000, this.batch, 10_000_000, serial)),
      customer_id: customerKey(1 + rng.int(sizes.customers)),
      event_ts: isoTimestamp(timeIn(rng, window.from, window.to)),
      event_type: 'page_view',
      session_id: `S${pad(this.batch, 4)}9${pad(serial, 7)}`,
      device: 'web',
      product_id: null,
    });
    const field =
      (key: 'event_id' | 'customer_id' | 'event_ts', value: (serial: number) => string | null) =>
      (rng: Rng, serial: number): string =>
        JSON.stringify({ ...base(rng, serial), [key]: value(serial) });
    const faults: FaultKind[] = [
      { reason: 'required:event_id', make: field('event_id', () => null) },
      { reason: 'required:customer_id', make: field('customer_id', () => null) },
      { reason: 'required:event_ts', make: field('event_ts', () => null) },
      { reason: 'type:event_ts', make: field('event_ts', (serial) => variant(BAD_TIMESTAMPS, serial, 6)) },
      { reason: 'invalid_json', make: (rng, serial) => truncate(JSON.stringify(base(rng, serial))) },
      { reason: 'empty_line', make: () => '' },
    ];
    await this.writeFile<EventRow>({
      name: batchFileName('events', 'ndjson', this.batch),
      entity: 'events',
      header: null,
      count,
      next: () => stream.next(),
      line: eventLine,
      faults,
      benign: [duplicateKind()],
    });
  }

  // ---- Debezium --------------------------------------------------------------------------

  private async debezium(): Promise<void> {
    const { world, changes } = this.input;
    type Change = { kind: 'u'; update: CustomerUpdate } | { kind: 'd'; del: CustomerDelete };
    const at = (c: Change): number => (c.kind === 'u' ? c.update.after.updatedSec : c.del.changeSec);
    const index = (c: Change): number => (c.kind === 'u' ? c.update.after.index : c.del.before.index);
    // Commit order: by change time; lsn and txId strictly increase along the file.
    const rows: Change[] = [
      ...changes.cdcUpdates.map((update): Change => ({ kind: 'u', update })),
      ...changes.cdcDeletes.map((del): Change => ({ kind: 'd', del })),
    ].sort((a, b) => at(a) - at(b) || index(a) - index(b));
    const lsnBase = this.batch * 1_000_000_000;
    let i = 0;
    let lastLsn = lsnBase;
    let sinceGood = 0;
    const source = (lsn: number, txId: number): DebeziumSource => ({
      connector: 'postgresql',
      db: 'shop',
      schema: 'public',
      table: 'customers',
      lsn,
      txId,
    });
    const next = (): string => {
      const row = rows[i++];
      lastLsn = lsnBase + i * 100;
      sinceGood = 0;
      const envelope =
        row.kind === 'u'
          ? {
              before: customerImage(row.update.before),
              after: customerImage(row.update.after),
              op: 'u',
              ts_ms: row.update.after.updatedSec * 1000,
              source: source(lastLsn, this.batch * 1_000_000 + i),
            }
          : {
              before: customerImage(row.del.before),
              after: null,
              op: 'd',
              ts_ms: row.del.changeSec * 1000,
              source: source(lastLsn, this.batch * 1_000_000 + i),
            };
      return JSON.stringify(envelope);
    };
    // Bad envelopes: a valid update of a reserved key, then one fault; lsn fits between neighbours.
    const badEnvelope = (rng: Rng, serial: number): DebeziumEnvelope => {
      const before = world.syntheticCustomer(
        rng,
        reserved(95_000_000, this.batch, 10_000, serial) - 1,
        this.window,
      );
      const changeSec = timeIn(rng, before.updatedSec, this.window.to);
      sinceGood = Math.min(sinceGood + 1, 99);
      return {
        before: customerImage(before),
        after: customerImage({ ...before, updatedSec: changeSec }),
        op: 'u',
        ts_ms: changeSec * 1000,
        source: source(lastLsn + sinceGood, this.batch * 1_000_000 + 900_000 + serial),
      };
    };
    const faults: FaultKind[] = [
      { reason: 'invalid_json', make: (rng, serial) => truncate(JSON.stringify(badEnvelope(rng, serial))) },
      {
        reason: 'envelope:op',
        make: (rng, serial) => JSON.stringify({ ...badEnvelope(rng, serial), op: 'x' }),
      },
      {
        reason: 'envelope:ts_ms',
        make: (rng, serial) => {
          const { before, after, op, source: src } = badEnvelope(rng, serial);
          return JSON.stringify({ before, after, op, source: src });
        },
      },
    ];
    await this.writeFile<string>({
      name: batchFileName('customers', 'debezium.ndjson', this.batch),
      entity: 'customers_cdc',
      header: null,
      count: rows.length,
      next,
      line: (text) => text,
      faults,
      benign: [duplicateKind()],
    });
  }
}

interface DebeziumSource {
  connector: string;
  db: string;
  schema: string;
  table: string;
  lsn: number;
  txId: number;
}

interface DebeziumEnvelope {
  before: Record<string, string | null> | null;
  after: Record<string, string | null> | null;
  op: string;
  ts_ms: number;
  source: DebeziumSource;
}

/** A proper prefix of a JSON object never parses. */
function truncate(json: string): string {
  return json.slice(0, Math.max(1, Math.floor(json.length * 0.6)));
}

type EventRow = Record<(typeof EVENT_COLUMNS)[number], string | null>;

/** Same bytes as JSON.stringify of the row (all values are plain ASCII tokens). */
function eventLine(e: EventRow): string {
  const product = e.product_id === null ? 'null' : `"${e.product_id}"`;
  return `{"event_id":"${e.event_id}","customer_id":"${e.customer_id}","event_ts":"${e.event_ts}","event_type":"${e.event_type}","session_id":"${e.session_id}","device":"${e.device}","product_id":${product}}`;
}

const DEVICE_CUM = cumulate(EVENT_DEVICE_WEIGHTS);
// Next event of a session: page_view, product_view, add_to_cart, checkout, search, login.
const NEXT_EVENT_CUM = cumulate([20, 35, 15, 10, 15, 0]);
const FIRST_EVENT_CUM = cumulate([55, 0, 0, 0, 25, 20]);

/**
 * Browsing sessions laid out along the window: session starts advance with the event
 * index, so event ids run roughly in time order; events inside a session are seconds
 * to minutes apart and follow a simple view → cart → checkout flow.
 */
class EventStream {
  private readonly rng: Rng;
  private produced = 0;
  private sessions = 0;
  private left = 0;
  private customerId = '';
  private device = '';
  private sessionId = '';
  private clock = 0;
  private lastProduct: string | null = null;
  private cart = 0;

  constructor(
    private readonly world: SampleWorld,
    private readonly batch: number,
    private readonly window: TimeWindow,
    private readonly firstIndex: number,
    private readonly count: number,
  ) {
    this.rng = new Rng(streamKey(world.seed, 'events', batch));
  }

  next(): EventRow {
    const r = this.rng;
    const span = this.window.to - this.window.from;
    let type: EventType;
    if (this.left === 0) {
      const start = this.window.from + 1 + Math.floor(((this.produced + r.next()) / this.count) * (span - 1));
      const customer = this.world.pickActiveCustomer(r, this.batch, start, 0.7);
      this.customerId = customerKey(customer + 1);
      this.device = EVENT_DEVICES[r.weighted(DEVICE_CUM)];
      this.sessions++;
      this.sessionId = `S${pad(this.batch, 4)}${pad(this.sessions, 8)}`;
      this.left = 1 + Math.min(11, Math.floor(r.exponential() * 3));
      this.clock = start;
      this.lastProduct = null;
      this.cart = 0;
      type = EVENT_TYPES[r.weighted(FIRST_EVENT_CUM)];
    } else {
      this.clock = Math.min(this.window.to, this.clock + r.between(5, 300));
      type = EVENT_TYPES[r.weighted(NEXT_EVENT_CUM)];
      if (type === 'add_to_cart' && this.lastProduct === null) type = 'product_view';
      if (type === 'checkout' && this.cart === 0) type = 'page_view';
    }
    let productId: string | null = null;
    if (type === 'product_view') {
      productId = productKey(this.world.pickProduct(r) + 1);
      this.lastProduct = productId;
    } else if (type === 'add_to_cart') {
      productId =
        r.chance(0.8) || this.lastProduct === null
          ? this.lastProduct
          : productKey(this.world.pickProduct(r) + 1);
      this.cart++;
    }
    this.left--;
    const index = this.firstIndex + this.produced++;
    return {
      event_id: eventKey(index + 1),
      customer_id: this.customerId,
      event_ts: isoTimestamp(this.clock),
      event_type: type,
      session_id: this.sessionId,
      device: this.device,
      product_id: productId,
    };
  }
}

export async function writeBatch(input: BatchInput): Promise<BatchOutput> {
  return new BatchWriter(input).run();
}
