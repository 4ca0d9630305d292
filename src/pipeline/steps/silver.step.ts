import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { queryRows } from '../../duckdb/duckdb';
import { ENTITIES } from '../../ingest/source-definition';
import { CHANGED_CUSTOMERS, computeChangedCustomers } from '../changed-customers';
import { bookkeeping, DatasetFacts, RunContext, StepResult } from '../run-context';
import { buildScopedSilver, buildSilver, createBronzeViews, createSilverViews } from '../silver';

const SILVER_TABLES = [...ENTITIES.map((e) => `silver_${e}`), 'silver_customer_changes'];
/** Products are read whole (a lookup); the other silver relations are scoped to the changed customers. */
const SCOPED_TABLES = SILVER_TABLES.filter((t) => t !== 'silver_products').map((t) => `scoped_${t}`);

/** Row counts for the run record and lineage: bookkeeping, not part of the benchmark floor. */
async function count(ctx: RunContext, relation: string): Promise<number> {
  return bookkeeping(ctx, async () => {
    const [row] = await queryRows<{ n: number }>(ctx.connection, `select count(*) as n from ${relation}`);
    return row.n;
  });
}

/**
 * Bronze (every committed file plus this run's) → silver. A full build materialises silver whole.
 * An incremental build finds the customers the run's rows touched (plus those whose rows crossed a
 * moved as_of) and materialises only the silver rows their models read (`scoped_silver_*`).
 */
export async function silverStep(ctx: RunContext): Promise<StepResult> {
  const committed = await ctx.registry.bronzeFiles();
  const bronze = new Map<string, string[]>();
  for (const source of ctx.sources) {
    const files = (committed.get(source.name) ?? []).map((p) => (isAbsolute(p) ? p : join(ctx.dirs.root, p)));
    const current = ctx.extracted.find((e) => e.source.name === source.name)?.result;
    if (current?.bronzePath && current.loaded > 0) files.push(current.bronzePath);
    bronze.set(
      source.name,
      files.filter((f) => existsSync(f)),
    );
  }
  await createBronzeViews(ctx.connection, ctx.sources, bronze);
  const inputs: DatasetFacts[] = ctx.sources.map((s) => ({
    name: s.name,
    layer: 'bronze',
    rows: null,
  }));

  if (ctx.plan.kind === 'full' || !ctx.base) {
    await buildSilver(ctx.connection, ctx.sources);
    const outputs: DatasetFacts[] = [];
    for (const table of SILVER_TABLES) {
      outputs.push({ name: table, layer: 'silver', rows: await count(ctx, table) });
    }
    let rowsIn = 0;
    for (const entity of ENTITIES) rowsIn += await count(ctx, `stg_${entity}`);
    const rowsOut = outputs
      .filter((o) => o.name !== 'silver_customer_changes')
      .reduce((n, o) => n + (o.rows ?? 0), 0);
    return { rowsIn, rowsOut, inputs, outputs };
  }

  await createSilverViews(ctx.connection, ctx.sources);
  const changed = await computeChangedCustomers(ctx.connection, {
    runId: ctx.run.id,
    sources: ctx.sources,
    loaded: new Set(ctx.extracted.filter((e) => e.result.loaded > 0).map((e) => e.source.entity)),
    models: ctx.models.filter((m) => m.materialized === 'incremental'),
    basePath: ctx.snapshots.serveDbPath(ctx.base.snapshot_id),
    baseAsOf: new Date(ctx.base.as_of),
    asOf: ctx.asOf,
  });
  ctx.plan.changed_customers = changed;
  ctx.run.plan = ctx.plan;
  await buildScopedSilver(ctx.connection, ctx.sources, CHANGED_CUSTOMERS);
  const outputs: DatasetFacts[] = [{ name: CHANGED_CUSTOMERS, layer: 'silver', rows: changed }];
  for (const table of SCOPED_TABLES)
    outputs.push({ name: table, layer: 'silver', rows: await count(ctx, table) });
  const rowsIn = ctx.extracted.reduce((n, e) => n + e.result.loaded, 0);
  const rowsOut = outputs.filter((o) => o.name !== CHANGED_CUSTOMERS).reduce((n, o) => n + (o.rows ?? 0), 0);
  return { rowsIn, rowsOut, inputs, outputs };
}
