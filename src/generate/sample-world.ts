/**
 * The deterministic "world" behind the sample sources: every customer, product and
 * order is a pure function of (seed, scale, index), computed on demand from its own
 * PRNG sub-stream. Batch n can therefore look at any existing record without reading
 * earlier files, and the files stream row by row without holding a table in memory.
 */
import { isoDate, isoTimestamp, money, pad, SECONDS_PER_DAY } from './format';
import {
  CATEGORIES,
  COUNTRIES,
  EMAIL_DOMAINS,
  emailPart,
  NAMES,
  ORDER_CHANNEL_WEIGHTS,
  ORDER_CHANNELS,
  ORDER_STATUS_WEIGHTS,
  ORDER_STATUSES,
  OrderStatus,
  PRODUCT_COLOURS,
  PRODUCT_STYLES,
  type Country,
} from './reference-data';
import { cumulate, Rng, streamKey, unitHash } from './rng';

/** Fixed time anchor: every batch-1 timestamp is ≤ 2025-01-01T00:00:00Z. Never the wall clock. */
export const ANCHOR_SEC = Date.UTC(2025, 0, 1) / 1000;
const SIGNUP_START_SEC = Date.UTC(2019, 0, 1) / 1000;
const PRODUCT_START_SEC = Date.UTC(2023, 0, 1) / 1000;
const BIRTH_START_DAY = Date.UTC(1940, 0, 1) / 86400000;
const BIRTH_END_DAY = Date.UTC(2006, 11, 31) / 86400000;
const HOUR = 3600;
export const EVENT_HISTORY_DAYS = 400;

/** Change times of batch n lie in (from, to]; batch 1 covers everything up to the anchor. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

export function batchWindow(batch: number): TimeWindow {
  if (batch <= 1) return { from: SIGNUP_START_SEC - 1, to: ANCHOR_SEC };
  return { from: ANCHOR_SEC + (batch - 2) * SECONDS_PER_DAY, to: ANCHOR_SEC + (batch - 1) * SECONDS_PER_DAY };
}

/** A uniform whole second in (window.from, window.to]. */
export function timeIn(rng: Rng, from: number, to: number): number {
  return from + 1 + Math.floor(rng.next() * (to - from));
}

export interface Sizes {
  readonly customers: number;
  readonly products: number;
  readonly orders: number;
  readonly events: number;
  /** Batch 1 Debezium changes. */
  readonly initialCdcUpdates: number;
  readonly initialCdcDeletes: number;
  /** Per later batch. */
  readonly csvUpdates: number;
  readonly newCustomers: number;
  readonly cdcUpdates: number;
  readonly cdcDeletes: number;
  readonly newOrders: number;
  readonly statusUpdates: number;
  readonly eventsPerDay: number;
  readonly priceUpdates: number;
}

const atLeastOne = (value: number): number => Math.max(1, Math.round(value));

export function sizesFor(scale: number): Sizes {
  const customers = Math.round(100_000 * scale);
  const orders = Math.round(500_000 * scale);
  const events = Math.round(1_000_000 * scale);
  const products = Math.max(20, Math.round(2000 * scale));
  return {
    customers,
    products,
    orders,
    events,
    initialCdcUpdates: atLeastOne(customers * 0.005),
    initialCdcDeletes: atLeastOne(customers * 0.001),
    csvUpdates: atLeastOne(customers * 0.01),
    newCustomers: atLeastOne(customers * 0.002),
    cdcUpdates: atLeastOne(customers * 0.003),
    cdcDeletes: atLeastOne(customers * 0.001),
    newOrders: atLeastOne(orders * 0.01),
    statusUpdates: atLeastOne(orders * 0.005),
    eventsPerDay: atLeastOne(events / EVENT_HISTORY_DAYS),
    priceUpdates: atLeastOne(products * 0.01),
  };
}

