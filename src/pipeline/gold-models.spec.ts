import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../config/config';
import {
  loadGoldModels,
  ModelDefinitionError,
  modelsFingerprint,
  orderModels,
  scopedModelSql,
} from './gold-models';

function configWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'c360-models-'));
  mkdirSync(join(dir, 'gold'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, 'gold', name), sql);
  return dir;
}

describe('gold models', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const load = (files: Record<string, string>) => {
    const dir = configWith(files);
    dirs.push(dir);
    return loadGoldModels(dir);
  };

  it('reads the shipped models with their headers, in dependency order', () => {
    const models = orderModels(loadGoldModels(PACKAGE_ROOT));
    const position = (name: string) => models.findIndex((m) => m.name === name);
    expect(position('dim_customer')).toBeLessThan(position('fact_order_lines'));
    expect(position('fact_order_lines')).toBeLessThan(position('fact_orders'));
    expect(position('int_customer_metrics')).toBeLessThan(position('customer_360'));
    expect(position('customer_360')).toBeLessThan(position('segment_summary'));
    const metrics = models.find((m) => m.name === 'int_customer_metrics');
    expect(metrics).toMatchObject({
      materialized: 'incremental',
      partitionBy: 'customer_id',
      uniqueKey: ['customer_id'],
      internal: true,
      asOfWindows: [
        { relation: 'fact_orders', expression: 'order_ts' },
        { relation: 'fact_events', expression: 'event_ts' },
        { relation: 'fact_events', expression: 'event_ts + interval 720 hour' },
      ],
    });
    expect(models.find((m) => m.name === 'customer_360')).toMatchObject({
      materialized: 'table',
      internal: false,
    });
  });

  it('refuses cycles, incremental models without a key, and windows on relations not read', () => {
    const cycle = load({
      'a.sql': '-- depends_on: b\nselect 1 as x',
      'b.sql': '-- depends_on: a\nselect 1 as x',
    });
    expect(() => orderModels(cycle)).toThrow(/cycle: a → b → a/);
    expect(() =>
      load({
        'c.sql': '-- materialized: incremental\n-- partition_by: customer_id\nselect 1 as customer_id',
      }),
    ).toThrow(ModelDefinitionError);
    expect(() =>
      load({
        'd.sql': '-- materialized: incremental\n-- partition_by: order_id\n-- unique_key: x\nselect 1',
      }),
    ).toThrow(/partition_by must be customer_id/);
    expect(() =>
      load({
        'e.sql':
          '-- depends_on: x\n-- materialized: incremental\n-- partition_by: customer_id\n-- unique_key: customer_id\n-- as_of_window: y.ts\nselect 1',
      }),
    ).toThrow(/relation y is not in depends_on/);
    expect(() => load({ 'Bad-Name.sql': 'select 1' })).toThrow(/bad model name/);
  });

  it('fingerprints the model set: any change to a model file changes it', () => {
    const a = load({ 'a.sql': 'select 1 as x' });
    const b = load({ 'a.sql': 'select 2 as x' });
    expect(modelsFingerprint(a, 1)).toBe(modelsFingerprint(load({ 'a.sql': 'select 1 as x' }), 1));
    expect(modelsFingerprint(a, 1)).not.toBe(modelsFingerprint(b, 1));
    expect(modelsFingerprint(a, 1)).not.toBe(modelsFingerprint(a, 2));
  });

  it('re-aims a shipped model for row-scoped readers: its one input and its as_of replaced', () => {
    const sql = scopedModelSql('orders_daily', 'fact_orders', '(select 1 as scoped)', '$9');
    expect(sql).toContain('from (select 1 as scoped) as fact_orders');
    expect(sql).not.toMatch(/from\s+fact_orders\b/);
    expect(sql).not.toContain('getvariable');
    expect(sql).toContain('order_ts <= $9');
    expect(scopedModelSql('product_performance', 'fact_order_lines', '(select 1)', '$1')).toContain(
      'from (select 1) as fact_order_lines',
    );
    // a model that does not read the input (exactly once) cannot be scoped
    expect(() => scopedModelSql('orders_daily', 'fact_order_lines', 'x', '$1')).toThrow(ModelDefinitionError);
  });
});
