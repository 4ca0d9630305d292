import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateSources,
  GenerateOptionsError,
  GenerateStateError,
  type GenerateOptions,
  type GenerateSummary,
} from './generator';

// ---- helpers: an independent reading of the SPEC §4 contracts -------------------------------

const roots: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'c360-generate-'));
  roots.push(dir);
  return dir;
}
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function generate(outDir: string, overrides: Partial<GenerateOptions> = {}): Promise<GenerateSummary> {
  return generateSources({ outDir, scale: 0.002, seed: 7, changes: false, dirty: 0, ...overrides });
}

/** Physical lines of a file (no file has embedded newlines); lines[0] is line 1. */
function physicalLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`unterminated quote: ${line}`);
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      if (i >= line.length) return fields;
      if (line[i] !== ',') throw new Error(`garbage after quoted field: ${line}`);
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

type Row = Record<string, string>;
function readCsv(path: string): { header: string[]; rows: Row[] } {
  const [head, ...body] = physicalLines(path);
  const header = head.split(',');
  const rows = body.map((line) => {
    const fields = parseCsvLine(line);
    expect(fields).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, fields[i]]));
  });
  return { header, rows };
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
function isDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
function isTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  return isDate(+m[1], +m[2], +m[3]) && +m[4] < 24 && +m[5] < 60 && +m[6] < 60;
}
function isBirthDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m !== null && isDate(+m[1], +m[2], +m[3]);
}
const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const STATUSES = ['placed', 'shipped', 'delivered', 'cancelled', 'returned'];

/** Every contract violation of one row (a clean row has none, a bad row exactly one). */
function violations(entity: string, row: Record<string, string | null | undefined>): string[] {
  const out: string[] = [];
  const value = (column: string): string => (row[column] ?? '').trim();
  const required = (...columns: string[]): void =>
    columns.forEach((c) => value(c) === '' && out.push(`required:${c}`));
  const check = (column: string, ok: (v: string) => boolean, kind: string): void => {
    const v = value(column);
    if (v !== '' && !ok(v)) out.push(`${kind}:${column}`);
  };
  const number = (column: string, min: number, integer: boolean): void => {
    const v = value(column);
    if (v === '') return;
    if (!(integer ? INTEGER : DECIMAL).test(v)) out.push(`type:${column}`);
    else if (Number(v) < min) out.push(`min:${column}`);
  };
  switch (entity) {
    case 'customers':
      required('customer_id', 'email', 'country', 'updated_at');
      check('email', (v) => EMAIL.test(v.toLowerCase()), 'pattern');
      check('country', (v) => /^[A-Z]{2}$/.test(v.toUpperCase()), 'pattern');
      check('birth_date', isBirthDate, 'type');
      check('signup_at', isTimestamp, 'type');
      check('marketing_opt_in', (v) => v === 'true' || v === 'false', 'type');
      check('updated_at', isTimestamp, 'type');
      break;
    case 'products':
      required('product_id', 'updated_at');
      number('unit_price', 0, false);
      check('updated_at', isTimestamp, 'type');
      break;
    case 'orders':
      required('order_id', 'customer_id', 'order_ts');
      check('order_ts', isTimestamp, 'type');
      if (value('status') !== '' && !STATUSES.includes(value('status').toLowerCase()))
        out.push('enum:status');
      check('updated_at', isTimestamp, 'type');
      break;
    case 'order_items':
      required('order_id', 'line_no', 'product_id', 'quantity', 'unit_price');
      number('line_no', 1, true);
      number('quantity', 1, true);
      number('unit_price', 0, false);
      number('discount', 0, false);
      break;
    case 'events':
      required('event_id', 'customer_id', 'event_ts');
      check('event_ts', isTimestamp, 'type');
      break;
    default:
      throw new Error(entity);
  }
  return out;
}

