import { FixtureCustomer } from './support/fixture-snapshot';
import { expectProblem } from './support/problem';
import { startTestApp, TestApp } from './support/test-app';

interface Customer {
  customer_id: string;
  country: string;
  segment: string;
  lifetime_value: number;
  last_order_at: string | null;
  recency_days: number | null;
  [field: string]: unknown;
}

interface CustomerPage {
  data: Customer[];
  page: { limit: number; next_cursor: string | null; total?: number };
}

const byId = (a: FixtureCustomer, b: FixtureCustomer): number => (a.customer_id < b.customer_id ? -1 : 1);
const nullsLast = <T>(a: T | null, b: T | null, compare: (x: T, y: T) => number): number =>
  a === null && b === null ? 0 : a === null ? 1 : b === null ? -1 : compare(a, b);

/** The order each sort must produce, computed from the fixture. */
const EXPECTED_ORDER: Record<string, (a: FixtureCustomer, b: FixtureCustomer) => number> = {
  customer_id: byId,
  '-lifetime_value': (a, b) => Number(b.lifetime_value) - Number(a.lifetime_value) || byId(a, b),
  '-last_order_at': (a, b) =>
    nullsLast(a.last_order_at, b.last_order_at, (x, y) => Date.parse(y) - Date.parse(x)) || byId(a, b),
  recency_days: (a, b) => nullsLast(a.recency_days, b.recency_days, (x, y) => x - y) || byId(a, b),
};

