import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { connect, execute, openDuckDb, queryRows } from '../duckdb/duckdb';
import { MONEY_AVG_MACRO } from './segments';

/** The HUGEINT-only definition money_avg had before its BIGINT fast path: the reference. */
const REFERENCE = `create or replace temp macro money_avg_reference(total, n) as
  case when n > 0 then
    ((sign((total * 10000)::hugeint) * ((abs((total * 10000)::hugeint) + 50 * n) // (100 * n)))::decimal(38, 0)
      * 0.01::decimal(3, 2))::decimal(18, 2)
  end`;

describe('money_avg (exact average to cents, half away from zero)', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    instance = await openDuckDb(':memory:');
    connection = await connect(instance);
    await execute(connection, MONEY_AVG_MACRO);
    await execute(connection, REFERENCE);
  });

  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  const mismatches = async (table: string): Promise<number> => {
    const [row] = await queryRows<{ n: number; total: number }>(
      connection,
      `select count(*) filter (where money_avg(t, n) is distinct from money_avg_reference(t, n)) as n,
              count(*) as total
       from ${table}`,
    );
    expect(row.total).toBeGreaterThan(0);
    return row.n;
  };

  it('equals the HUGEINT definition on ties, signs, edges of the fast path and huge totals', async () => {
    await execute(connection, `create table edges (t decimal(38, 4), n bigint)`);
    await execute(
      connection,
      `insert into edges
       select t * s, n
       from (values (0.0050), (0.0150), (0.0149), (0.0151), (2.5050), (0.0000), (0.0001), (99999999999.9999),
                    (100000000000.0000), (100000000000.0001), (123456789012345.6789),
                    (33333333333.3350), (1e15), (0.005)) v(t),
            (values (1), (-1)) w(s),
            (values (null::bigint), (0), (1), (2), (3), (7), (9), (50), (1000003), (9223372036854)) x(n)`,
    );
    expect(await mismatches('edges')).toBe(0);
    // a NULL total stays NULL, as before
    const [row] = await queryRows<{ v: string | null }>(
      connection,
      'select money_avg(null::decimal(38, 4), 3) as v',
    );
    expect(row.v).toBeNull();
  });

  it('equals it on 400,000 generated totals (exact half-cent ties among them), DECIMAL(38,4) and (18,2)', async () => {
    await execute(
      connection,
      `create table generated as
       select (case when i % 3 = 0 then ((i * 37) % 100000000)::decimal(38, 4) / 10000 * (1 + i % 50)
                    when i % 3 = 1 then ((i * 5) % 2000000)::decimal(38, 4) / 10000 * 50 -- x.xx50 ties
                    else (random() * 100000000)::decimal(38, 4) end)
              * (case when i % 7 = 0 then -1 else 1 end) as t,
              (1 + i % 50)::bigint as n
       from range(400000) r(i)`,
    );
    expect(await mismatches('generated')).toBe(0);
    await execute(connection, `create table cents as select t::decimal(18, 2) as t, n from generated`);
    expect(await mismatches('cents')).toBe(0);
  });
});
