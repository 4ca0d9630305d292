import Database from 'better-sqlite3';
import { createTableSql, insertSql, keyText, VERSIONS } from './serving-store.schema';

describe('serving store schema', () => {
  it('inserts many rows per statement, one placeholder per value', () => {
    const sql = insertSql(VERSIONS, 3);
    expect(sql.match(/\?/g)).toHaveLength(3 * VERSIONS.columns.length);
    expect(sql.match(/\(\?/g)).toHaveLength(3);
    expect(insertSql(VERSIONS)).toBe(insertSql(VERSIONS, 1));
  });

  it('stores 60-bit surrogate keys as integers and reads back their exact decimal text', () => {
    const db = new Database(':memory:');
    try {
      const [create] = createTableSql(VERSIONS);
      db.exec(create);
      const keys = [1152921504606846975n, 1152921504606846973n, 9007199254740993n, 42n];
      const rows = keys.map((key, i): Array<string | number | bigint | null> => [
        `C${i}`,
        1,
        key,
        ...VERSIONS.columns.slice(3).map(() => null),
      ]);
      db.prepare(insertSql(VERSIONS, rows.length)).run(rows.flat());
      const stored = db.prepare(`select typeof(customer_sk) as t from versions`).all() as Array<{
        t: string;
      }>;
      expect(stored.every((r) => r.t === 'integer')).toBe(true);
      const read = db
        .prepare(`select ${keyText('customer_sk')} from versions order by customer_id`)
        .all() as Array<{ customer_sk: string }>;
      expect(read.map((r) => r.customer_sk)).toEqual(keys.map(String));
    } finally {
      db.close();
    }
  });
});