function jsonViolations(entity: 'events' | 'customers_cdc', line: string): string[] {
  if (entity === 'events' && line === '') return ['empty_line'];
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return ['invalid_json'];
  }
  const record = parsed as Record<string, unknown>;
  if (entity === 'events') return violations('events', record as Record<string, string | null>);
  if (!['c', 'u', 'd', 'r'].includes(String(record.op))) return ['envelope:op'];
  if (!Number.isInteger(record.ts_ms)) return ['envelope:ts_ms'];
  if (record.op === 'd') {
    const before = record.before as Record<string, string | null> | null;
    return before && before.customer_id ? [] : ['required:customer_id'];
  }
  return violations('customers', record.after as Record<string, string | null>);
}

/** Checks every data line of a batch against the contract and the manifest's expected quarantine. */
function checkLinesAgainstManifest(dir: string, summary: GenerateSummary): Map<string, Set<string>> {
  const expected = new Map<string, string>();
  for (const e of summary.expectedQuarantine) expected.set(`${e.file}:${e.line}`, e.reason);
  const kindsByFile = new Map<string, Set<string>>();
  // Collected, then asserted once: one expect per line would dominate the run time.
  const mismatches: string[] = [];
  for (const file of summary.files) {
    const lines = physicalLines(join(dir, file.file));
    const csv = file.file.endsWith('.csv');
    const header = csv ? lines[0].split(',') : [];
    expect(lines.length - (csv ? 1 : 0)).toBe(file.rows);
    const kinds = new Set<string>();
    for (let n = csv ? 2 : 1; n <= lines.length; n++) {
      const line = lines[n - 1];
      let found: string[];
      if (file.entity === 'events' || file.entity === 'customers_cdc')
        found = jsonViolations(file.entity, line);
      else {
        const fields = parseCsvLine(line);
        found =
          fields.length === header.length
            ? violations(file.entity, Object.fromEntries(header.map((h, i) => [h, fields[i]])))
            : ['field count'];
      }
      const reason = expected.get(`${file.file}:${n}`);
      if (reason !== undefined) kinds.add(reason);
      const want = reason === undefined ? [] : [reason];
      if (found.join('|') !== want.join('|')) {
        mismatches.push(`${file.file}:${n} expected [${want.join()}] found [${found.join()}]: ${line}`);
      }
    }
    expect(file.badRows).toBe(summary.expectedQuarantine.filter((e) => e.file === file.file).length);
    kindsByFile.set(file.file, kinds);
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
  return kindsByFile;
}

/** A Debezium row image as the CSV row it mirrors (JSON null ↔ empty field). */
function imageRow(image: Record<string, string | null> | null): Row | null {
  if (image === null) return null;
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, v ?? '']));
}

interface Envelope {
  before: Row | null;
  after: Row | null;
  op: string;
  ts_ms: number;
  source: Record<string, string | number>;
}
function readEnvelopes(path: string): Envelope[] {
  return physicalLines(path).map((line) => {
    const e = JSON.parse(line) as Omit<Envelope, 'before' | 'after'> & {
      before: Record<string, string | null> | null;
      after: Record<string, string | null> | null;
    };
    return { ...e, before: imageRow(e.before), after: imageRow(e.after) };
  });
}

function dirBytes(dir: string): Map<string, string> {
  const files = readdirSync(dir).filter((name) => !name.startsWith('_'));
  return new Map(files.map((name) => [name, readFileSync(join(dir, name), 'latin1')]));
}

const ANCHOR = '2025-01-01T00:00:00Z';
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const DAY_MS = 86_400_000;
const windowOf = (batch: number): [string, string] => [
  iso(Date.parse(ANCHOR) + (batch - 2) * DAY_MS),
  iso(Date.parse(ANCHOR) + (batch - 1) * DAY_MS),
];
const inWindow = (ts: string, [from, to]: [string, string]): boolean => ts > from && ts <= to;

// ---- tests -----------------------------------------------------------------------------------

