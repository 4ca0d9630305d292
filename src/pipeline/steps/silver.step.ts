import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { queryRows } from '../../duckdb/duckdb';
import { RunContext, StepResult } from '../run-context';
import { buildSilver, createBronzeViews } from '../silver';

/** Bronze (every committed file plus this run's) → silver tables and the customer change log. */
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
  await buildSilver(ctx.connection, ctx.sources);
  const [counts] = await queryRows<{ rows_in: number; rows_out: number }>(
    ctx.connection,
    `select (select count(*) from stg_customers) + (select count(*) from stg_orders) + (select count(*) from stg_order_items)
            + (select count(*) from stg_products) + (select count(*) from stg_events) as rows_in,
            (select count(*) from silver_customers) + (select count(*) from silver_orders) + (select count(*) from silver_order_items)
            + (select count(*) from silver_products) + (select count(*) from silver_events) as rows_out`,
  );
  return { rowsIn: counts.rows_in, rowsOut: counts.rows_out };
}
