import { Row } from '../src/duckdb/duckdb';
import { camelCase } from '../src/graphql/api-field.decorator';
import { ResponseCache } from '../src/serving/response-cache';
import { BUILT_AS_OF, BuiltSnapshot } from './support/built-snapshot';
import { expectProblem } from './support/problem';
import { startTestApp, TestApp, TestResponse } from './support/test-app';

/**
 * Every read route and GraphQL field over a snapshot the real pipeline built (≈1,000 customers),
 * per role, checked against the snapshot's own tables and against each other.
 */

type Json = Record<string, unknown>;
interface Page<T = Json> {
  data: T[];
  page: { limit: number; next_cursor: string | null; total?: number };
}

const READ_ROLES = ['admin', 'support', 'analyst', 'data_scientist'] as const;
const PIT = '2024-10-15T12:00:00Z';
const FROM = '2024-11-01';
const TO = '2024-12-31';

/** Exact money: decimal text → units of 1/10000. */
const units = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  const sign = whole.startsWith('-') ? -1n : 1n;
  return sign * (BigInt(whole.replace('-', '')) * 10000n + BigInt(fraction.padEnd(4, '0').slice(0, 4)));
};
/** Units ÷ n, to cents, rounded half away from zero (SPEC §5), as the number served. */
const money = (total: bigint, n = 1n): number => {
  const sign = total < 0n ? -1n : 1n;
  const cents = ((sign * total + 50n * n) / (100n * n)) * sign;
  return Number(cents) / 100;
};
const camelize = (row: Json): Json =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [camelCase(k), v]));
/** The fields of `rest` that GraphQL also serves, camelCased, for a side-by-side comparison. */
const restAsGraphql = (rest: Json, graphql: Json): Json => {
  const camel = camelize(rest);
  return Object.fromEntries(Object.keys(graphql).map((k) => [k, camel[k]]));
};

const CUSTOMER_FIELDS = `customerId customerSk email phone firstName lastName birthDate street city state postalCode
  country signupAt marketingOptIn profileValidFrom ordersCount lifetimeValue avgOrderValue firstOrderAt lastOrderAt
  recencyDays rScore fScore mScore segment favoriteCategory events30d lastSeenAt`;
const VERSION_FIELDS = `customerSk version validFrom validTo isCurrent isDeleted email phone firstName lastName birthDate
  street city state postalCode country signupAt marketingOptIn`;
const ORDER_FIELDS =
  'orderId customerSk orderTs orderDate status isCounted channel currency updatedAt lineCount orderAmount';
const LINE_FIELDS = 'lineNo productId quantity unitPrice discount lineAmount';
const EVENT_FIELDS = 'eventId customerSk eventTs eventType sessionId device productId';
const PRODUCT_FIELDS =
  'productId productSk name category brand unitPrice units revenue orders customers revenueRank';
const SEGMENT_FIELDS = 'segment position customers share totalLifetimeValue avgLifetimeValue avgRecencyDays';
const DAILY_FIELDS = 'date orders revenue customers newCustomers aov';