// Fixed-width keys: string order equals numeric order up to scale 100 and beyond.
export const customerKey = (n: number): string => `C${pad(n, 8)}`;
export const productKey = (n: number): string => `P${pad(n, 6)}`;
export const orderKey = (n: number): string => `O${pad(n, 9)}`;
export const eventKey = (n: number): string => `E${pad(n, 10)}`;

export interface Customer {
  readonly index: number;
  readonly id: string;
  readonly email: string;
  readonly phone: string | null;
  readonly firstName: string;
  readonly lastName: string;
  readonly birthDay: number | null;
  readonly street: string;
  readonly city: string;
  readonly state: string;
  readonly postalCode: string;
  readonly country: string;
  readonly signupSec: number;
  readonly marketingOptIn: boolean | null;
  readonly updatedSec: number;
}

export const CUSTOMER_COLUMNS = [
  'customer_id',
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
  'updated_at',
] as const;
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number];

/** Customer as its CSV strings (empty = null), in CUSTOMER_COLUMNS order. */
export function customerFields(c: Customer): string[] {
  return [
    c.id,
    c.email,
    c.phone ?? '',
    c.firstName,
    c.lastName,
    c.birthDay === null ? '' : isoDate(c.birthDay),
    c.street,
    c.city,
    c.state,
    c.postalCode,
    c.country,
    isoTimestamp(c.signupSec),
    c.marketingOptIn === null ? '' : String(c.marketingOptIn),
    isoTimestamp(c.updatedSec),
  ];
}

/** A Debezium row image: the CSV strings, JSON null for empty. */
export function customerImage(c: Customer): Record<CustomerColumn, string | null> {
  const fields = customerFields(c);
  const image = {} as Record<CustomerColumn, string | null>;
  CUSTOMER_COLUMNS.forEach((column, i) => {
    image[column] = fields[i] === '' ? null : fields[i];
  });
  return image;
}

export interface Product {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly brand: string;
  readonly priceCents: number;
  readonly updatedSec: number;
}

export const PRODUCT_COLUMNS = [
  'product_id',
  'name',
  'category',
  'brand',
  'unit_price',
  'updated_at',
] as const;

export function productFields(p: Product): string[] {
  return [p.id, p.name, p.category, p.brand, money(p.priceCents), isoTimestamp(p.updatedSec)];
}

export interface Order {
  readonly index: number;
  readonly id: string;
  readonly customerId: string;
  readonly orderSec: number;
  readonly status: OrderStatus;
  readonly channel: string;
  readonly currency: string;
  /** null = empty updated_at in the file (valid: falls back to order_ts). */
  readonly updatedSec: number | null;
}

export const ORDER_COLUMNS = [
  'order_id',
  'customer_id',
  'order_ts',
  'status',
  'channel',
  'currency',
  'updated_at',
] as const;

export function orderFields(o: Order): string[] {
  return [
    o.id,
    o.customerId,
    isoTimestamp(o.orderSec),
    o.status,
    o.channel,
    o.currency,
    o.updatedSec === null ? '' : isoTimestamp(o.updatedSec),
  ];
}

export interface OrderLine {
  readonly orderId: string;
  readonly lineNo: number;
  readonly productId: string;
  readonly quantity: number;
  readonly unitCents: number;
  readonly discountCents: number;
}

export const ORDER_ITEM_COLUMNS = [
  'order_id',
  'line_no',
  'product_id',
  'quantity',
  'unit_price',
  'discount',
] as const;

export function orderLineFields(l: OrderLine): string[] {
  return [
    l.orderId,
    String(l.lineNo),
    l.productId,
    String(l.quantity),
    money(l.unitCents),
    money(l.discountCents),
  ];
}

export const EVENT_COLUMNS = [
  'event_id',
  'customer_id',
  'event_ts',
  'event_type',
  'session_id',
  'device',
  'product_id',
] as const;

