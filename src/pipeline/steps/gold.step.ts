import { DuckDBConnection } from '@duckdb/node-api';
import { safeMessage } from '../../common/safe-message';
import { execute, queryRows, quoteIdent } from '../../duckdb/duckdb';
import { GoldModel } from '../gold-models';
import { RunContext, StepResult, throwIfCancelled } from '../run-context';
import { MONEY_AVG_MACRO, segmentSql } from '../segments';

export async function buildModel(connection: DuckDBConnection, model: GoldModel): Promise<number> {
  try {
    await execute(connection, `create or replace table ${quoteIdent(model.name)} as\n${model.sql}`);
  } catch (error) {
    throw new Error(`gold model ${model.name} (${model.file}) failed: ${safeMessage(error)}`);
  }
  const [count] = await queryRows<{ n: number }>(
    connection,
    `select count(*) as n from ${quoteIdent(model.name)}`,
  );
  return count.n;
}

/** gold/*.sql in dependency order, each as a table of the run's database. */
export async function goldStep(ctx: RunContext): Promise<StepResult> {
  await execute(ctx.connection, MONEY_AVG_MACRO);
  for (const statement of segmentSql(ctx.segments)) await execute(ctx.connection, statement);
  let rows = 0;
  for (const model of ctx.models) {
    throwIfCancelled(ctx.signal);
    const count = await buildModel(ctx.connection, model);
    rows += count;
    ctx.log.debug({ model: model.name, rows: count }, 'model built');
    await ctx.observer.modelBuilt?.(ctx.run, model, { name: model.name, rows: count }, model.dependsOn);
  }
  const [c360] = await queryRows<{ n: number }>(ctx.connection, 'select count(*) as n from customer_360');
  return { rowsIn: rows, rowsOut: c360.n };
}
