/**
 * What changes in each batch. Batch n is a pure function of (seed, scale, n): the plan
 * of every earlier batch is re-derived (cheap: about 2% of the keys each) so batch n
 * starts from the true current state without reading earlier files.
 */
import { Rng, streamKey } from './rng';
import {
  ANCHOR_SEC,
  batchWindow,
  type Customer,
  type CustomerChangeKind,
  type Order,
  type Product,
  SampleWorld,
  timeIn,
} from './sample-world';

export interface CustomerUpdate {
  readonly before: Customer;
  readonly after: Customer;
}

export interface CustomerDelete {
  readonly before: Customer;
  readonly changeSec: number;
}

export interface BatchChanges {
  readonly batch: number;
  /** Updated rows for customers-000n.csv (sorted by key). */
  readonly csvUpdates: CustomerUpdate[];
  /** Debezium `u` and `d` envelopes (sorted by key; the writer orders them by change time). */
  readonly cdcUpdates: CustomerUpdate[];
  readonly cdcDeletes: CustomerDelete[];
  readonly newCustomers: Customer[];
  /** New product rows (new unit_price, later updated_at). */
  readonly priceChanges: Product[];
  /** New order rows for existing orders (next status, later updated_at). */
  readonly statusChanges: Order[];
  /** Price list in force for this batch's new orders (as of the previous batch). */
  readonly prices: Int32Array;
}

const CSV_CHANGE_KINDS: readonly CustomerChangeKind[] = ['email', 'address', 'phone'];
const CDC_CHANGE_KINDS: readonly CustomerChangeKind[] = ['email', 'address', 'phone', 'last_name'];

/** Current state of the changing parts of the world, advanced one batch at a time. */
export class ChangeState {
  private readonly customers = new Map<number, Customer>();
  private readonly orders = new Map<number, Order>();
  private readonly products = new Map<number, Product>();
  private prices: Int32Array;
  private applied = 0;

  constructor(private readonly world: SampleWorld) {
    this.prices = world.basePrices();
  }

  currentCustomer(index: number): Customer {
    return this.customers.get(index) ?? this.world.customerAt(index);
  }

  currentOrder(index: number): Order {
    return this.orders.get(index) ?? this.world.orderAt(index);
  }

  currentProduct(index: number): Product {
    return this.products.get(index) ?? this.world.product(index);
  }

  /** Plan batch `batch` (must be the next one), apply it to the state and return it. */
  advance(batch: number): BatchChanges {
    if (batch !== this.applied + 1) throw new Error(`batch ${batch} applied out of order`);
    this.applied = batch;
    return batch === 1 ? this.initialBatch() : this.laterBatch(batch);
  }

  private initialBatch(): BatchChanges {
    const { world } = this;
    const r = new Rng(streamKey(world.seed, 'changes', 1));
    const taken = new Set<number>();
    const eligible = (): boolean => true;
    const updateIds = pickDistinct(r, world.sizes.initialCdcUpdates, world.sizes.customers, taken, eligible);
    const deleteIds = pickDistinct(r, world.sizes.initialCdcDeletes, world.sizes.customers, taken, eligible);
    // Debezium changes of batch 1 happen after the CSV export's updated_at, before the anchor.
    const cdcUpdates = updateIds.map((index) => {
      const before = this.currentCustomer(index);
      const at = timeIn(r, before.updatedSec, ANCHOR_SEC);
      return {
        before,
        after: world.changeCustomer(r, before, chooseKinds(r, CDC_CHANGE_KINDS, false), 1, at),
      };
    });
    const cdcDeletes = deleteIds.map((index) => {
      const before = this.currentCustomer(index);
      return { before, changeSec: timeIn(r, before.updatedSec, ANCHOR_SEC) };
    });
    this.applyCustomers(1, [], cdcUpdates, cdcDeletes);
    return {
      batch: 1,
      csvUpdates: [],
      cdcUpdates: byCustomer(cdcUpdates),
      cdcDeletes: cdcDeletes.sort((a, b) => a.before.index - b.before.index),
      newCustomers: [],
      priceChanges: [],
      statusChanges: [],
      prices: this.prices.slice(),
    };
  }

