import { startTestApp, TestApp } from './support/test-app';

/**
 * The serving hot path's shortcuts keep answers identical: GraphQL queries answered from the
 * response cache (per caller key and snapshot, never for callers who see PII in clear), query and
 * path DTOs validated once, masking applied by the one response interceptor.
 */

const TOP = `query ($segment: [String!]) {
  customers(filter: { segment: $segment }, sort: LIFETIME_VALUE_DESC, first: 5) {
    edges { cursor node { customerId email lifetimeValue ordersCount } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Top {
  customers: {
    edges: Array<{ cursor: string; node: { customerId: string; email: string | null } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const counter = async (t: TestApp, name: 'hits' | 'misses'): Promise<number> => {
  const response = await t.get<string>('/metrics');
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  const match = new RegExp(`^c360_response_cache_${name}_total (\\d+)$`, 'm').exec(text);
  if (!match) throw new Error(`no c360_response_cache_${name}_total on /metrics`);
  return Number(match[1]);
};

describe('serving fast path', () => {
  let t: TestApp;
  let analyst: string;
  let support: string;

  beforeAll(async () => {
    t = await startTestApp();
    analyst = await t.token(['analyst'], { sub: 'fast-analyst' });
    support = await t.token(['support'], { sub: 'fast-support' });
  });
  afterAll(async () => {
    await t.close();
  });

  const queries = (): number => t.reader().snapshot()?.queryCount ?? 0;

  it('answers a repeated GraphQL query from the cache, byte for byte, with the same headers', async () => {
    const variables = { segment: ['champions'] };
    const first = await t.graphql<Top>(TOP, variables, analyst);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    const hits = await counter(t, 'hits');
    const before = queries();
    const second = await t.graphql<Top>(TOP, variables, analyst);
    expect(queries()).toBe(before);
    expect(await counter(t, 'hits')).toBe(hits + 1);
    expect(second.body).toEqual(first.body);
    for (const header of ['x-c360-snapshot', 'cache-control', 'content-type']) {
      expect(second.headers.get(header)).toBe(first.headers.get(header));
    }
    expect(second.headers.get('cache-control')).toBe('no-store');
    // Masked for the analyst, cursors usable for the next page.
    const edges = second.body.data?.customers.edges ?? [];
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.every((e) => e.node.email === null || e.node.email.includes('*'))).toBe(true);
    expect(second.body.data?.customers.pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
    const next = await t.graphql<Top>(
      TOP.replace('first: 5)', 'first: 5, after: $after)').replace(
        '($segment: [String!])',
        '($segment: [String!], $after: String)',
      ),
      { ...variables, after: edges[edges.length - 1].cursor },
      analyst,
    );
    expect(next.body.errors).toBeUndefined();
  });

  it('keys the cache by caller: other variables, roles or scope are computed', async () => {
    await t.graphql<Top>(TOP, { segment: ['loyal'] }, analyst);
    const before = queries();
    const other = await t.graphql<Top>(TOP, { segment: ['at_risk'] }, analyst);
    expect(other.body.errors).toBeUndefined();
    expect(queries()).toBeGreaterThan(before);
    // ordersCount is a customer_360 column: the page is one read, not one more per customer.
    expect(other.body.data?.customers.edges.length).toBeGreaterThan(1);
    expect(queries() - before).toBeLessThanOrEqual(2);
    const scoped = await t.token(['analyst'], { sub: 'fast-scoped', countries: ['DE'] });
    const scopedBefore = queries();
    const answer = await t.graphql<Top>(TOP, { segment: ['loyal'] }, scoped);
    expect(answer.body.errors).toBeUndefined();
    expect(queries()).toBeGreaterThan(scopedBefore);
  });

  it('never caches GraphQL reads of callers who see PII in clear (each is audited)', async () => {
    const variables = { segment: ['champions'] };
    await t.graphql<Top>(TOP, variables, support);
    const before = queries();
    const again = await t.graphql<Top>(TOP, variables, support);
    expect(again.body.errors).toBeUndefined();
    expect(queries()).toBeGreaterThan(before);
  });

  it('validates query parameters once yet refuses bad ones every time', async () => {
    for (let i = 0; i < 2; i++) {
      const good = await t.get<{ data: unknown[] }>('/v1/customers?segment=champions&limit=3', analyst);
      expect(good.status).toBe(200);
      expect(good.body.data.length).toBeLessThanOrEqual(3);
      const bad = await t.get<{ parameter: string }>('/v1/customers?limit=500', analyst);
      expect(bad.status).toBe(400);
      expect(bad.body.parameter).toBe('limit');
      const unknown = await t.get<{ parameter: string }>('/v1/customers?limit=3&bogus=1', analyst);
      expect(unknown.status).toBe(400);
      expect(unknown.body.parameter).toBe('bogus');
    }
  });
});