describe('customers API', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.token(['admin'], { sub: 'admin-1' });
    analyst = await t.token(['analyst']);
  });
  afterAll(async () => {
    await t.close();
  });

  const list = (query: string, token = admin) => t.get<CustomerPage>(`/v1/customers${query}`, token);
  const ids = (page: CustomerPage): string[] => page.data.map((c) => c.customer_id);
  const fixtureIds = (predicate: (c: FixtureCustomer) => boolean): string[] =>
    t.fixture.customers
      .filter(predicate)
      .map((c) => c.customer_id)
      .sort();

  async function walk(query: string, limit: number, token = admin): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const separator = query ? '&' : '';
      const response = await list(
        `?${query}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        token,
      );
      expect(response.status).toBe(200);
      expect(response.body.data.length).toBeLessThanOrEqual(limit);
      seen.push(...ids(response.body));
      cursor = response.body.page.next_cursor;
      if (!cursor) return seen;
    }
    throw new Error('pagination did not end');
  }

  describe('GET /v1/customers', () => {
    it('returns the first page in customer_id order with the page and the snapshot header', async () => {
      const response = await list('');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-c360-snapshot')).toBe(t.fixture.snapshotId);
      expect(response.body.page).toEqual({ limit: 50, next_cursor: null });
      expect(ids(response.body)).toEqual(t.fixture.customers.map((c) => c.customer_id).sort());
    });

    it('serves snake_case JSON: money as numbers, timestamps in UTC with Z, dates as YYYY-MM-DD', async () => {
      const response = await t.get<Customer>('/v1/customers/C001', admin);
      const customer = response.body;
      expect(customer).toMatchObject({
        customer_id: 'C001',
        lifetime_value: 37.75,
        avg_order_value: 18.88,
        birth_date: '1987-04-12',
        signup_at: '2023-01-15T08:30:00Z',
        last_seen_at: '2025-06-29T12:00:00.123456Z',
        marketing_opt_in: false,
      });
      expect(Object.keys(customer)).toEqual(
        expect.arrayContaining(['recency_days', 'r_score', 'favorite_category', 'events_30d']),
      );
      const prospect = (await t.get<Customer>('/v1/customers/C025', admin)).body;
      expect(prospect).toMatchObject({
        orders_count: 0,
        lifetime_value: 0,
        avg_order_value: null,
        last_order_at: null,
        segment: 'prospects',
      });
    });

    describe.each(Object.keys(EXPECTED_ORDER))('sorted by %s', (sort) => {
      const expected = (): string[] =>
        [...t.fixture.customers].sort(EXPECTED_ORDER[sort]).map((c) => c.customer_id);

      it.each([1, 4, 7, 30])(
        'visits every customer exactly once, in order, with pages of %i',
        async (limit) => {
          const seen = await walk(`sort=${encodeURIComponent(sort)}`, limit);
          expect(seen).toEqual(expected());
        },
      );
    });

    it('walks filtered pages without skipping or repeating', async () => {
      const seen = await walk('sort=-last_order_at&country=DE', 2);
      expect([...seen].sort()).toEqual(fixtureIds((c) => c.country === 'DE'));
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('filters by one or several segments', async () => {
      expect(ids((await list('?segment=prospects')).body)).toEqual(
        fixtureIds((c) => c.segment === 'prospects'),
      );
      expect(ids((await list('?segment=prospects&segment=champions')).body)).toEqual(
        fixtureIds((c) => c.segment === 'prospects' || c.segment === 'champions'),
      );
    });

    it('filters by country, case-insensitively', async () => {
      const response = await list('?country=fr');
      expect(ids(response.body)).toEqual(fixtureIds((c) => c.country === 'FR'));
      expect(response.body.data.every((c) => c.country === 'FR')).toBe(true);
    });

    it('filters by lifetime value bounds (inclusive)', async () => {
      const response = await list('?min_ltv=150.25&max_ltv=450.25');
      expect(ids(response.body)).toEqual(
        fixtureIds((c) => Number(c.lifetime_value) >= 150.25 && Number(c.lifetime_value) <= 450.25),
      );
      expect(response.body.data.length).toBeGreaterThan(2);
    });

    it('filters by last order date: after is inclusive, before exclusive; dates mean 00:00 UTC', async () => {
      const after = '2025-06-10';
      const before = '2025-06-20T00:00:00Z';
      const response = await list(
        `?last_order_after=${after}&last_order_before=${encodeURIComponent(before)}`,
      );
      const expected = fixtureIds(
        (c) =>
          c.last_order_at !== null &&
          Date.parse(c.last_order_at) >= Date.parse(`${after}T00:00:00Z`) &&
          Date.parse(c.last_order_at) < Date.parse(before),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(response.body)).toEqual(expected);
      const offset = await list(
        `?last_order_after=${encodeURIComponent('2025-06-10T02:00:00+02:00')}&last_order_before=${encodeURIComponent(before)}`,
      );
      expect(ids(offset.body)).toEqual(expected);
    });

    it('adds page.total with include_total=true', async () => {
      const response = await list('?country=DE&limit=1&include_total=true');
      expect(response.body.page.total).toBe(fixtureIds((c) => c.country === 'DE').length);
      expect(response.body.data).toHaveLength(1);
      expect((await list('?limit=1')).body.page.total).toBeUndefined();
    });

    it('filters by exact email, case-insensitively, for roles with filter:email', async () => {
      const response = await list('?email=ALICE@example.com');
      expect(ids(response.body)).toEqual(['C001']);
      const support = await list('?email=alice@example.com', await t.token(['support']));
      expect(ids(support.body)).toEqual(['C001']);
      expect((await list('?email=nobody@example.com')).body.data).toEqual([]);
    });

    it('refuses the email filter to roles without filter:email, whether or not the email exists', async () => {
      const known = expectProblem(await list('?email=alice@example.com', analyst), 403, 'forbidden');
      const unknown = expectProblem(await list('?email=nobody@example.com', analyst), 403, 'forbidden');
      expect(known.detail).toBe(unknown.detail);
      expect(JSON.stringify(known)).not.toContain('alice');
    });

    it('refuses an unknown segment, naming it', async () => {
      const problem = expectProblem(await list('?segment=champions&segment=whales'), 400, 'unknown_segment');
      expect(problem.detail).toContain('whales');
      expect(problem).toMatchObject({ parameter: 'segment', segment: 'whales' });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['sort=name', 'sort'],
      ['country=DEU', 'country'],
      ['min_ltv=-5', 'min_ltv'],
      ['max_ltv=1.234', 'max_ltv'],
      ['last_order_after=yesterday', 'last_order_after'],
      ['last_order_before=2025-02-30', 'last_order_before'],
      ['include_total=yes', 'include_total'],
      ['segment=Not%20A%20Segment', 'segment'],
      ['email=not-an-email', 'email'],
      ['page=2', 'page'],
      ['min_ltv=10&max_ltv=5', 'min_ltv'],
    ])('answers 400 naming the parameter for %s', async (query, parameter) => {
      const problem = expectProblem(await list(`?${query}`), 400, 'invalid_parameter');
      expect(problem.parameter).toBe(parameter);
    });

    it('refuses a malformed, tampered or other-sort cursor', async () => {
      const first = await list('?limit=2&sort=-lifetime_value');
      const cursor = first.body.page.next_cursor ?? '';
      expect(cursor).not.toBe('');
      expectProblem(await list('?cursor=garbage'), 400, 'invalid_cursor');
      expectProblem(await list(`?cursor=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor');
      const [body, mac] = cursor.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { s: string; k: unknown[] };
      payload.k[1] = 'C000';
      const tampered = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
      expectProblem(
        await list(`?sort=-lifetime_value&cursor=${encodeURIComponent(tampered)}`),
        400,
        'invalid_cursor',
      );
      const problem = expectProblem(
        await list(`?sort=-lifetime_value&cursor=${encodeURIComponent(`${cursor}x`)}`),
        400,
        'invalid_cursor',
      );
      expect(problem.parameter).toBe('cursor');
    });
  });

  describe('GET /v1/customers/{id}', () => {
    it('returns the customer_360 row with the snapshot header', async () => {
      const response = await t.get<Customer>('/v1/customers/C002', admin);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-c360-snapshot')).toBe(t.fixture.snapshotId);
      expect(response.body.customer_id).toBe('C002');
    });

    it('answers 404 problem+json for an unknown customer', async () => {
      const problem = expectProblem(await t.get('/v1/customers/C999', admin), 404, 'not_found');
      expect(problem.detail).not.toContain('C999');
    });

    it.each([[`${'x'.repeat(65)}`], ['C%20001'], ['C%0A001']])(
      'answers 400 for a malformed id (%s)',
      async (id) => {
        const problem = expectProblem(await t.get(`/v1/customers/${id}`, admin), 400, 'invalid_parameter');
        expect(problem.parameter).toBe('id');
      },
    );
  });

  describe('row scope (countries claim)', () => {
    let scoped: string;
    beforeAll(async () => {
      scoped = await t.token(['analyst'], { countries: ['DE', 'FR'] });
    });

    it('limits lists to the countries of the token', async () => {
      const seen = await walk('', 3, scoped);
      expect([...seen].sort()).toEqual(fixtureIds((c) => c.country === 'DE' || c.country === 'FR'));
      const total = await list('?include_total=true', scoped);
      expect(total.body.page.total).toBe(seen.length);
    });

    it('intersects the country filter with the scope', async () => {
      expect((await list('?country=US', scoped)).body.data).toEqual([]);
      expect(ids((await list('?country=de', scoped)).body)).toEqual(fixtureIds((c) => c.country === 'DE'));
    });

    it('answers 404 for a customer outside the scope', async () => {
      const outside = t.fixture.customers.find((c) => c.country === 'US');
      expect(outside).toBeDefined();
      expectProblem(await t.get(`/v1/customers/${outside?.customer_id}`, scoped), 404, 'not_found');
      expect((await t.get('/v1/customers/C001', scoped)).status).toBe(200);
    });

    it('reads nothing with an empty countries claim', async () => {
      const none = await t.token(['admin'], { countries: [] });
      expect((await list('', none)).body.data).toEqual([]);
      expectProblem(await t.get('/v1/customers/C001', none), 404, 'not_found');
    });
  });
});