describe('serving: REST and GraphQL over a built snapshot', () => {
  let t: TestApp;
  let built: BuiltSnapshot;
  let tokens: Record<string, string>;
  let sample: string; // a customer with several orders, events and two profile versions
  let productId: string;
  const db = <T extends Row = Row>(sql: string): Promise<T[]> => built.harness.snapshotRows<T>(sql);

  beforeAll(async () => {
    t = await startTestApp({ build: { scale: 0.01, seed: 7 } });
    built = t.fixture as BuiltSnapshot;
    tokens = {};
    for (const role of [...READ_ROLES, 'ingest']) tokens[role] = await t.token([role], { sub: `t-${role}` });
    const [row] = await db<{ customer_id: string }>(`
      select c.customer_id from customer_360 c
      join (select customer_id from dim_customer group by 1 having count(*) > 1) v using (customer_id)
      where c.orders_count >= 2 and c.events_30d >= 0
        and c.customer_id in (select customer_id from fact_events)
      order by c.customer_id limit 1`);
    sample = row.customer_id;
    productId = (
      await db<{ product_id: string }>(
        'select product_id from product_performance order by product_id limit 1',
      )
    )[0].product_id;
  });
  afterAll(async () => {
    await t.close();
  });

  const get = <T = Json>(path: string, role: string | null = 'admin'): Promise<TestResponse<T>> =>
    t.get<T>(path, role ? tokens[role] : undefined);
  const gql = async <T = Json>(query: string, variables: Json = {}, role = 'admin'): Promise<T> => {
    const response = await t.graphql<T>(query, variables, tokens[role]);
    expect(response.body.errors).toBeUndefined();
    expect(response.status).toBe(200);
    return response.body.data as T;
  };

  const routes = (): string[] => [
    '/v1/customers?limit=5',
    `/v1/customers/${sample}`,
    `/v1/customers/${sample}?as_of=${PIT}`,
    `/v1/customers/${sample}/history`,
    `/v1/customers/${sample}/orders?limit=5`,
    `/v1/customers/${sample}/events?limit=5`,
    '/v1/segments',
    '/v1/products?limit=5',
    `/v1/products/${productId}`,
    `/v1/metrics/orders-daily?from=${FROM}&to=${TO}`,
  ];

  describe('access per role', () => {
    it('every read route answers every read role with the snapshot, refuses ingest (403) and no token (401)', async () => {
      for (const route of routes()) {
        for (const role of READ_ROLES) {
          const response = await get(route, role);
          expect({ route, role, status: response.status }).toEqual({ route, role, status: 200 });
          expect(response.headers.get('x-c360-snapshot')).toBe(built.snapshotId);
          expect(response.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
        }
        expectProblem(await get(route, 'ingest'), 403, 'forbidden');
        expectProblem(await get(route, null), 401, 'unauthenticated');
      }
    });

    const EVERYTHING = `query Everything($id: ID!, $pid: ID!, $pit: DateTime, $from: Date!, $to: Date!) {
      customer(id: $id) {
        ${CUSTOMER_FIELDS} asOf
        history { ${VERSION_FIELDS} }
        orders(first: 2) { totalCount pageInfo { hasNextPage endCursor }
          edges { cursor node { ${ORDER_FIELDS} lines { ${LINE_FIELDS} product { ${PRODUCT_FIELDS} } } } } }
        events(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${EVENT_FIELDS} } } }
      }
      then: customer(id: $id, asOf: $pit) { customerId asOf ordersCount segment orders(first: 1) { totalCount } }
      customers(first: 3) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { customerId email } } }
      segments { ${SEGMENT_FIELDS} }
      product(id: $pid) { ${PRODUCT_FIELDS} }
      products(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { productId } } }
      ordersDaily(from: $from, to: $to) { ${DAILY_FIELDS} }
    }`;
    const variables = (): Json => ({ id: sample, pid: productId, pit: PIT, from: FROM, to: TO });

    it.each(READ_ROLES)('GraphQL serves every root and nested field to %s', async (role) => {
      const data = await gql<Json>(EVERYTHING, variables(), role);
      const customer = data.customer as Json;
      expect(customer.customerId).toBe(sample);
      expect((customer.history as Json[]).length).toBeGreaterThan(1);
      const orders = customer.orders as { totalCount: number; edges: Array<{ node: { lines: Json[] } }> };
      expect(orders.totalCount).toBeGreaterThanOrEqual(2);
      expect(orders.edges[0].node.lines.length).toBeGreaterThan(0);
      expect((orders.edges[0].node.lines[0].product as Json).productId).toBeDefined();
      expect((data.then as Json).asOf).toBe('2024-10-15T12:00:00Z');
      expect((data.customers as { totalCount: number }).totalCount).toBeGreaterThan(900);
      expect((data.segments as Json[]).length).toBe(8);
      expect((data.product as Json).productId).toBe(productId);
      expect((data.ordersDaily as Json[]).length).toBeGreaterThan(30);
    });

    it('GraphQL answers carry X-C360-Snapshot too', async () => {
      const response = await t.graphql('{ segments { segment } }', {}, tokens.analyst);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-c360-snapshot')).toBe(built.snapshotId);
    });

    it('GraphQL refuses the ingest role (FORBIDDEN per field) and a request without a token (401)', async () => {
      const refused = await t.graphql(EVERYTHING, variables(), tokens.ingest);
      expect(refused.body.data ?? null).toBeNull();
      const codes = new Set(refused.body.errors?.map((e) => e.extensions?.code));
      expect([...codes]).toEqual(['FORBIDDEN']);
      const anonymous = await t.graphql(EVERYTHING, variables());
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('REST and GraphQL return the same values for the same caller', () => {
    it.each(READ_ROLES)('one customer with its history, masked for %s alike', async (role) => {
      const rest = (await get<Json>(`/v1/customers/${sample}`, role)).body;
      const history = (await get<Page>(`/v1/customers/${sample}/history`, role)).body.data;
      const data = await gql<{ customer: Json & { history: Json[] } }>(
        `query($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} history { ${VERSION_FIELDS} } } }`,
        { id: sample },
        role,
      );
      const { history: gqlHistory, ...gqlCustomer } = data.customer;
      expect(gqlCustomer).toEqual(restAsGraphql(rest, gqlCustomer));
      expect(gqlHistory).toEqual(history.map((v, i) => restAsGraphql(v, gqlHistory[i])));
      if (role === 'admin' || role === 'support') expect(rest.email).toMatch(/^[^*]+@/);
      if (role === 'analyst') expect(rest.email).toMatch(/^.\*\*\*@/);
      if (role === 'data_scientist') expect(rest.email).toMatch(/^[0-9a-f]{64}$/);
    });

    it.each(READ_ROLES)('a filtered, sorted page of customers (list masking) for %s', async (role) => {
      const rest = (
        await get<Page>(
          '/v1/customers?segment=champions&sort=-lifetime_value&limit=20&include_total=true',
          role,
        )
      ).body;
      const data = await gql<{
        customers: { totalCount: number; edges: Array<{ cursor: string; node: Json }>; pageInfo: Json };
      }>(
        `{ customers(filter: { segment: ["champions"] }, sort: LIFETIME_VALUE_DESC, first: 20) {
            totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${CUSTOMER_FIELDS} history { email } } } } }`,
        {},
        role,
      );
      const nodes = data.customers.edges.map((e) => {
        const { history, ...node } = e.node;
        if (role === 'support') expect((history as Json[])[0].email).toMatch(/^.\*\*\*@/);
        return node;
      });
      expect(nodes).toEqual(rest.data.map((row, i) => restAsGraphql(row, nodes[i])));
      expect(data.customers.totalCount).toBe(rest.page.total);
      expect(data.customers.pageInfo).toEqual({
        hasNextPage: true,
        endCursor: data.customers.edges[19].cursor,
      });
      if (role === 'support') expect(rest.data[0].email).toMatch(/^.\*\*\*@/);
    });

    it('orders with lines and products, and events', async () => {
      const orders = (await get<Page<Json & { lines: Json[] }>>(`/v1/customers/${sample}/orders?limit=50`))
        .body.data;
      const events = (await get<Page>(`/v1/customers/${sample}/events?limit=50`)).body.data;
      const data = await gql<{
        customer: {
          orders: { edges: Array<{ node: Json & { lines: Array<Json & { product: Json }> } }> };
          events: { edges: Array<{ node: Json }> };
        };
      }>(
        `query($id: ID!) { customer(id: $id) {
            orders(first: 50) { edges { node { ${ORDER_FIELDS} lines { ${LINE_FIELDS} product { productId } } } } }
            events(first: 50) { edges { node { ${EVENT_FIELDS} } } } } }`,
        { id: sample },
      );
      const gqlOrders = data.customer.orders.edges.map((e) => e.node);
      expect(gqlOrders.length).toBe(orders.length);
      gqlOrders.forEach((order, i) => {
        const { lines, ...fields } = order;
        expect(fields).toEqual(restAsGraphql(orders[i], fields));
        expect(lines.map(({ product, ...line }) => ({ ...line, productId: product.productId }))).toEqual(
          orders[i].lines.map((l, j) => restAsGraphql(l, lines[j])),
        );
      });
      const gqlEvents = data.customer.events.edges.map((e) => e.node);
      expect(gqlEvents).toEqual(events.map((e, i) => restAsGraphql(e, gqlEvents[i])));
    });

    it.each([
      ['admin', null],
      ['analyst', ['DE']],
    ])('segments, products and daily metrics for %s (countries %j)', async (role, countries) => {
      const token = await t.token([role as string], countries ? { countries: countries as string[] } : {});
      const rest = async <T>(path: string): Promise<T> => (await t.get<T>(path, token)).body;
      const response = await t.graphql<{
        segments: Json[];
        products: { edges: Array<{ node: Json }> };
        product: Json;
        ordersDaily: Json[];
      }>(
        `query($pid: ID!, $from: Date!, $to: Date!) {
          segments { ${SEGMENT_FIELDS} }
          products(first: 200, sort: REVENUE_RANK) { edges { node { ${PRODUCT_FIELDS} } } }
          product(id: $pid) { ${PRODUCT_FIELDS} }
          ordersDaily(from: $from, to: $to) { ${DAILY_FIELDS} } }`,
        { pid: productId, from: FROM, to: TO },
        token,
      );
      const data = response.body.data;
      if (!data) throw new Error(JSON.stringify(response.body.errors));
      const segments = (await rest<Page>('/v1/segments')).data;
      expect(data.segments).toEqual(segments.map((s, i) => restAsGraphql(s, data.segments[i])));
      const products = (await rest<Page>('/v1/products?limit=200&sort=revenue_rank')).data;
      const nodes = data.products.edges.map((e) => e.node);
      expect(nodes).toEqual(products.map((p, i) => restAsGraphql(p, nodes[i])));
      expect(data.product).toEqual(
        restAsGraphql(await rest<Json>(`/v1/products/${productId}`), data.product),
      );
      const days = (await rest<Page>(`/v1/metrics/orders-daily?from=${FROM}&to=${TO}`)).data;
      expect(data.ordersDaily).toEqual(days.map((d, i) => restAsGraphql(d, data.ordersDaily[i])));
    });
  });

  describe('GET /v1/customers/{id}?as_of= (point in time)', () => {
    interface Fact extends Row {
      customer_id: string;
      order_ts: string;
      is_counted: boolean;
      amount: string;
    }

    it("at the snapshot's as_of equals the customer_360 row (metrics computed from the facts)", async () => {
      const rows = await db<Row & { customer_id: string }>(
        `select * from customer_360 where orders_count > 0 order by customer_id limit 40`,
      );
      for (const row of rows) {
        const response = await get<Json>(
          `/v1/customers/${row.customer_id}?as_of=${encodeURIComponent(BUILT_AS_OF)}`,
        );
        expect(response.status).toBe(200);
        const current = (await get<Json>(`/v1/customers/${row.customer_id}`)).body;
        expect(response.body).toEqual({
          ...current,
          r_score: null,
          f_score: null,
          m_score: null,
          segment: null,
          as_of: BUILT_AS_OF,
        });
      }
    });

    it('at an earlier instant serves the profile version valid then and metrics up to then', async () => {
      const customers = await db<{ customer_id: string }>(
        `select customer_id from customer_360 order by customer_id limit 60`,
      );
      const ids = [...customers.map((c) => c.customer_id), sample];
      const list = ids.map((id) => `'${id}'`).join(', ');
      const versions = await db<Row & { customer_id: string; valid_from: string; valid_to: string | null }>(
        `select customer_id, cast(customer_sk as varchar) as customer_sk, valid_from, valid_to, email, country
          from dim_customer where customer_id in (${list})`,
      );
      const facts = await db<Fact>(
        `select customer_id, order_ts, is_counted, cast(order_amount as varchar) as amount
          from fact_orders where customer_id in (${list})`,
      );
      const at = Date.parse(PIT);
      let found = 0;
      let missing = 0;
      for (const id of ids) {
        const response = await get<Json>(`/v1/customers/${id}?as_of=${encodeURIComponent(PIT)}`);
        const version = versions.find(
          (v) =>
            v.customer_id === id &&
            Date.parse(v.valid_from) <= at &&
            (v.valid_to === null || at < Date.parse(v.valid_to)),
        );
        if (!version) {
          // Not a customer yet then: 404, like an unknown id.
          expectProblem(response, 404, 'not_found');
          missing++;
          continue;
        }
        found++;
        const counted = facts.filter(
          (f) => f.customer_id === id && f.is_counted && Date.parse(f.order_ts) <= at,
        );
        const total = counted.reduce((sum, f) => sum + units(f.amount), 0n);
        const times = counted.map((f) => Date.parse(f.order_ts)).sort((a, b) => a - b);
        const last = times[times.length - 1];
        expect(response.body).toMatchObject({
          customer_id: id,
          customer_sk: version.customer_sk,
          email: version.email,
          country: version.country,
          profile_valid_from: version.valid_from,
          orders_count: counted.length,
          lifetime_value: money(total),
          avg_order_value: counted.length > 0 ? money(total, BigInt(counted.length)) : null,
          first_order_at: times.length > 0 ? new Date(times[0]).toISOString().replace('.000Z', 'Z') : null,
          last_order_at: last !== undefined ? new Date(last).toISOString().replace('.000Z', 'Z') : null,
          recency_days: last !== undefined ? Math.floor((at - last) / 86_400_000) : null,
          r_score: null,
          segment: counted.length === 0 ? 'prospects' : null,
          as_of: PIT,
        });
      }
      expect(found).toBeGreaterThan(10);
      expect(missing).toBeGreaterThan(0);
    });

    it('answers 404 for a deleted customer, now and as of any instant', async () => {
      const [deleted] = await db<{ customer_id: string; valid_from: string }>(
        `select customer_id, valid_from from dim_customer where is_deleted order by customer_id limit 1`,
      );
      expect(deleted).toBeDefined();
      expectProblem(await get(`/v1/customers/${deleted.customer_id}`), 404, 'not_found');
      expectProblem(
        await get(`/v1/customers/${deleted.customer_id}?as_of=${encodeURIComponent(deleted.valid_from)}`),
        404,
        'not_found',
      );
      expectProblem(await get(`/v1/customers/${deleted.customer_id}/orders`), 404, 'not_found');
    });
  });

  describe('history, orders and events', () => {
    it('history lists every SCD2 version, oldest first', async () => {
      const expected = await db<Row>(
        `select cast(customer_sk as varchar) as customer_sk, version, valid_from, valid_to, is_current, is_deleted,
            email, country from dim_customer where customer_id = '${sample}' order by version`,
      );
      const history = (await get<Page>(`/v1/customers/${sample}/history`)).body.data;
      expect(history.map((v) => Object.fromEntries(Object.keys(expected[0]).map((k) => [k, v[k]])))).toEqual(
        expected,
      );
    });

    it('walks all orders newest first, one page at a time, with their lines and the total', async () => {
      const expected = await db<{ order_id: string }>(
        `select order_id from fact_orders where customer_id = '${sample}'
          and order_ts <= '${BUILT_AS_OF.replace('T', ' ').replace('Z', '')}'::timestamp
          order by order_ts desc, order_id desc`,
      );
      const lines = await db<{ order_id: string; line_no: number; product_id: string }>(
        `select order_id, line_no::integer as line_no, product_id from fact_order_lines where customer_id = '${sample}'
          order by order_id, line_no`,
      );
      const seen: Array<Json & { lines: Json[] }> = [];
      let cursor: string | null = null;
      do {
        const response: TestResponse<Page<Json & { lines: Json[] }>> = await get(
          `/v1/customers/${sample}/orders?limit=1&include_total=true${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(response.body.page.total).toBe(expected.length);
        seen.push(...response.body.data);
        cursor = response.body.page.next_cursor;
      } while (cursor);
      expect(seen.map((o) => o.order_id)).toEqual(expected.map((o) => o.order_id));
      for (const order of seen) {
        expect(order.lines.map((l) => [l.line_no, l.product_id])).toEqual(
          lines.filter((l) => l.order_id === order.order_id).map((l) => [l.line_no, l.product_id]),
        );
        expect(order.line_count).toBe(order.lines.length);
      }
    });

    it('walks all events newest first', async () => {
      const expected = await db<{ event_id: string }>(
        `select event_id from fact_events where customer_id = '${sample}'
          and event_ts <= '${BUILT_AS_OF.replace('T', ' ').replace('Z', '')}'::timestamp
          order by event_ts desc, event_id desc`,
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const response: TestResponse<Page<{ event_id: string }>> = await get(
          `/v1/customers/${sample}/events?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        seen.push(...response.body.data.map((e) => e.event_id));
        cursor = response.body.page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(expected.map((e) => e.event_id));
    });

    it('walks all products by revenue rank, and pages GraphQL nested orders with after', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const response: TestResponse<Page<{ product_id: string }>> = await get(
          `/v1/products?sort=revenue_rank&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        seen.push(...response.body.data.map((p) => p.product_id));
        cursor = response.body.page.next_cursor;
      } while (cursor);
      const expected = await db<{ product_id: string }>(
        'select product_id from product_performance order by revenue_rank, product_id',
      );
      expect(seen).toEqual(expected.map((p) => p.product_id));

      const walked: string[] = [];
      let after: string | null = null;
      do {
        const data: {
          customer: {
            orders: {
              pageInfo: { hasNextPage: boolean; endCursor: string };
              edges: Array<{ node: { orderId: string } }>;
            };
          };
        } = await gql(
          `query($id: ID!, $after: String) { customer(id: $id) { orders(first: 1, after: $after) {
              pageInfo { hasNextPage endCursor } edges { node { orderId } } } } }`,
          { id: sample, after },
        );
        walked.push(...data.customer.orders.edges.map((e) => e.node.orderId));
        after = data.customer.orders.pageInfo.hasNextPage ? data.customer.orders.pageInfo.endCursor : null;
      } while (after);
      const rest = (await get<Page<{ order_id: string }>>(`/v1/customers/${sample}/orders?limit=200`)).body
        .data;
      expect(walked).toEqual(rest.map((o) => o.order_id));
    });
  });

  describe('row scope holds for aggregates (a DE-only analyst)', () => {
    let de: string;
    let deCustomers: Set<string>;
    beforeAll(async () => {
      de = await t.token(['analyst'], { countries: ['DE'] });
      deCustomers = new Set(
        (await db<{ customer_id: string }>(`select customer_id from customer_360 where country = 'DE'`)).map(
          (r) => r.customer_id,
        ),
      );
    });

    it('segment totals equal totals computed over DE customers only', async () => {
      const rows = await db<{ segment: string; lifetime_value: string; recency_days: number | null }>(
        `select segment, cast(lifetime_value as varchar) as lifetime_value, recency_days from customer_360 where country = 'DE'`,
      );
      const segments = (await t.get<Page>('/v1/segments', de)).body.data;
      expect(segments.map((s) => s.segment)).toEqual(
        (await db<{ segment: string }>('select segment from segment_summary order by position')).map(
          (s) => s.segment,
        ),
      );
      for (const summary of segments) {
        const members = rows.filter((r) => r.segment === summary.segment);
        const total = members.reduce((sum, r) => sum + units(r.lifetime_value), 0n);
        const recencies = members.map((r) => r.recency_days).filter((r): r is number => r !== null);
        expect(summary).toMatchObject({
          customers: members.length,
          total_lifetime_value: money(total),
          avg_lifetime_value: members.length > 0 ? money(total, BigInt(members.length)) : null,
        });
        expect(summary.share).toBeCloseTo(members.length / rows.length, 4);
        if (recencies.length > 0) {
          expect(summary.avg_recency_days).toBeCloseTo(
            recencies.reduce((a, b) => a + b, 0) / recencies.length,
            1,
          );
        } else {
          expect(summary.avg_recency_days).toBeNull();
        }
      }
      const all = await t.token(['analyst'], {
        countries: (await db<{ country: string }>('select distinct country from customer_360')).map(
          (r) => r.country,
        ),
      });
      // Scoped to every country, the computed summary equals the precomputed one.
      expect((await t.get<Page>('/v1/segments', all)).body.data).toEqual(
        (await get<Page>('/v1/segments')).body.data,
      );
    });

    it('product figures count only the lines of DE customers', async () => {
      const lines = await db<{
        product_id: string;
        order_id: string;
        customer_id: string;
        quantity: number;
        amount: string;
      }>(
        `select product_id, order_id, customer_id, quantity::integer as quantity, cast(line_amount as varchar) as amount
          from fact_order_lines where is_counted and order_ts <= '${BUILT_AS_OF.replace('T', ' ').replace('Z', '')}'::timestamp`,
      );
      const mine = lines.filter((l) => deCustomers.has(l.customer_id));
      const products = (await t.get<Page>('/v1/products?limit=200', de)).body.data;
      const revenue = new Map<string, bigint>();
      for (const product of products) {
        const sold = mine.filter((l) => l.product_id === product.product_id);
        const total = sold.reduce((sum, l) => sum + units(l.amount), 0n);
        revenue.set(String(product.product_id), total);
        expect(product).toMatchObject({
          units: sold.reduce((sum, l) => sum + l.quantity, 0),
          revenue: money(total),
          orders: new Set(sold.map((l) => l.order_id)).size,
          customers: new Set(sold.map((l) => l.customer_id)).size,
        });
      }
      for (const product of products) {
        const better = [...revenue.values()].filter(
          (r) => r > (revenue.get(String(product.product_id)) ?? 0n),
        ).length;
        expect(product.revenue_rank).toBe(better + 1);
      }
    });

    it('daily metrics count only the orders of DE customers', async () => {
      const orders = await db<{ customer_id: string; order_date: string; amount: string }>(
        `select customer_id, order_date, cast(order_amount as varchar) as amount
          from fact_orders where is_counted and order_ts <= '${BUILT_AS_OF.replace('T', ' ').replace('Z', '')}'::timestamp`,
      );
      const mine = orders.filter((o) => deCustomers.has(o.customer_id));
      const firstDay = new Map<string, string>();
      for (const o of mine) {
        const first = firstDay.get(o.customer_id);
        if (!first || o.order_date < first) firstDay.set(o.customer_id, o.order_date);
      }
      const days = (await t.get<Page>(`/v1/metrics/orders-daily?from=${FROM}&to=${TO}`, de)).body.data;
      const expectedDays = [...new Set(mine.map((o) => o.order_date))]
        .filter((d) => d >= FROM && d <= TO)
        .sort();
      expect(days.map((d) => d.date)).toEqual(expectedDays);
      for (const day of days) {
        const those = mine.filter((o) => o.order_date === day.date);
        const total = those.reduce((sum, o) => sum + units(o.amount), 0n);
        const buyers = new Set(those.map((o) => o.customer_id));
        expect(day).toEqual({
          date: day.date,
          orders: those.length,
          revenue: money(total),
          customers: buyers.size,
          new_customers: [...buyers].filter((c) => firstDay.get(c) === day.date).length,
          aov: money(total, BigInt(those.length)),
        });
      }
    });

    it('look-ups outside the scope are 404 in REST and null in GraphQL', async () => {
      const [outside] = await db<{ customer_id: string }>(
        `select customer_id from customer_360 where country <> 'DE' order by customer_id limit 1`,
      );
      expectProblem(await t.get(`/v1/customers/${outside.customer_id}`, de), 404, 'not_found');
      expectProblem(await t.get(`/v1/customers/${outside.customer_id}/history`, de), 404, 'not_found');
      expectProblem(await t.get(`/v1/customers/${outside.customer_id}/events`, de), 404, 'not_found');
      const response = await t.graphql<{ customer: null }>(
        `query($id: ID!) { customer(id: $id) { customerId } }`,
        { id: outside.customer_id },
        de,
      );
      expect(response.body).toEqual({ data: { customer: null } });
    });
  });

  describe('DataLoaders: a GraphQL page costs a constant number of queries', () => {
    const DASHBOARD = `query($first: Int!) {
      customers(first: $first, sort: LIFETIME_VALUE_DESC) {
        edges { node { customerId email lifetimeValue segment
          orders(first: 10) { totalCount edges { node { orderId orderTs orderAmount
            lines { lineNo quantity lineAmount product { productId name category } } } } } } }
      }
    }`;

    it('50 customers with their orders, order lines and products take as many queries as 5', async () => {
      const reader = t.reader();
      const count = async (first: number): Promise<{ queries: number; customers: number; lines: number }> => {
        const before = reader.snapshot()?.queryCount ?? 0;
        const data = await gql<{
          customers: { edges: Array<{ node: { orders: { edges: Array<{ node: { lines: unknown[] } }> } } }> };
        }>(DASHBOARD, { first }, 'analyst');
        const queries = (reader.snapshot()?.queryCount ?? 0) - before;
        const orders = data.customers.edges.flatMap((e) => e.node.orders.edges);
        return {
          queries,
          customers: data.customers.edges.length,
          lines: orders.flatMap((o) => o.node.lines).length,
        };
      };
      const small = await count(5);
      const large = await count(50);
      expect(small.customers).toBe(5);
      expect(large.customers).toBe(50);
      expect(large.lines).toBeGreaterThan(100);
      // customers, orders, order counts, lines, products: one query each, whatever the page size
      expect(large.queries).toBe(small.queries);
      expect(large.queries).toBeLessThanOrEqual(5);
    });
  });

  describe('response cache and ETags', () => {
    it('answers If-None-Match with 304, caches per caller, and drops the cache on publish', async () => {
      const cache = t.app.get(ResponseCache);
      const path = `/v1/customers/${sample}`;
      const first = await get<Json>(path, 'analyst');
      const etag = first.headers.get('etag') ?? '';
      const hits = cache.hits;
      const again = await get<Json>(path, 'analyst');
      expect(cache.hits).toBe(hits + 1);
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.body).toEqual(first.body);
      expect(first.headers.get('cache-control')).toBe('private, no-cache');

      const notModified = await t.request('GET', path, {
        token: tokens.analyst,
        headers: { 'if-none-match': etag },
      });
      expect(notModified.status).toBe(304);
      expect(notModified.body).toBeNull();
      expect(notModified.headers.get('etag')).toBe(etag);
      expect(notModified.headers.get('x-c360-snapshot')).toBe(built.snapshotId);

      // Another role sees other masking: another body, another ETag.
      const admin = await get<Json>(path, 'admin');
      expect(admin.headers.get('etag')).not.toBe(etag);
      expect(admin.body.email).not.toBe(first.body.email);
      const stale = await t.request('GET', path, { token: tokens.admin, headers: { 'if-none-match': etag } });
      expect(stale.status).toBe(200);

      // A new snapshot is published: the cache is dropped and the old ETag no longer matches.
      const run = await built.harness.build({ mode: 'full' });
      expect(run.status).toBe('published');
      await t.reader().refresh();
      expect(cache.size).toBe(0);
      const after = await t.request<Json>('GET', path, {
        token: tokens.analyst,
        headers: { 'if-none-match': etag },
      });
      expect(after.status).toBe(200);
      expect(after.headers.get('x-c360-snapshot')).toBe(run.snapshot_id);
      expect(after.headers.get('etag')).not.toBe(etag);
      expect(after.body).toEqual(first.body);
    });
  });
});
