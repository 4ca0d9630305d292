import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * SPEC §4–§5 computed in plain TypeScript straight from the landing files — no SQL, no DuckDB —
 * so the gold tables can be checked against an independent implementation. Money is exact:
 * integers of 1/10000 (BigInt), rounded half away from zero where SPEC says so.
 */

type Text = string | null;

const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Fields of one CSV line (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

interface Loaded<T> {
  row: T;
  batch: number;
  line: number;
}

function batchOf(file: string): number {
  const match = /-(\d+)$/.exec(file.split('.')[0]);
  return match ? Number(match[1]) : 1;
}

function landingFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort((a, b) => batchOf(a) - batchOf(b) || a.localeCompare(b));
}

function readCsv(dir: string, pattern: RegExp): Array<Loaded<Record<string, Text>>> {
  const rows: Array<Loaded<Record<string, Text>>> = [];
  for (const file of landingFiles(dir, pattern)) {
    const lines = readFileSync(join(dir, file), 'utf8').split(/\r?\n/);
    const header = csvFields(lines[0]);
    lines.slice(1).forEach((text, i) => {
      if (text === '') return;
      const values = csvFields(text);
      const row: Record<string, Text> = {};
      header.forEach((name, j) => {
        const value = (values[j] ?? '').trim();
        row[name] = value === '' ? null : value;
      });
      rows.push({ row, batch: batchOf(file), line: i + 2 });
    });
  }
  return rows;
}

function readJsonLines(dir: string, pattern: RegExp): Array<Loaded<Record<string, unknown>>> {
  const rows: Array<Loaded<Record<string, unknown>>> = [];
  for (const file of landingFiles(dir, pattern)) {
    readFileSync(join(dir, file), 'utf8')
      .split(/\r?\n/)
      .forEach((text, i) => {
        if (text.trim() !== '')
          rows.push({ row: JSON.parse(text) as Record<string, unknown>, batch: batchOf(file), line: i + 1 });
      });
  }
  return rows;
}

/** "12.5" → 125000n (1/10000 units). */
export function money(text: Text): bigint {
  if (text === null) return 0n;
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const units = BigInt(whole) * 10000n + BigInt((fraction + '0000').slice(0, 4));
  return negative ? -units : units;
}

/** Exact division rounded half away from zero. */
function divRound(numerator: bigint, denominator: bigint): bigint {
  const sign = numerator < 0n ? -1n : 1n;
  const n = numerator < 0n ? -numerator : numerator;
  return sign * ((2n * n + denominator) / (2n * denominator));
}

/** Units of 1/10000 → a number with 2 decimals (half away from zero). */
const cents = (units: bigint): number => Number(divRound(units, 100n)) / 100;

/** Later wins: greater watermark, then later batch, then later line. */
function latest<T>(
  rows: Array<Loaded<T>>,
  key: (row: T) => string,
  watermark: (row: T) => number | null,
): Map<string, T> {
  const best = new Map<string, Loaded<T>>();
  for (const entry of rows) {
    const k = key(entry.row);
    const current = best.get(k);
    const w = watermark(entry.row) ?? -Infinity;
    const cw = current ? (watermark(current.row) ?? -Infinity) : -Infinity;
    if (
      !current ||
      w > cw ||
      (w === cw &&
        (entry.batch > current.batch || (entry.batch === current.batch && entry.line > current.line)))
    ) {
      best.set(k, entry);
    }
  }
  return new Map([...best].map(([k, v]) => [k, v.row]));
}

