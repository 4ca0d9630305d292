import { parseResult, RESULT_MARKER, wrkScript } from './load-generator';
import { groupOrders, parseRoute, servingSql } from './plain-common';
import { pgType } from './pg-load';
import { renderScale, ScaleOutcome, ServerOutcome } from './serving-report';
import { typeSyntax } from './serving-requests';

describe('serving bench peers', () => {
  it('writes a wrk script whose header keys are not read as Lua long strings', () => {
    const script = wrkScript(
      {
        method: 'POST',
        path: '/graphql',
        body: '{"query":"q","variables":{"id":"{v}"}}',
        headers: { authorization: 'Bearer x]]y' },
        values: [],
        pick: 'random',
      },
      '/tmp/values.txt',
    );
    expect(script).toContain('wrk.headers[ [=[authorization]=] ] = [=[Bearer x]]y]=]');
    expect(script).toContain(
      'local body_prefix, body_suffix = [=[{"query":"q","variables":{"id":"]=], [=["}}]=]',
    );
    expect(script).not.toMatch(/\[\[/);
  });

  it('parses the result line of a load run', () => {
    const result = parseResult(
      `noise\n${RESULT_MARKER} {"requests":2000,"duration_us":2000000,"p50_us":1500,"p99_us":9000,"errors":1,"bad_status":2}\n`,
    );
    expect(result).toEqual({
      requests: 2000,
      seconds: 2,
      rps: 1000,
      p50Ms: 1.5,
      p99Ms: 9,
      errors: 1,
      badStatus: 2,
    });
    expect(() => parseResult('no result')).toThrow(/no result/);
  });

  it('routes the three REST shapes of the plain peers', () => {
    expect(parseRoute('GET', '/v1/customers/C00000042')).toEqual({ kind: 'customer', id: 'C00000042' });
    expect(parseRoute('GET', '/v1/customers?segment=loyal&sort=-lifetime_value&limit=50')).toEqual({
      kind: 'segment',
      segment: 'loyal',
      limit: 50,
    });
    expect(parseRoute('GET', '/v1/customers/C1/orders?limit=10')).toEqual({
      kind: 'orders',
      id: 'C1',
      limit: 10,
    });
    expect(parseRoute('GET', '/v1/customers?segment=loyal&sort=customer_id')?.kind).toBe('bad');
    expect(parseRoute('POST', '/v1/customers/C1')).toBeNull();
    expect(parseRoute('GET', '/v1/products')).toBeNull();
  });

  it('uses one SQL text for both plain peers, surrogate keys as text', () => {
    const sql = servingSql(
      { customers: 'c', orders: 'o2', lines: 'l2' },
      {
        customers: ['customer_id', 'customer_sk', 'segment'],
        orders: ['order_id', 'customer_sk', 'order_ts'],
      },
    );
    expect(sql.customerById).toBe(
      'select customer_id, cast(customer_sk as varchar) as customer_sk, segment from c where customer_id = $1',
    );
    expect(sql.topOfSegment).toContain('order by lifetime_value desc, customer_id asc limit $2');
    expect(sql.ordersWithLines).toContain('order by order_ts desc, order_id desc limit $2');
    expect(sql.ordersWithLines).toContain('left join l2 l on l.order_id = o.order_id and l.customer_id = $1');
  });

  it('folds joined order rows into orders with their lines', () => {
    const orders = groupOrders([
      { order_id: 'O2', line__line_no: 1, line__product_id: 'P1' },
      { order_id: 'O2', line__line_no: 2, line__product_id: 'P2' },
      { order_id: 'O1', line__line_no: null, line__product_id: null },
    ]);
    expect(orders.map((o) => [o.order_id, (o.lines as unknown[]).length])).toEqual([
      ['O2', 2],
      ['O1', 0],
    ]);
    expect((orders[0].lines as Array<Record<string, unknown>>)[1]).toMatchObject({
      line_no: 2,
      product_id: 'P2',
    });
  });

  it('maps DuckDB column types to PostgreSQL and GraphQL type refs to syntax', () => {
    expect(pgType('DECIMAL(18,2)')).toBe('numeric(18,2)');
    expect(pgType('TIMESTAMP')).toBe('timestamp');
    expect(pgType('BIGINT')).toBe('bigint');
    expect(
      typeSyntax({
        kind: 'LIST',
        name: null,
        ofType: { kind: 'NON_NULL', name: null, ofType: { kind: 'SCALAR', name: 'String', ofType: null } },
      }),
    ).toBe('[String!]');
  });

  it('renders missing routes and servers that did not run instead of failing', () => {
    const server = (cells: ServerOutcome['cells'], unavailable: string | null = null): ServerOutcome => ({
      unavailable,
      cells,
      memory: null,
      description: '',
    });
    const run = { requests: 30000, seconds: 10, rps: 3000, p50Ms: 2, p99Ms: 8, errors: 0, badStatus: 0 };
    const outcome: ScaleOutcome = {
      scale: 1,
      rows: { customers: 10, orders: 20, orderLines: 30 },
      seconds: { generate: 1, build: 2, pgLoad: null, measure: 3 },
      servers: {
        c360: server({
          by_id: {
            state: 'measured',
            runs: [run, { ...run, rps: 1000 }, { ...run, rps: 2000 }],
            failures: [],
          },
          orders_lines: { state: 'na', reason: 'n/a (route missing)' },
        }),
        postgraphile: server({}, 'PostgreSQL unreachable'),
        plain_pg: server({}, 'PostgreSQL unreachable'),
        plain_duckdb: server({ by_id: { state: 'measured', runs: [run], failures: [] } }),
      },
      disagreements: [],
      comparisons: 4,
      notes: [],
    };
    const markdown = renderScale(outcome);
    expect(markdown).toContain(
      '| one customer by id | 2,000 rps / 8.0 ms | not run | not run | 3,000 / 8.0 ms | — |',
    );
    expect(markdown).toContain('n/a (route missing)');
    expect(markdown).toContain('| ≥ 18,000 rps, p99 ≤ 10 ms | no |');
  });
});
