import { getIntrospectionQuery } from 'graphql';
import { expectProblem } from './support/problem';
import { GraphqlBody, startTestApp, TestApp, TestResponse } from './support/test-app';

/** Bad input on every read route and in GraphQL: a 400 naming the parameter (problem+json), or a
 *  GraphQL error with a code — never a 500. Also GraphQL operation limits and rate limiting. */
describe('serving: bad input, limits and rate limiting', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let id: string;

  beforeAll(async () => {
    t = await startTestApp({ build: { scale: 0.01, seed: 11 } });
    admin = await t.token(['admin']);
    analyst = await t.token(['analyst']);
    // A customer with several orders and events, so that their lists have cursors.
    const first = await t.get<{ data: Array<{ customer_id: string; events_30d: number }> }>(
      '/v1/customers?sort=-lifetime_value&limit=1',
      admin,
    );
    id = first.body.data[0].customer_id;
  });
  afterAll(async () => {
    await t.close();
  });

  const cursorOf = async (path: string): Promise<string> => {
    const response = await t.get<{ page: { next_cursor: string | null } }>(path, admin);
    const cursor = response.body.page.next_cursor;
    if (!cursor) throw new Error(`no cursor from ${path}`);
    return encodeURIComponent(cursor);
  };

  describe('REST: 400 problem+json naming the parameter', () => {
    const cases = (): Array<[string, string]> => [
      [`/v1/customers/${id}?as_of=yesterday`, 'as_of'],
      [`/v1/customers/${id}?as_of=2024-02-30`, 'as_of'],
      [`/v1/customers/${id}?as_of=2099-01-01`, 'as_of'],
      [`/v1/customers/${id}?asof=2024-01-01`, 'asof'],
      [`/v1/customers/${id}/history?limit=5`, 'limit'],
      [`/v1/customers/${id}/orders?limit=0`, 'limit'],
      [`/v1/customers/${id}/orders?limit=201`, 'limit'],
      [`/v1/customers/${id}/orders?limit=ten`, 'limit'],
      [`/v1/customers/${id}/orders?include_total=maybe`, 'include_total'],
      [`/v1/customers/${id}/orders?sort=order_ts`, 'sort'],
      [`/v1/customers/${id}/events?limit=-1`, 'limit'],
      [`/v1/customers/${'x'.repeat(65)}/events`, 'id'],
      ['/v1/customers?last_order_after=2024-06-01&last_order_before=2024-01-01', 'last_order_after'],
      ['/v1/segments?country=DE', 'country'],
      ['/v1/products?sort=name', 'sort'],
      ['/v1/products?limit=1000', 'limit'],
      [`/v1/products?category=${'c'.repeat(129)}`, 'category'],
      ['/v1/products/P%20001', 'id'],
      ['/v1/products/P000001?fields=name', 'fields'],
      ['/v1/metrics/orders-daily?to=2024-12-31', 'from'],
      ['/v1/metrics/orders-daily?from=2024-12-01', 'to'],
      ['/v1/metrics/orders-daily?from=2024-13-01&to=2024-12-31', 'from'],
      ['/v1/metrics/orders-daily?from=2024-12-01&to=2024-02-30', 'to'],
      ['/v1/metrics/orders-daily?from=2024-12-01T00:00:00Z&to=2024-12-31', 'from'],
      ['/v1/metrics/orders-daily?from=2024-12-31&to=2024-12-01', 'from'],
      ['/v1/metrics/orders-daily?from=2000-01-01&to=2024-12-31', 'to'],
      ['/v1/metrics/orders-daily?from=2024-12-01&to=2024-12-31&granularity=week', 'granularity'],
    ];

    it('for every malformed or out-of-range parameter', async () => {
      for (const [path, parameter] of cases()) {
        const response = await t.get(path, admin);
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        const problem = expectProblem(response, 400, 'invalid_parameter');
        expect({ path, parameter: problem.parameter }).toEqual({ path, parameter });
      }
    });

    it('for a malformed cursor or one issued by another list', async () => {
      const customersCursor = await cursorOf('/v1/customers?limit=1');
      const ordersCursor = await cursorOf(`/v1/customers/${id}/orders?limit=1`);
      const productsCursor = await cursorOf('/v1/products?limit=1');
      for (const path of [
        `/v1/customers/${id}/orders?cursor=garbage`,
        `/v1/customers/${id}/orders?cursor=${customersCursor}`,
        `/v1/customers/${id}/events?cursor=${ordersCursor}`,
        `/v1/products?cursor=${ordersCursor}`,
        `/v1/products?sort=revenue_rank&cursor=${productsCursor}`,
        `/v1/customers?cursor=${productsCursor}`,
      ]) {
        const problem = expectProblem(await t.get(path, admin), 400, 'invalid_cursor');
        expect(problem.parameter).toBe('cursor');
      }
    });

    it('answers 404 for unknown customers and products on every look-up route', async () => {
      for (const path of [
        '/v1/customers/C99999999',
        '/v1/customers/C99999999/history',
        '/v1/customers/C99999999/orders',
        '/v1/customers/C99999999/events',
        '/v1/products/P99999999',
      ]) {
        expectProblem(await t.get(path, admin), 404, 'not_found');
      }
    });
  });

  describe('GraphQL errors', () => {
    const run = (query: string, variables: Record<string, unknown> = {}, token = admin) =>
      t.graphql<Record<string, unknown>>(query, variables, token);
    const codeOf = (response: TestResponse<GraphqlBody<unknown>>): string | undefined =>
      response.body.errors?.[0]?.extensions?.code;

    it.each([
      [
        'an unknown field',
        '{ customers { edges { node { customerId shoeSize } } } }',
        'GRAPHQL_VALIDATION_FAILED',
      ],
      ['an unknown argument', '{ customers(limit: 5) { totalCount } }', 'GRAPHQL_VALIDATION_FAILED'],
      ['an unknown root field', '{ users { id } }', 'GRAPHQL_VALIDATION_FAILED'],
      [
        'an argument of the wrong type',
        '{ customers(first: "ten") { totalCount } }',
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'a missing required argument',
        '{ ordersDaily(from: "2024-12-01") { date } }',
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'a malformed DateTime',
        '{ customer(id: "C1", asOf: "yesterday") { customerId } }',
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'an impossible Date',
        '{ ordersDaily(from: "2024-02-30", to: "2024-03-01") { date } }',
        'GRAPHQL_VALIDATION_FAILED',
      ],
      ['a syntax error', '{ customers { edges { node { customerId }', 'GRAPHQL_PARSE_FAILED'],
      ['an unknown enum value', '{ customers(sort: NAME) { totalCount } }', 'GRAPHQL_VALIDATION_FAILED'],
    ])('%s is a 400 GraphQL error', async (_case, query, code) => {
      const response = await run(query);
      expect(response.status).toBe(400);
      expect(codeOf(response)).toBe(code);
      expect(response.body.data).toBeUndefined();
    });

    it('a variable of the wrong type is a 400 too', async () => {
      const response = await run('query($first: Int!) { customers(first: $first) { totalCount } }', {
        first: 'x',
      });
      expect(response.status).toBe(400);
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
    });

    it.each([
      ['customers(first: 0)', '{ customers(first: 0) { totalCount } }', 'INVALID_PARAMETER', 'first'],
      ['customers(first: 201)', '{ customers(first: 201) { totalCount } }', 'INVALID_PARAMETER', 'first'],
      [
        'nested orders(first: 500)',
        `{ customers(first: 1) { edges { node { orders(first: 500) { totalCount } } } } }`,
        'INVALID_PARAMETER',
        'first',
      ],
      [
        'a negative minLtv',
        '{ customers(filter: { minLtv: -1 }) { totalCount } }',
        'INVALID_PARAMETER',
        'filter.minLtv',
      ],
      [
        'minLtv with 3 decimals',
        '{ customers(filter: { minLtv: 1.234 }) { totalCount } }',
        'INVALID_PARAMETER',
        'filter.minLtv',
      ],
      [
        'a bad country',
        '{ customers(filter: { country: "DEU" }) { totalCount } }',
        'INVALID_PARAMETER',
        'filter.country',
      ],
      [
        'a bad email',
        '{ customers(filter: { email: "nope" }) { totalCount } }',
        'INVALID_PARAMETER',
        'filter.email',
      ],
      [
        'an unknown segment',
        '{ customers(filter: { segment: ["whales"] }) { totalCount } }',
        'UNKNOWN_SEGMENT',
        'segment',
      ],
      ['a garbage cursor', '{ customers(after: "garbage") { totalCount } }', 'INVALID_CURSOR', 'cursor'],
      [
        'asOf after the snapshot',
        '{ customer(id: "C00000001", asOf: "2099-01-01") { customerId } }',
        'INVALID_PARAMETER',
        'as_of',
      ],
      [
        'from after to',
        '{ ordersDaily(from: "2024-12-31", to: "2024-12-01") { date } }',
        'INVALID_PARAMETER',
        'from',
      ],
      ['a bad id', '{ customer(id: "C 1") { customerId } }', 'INVALID_PARAMETER', 'id'],
    ])('%s is a GraphQL error with a code naming the argument', async (_case, query, code, parameter) => {
      const response = await run(query);
      expect(response.status).toBe(200);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code, parameter });
      expect(response.body.errors?.[0]?.extensions?.status).toBeLessThan(500);
    });

    it('the email filter is FORBIDDEN to roles without filter:email', async () => {
      const response = await run(
        '{ customers(filter: { email: "a@example.com" }) { totalCount } }',
        {},
        analyst,
      );
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    });

    it('refuses an operation nested deeper than the limit, and accepts the introspection query', async () => {
      let deep = '{ name }';
      for (let i = 0; i < 20; i++) deep = `{ ofType ${deep} }`;
      const response = await run(`{ __type(name: "Customer") { fields { type ${deep} } } }`);
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', max_depth: 16 });
      expect(response.body.errors?.[0]?.message).toMatch(/nested \d+ levels deep; at most 16/);
      const introspection = await run(getIntrospectionQuery());
      expect(introspection.status).toBe(200);
      expect(introspection.body.errors).toBeUndefined();
    });

    it('refuses an operation estimated above the complexity limit, with the numbers', async () => {
      const response = await run(`{ customers(first: 200) { edges { node {
          orders(first: 200) { edges { node { lines { product { name } } } } } } } } }`);
      expect(response.status).toBe(400);
      const error = response.body.errors?.[0];
      expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', max_complexity: 100000 });
      expect(Number(error?.extensions?.complexity)).toBeGreaterThan(100000);
      // Variables count: the same shape with a small page passes.
      const small = await run(
        `query($n: Int!) { customers(first: $n) { edges { node { orders(first: $n) { edges { node { lines { product { name } } } } } } } } }`,
        { n: 5 },
      );
      expect(small.body.errors).toBeUndefined();
      const big = await run(
        `query($n: Int!) { customers(first: $n) { edges { node { orders(first: $n) { edges { node { lines { product { name } } } } } } } } }`,
        { n: 200 },
      );
      expect(big.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    });
  });
});

describe('rate limiting per token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { C360_RATE_LIMIT_RPS: '1', C360_RATE_LIMIT_BURST: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After once a token spent its burst, on REST and GraphQL alike; other tokens go on', async () => {
    const busy = await t.token(['analyst'], { sub: 'busy' });
    const other = await t.token(['analyst'], { sub: 'other' });
    for (let i = 0; i < 3; i++) expect((await t.get('/v1/customers?limit=1', busy)).status).toBe(200);
    const limited = await t.get('/v1/customers?limit=1', busy);
    const problem = expectProblem(limited, 429, 'rate_limited');
    expect(problem.retry_after).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('retry-after')).toBe(String(problem.retry_after));
    const graphql = await t.graphql('{ customers(first: 1) { totalCount } }', {}, busy);
    expect(graphql.status).toBe(429);
    expect(graphql.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await t.get('/v1/customers?limit=1', other)).status).toBe(200);
    // A bad token is refused before it can use anyone's budget.
    expectProblem(await t.get('/v1/customers?limit=1', 'not.a.token'), 401, 'unauthenticated');
  });
});