describe('generateSources', () => {
  describe('batch 1 at scale 0.002', () => {
    let dir: string;
    let summary: GenerateSummary;
    beforeAll(async () => {
      dir = freshDir();
      summary = await generate(dir);
    });

    it('writes the six landing files with the contracted headers', () => {
      expect(summary.batch).toBe(1);
      expect(summary.files.map((f) => [f.file, f.entity])).toEqual([
        ['customers.csv', 'customers'],
        ['products.csv', 'products'],
        ['orders.csv', 'orders'],
        ['order_items.csv', 'order_items'],
        ['events.ndjson', 'events'],
        ['customers.debezium.ndjson', 'customers_cdc'],
      ]);
      const header = (file: string): string => physicalLines(join(dir, file))[0];
      expect(header('customers.csv')).toBe(
        'customer_id,email,phone,first_name,last_name,birth_date,street,city,state,postal_code,country,signup_at,marketing_opt_in,updated_at',
      );
      expect(header('products.csv')).toBe('product_id,name,category,brand,unit_price,updated_at');
      expect(header('orders.csv')).toBe('order_id,customer_id,order_ts,status,channel,currency,updated_at');
      expect(header('order_items.csv')).toBe('order_id,line_no,product_id,quantity,unit_price,discount');
      expect(Object.keys(JSON.parse(physicalLines(join(dir, 'events.ndjson'))[0]) as object)).toEqual([
        'event_id',
        'customer_id',
        'event_ts',
        'event_type',
        'session_id',
        'device',
        'product_id',
      ]);
      expect(summary.manifestPath).toBe(join(dir, '_generated', 'batch-0001.json'));
      const manifest = JSON.parse(readFileSync(summary.manifestPath, 'utf8')) as GenerateSummary;
      expect(manifest.options).toEqual({ seed: 7, scale: 0.002, changes: false, dirty: 0, batch: 1 });
      expect({ ...manifest, manifestPath: summary.manifestPath }).toEqual(summary);
    });

    it('has the sizes of scale 0.002 with consistent keys', () => {
      const customers = readCsv(join(dir, 'customers.csv')).rows;
      const products = readCsv(join(dir, 'products.csv')).rows;
      const orders = readCsv(join(dir, 'orders.csv')).rows;
      const items = readCsv(join(dir, 'order_items.csv')).rows;
      const events = physicalLines(join(dir, 'events.ndjson')).map((l) => JSON.parse(l) as Row);
      expect([customers.length, products.length, orders.length, events.length]).toEqual([
        200, 20, 1000, 2000,
      ]);
      expect(items.length).toBeGreaterThan(1700);
      expect(items.length).toBeLessThan(2300);
      expect(summary.files.find((f) => f.file === 'order_items.csv')?.rows).toBe(items.length);
      expect(customers[0].customer_id).toBe('C00000001');
      expect(customers[199].customer_id).toBe('C00000200');
      expect(products[19].product_id).toBe('P000020');
      expect(orders[999].order_id).toBe('O000001000');
      expect(events[1999].event_id).toBe('E0000002000');
      const emails = customers.map((c) => c.email);
      expect(new Set(emails).size).toBe(emails.length);

      // Items: 1–4 lines per order numbered 1..k, known products, product price, discount < gross.
      const orderIds = new Set(orders.map((o) => o.order_id));
      const prices = new Map(products.map((p) => [p.product_id, p.unit_price]));
      const linesPerOrder = new Map<string, number>();
      const badItems = items.filter((item) => {
        const next = (linesPerOrder.get(item.order_id) ?? 0) + 1;
        linesPerOrder.set(item.order_id, next);
        const quantity = Number(item.quantity);
        return !(
          orderIds.has(item.order_id) &&
          prices.get(item.product_id) === item.unit_price &&
          Number(item.line_no) === next &&
          quantity >= 1 &&
          quantity <= 5 &&
          Number(item.discount) < quantity * Number(item.unit_price)
        );
      });
      expect(badItems).toEqual([]);
      expect(linesPerOrder.size).toBe(orders.length);
      expect(Math.max(...linesPerOrder.values())).toBeLessThanOrEqual(4);

      // Orders after the customer's signup, nothing after the anchor; some customers never order.
      const signup = new Map(customers.map((c) => [c.customer_id, c.signup_at]));
      const badOrders = orders.filter(
        (o) =>
          !(
            o.order_ts >= (signup.get(o.customer_id) ?? 'missing') &&
            o.order_ts <= ANCHOR &&
            (o.updated_at === '' || (o.updated_at >= o.order_ts && o.updated_at <= ANCHOR))
          ),
      );
      expect(badOrders).toEqual([]);
      const buyers = new Set(orders.map((o) => o.customer_id));
      expect(buyers.size).toBeLessThan(customers.length);
      expect(customers.filter((c) => !(c.updated_at >= c.signup_at && c.updated_at <= ANCHOR))).toEqual([]);

      // Events: the 400 days before the anchor, product only for product_view / add_to_cart.
      const earliest = iso(Date.parse(ANCHOR) - 400 * DAY_MS);
      const badEvents = events.filter(
        (e) =>
          !(
            e.event_ts > earliest &&
            e.event_ts <= ANCHOR &&
            (e.product_id !== null) === (e.event_type === 'product_view' || e.event_type === 'add_to_cart')
          ),
      );
      expect(badEvents).toEqual([]);
    });

    it('writes only contract-clean rows when dirty is 0', () => {
      expect(summary.expectedQuarantine).toEqual([]);
      checkLinesAgainstManifest(dir, summary);
    });

    it('writes Debezium updates and deletes after the CSV version, lsn increasing', () => {
      const customers = new Map(readCsv(join(dir, 'customers.csv')).rows.map((c) => [c.customer_id, c]));
      const envelopes = readEnvelopes(join(dir, 'customers.debezium.ndjson'));
      let lsn = 0;
      for (const e of envelopes) {
        expect(e.source).toMatchObject({
          connector: 'postgresql',
          db: 'shop',
          schema: 'public',
          table: 'customers',
        });
        expect(Number(e.source.lsn)).toBeGreaterThan(lsn);
        lsn = Number(e.source.lsn);
        const id = e.before?.customer_id ?? '';
        expect(e.before).toEqual(customers.get(id));
        expect(iso(e.ts_ms) > (customers.get(id)?.updated_at ?? '') && iso(e.ts_ms) <= ANCHOR).toBe(true);
        if (e.op === 'u') expect(e.after?.updated_at).toBe(iso(e.ts_ms));
        else expect([e.op, e.after]).toEqual(['d', null]);
      }
      const ids = (op: string): string[] =>
        envelopes
          .filter((e) => e.op === op)
          .map((e) => e.before?.customer_id ?? '')
          .sort();
      expect(summary.changedCustomerIds).toEqual(ids('u'));
      expect(summary.deletedCustomerIds).toEqual(ids('d'));
      expect(ids('u').length + ids('d').length).toBe(envelopes.length);
    });

    it('is deterministic: same options give identical bytes, another seed differs', async () => {
      const same = freshDir();
      const other = freshDir();
      await generate(same);
      await generate(other, { seed: 8 });
      const first = dirBytes(dir);
      expect(dirBytes(same)).toEqual(first);
      for (const [name, bytes] of dirBytes(other)) expect(bytes === first.get(name)).toBe(false);
    });
  });

  describe('--changes', () => {
    type State = Map<string, Row>;
    const TRACKED = (row: Row): string => JSON.stringify({ ...row, updated_at: undefined });

    function applyBatch(dir: string, summary: GenerateSummary, state: State, everyKind = true): void {
      const n = summary.batch;
      const window = windowOf(n);
      const suffix = `-${String(n).padStart(4, '0')}`;
      const changed = new Set<string>();
      const deleted = new Set<string>();
      const created = new Set<string>();
      for (const row of readCsv(join(dir, `customers${suffix}.csv`)).rows) {
        expect(inWindow(row.updated_at, window)).toBe(true);
        const before = state.get(row.customer_id);
        if (before === undefined) {
          expect(inWindow(row.signup_at, window)).toBe(true);
          created.add(row.customer_id);
        } else {
          expect(row.signup_at).toBe(before.signup_at);
          expect(TRACKED(row)).not.toBe(TRACKED(before));
          changed.add(row.customer_id);
        }
        state.set(row.customer_id, row);
      }
      let lsn = n * 1e9;
      for (const e of readEnvelopes(join(dir, `customers${suffix}.debezium.ndjson`))) {
        expect(inWindow(iso(e.ts_ms), window)).toBe(true);
        expect(Number(e.source.lsn)).toBeGreaterThan(lsn);
        lsn = Number(e.source.lsn);
        const before = e.before ?? {};
        const id = before.customer_id;
        // The replayed state must be exactly what earlier batches left behind.
        expect(before).toEqual(state.get(id));
        if (e.op === 'd') {
          expect(e.after).toBeNull();
          deleted.add(id);
          state.delete(id);
        } else {
          const after = e.after ?? {};
          expect([e.op, after.customer_id, after.updated_at]).toEqual(['u', id, iso(e.ts_ms)]);
          expect(TRACKED(after)).not.toBe(TRACKED(before));
          expect(after.signup_at).toBe(before.signup_at);
          changed.add(id);
          state.set(id, after);
        }
      }
      expect(summary.changedCustomerIds).toEqual([...changed].sort());
      expect(summary.deletedCustomerIds).toEqual([...deleted].sort());
      expect(summary.newCustomerIds).toEqual([...created].sort());
      if (everyKind) expect([created.size, changed.size, deleted.size].every((size) => size > 0)).toBe(true);
    }

    function initialState(dir: string): State {
      const state: State = new Map(readCsv(join(dir, 'customers.csv')).rows.map((c) => [c.customer_id, c]));
      for (const e of readEnvelopes(join(dir, 'customers.debezium.ndjson'))) {
        if (e.after) state.set(e.after.customer_id, e.after);
        else state.delete(e.before?.customer_id ?? '');
      }
      return state;
    }

    it('writes batch 2 and 3 as new files with later timestamps, changing only listed customers', async () => {
      const dir = freshDir();
      await generate(dir);
      const state = initialState(dir);
      const ordersBefore = new Map(readCsv(join(dir, 'orders.csv')).rows.map((o) => [o.order_id, o]));
      const batch1 = dirBytes(dir);

      const second = await generate(dir, { changes: true });
      expect(second.batch).toBe(2);
      expect(second.files.map((f) => f.file)).toEqual([
        'customers-0002.csv',
        'products-0002.csv',
        'orders-0002.csv',
        'order_items-0002.csv',
        'events-0002.ndjson',
        'customers-0002.debezium.ndjson',
      ]);
      for (const [name, bytes] of batch1)
        expect(readFileSync(join(dir, name), 'latin1') === bytes).toBe(true);
      for (const file of second.files) expect(file.rows).toBeGreaterThan(0);
      applyBatch(dir, second, state);
      checkLinesAgainstManifest(dir, second);

      const window = windowOf(2);
      const newOrderIds = new Set<string>();
      for (const o of readCsv(join(dir, 'orders-0002.csv')).rows) {
        if (o.updated_at !== '') expect(inWindow(o.updated_at, window)).toBe(true);
        const before = ordersBefore.get(o.order_id);
        if (before) {
          expect([o.customer_id, o.order_ts]).toEqual([before.customer_id, before.order_ts]);
          expect(o.status).not.toBe(before.status);
          expect(second.changedOrderIds).toContain(o.order_id);
        } else {
          expect(inWindow(o.order_ts, window)).toBe(true);
          const customer = state.get(o.customer_id);
          expect(customer).toBeDefined();
          expect(o.order_ts > (customer?.signup_at ?? '')).toBe(true);
          newOrderIds.add(o.order_id);
        }
      }
      expect(newOrderIds.size).toBe(second.newOrders);
      for (const item of readCsv(join(dir, 'order_items-0002.csv')).rows)
        expect(newOrderIds.has(item.order_id)).toBe(true);
      for (const p of readCsv(join(dir, 'products-0002.csv')).rows)
        expect(inWindow(p.updated_at, window)).toBe(true);
      for (const line of physicalLines(join(dir, 'events-0002.ndjson'))) {
        expect(inWindow((JSON.parse(line) as Row).event_ts, window)).toBe(true);
      }

      const third = await generate(dir, { changes: true });
      expect(third.batch).toBe(3);
      applyBatch(dir, third, state);
      expect(third.population.activeCustomers).toBe(state.size);

      // Batch n is a pure function of (seed, scale, n): the same bytes in another directory.
      const again = freshDir();
      await generate(again);
      await generate(again, { changes: true });
      await generate(again, { changes: true });
      expect(dirBytes(again)).toEqual(dirBytes(dir));
    });

    it('replays earlier batches exactly when the same customers change again and again', async () => {
      // 5 customers: every batch touches most of them, so a replay mistake shows in a `before` image.
      const dir = freshDir();
      const options = { scale: 0.00005, seed: 11 };
      await generate(dir, options);
      const state = initialState(dir);
      for (let batch = 2; batch <= 8; batch++) {
        const summary = await generate(dir, { ...options, changes: true });
        expect(summary.batch).toBe(batch);
        applyBatch(dir, summary, state, false);
        expect(summary.population.activeCustomers).toBe(state.size);
        const suffix = `-${String(batch).padStart(4, '0')}`;
        const orders = readCsv(join(dir, `orders${suffix}.csv`)).rows;
        const newOrders = orders.filter((o) => !summary.changedOrderIds.includes(o.order_id));
        expect(newOrders.filter((o) => !state.has(o.customer_id))).toEqual([]);
      }
    });

    it('refuses --changes without batch 1 or with another seed', async () => {
      const dir = freshDir();
      await expect(generate(dir, { changes: true })).rejects.toThrow(GenerateStateError);
      await generate(dir);
      await expect(generate(dir, { changes: true, seed: 99 })).rejects.toThrow(GenerateStateError);
    });
  });

  describe('--dirty', () => {
    it('injects every fault kind at 0.05, each at a manifest line holding exactly that fault', async () => {
      const dir = freshDir();
      const summary = await generateSources({
        outDir: dir,
        scale: 0.1,
        seed: 3,
        changes: false,
        dirty: 0.05,
      });
      const kinds = checkLinesAgainstManifest(dir, summary);
      const sorted = (file: string): string[] => [...(kinds.get(file) ?? [])].sort();
      expect(sorted('customers.csv')).toEqual(
        [
          'required:customer_id',
          'required:email',
          'required:country',
          'required:updated_at',
          'pattern:email',
          'pattern:country',
          'type:signup_at',
          'type:updated_at',
          'type:birth_date',
          'type:marketing_opt_in',
        ].sort(),
      );
      expect(sorted('products.csv')).toEqual(
        ['required:product_id', 'required:updated_at', 'type:unit_price', 'min:unit_price'].sort(),
      );
      expect(sorted('orders.csv')).toEqual(
        [
          'required:order_id',
          'required:customer_id',
          'required:order_ts',
          'type:order_ts',
          'enum:status',
        ].sort(),
      );
      expect(sorted('order_items.csv')).toEqual(
        [
          'required:order_id',
          'required:line_no',
          'required:product_id',
          'required:quantity',
          'required:unit_price',
          'type:line_no',
          'type:quantity',
          'min:quantity',
          'min:unit_price',
          'min:discount',
        ].sort(),
      );
      expect(sorted('events.ndjson')).toEqual(
        [
          'required:event_id',
          'required:customer_id',
          'required:event_ts',
          'type:event_ts',
          'invalid_json',
          'empty_line',
        ].sort(),
      );
      expect(sorted('customers.debezium.ndjson')).toEqual(['envelope:op', 'envelope:ts_ms', 'invalid_json']);
      for (const file of summary.files) expect(file.badRows).toBe(Math.round(0.05 * file.cleanRows));
    });

    it('keeps the clean rows intact and adds only duplicates, normalisable copies and unknown customers', async () => {
      const clean = freshDir();
      const dirty = freshDir();
      await generate(clean, { scale: 0.02 });
      const summary = await generate(dirty, { scale: 0.02, dirty: 0.1 });
      const bad = new Set(summary.expectedQuarantine.map((e) => `${e.file}:${e.line}`));
      const customerIds = new Set(readCsv(join(clean, 'customers.csv')).rows.map((c) => c.customer_id));
      const normalise = (file: string, line: string): string => {
        if (!file.endsWith('.csv')) return line;
        const fields = parseCsvLine(line).map((f) => f.trim());
        if (file === 'customers.csv')
          [fields[1], fields[10]] = [fields[1].toLowerCase(), fields[10].toUpperCase()];
        if (file === 'orders.csv') fields[3] = fields[3].toLowerCase();
        return fields.join('\u0000');
      };
      for (const file of summary.files) {
        const good = physicalLines(join(clean, file.file));
        const goodSet = new Set(good);
        const goodNormalised = new Set(good.map((l) => normalise(file.file, l)));
        const lines = physicalLines(join(dirty, file.file));
        let next = 0;
        const counts = { duplicate: 0, normalised: 0, unknown: 0 };
        lines.forEach((line, i) => {
          if (next < good.length && line === good[next]) next++;
          else if (bad.has(`${file.file}:${i + 1}`)) return;
          else if (goodSet.has(line)) counts.duplicate++;
          else if (goodNormalised.has(normalise(file.file, line))) counts.normalised++;
          else {
            const fields = parseCsvLine(line);
            expect([file.file, customerIds.has(fields[1])]).toEqual(['orders.csv', false]);
            expect(summary.unknownCustomerOrderIds).toContain(fields[0]);
            counts.unknown++;
          }
        });
        expect(next).toBe(good.length); // every clean row, in order
        expect(counts).toEqual({
          duplicate: file.duplicateRows,
          normalised: file.normalisedRows,
          unknown: file.unknownCustomerRows,
        });
      }
      expect(summary.duplicateRows).toBeGreaterThan(0);
      expect(summary.normalisedRows).toBeGreaterThan(0);
      expect(summary.unknownCustomerOrders).toBeGreaterThan(0);
    });
  });

  describe('options', () => {
    it.each<[string, Partial<GenerateOptions>]>([
      ['scale 0', { scale: 0 }],
      ['negative scale', { scale: -1 }],
      ['scale NaN', { scale: Number.NaN }],
      ['scale Infinity', { scale: Number.POSITIVE_INFINITY }],
      ['dirty below 0', { dirty: -0.1 }],
      ['dirty above 1', { dirty: 1.5 }],
      ['dirty NaN', { dirty: Number.NaN }],
      ['fractional seed', { seed: 1.5 }],
      ['seed NaN', { seed: Number.NaN }],
      ['empty outDir', { outDir: '' }],
    ])('rejects %s with GenerateOptionsError', async (_name, overrides) => {
      const dir = freshDir();
      await expect(generate(dir, overrides)).rejects.toThrow(GenerateOptionsError);
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
