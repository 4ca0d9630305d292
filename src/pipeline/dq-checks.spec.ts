import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../config/config';
import { connect, execute, openDuckDb } from '../duckdb/duckdb';
import { changedRowsSql, DqConfigError, loadDqChecks, runDqChecks } from './dq-checks';
import { loadGoldModels } from './gold-models';

function checksFrom(yaml: string): ReturnType<typeof loadDqChecks> {
  const dir = mkdtempSync(join(tmpdir(), 'c360-checks-'));
  try {
    mkdirSync(join(dir, 'gold', 'checks'), { recursive: true });
    writeFileSync(join(dir, 'gold', 'checks', 't.yaml'), yaml);
    return loadDqChecks(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('data-quality checks', () => {
  it('every gold table has a checks file, and every check type is used', () => {
    const checks = loadDqChecks(PACKAGE_ROOT);
    const tables = new Set(checks.map((c) => c.table));
    for (const model of loadGoldModels(PACKAGE_ROOT)) expect(tables).toContain(model.name);
    expect(new Set(checks.map((c) => c.type))).toEqual(
      new Set([
        'not_null',
        'unique',
        'accepted_values',
        'range',
        'relationships',
        'row_count',
        'freshness',
        'sql',
      ]),
    );
  });

  it('counts failing rows per check, row-level checks of a table in one scan', async () => {
    const checks = checksFrom(`table: t
checks:
  - { type: not_null, column: a, severity: critical }
  - { type: unique, column: a, severity: critical }
  - { type: accepted_values, column: s, values: [x, y], severity: warn }
  - { type: range, column: n, min: 0, max: 10, severity: critical }
  - { type: relationships, column: a, to: u, field: id, severity: warn }
  - { type: row_count, min: 5, severity: warn }
  - { type: freshness, column: ts, max_age_hours: 24, severity: warn }
  - { name: big, type: sql, sql: "select * from t where n > 5", severity: warn }
`);
    expect(checks.filter((c) => c.predicate)).toHaveLength(3);
    const instance = await openDuckDb(':memory:');
    const connection = await connect(instance);
    try {
      await execute(connection, `set variable as_of = timestamp '2025-01-02 00:00:00'`);
      await execute(
        connection,
        `create table t as select * from (values
           (1, 'x', 1, timestamp '2024-12-01 00:00:00'), (1, 'z', 20, timestamp '2024-12-31 00:00:00'),
           (null, 'y', -1, timestamp '2024-12-30 00:00:00')) v(a, s, n, ts)`,
      );
      await execute(connection, 'create table u as select 2 as id');
      const results = await runDqChecks(connection, checks);
      expect(results.map((r) => [r.check, r.type, r.passed, r.failing_rows])).toEqual([
        ['not_null:a', 'not_null', false, 1],
        ['unique:a', 'unique', false, 1],
        ['accepted_values:s', 'accepted_values', false, 1],
        ['range:n', 'range', false, 2],
        ['relationships:a', 'relationships', false, 2],
        ['row_count', 'row_count', false, 1],
        ['freshness:ts', 'freshness', false, 1],
        ['big', 'sql', false, 1],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('checks only the rewritten rows when told to (incremental runs)', async () => {
    const checks = checksFrom(`table: t
checks:
  - { type: unique, columns: [a, b], severity: critical }
  - { type: range, column: n, min: 0, severity: critical }
  - { type: relationships, column: a, to: u, field: id, severity: critical }
  - { type: row_count, min: 1, severity: critical }
`);
    const incremental = new Set(['t', 'u']);
    expect(changedRowsSql(checks[3], 'delta_t', incremental)).toBeNull();
    const instance = await openDuckDb(':memory:');
    const connection = await connect(instance);
    try {
      // t holds an old duplicate (1, 'x') and an old negative n that the delta does not touch
      await execute(
        connection,
        `create table t as select * from (values (1, 'x', -5), (1, 'x', 1), (2, 'y', 1), (3, 'z', -1), (3, 'z', 2)) v(a, b, n)`,
      );
      await execute(
        connection,
        `create table delta_t as select * from (values (3, 'z', -1), (3, 'z', 2)) v(a, b, n)`,
      );
      await execute(connection, 'create table u as select * from (values (1), (2)) v(id)');
      const results = await runDqChecks(
        connection,
        checks
          .slice(0, 3)
          .map((check) => ({ check, changedRowsSql: changedRowsSql(check, 'delta_t', incremental) })),
      );
      expect(results.map((r) => [r.check, r.scope, r.failing_rows])).toEqual([
        ['unique:a,b', 'changed_customers', 1],
        ['range:n', 'changed_customers', 1],
        ['relationships:a', 'changed_customers', 2],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('refuses unknown types, bad severities and identifiers that are not names', () => {
    expect(() => checksFrom('table: t\nchecks:\n  - { type: nope }')).toThrow(DqConfigError);
    expect(() => checksFrom('table: t\nchecks:\n  - { type: not_null, column: a, severity: fatal }')).toThrow(
      /severity/,
    );
    expect(() => checksFrom('table: t\nchecks:\n  - { type: not_null, column: "a; drop table t" }')).toThrow(
      /column/,
    );
  });
});