const COUNTRY_CUM = cumulate(COUNTRIES.map((c) => c.weight));
const STATUS_CUM = cumulate(ORDER_STATUS_WEIGHTS);
const CHANNEL_CUM = cumulate(ORDER_CHANNEL_WEIGHTS);
const CATEGORY_CUM = cumulate(CATEGORIES.map((c) => c.weight));
const LINE_COUNT_CUM = cumulate([40, 30, 20, 10]); // 1..4 lines, mean 2.0
const QUANTITY_CUM = cumulate([60, 20, 10, 6, 4]); // 1..5
const PRICE_ENDINGS: readonly number[] = [99, 99, 49, 95, 0];

const emailPartCache = new Map<string, string>();
function cachedEmailPart(name: string): string {
  let part = emailPartCache.get(name);
  if (part === undefined) {
    part = emailPart(name);
    emailPartCache.set(name, part);
  }
  return part;
}

function fillPattern(rng: Rng, pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '#') out += String(rng.int(10));
    else if (ch === '@') out += String.fromCharCode(65 + rng.int(26));
    else out += ch;
  }
  return out;
}

function phoneFor(rng: Rng, country: Country, areaCode: string): string {
  return `${country.dialCode} ${areaCode} 555${pad(rng.int(10000), 4)}`;
}

function streetFor(rng: Rng, country: Country): string {
  return rng.pick(NAMES[country.names].streets).replace('{n}', String(rng.between(1, 180)));
}

/** Stream keys: one per kind of record, so adding draws to one never shifts another. */
interface Keys {
  readonly core: number;
  readonly customer: number;
  readonly product: number;
  readonly productWeight: number;
  readonly order: number;
  readonly lineCount: number;
  readonly items: number;
}

export class SampleWorld {
  readonly sizes: Sizes;
  readonly keys: Keys;
  /** Customer index → batch in which it was deleted (filled while batches are applied). */
  readonly deletedAt = new Map<number, number>();
  /** Base customers: signup second, country index and cumulative order weight. */
  private readonly signup: Float64Array;
  private readonly countryOf: Uint8Array;
  private readonly orderWeightCum: Float64Array;
  private readonly baseProducts: Product[];
  private readonly productCum: Float64Array;
  private readonly rng = new Rng(0);
  private readonly coreRng = new Rng(0);