  private laterBatch(batch: number): BatchChanges {
    const { world } = this;
    const { sizes } = world;
    const r = new Rng(streamKey(world.seed, 'changes', batch));
    const window = batchWindow(batch);

    // Customers: each picked at most once per batch, never one deleted earlier.
    const taken = new Set<number>();
    const pool = world.customersThrough(batch - 1);
    const alive = (index: number): boolean => !world.deletedAt.has(index);
    const csvIds = pickDistinct(r, sizes.csvUpdates, pool, taken, alive);
    const cdcIds = pickDistinct(r, sizes.cdcUpdates, pool, taken, alive);
    const deleteIds = pickDistinct(r, sizes.cdcDeletes, pool, taken, alive);
    const change = (index: number, kinds: readonly CustomerChangeKind[], optIn: boolean): CustomerUpdate => {
      const before = this.currentCustomer(index);
      const at = timeIn(r, window.from, window.to);
      return { before, after: world.changeCustomer(r, before, chooseKinds(r, kinds, optIn), batch, at) };
    };
    const csvUpdates = csvIds.map((index) => change(index, CSV_CHANGE_KINDS, true));
    const cdcUpdates = cdcIds.map((index) => change(index, CDC_CHANGE_KINDS, false));
    const cdcDeletes = deleteIds.map((index) => ({
      before: this.currentCustomer(index),
      changeSec: timeIn(r, window.from, window.to),
    }));
    const newCustomers: Customer[] = [];
    for (let index = pool; index < world.customersThrough(batch); index++)
      newCustomers.push(world.customerAt(index));
    this.applyCustomers(batch, csvUpdates, cdcUpdates, cdcDeletes);

    // Products: a new unit_price for ~1%; this batch's new orders still use the old list.
    const prices = this.prices.slice();
    const productIds = pickDistinct(r, sizes.priceUpdates, sizes.products, new Set<number>(), () => true);
    const priceChanges = productIds.map((index) => {
      const current = this.currentProduct(index);
      const factor = 0.8 + r.next() * 0.45;
      let whole = Math.max(1, Math.round((current.priceCents / 100) * factor));
      if (whole * 100 - 1 === current.priceCents) whole += 1;
      const next: Product = {
        ...current,
        priceCents: whole * 100 - 1,
        updatedSec: timeIn(r, window.from, window.to),
      };
      this.products.set(index, next);
      this.prices[index] = next.priceCents;
      return next;
    });

    // Orders: the next status for ~0.5% of existing orders, half of them from yesterday's new orders.
    const orderPool = world.ordersThrough(batch - 1);
    const recentFrom = batch >= 3 ? world.ordersThrough(batch - 2) : orderPool;
    const statusChanges: Order[] = [];
    const takenOrders = new Set<number>();
    for (
      let attempt = 0;
      statusChanges.length < sizes.statusUpdates && attempt < sizes.statusUpdates * 20;
      attempt++
    ) {
      const index =
        recentFrom < orderPool && r.chance(0.5)
          ? recentFrom + r.int(orderPool - recentFrom)
          : r.int(orderPool);
      if (takenOrders.has(index)) continue;
      const current = this.currentOrder(index);
      const status = nextStatus(r, current.status);
      if (status === null) continue;
      takenOrders.add(index);
      const next: Order = { ...current, status, updatedSec: timeIn(r, window.from, window.to) };
      this.orders.set(index, next);
      statusChanges.push(next);
    }

    return {
      batch,
      csvUpdates: byCustomer(csvUpdates),
      cdcUpdates: byCustomer(cdcUpdates),
      cdcDeletes: cdcDeletes.sort((a, b) => a.before.index - b.before.index),
      newCustomers,
      priceChanges: priceChanges.sort((a, b) => a.index - b.index),
      statusChanges: statusChanges.sort((a, b) => a.index - b.index),
      prices,
    };
  }

  private applyCustomers(
    batch: number,
    csvUpdates: readonly CustomerUpdate[],
    cdcUpdates: readonly CustomerUpdate[],
    cdcDeletes: readonly CustomerDelete[],
  ): void {
    for (const u of [...csvUpdates, ...cdcUpdates]) this.customers.set(u.after.index, u.after);
    for (const d of cdcDeletes) this.world.deletedAt.set(d.before.index, batch);
  }
}

/** Up to `count` distinct indices in [0, pool) passing `eligible`, in draw order. */
function pickDistinct(
  r: Rng,
  count: number,
  pool: number,
  taken: Set<number>,
  eligible: (index: number) => boolean,
): number[] {
  const picked: number[] = [];
  for (let attempt = 0; picked.length < count && attempt < count * 20 + 50; attempt++) {
    const index = r.int(pool);
    if (taken.has(index) || !eligible(index)) continue;
    taken.add(index);
    picked.push(index);
  }
  return picked;
}

/** One or two distinct change kinds, plus sometimes a marketing opt-in flip. */
function chooseKinds(r: Rng, kinds: readonly CustomerChangeKind[], optIn: boolean): CustomerChangeKind[] {
  const first = r.int(kinds.length);
  const chosen = [kinds[first]];
  if (r.chance(0.3)) chosen.push(kinds[(first + 1 + r.int(kinds.length - 1)) % kinds.length]);
  if (optIn && r.chance(0.3)) chosen.push('marketing_opt_in');
  return chosen;
}

function nextStatus(r: Rng, status: Order['status']): Order['status'] | null {
  switch (status) {
    case 'placed':
      return r.chance(0.8) ? 'shipped' : 'cancelled';
    case 'shipped':
      return 'delivered';
    case 'delivered':
      return 'returned';
    default:
      return null;
  }
}

function byCustomer(updates: CustomerUpdate[]): CustomerUpdate[] {
  return updates.sort((a, b) => a.after.index - b.after.index);
}