const CUSTOMER_FIELDS = [
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

export interface Customer360 {
  customer_id: string;
  email: Text;
  phone: Text;
  first_name: Text;
  last_name: Text;
  birth_date: Text;
  street: Text;
  city: Text;
  state: Text;
  postal_code: Text;
  country: Text;
  signup_at: Text;
  marketing_opt_in: boolean | null;
  orders_count: number;
  lifetime_value: number;
  avg_order_value: number | null;
  first_order_at: Text;
  last_order_at: Text;
  recency_days: number | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  segment: string;
  favorite_category: Text;
  events_30d: number;
  last_seen_at: Text;
}

export interface SpecGold {
  customer_360: Customer360[];
  product_performance: Array<Record<string, string | number | null>>;
  orders_daily: Array<Record<string, string | number>>;
  segment_summary: Array<Record<string, string | number | null>>;
  dim_date: { first: string; last: string; days: number };
  fact_orders: Array<{ order_id: string; order_amount: number; is_counted: boolean; line_count: number }>;
  fact_events: number;
}

function normalizeTimestamp(text: Text): Text {
  return text === null ? null : iso(Date.parse(text));
}

/** The current profile of every customer that exists (CSV rows and Debezium envelopes, SPEC §4). */
function currentCustomers(landing: string): Map<string, Record<string, Text>> {
  interface Change {
    customerId: string;
    ts: number;
    rank: number;
    sequence: number[];
    image: Record<string, Text> | null;
  }
  const changes: Change[] = [];
  for (const { row, batch, line } of readCsv(landing, /^customers(-\d+)?\.csv$/)) {
    changes.push({
      customerId: String(row.customer_id),
      ts: Date.parse(String(row.updated_at)),
      rank: 0,
      sequence: [batch, line],
      image: row,
    });
  }
  for (const { row } of readJsonLines(landing, /^customers(-\d+)?\.debezium\.ndjson$/)) {
    const after = row.after as Record<string, unknown> | null;
    const before = row.before as Record<string, unknown> | null;
    const image =
      row.op === 'd' || !after
        ? null
        : Object.fromEntries(
            Object.entries(after).map(([k, v]) => [k, v === null || v === '' ? null : String(v).trim()]),
          );
    changes.push({
      customerId: String((after ?? before)?.customer_id),
      ts: Number(row.ts_ms),
      rank: 1,
      sequence: [Number((row.source as Record<string, unknown>).lsn)],
      image,
    });
  }
  changes.sort((a, b) => {
    if (a.ts !== b.ts) return a.ts - b.ts;
    if (a.rank !== b.rank) return a.rank - b.rank;
    for (let i = 0; i < Math.max(a.sequence.length, b.sequence.length); i++) {
      if ((a.sequence[i] ?? 0) !== (b.sequence[i] ?? 0)) return (a.sequence[i] ?? 0) - (b.sequence[i] ?? 0);
    }
    return 0;
  });
  const last = new Map<string, Change>();
  for (const change of changes) last.set(change.customerId, change);
  const current = new Map<string, Record<string, Text>>();
  for (const [id, change] of last) {
    if (!change.image) continue;
    const profile: Record<string, Text> = {};
    for (const field of CUSTOMER_FIELDS) profile[field] = change.image[field] ?? null;
    profile.email = profile.email?.toLowerCase() ?? null;
    profile.country = profile.country?.toUpperCase() ?? null;
    profile.signup_at = normalizeTimestamp(profile.signup_at);
    current.set(id, profile);
  }
  return current;
}

interface SegmentRule {
  name: string;
  test: (scores: Record<'r' | 'f' | 'm', number>) => boolean;
}

function segmentRules(configDir: string): { rules: SegmentRule[]; prospects: string } {
  const raw = parse(readFileSync(join(configDir, 'gold', 'segments.yaml'), 'utf8')) as {
    prospects: string;
    segments: Array<{ name: string; when: string }>;
  };
  const rules = raw.segments.map(({ name, when }) => {
    const terms = when.trim() === 'true' ? [] : when.split(/\s+and\s+/);
    return {
      name,
      test: (scores: Record<'r' | 'f' | 'm', number>) =>
        terms.every((term) => {
          const [, score, op, value] = /^(r|f|m)\s*(>=|<=|=|>|<)\s*(\d)$/.exec(term.trim()) ?? [];
          const s = scores[score as 'r' | 'f' | 'm'];
          const v = Number(value);
          return op === '>='
            ? s >= v
            : op === '<='
              ? s <= v
              : op === '>'
                ? s > v
                : op === '<'
                  ? s < v
                  : s === v;
        }),
    };
  });
  return { rules, prospects: raw.prospects };
}

/** SQL NTILE(5) over rows already in order: the first n mod 5 buckets hold one more row. */
function ntile(count: number, position: number): number {
  const base = Math.floor(count / 5);
  const extra = count % 5;
  let start = 0;
  for (let bucket = 1; bucket <= 5; bucket++) {
    const size = base + (bucket <= extra ? 1 : 0);
    if (position < start + size) return bucket;
    start += size;
  }
  return 5;
}

export function specGold(landing: string, configDir: string, asOfIso: string): SpecGold {
  const asOf = Date.parse(asOfIso);
  const customers = currentCustomers(landing);
  const products = latest(
    readCsv(landing, /^products(-\d+)?\.csv$/),
    (r) => String(r.product_id),
    (r) => Date.parse(String(r.updated_at)),
  );
  const orders = latest(
    readCsv(landing, /^orders(-\d+)?\.csv$/),
    (r) => String(r.order_id),
    (r) => Date.parse(String(r.updated_at ?? r.order_ts)),
  );
  const items = latest(
    readCsv(landing, /^order_items(-\d+)?\.csv$/),
    (r) => `${r.order_id}|${r.line_no}`,
    () => null,
  );
  const events = latest(
    readJsonLines(landing, /^events(-\d+)?\.ndjson$/),
    (r) => String(r.event_id),
    (r) => Date.parse(String(r.event_ts)),
  );

  // orders: amount = sum of their lines in silver (0 when none)
  const lineAmount = (r: Record<string, Text>): bigint =>
    BigInt(String(r.quantity)) * money(r.unit_price) - money(r.discount);
  const amounts = new Map<string, bigint>();
  const lineCounts = new Map<string, number>();
  for (const line of items.values()) {
    const id = String(line.order_id);
    if (!orders.has(id)) continue;
    amounts.set(id, (amounts.get(id) ?? 0n) + lineAmount(line));
    lineCounts.set(id, (lineCounts.get(id) ?? 0) + 1);
  }
  const isCounted = (o: Record<string, Text>): boolean =>
    !['cancelled', 'returned'].includes(String(o.status).toLowerCase());
  const counted = [...orders.values()].filter((o) => isCounted(o) && Date.parse(String(o.order_ts)) <= asOf);
  const countedIds = new Set(counted.map((o) => String(o.order_id)));

  // per customer
  interface Metrics {
    orders: number;
    ltv: bigint;
    first: number;
    last: number;
    categories: Map<string, bigint>;
    events30: number;
    lastSeen: number;
  }
  const metrics = new Map<string, Metrics>();
  const of = (id: string): Metrics => {
    let m = metrics.get(id);
    if (!m) {
      m = {
        orders: 0,
        ltv: 0n,
        first: Infinity,
        last: -Infinity,
        categories: new Map(),
        events30: 0,
        lastSeen: -Infinity,
      };
      metrics.set(id, m);
    }
    return m;
  };
  for (const order of counted) {
    const m = of(String(order.customer_id));
    const ts = Date.parse(String(order.order_ts));
    m.orders++;
    m.ltv += amounts.get(String(order.order_id)) ?? 0n;
    m.first = Math.min(m.first, ts);
    m.last = Math.max(m.last, ts);
  }
  for (const line of items.values()) {
    const order = orders.get(String(line.order_id));
    if (!order || !countedIds.has(String(line.order_id))) continue;
    const category = products.get(String(line.product_id))?.category;
    if (!category) continue;
    const m = of(String(order.customer_id));
    m.categories.set(category, (m.categories.get(category) ?? 0n) + lineAmount(line));
  }
  for (const event of events.values()) {
    const ts = Date.parse(String(event.event_ts));
    if (ts > asOf) continue;
    const m = of(String(event.customer_id));
    if (ts > asOf - 720 * 3_600_000) m.events30++;
    m.lastSeen = Math.max(m.lastSeen, ts);
  }

  const rows: Customer360[] = [...customers.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([customerId, profile]) => {
      const m = metrics.get(customerId);
      const has = (m?.orders ?? 0) > 0;
      let favorite: string | null = null;
      if (m && has) {
        for (const [category, amount] of m.categories) {
          const best = favorite === null ? null : (m.categories.get(favorite) as bigint);
          if (best === null || amount > best || (amount === best && category < (favorite as string)))
            favorite = category;
        }
      }
      return {
        customer_id: customerId,
        email: profile.email,
        phone: profile.phone,
        first_name: profile.first_name,
        last_name: profile.last_name,
        birth_date: profile.birth_date,
        street: profile.street,
        city: profile.city,
        state: profile.state,
        postal_code: profile.postal_code,
        country: profile.country,
        signup_at: profile.signup_at,
        marketing_opt_in: profile.marketing_opt_in === null ? null : profile.marketing_opt_in === 'true',
        orders_count: m?.orders ?? 0,
        lifetime_value: cents(m?.ltv ?? 0n),
        avg_order_value: has && m ? Number(divRound(m.ltv, 100n * BigInt(m.orders))) / 100 : null,
        first_order_at: has && m ? iso(m.first) : null,
        last_order_at: has && m ? iso(m.last) : null,
        recency_days: has && m ? Math.floor((asOf - m.last) / DAY_MS) : null,
        r_score: null,
        f_score: null,
        m_score: null,
        segment: '',
        favorite_category: favorite,
        events_30d: m?.events30 ?? 0,
        last_seen_at: m && m.lastSeen > -Infinity ? iso(m.lastSeen) : null,
      };
    });

  // RFM: NTILE(5) over customers with a counted order, ties by customer_id ascending
  const ranked = rows.filter((r) => r.orders_count > 0);
  const ltvExact = (r: Customer360): bigint => metrics.get(r.customer_id)?.ltv ?? 0n;
  const byId = (a: Customer360, b: Customer360): number => (a.customer_id < b.customer_id ? -1 : 1);
  const assign = (sorted: Customer360[], key: 'r_score' | 'f_score' | 'm_score'): void =>
    sorted.forEach((row, i) => (row[key] = ntile(sorted.length, i)));
  assign(
    [...ranked].sort((a, b) => (b.recency_days as number) - (a.recency_days as number) || byId(a, b)),
    'r_score',
  );
  assign(
    [...ranked].sort((a, b) => a.orders_count - b.orders_count || byId(a, b)),
    'f_score',
  );
  assign(
    [...ranked].sort((a, b) => (ltvExact(a) < ltvExact(b) ? -1 : ltvExact(a) > ltvExact(b) ? 1 : byId(a, b))),
    'm_score',
  );
  const { rules, prospects } = segmentRules(configDir);
  for (const row of rows) {
    row.segment =
      row.orders_count === 0
        ? prospects
        : (rules.find((rule) =>
            rule.test({ r: row.r_score as number, f: row.f_score as number, m: row.m_score as number }),
          )?.name ?? '');
  }

  // product_performance over counted lines up to as_of; rank by exact revenue
  const sales = new Map<
    string,
    { units: number; revenue: bigint; orders: Set<string>; customers: Set<string> }
  >();
  for (const line of items.values()) {
    const order = orders.get(String(line.order_id));
    if (!order || !countedIds.has(String(line.order_id))) continue;
    const s = sales.get(String(line.product_id)) ?? {
      units: 0,
      revenue: 0n,
      orders: new Set(),
      customers: new Set(),
    };
    s.units += Number(line.quantity);
    s.revenue += lineAmount(line);
    s.orders.add(String(line.order_id));
    s.customers.add(String(order.customer_id));
    sales.set(String(line.product_id), s);
  }
  const productRows = [...products.values()].map((p) => {
    const s = sales.get(String(p.product_id));
    return { product: p, revenue: s?.revenue ?? 0n, s };
  });
  const product_performance = productRows
    .map(({ product, revenue, s }) => ({
      product_id: String(product.product_id),
      name: product.name,
      category: product.category,
      brand: product.brand,
      unit_price: cents(money(product.unit_price)),
      units: s?.units ?? 0,
      revenue: cents(revenue),
      orders: s?.orders.size ?? 0,
      customers: s?.customers.size ?? 0,
      revenue_rank: 1 + productRows.filter((other) => other.revenue > revenue).length,
    }))
    .sort((a, b) => (a.product_id < b.product_id ? -1 : 1));

  // orders_daily: UTC day of counted orders up to as_of
  const firstDay = new Map<string, string>();
  for (const order of counted) {
    const day = String(order.order_ts).slice(0, 10);
    const id = String(order.customer_id);
    if (!firstDay.has(id) || day < (firstDay.get(id) as string)) firstDay.set(id, day);
  }
  const days = new Map<
    string,
    { orders: number; revenue: bigint; customers: Set<string>; fresh: Set<string> }
  >();
  for (const order of counted) {
    const day = new Date(Date.parse(String(order.order_ts))).toISOString().slice(0, 10);
    const d = days.get(day) ?? { orders: 0, revenue: 0n, customers: new Set(), fresh: new Set() };
    d.orders++;
    d.revenue += amounts.get(String(order.order_id)) ?? 0n;
    d.customers.add(String(order.customer_id));
    if (firstDay.get(String(order.customer_id)) === day) d.fresh.add(String(order.customer_id));
    days.set(day, d);
  }
  const orders_daily = [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, d]) => ({
      date,
      orders: d.orders,
      revenue: cents(d.revenue),
      customers: d.customers.size,
      new_customers: d.fresh.size,
      aov: Number(divRound(d.revenue, 100n * BigInt(d.orders))) / 100,
    }));

  // segment_summary: every configured segment, zero rows included
  const names = [...rules.map((r) => r.name), prospects];
  const segment_summary = names.map((segment, i) => {
    const members = rows.filter((r) => r.segment === segment);
    const total = members.reduce((sum, r) => sum + BigInt(Math.round(r.lifetime_value * 100)) * 100n, 0n);
    const recencies = members.filter((r) => r.recency_days !== null).map((r) => r.recency_days as number);
    // mirrors SQL: avg() is a double, round(x, 1) and the share's round(x, 4) work on doubles
    const avgRecency = recencies.length ? recencies.reduce((a, b) => a + b, 0) / recencies.length : null;
    return {
      segment,
      position: i + 1,
      customers: members.length,
      share: rows.length ? Math.round((members.length / rows.length) * 10000) / 10000 : null,
      total_lifetime_value: cents(total),
      avg_lifetime_value: members.length
        ? Number(divRound(total, 100n * BigInt(members.length))) / 100
        : null,
      avg_recency_days: avgRecency === null ? null : Math.round(avgRecency * 10) / 10,
    };
  });

  const allTimes = [
    ...[...orders.values()].map((o) => Date.parse(String(o.order_ts))),
    ...[...events.values()].map((e) => Date.parse(String(e.event_ts))),
  ];
  const first = new Date(Math.min(asOf, ...allTimes)).toISOString().slice(0, 10);
  const last = new Date(asOf).toISOString().slice(0, 10);

  return {
    customer_360: rows,
    product_performance,
    orders_daily,
    segment_summary,
    dim_date: { first, last, days: Math.round((Date.parse(last) - Date.parse(first)) / DAY_MS) + 1 },
    fact_orders: [...orders.values()]
      .map((o) => ({
        order_id: String(o.order_id),
        order_amount: Number(amounts.get(String(o.order_id)) ?? 0n) / 10000,
        is_counted: isCounted(o),
        line_count: lineCounts.get(String(o.order_id)) ?? 0,
      }))
      .sort((a, b) => (a.order_id < b.order_id ? -1 : 1)),
    fact_events: events.size,
  };
}