  constructor(
    readonly seed: number,
    readonly scale: number,
  ) {
    this.sizes = sizesFor(scale);
    this.keys = {
      core: streamKey(seed, 'customer-core'),
      customer: streamKey(seed, 'customer'),
      product: streamKey(seed, 'product'),
      productWeight: streamKey(seed, 'product-weight'),
      order: streamKey(seed, 'order'),
      lineCount: streamKey(seed, 'order-line-count'),
      items: streamKey(seed, 'order-items'),
    };
    const n = this.sizes.customers;
    this.signup = new Float64Array(n);
    this.countryOf = new Uint8Array(n);
    this.orderWeightCum = new Float64Array(n);
    const span = ANCHOR_SEC - 2 * HOUR - SIGNUP_START_SEC;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const r = this.coreRng.reset(this.keys.core, i);
      this.countryOf[i] = r.weighted(COUNTRY_CUM);
      // sqrt skews signups towards recent years: a growing shop.
      const signup = SIGNUP_START_SEC + Math.floor(Math.sqrt(r.next()) * span);
      this.signup[i] = signup;
      // 4% never order (≈10% end up with none); the rest lognormal (a few heavy buyers),
      // scaled up with tenure.
      const tenure = (ANCHOR_SEC - signup) / (ANCHOR_SEC - SIGNUP_START_SEC);
      const weight = r.chance(0.04) ? 0 : Math.exp(0.75 * r.normal()) * (0.6 + tenure);
      total += weight;
      this.orderWeightCum[i] = total;
    }
    if (total === 0) for (let i = 0; i < n; i++) this.orderWeightCum[i] = i + 1;
    this.baseProducts = [];
    const productWeights: number[] = [];
    for (let i = 0; i < this.sizes.products; i++) {
      this.baseProducts.push(this.buildProduct(i));
      productWeights.push(Math.exp(1.2 * this.rng.reset(this.keys.productWeight, i).normal()));
    }
    this.productCum = cumulate(productWeights);
  }

  // ---- customers -------------------------------------------------------------------------

  /** Customers that exist once `batch` is applied (base + new ones of batches 2..batch). */
  customersThrough(batch: number): number {
    return this.sizes.customers + this.sizes.newCustomers * Math.max(0, batch - 1);
  }

  /** Batch in which customer `index` was created. */
  customerBatch(index: number): number {
    if (index < this.sizes.customers) return 1;
    return 2 + Math.floor((index - this.sizes.customers) / this.sizes.newCustomers);
  }

  signupOf(index: number): number {
    if (index < this.sizes.customers) return this.signup[index];
    const window = batchWindow(this.customerBatch(index));
    return timeIn(this.coreRng.reset(this.keys.core, index), window.from, window.to);
  }

  private countryIndexOf(index: number): number {
    if (index < this.sizes.customers) return this.countryOf[index];
    const r = this.coreRng.reset(this.keys.core, index);
    r.next();
    return r.weighted(COUNTRY_CUM);
  }

  /** The customer as first created (batch 1 CSV for base customers, batch n CSV for new ones). */
  customerAt(index: number): Customer {
    const signupSec = this.signupOf(index);
    const isNew = index >= this.sizes.customers;
    const updatedSec = isNew
      ? signupSec
      : (rng: Rng): number =>
          rng.chance(0.4) ? signupSec : signupSec + Math.floor(rng.next() * (ANCHOR_SEC - HOUR - signupSec));
    return this.buildCustomer(
      this.rng.reset(this.keys.customer, index),
      index,
      this.countryIndexOf(index),
      signupSec,
      updatedSec,
    );
  }

  /**
   * A valid customer built from an arbitrary stream: the base of fault rows, which use
   * reserved keys outside the real population.
   */
  syntheticCustomer(rng: Rng, index: number, window: TimeWindow): Customer {
    const signupSec = timeIn(rng, Math.max(window.from, SIGNUP_START_SEC), window.to - HOUR);
    return this.buildCustomer(rng, index, rng.weighted(COUNTRY_CUM), signupSec, signupSec + HOUR);
  }

  private buildCustomer(
    r: Rng,
    index: number,
    countryIndex: number,
    signupSec: number,
    updated: number | ((rng: Rng) => number),
  ): Customer {
    const country = COUNTRIES[countryIndex];
    const names = NAMES[country.names];
    const firstName = r.pick(names.first);
    const lastName = r.pick(names.last);
    const city = r.pick(country.cities);
    const street = streetFor(r, country);
    const postalCode = fillPattern(r, city.postal);
    const phone = r.chance(0.04) ? null : phoneFor(r, country, city.areaCode);
    const email = `${cachedEmailPart(firstName)}.${cachedEmailPart(lastName)}.${index + 1}@${r.pick(EMAIL_DOMAINS)}`;
    const birthDay = r.chance(0.03)
      ? null
      : BIRTH_START_DAY + Math.floor(((r.next() + r.next()) / 2) * (BIRTH_END_DAY - BIRTH_START_DAY));
    const marketingOptIn = r.chance(0.01) ? null : r.chance(0.45);
    const updatedSec = typeof updated === 'number' ? updated : updated(r);
    return {
      index,
      id: customerKey(index + 1),
      email,
      phone,
      firstName,
      lastName,
      birthDay,
      street,
      city: city.name,
      state: city.state,
      postalCode,
      country: country.code,
      signupSec,
      marketingOptIn,
      updatedSec,
    };
  }

  /**
   * The customer with tracked attributes changed at `changeSec`. Every kind produces a
   * value different from the current one, so each change really is a new SCD2 version.
   */
  changeCustomer(
    r: Rng,
    current: Customer,
    kinds: readonly CustomerChangeKind[],
    batch: number,
    changeSec: number,
  ): Customer {
    const country = COUNTRIES.find((c) => c.code === current.country) ?? COUNTRIES[0];
    let next: Customer = { ...current, updatedSec: changeSec };
    for (const kind of kinds) {
      switch (kind) {
        case 'email':
          next = {
            ...next,
            email: `${cachedEmailPart(next.firstName)}.${cachedEmailPart(next.lastName)}.${current.index + 1}.${batch}@${r.pick(EMAIL_DOMAINS)}`,
          };
          break;
        case 'address': {
          const others = country.cities.filter((c) => c.name !== current.city);
          const city = others.length > 0 ? r.pick(others) : country.cities[0];
          next = {
            ...next,
            street: streetFor(r, country),
            city: city.name,
            state: city.state,
            postalCode: fillPattern(r, city.postal),
          };
          break;
        }
        case 'phone': {
          const city = country.cities.find((c) => c.name === next.city) ?? country.cities[0];
          let phone = phoneFor(r, country, city.areaCode);
          while (phone === current.phone) phone = phoneFor(r, country, city.areaCode);
          next = { ...next, phone };
          break;
        }
        case 'last_name': {
          const others = NAMES[country.names].last.filter((n) => n !== current.lastName);
          next = { ...next, lastName: r.pick(others) };
          break;
        }
        case 'marketing_opt_in':
          next = { ...next, marketingOptIn: current.marketingOptIn !== true };
          break;
      }
    }
    return next;
  }

  /** A customer for a new order or event of `batch`: not deleted by then, signed up before `beforeSec`. */
  pickActiveCustomer(r: Rng, batch: number, beforeSec: number, weightedShare: number): number {
    const pool = this.customersThrough(batch);
    let candidate = 0;
    for (let attempt = 0; attempt < 24; attempt++) {
      candidate = r.chance(weightedShare) ? r.weighted(this.orderWeightCum) : r.int(pool);
      const deleted = this.deletedAt.get(candidate);
      if (deleted !== undefined && deleted <= batch) continue;
      if (this.signupOf(candidate) >= beforeSec) continue;
      return candidate;
    }
    return candidate;
  }

  // ---- products --------------------------------------------------------------------------

  product(index: number): Product {
    return this.baseProducts[index];
  }

  /** Popularity-weighted product index. */
  pickProduct(r: Rng): number {
    return r.weighted(this.productCum);
  }

  private buildProduct(index: number): Product {
    const r = this.rng.reset(this.keys.product, index);
    const category = CATEGORIES[r.weighted(CATEGORY_CUM)];
    const brand = r.pick(category.brands);
    const item = r.pick(category.items);
    const name = r.chance(0.25)
      ? `${brand} ${item}, ${r.pick(PRODUCT_COLOURS)}`
      : `${brand} ${r.pick(PRODUCT_STYLES)} ${item}`;
    const logMin = Math.log(category.minPrice);
    const whole = Math.floor(Math.exp(logMin + r.next() * (Math.log(category.maxPrice) - logMin)));
    const priceCents = Math.max(100, whole * 100 + r.pick(PRICE_ENDINGS));
    const updatedSec =
      PRODUCT_START_SEC + Math.floor(r.next() * (ANCHOR_SEC - SECONDS_PER_DAY - PRODUCT_START_SEC));
    return { index, id: productKey(index + 1), name, category: category.name, brand, priceCents, updatedSec };
  }

  // ---- orders ----------------------------------------------------------------------------

  ordersThrough(batch: number): number {
    return this.sizes.orders + this.sizes.newOrders * Math.max(0, batch - 1);
  }

  orderBatch(index: number): number {
    if (index < this.sizes.orders) return 1;
    return 2 + Math.floor((index - this.sizes.orders) / this.sizes.newOrders);
  }

  /** Number of item lines of order `index` (1–4, mean 2), random access. */
  lineCount(index: number): number {
    const u = unitHash(this.keys.lineCount, index) * LINE_COUNT_CUM[LINE_COUNT_CUM.length - 1];
    let lines = 1;
    while (lines < LINE_COUNT_CUM.length && LINE_COUNT_CUM[lines - 1] <= u) lines++;
    return lines;
  }

  /** The order as first written (batch 1 for base orders, its own batch for new ones). */
  orderAt(index: number): Order {
    const r = this.rng.reset(this.keys.order, index);
    const batch = this.orderBatch(index);
    let customer: number;
    let orderSec: number;
    let status: OrderStatus;
    let updatedSec: number;
    if (batch === 1) {
      customer = r.weighted(this.orderWeightCum);
      const signup = this.signup[customer];
      orderSec = signup + Math.floor(r.next() * (ANCHOR_SEC - signup + 1));
      status = ORDER_STATUSES[r.weighted(STATUS_CUM)];
      // Very recent orders cannot have been delivered or returned yet.
      const age = ANCHOR_SEC - orderSec;
      if (age < SECONDS_PER_DAY) status = 'placed';
      else if (age < 5 * SECONDS_PER_DAY && (status === 'delivered' || status === 'returned'))
        status = 'shipped';
      updatedSec = Math.min(ANCHOR_SEC, orderSec + statusDelay(r, status));
    } else {
      const window = batchWindow(batch);
      customer = this.pickActiveCustomer(r, batch, window.to, 0.85);
      orderSec = timeIn(r, Math.max(window.from, this.signupOf(customer)), window.to);
      const u = r.next();
      status = u < 0.85 ? 'placed' : u < 0.95 ? 'shipped' : 'cancelled';
      updatedSec = Math.min(window.to, orderSec + Math.floor(r.next() * 4 * HOUR));
    }
    const channel = ORDER_CHANNELS[r.weighted(CHANNEL_CUM)];
    const currency = COUNTRIES[this.countryIndexOf(customer)].currency;
    const emptyUpdatedAt = r.chance(0.02);
    return {
      index,
      id: orderKey(index + 1),
      customerId: customerKey(customer + 1),
      orderSec,
      status,
      channel,
      currency,
      updatedSec: emptyUpdatedAt ? null : updatedSec,
    };
  }

  /** Item lines of an order, priced from `priceCents` (the price list in force for its batch). */
  orderLines(orderIndex: number, priceCents: Int32Array): OrderLine[] {
    const r = this.rng.reset(this.keys.items, orderIndex);
    const orderId = orderKey(orderIndex + 1);
    const count = this.lineCount(orderIndex);
    const used = new Set<number>();
    const lines: OrderLine[] = [];
    for (let lineNo = 1; lineNo <= count; lineNo++) {
      let product = this.pickProduct(r);
      for (let retry = 0; retry < 4 && used.has(product); retry++) product = this.pickProduct(r);
      used.add(product);
      const quantity = 1 + r.weighted(QUANTITY_CUM);
      const unitCents = priceCents[product];
      let discountCents = 0;
      if (r.chance(0.1)) {
        const gross = quantity * unitCents;
        discountCents = Math.min(gross - 1, Math.max(1, Math.round((gross * r.between(5, 30)) / 100)));
      }
      lines.push({
        orderId,
        lineNo,
        productId: productKey(product + 1),
        quantity,
        unitCents,
        discountCents,
      });
    }
    return lines;
  }

  basePrices(): Int32Array {
    return Int32Array.from(this.baseProducts, (p) => p.priceCents);
  }
}

export type CustomerChangeKind = 'email' | 'address' | 'phone' | 'last_name' | 'marketing_opt_in';

function statusDelay(r: Rng, status: OrderStatus): number {
  switch (status) {
    case 'placed':
      return Math.floor(r.next() * HOUR);
    case 'shipped':
      return r.between(1, 3) * SECONDS_PER_DAY + r.int(SECONDS_PER_DAY);
    case 'delivered':
      return r.between(2, 7) * SECONDS_PER_DAY + r.int(SECONDS_PER_DAY);
    case 'cancelled':
      return r.int(2 * SECONDS_PER_DAY);
    case 'returned':
      return r.between(10, 30) * SECONDS_PER_DAY + r.int(SECONDS_PER_DAY);
  }
}
