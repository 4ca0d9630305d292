import { safeMessage } from '../../common/safe-message';
import { execute, queryRows, quoteIdent } from '../../duckdb/duckdb';
import { SNAPSHOT_ALIAS, SnapshotWriter } from '../../snapshots/snapshot-writer';
import { CHANGED_CUSTOMERS } from '../changed-customers';
import { GoldModel, PARTITION_KEY } from '../gold-models';
import { bookkeeping, DatasetFacts, RunContext, StepResult, throwIfCancelled } from '../run-context';
import { MONEY_AVG_MACRO, segmentSql } from '../segments';

export class ModelBuildError extends Error {
  constructor(model: GoldModel, cause: unknown) {
    super(`gold model ${model.name} (${model.file}) failed: ${safeMessage(cause)}`);
  }
}

/** Columns of a relation the run can see (a snapshot table or a silver relation). */
async function columnsOf(
  ctx: RunContext,
  relation: string,
  database: string | null,
): Promise<Array<{ name: string; type: string }>> {
  const rows = await queryRows<{ column_name: string; data_type: string }>(
    ctx.connection,
    `select column_name, data_type from duckdb_columns()
     where table_name = $1 and schema_name = 'main' and ($2::varchar is null or database_name = $2)
     order by column_index`,
    [relation, database],
  );
  return rows.map((r) => ({ name: r.column_name, type: r.data_type }));
}

/** What lineage and the manifest report about a model's output: rows and schema. */
async function describeModel(
  ctx: RunContext,
  writer: SnapshotWriter,
  model: GoldModel,
): Promise<DatasetFacts> {
  return bookkeeping(ctx, async () => {
    const [row] = await queryRows<{ n: number }>(
      ctx.connection,
      `select count(*) as n from ${writer.qualified(model.name)}`,
    );
    return {
      name: model.name,
      layer: 'gold',
      rows: row.n,
      schema: await columnsOf(ctx, model.name, SNAPSHOT_ALIAS),
    };
  });
}

function inputFacts(ctx: RunContext, model: GoldModel): DatasetFacts[] {
  const models = new Set(ctx.models.map((m) => m.name));
  return model.dependsOn.map((name) => ({ name, layer: models.has(name) ? 'gold' : 'silver', rows: null }));
}

/** The changed customers' rows of an incremental model built earlier in this run. */
const deltaTable = (model: string): string => `delta_${model}`;

/**
 * Rebuilds an incremental model for the changed customers only: its inputs are bound to their
 * rows (temporary views that shadow the relation names the model reads) — the scoped silver, and
 * for an upstream incremental model the rows this run just computed for the same customers, so
 * nothing is read back from the snapshot — the model runs unchanged, and its rows for those
 * customers are merged into the candidate snapshot. The rows stay (`delta_<model>`) for the models
 * downstream.
 */
async function buildPartition(ctx: RunContext, writer: SnapshotWriter, model: GoldModel): Promise<boolean> {
  const { connection } = ctx;
  const incremental = new Set(ctx.models.filter((m) => m.materialized === 'incremental').map((m) => m.name));
  const tables = new Set(ctx.models.filter((m) => m.materialized === 'table').map((m) => m.name));
  const bound: string[] = [];
  const changed = `(select ${PARTITION_KEY} from ${quoteIdent(CHANGED_CUSTOMERS)})`;
  for (const input of model.dependsOn) {
    let binding: string | null = null;
    if (incremental.has(input)) {
      binding = `select * from temp.main.${quoteIdent(deltaTable(input))}`;
    } else if (tables.has(input)) {
      // a table model with the partition column is filtered to the changed customers; others
      // (dim_product) are lookups, read whole
      const columns = await bookkeeping(ctx, () => columnsOf(ctx, input, SNAPSHOT_ALIAS));
      if (columns.some((c) => c.name === PARTITION_KEY)) {
        binding = `select * from ${writer.qualified(input)} where ${quoteIdent(PARTITION_KEY)} in ${changed}`;
      }
    } else if ((await bookkeeping(ctx, () => columnsOf(ctx, `scoped_${input}`, 'memory'))).length > 0) {
      binding = `select * from memory.main.${quoteIdent(`scoped_${input}`)}`;
    }
    if (binding === null) continue;
    await execute(connection, `create or replace temp view ${quoteIdent(input)} as ${binding}`);
    bound.push(input);
  }
  const rows = deltaTable(model.name);
  try {
    // only the changed customers' rows, whatever the model's own joins let through
    await execute(
      connection,
      `create or replace temp table ${quoteIdent(rows)} as
       select * from (\n${model.sql}\n) where ${quoteIdent(PARTITION_KEY)} in ${changed}`,
    );
  } finally {
    for (const input of bound)
      await execute(connection, `drop view if exists temp.main.${quoteIdent(input)}`);
  }
  const merged = await writer.mergePartitions(model.name, {
    partitionColumn: PARTITION_KEY,
    keysTable: CHANGED_CUSTOMERS,
    rowsTable: rows,
    uniqueKey: model.uniqueKey,
  });
  ctx.log.debug({ model: model.name, ...merged }, 'incremental model merged');
  return merged.deleted + merged.inserted > 0;
}

/** Silver relations the run's new rows can have changed (entities it loaded rows for). */
function changedSilver(ctx: RunContext): Set<string> {
  const changed = new Set<string>();
  for (const { source, result } of ctx.extracted) {
    if (result.loaded === 0) continue;
    changed.add(`silver_${source.entity}`);
    if (source.entity === 'customers') changed.add('silver_customer_changes');
  }
  return changed;
}

/**
 * Whether an incremental run must rebuild a table model: one of its inputs changed in this run,
 * or as_of moved and either the model declares no as_of_window or some row of a window relation
 * crossed between the two as_of. Otherwise the base snapshot's rows are still right.
 */
async function tableNeedsRebuild(
  ctx: RunContext,
  writer: SnapshotWriter,
  model: GoldModel,
  changed: Set<string>,
): Promise<boolean> {
  if (model.dependsOn.some((input) => changed.has(input))) return true;
  if (!(await bookkeeping(ctx, () => writer.hasTable(model.name)))) return true;
  const base = ctx.base ? new Date(ctx.base.as_of) : null;
  if (!model.usesAsOf || !base || base.getTime() === ctx.asOf.getTime()) return false;
  if (model.asOfWindows.length === 0) return true;
  const [low, high] = [base, ctx.asOf].sort((a, b) => a.getTime() - b.getTime()).map(sqlTimestamp);
  for (const window of model.asOfWindows) {
    const [row] = await queryRows<{ n: number }>(
      ctx.connection,
      `select count(*) as n from (select (${window.expression}) as _crosses from ${writer.qualified(window.relation)})
       where _crosses > $1::timestamp and _crosses <= $2::timestamp`,
      [low, high],
    );
    if (row.n > 0) return true;
  }
  return false;
}

function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * gold/*.sql in dependency order into the run's candidate snapshot. A full build writes every
 * model from scratch into a new snapshot database. An incremental build copies the base
 * snapshot, rebuilds the incremental models for the changed customers only, and recomputes a
 * table model whole when something it reads changed (or as_of moved across it).
 */
export async function goldStep(ctx: RunContext): Promise<StepResult> {
  const { connection } = ctx;
  await execute(connection, MONEY_AVG_MACRO);
  for (const statement of segmentSql(ctx.segments)) await execute(connection, statement);

  const incremental = ctx.plan.kind === 'incremental' && ctx.base !== null;
  const snapshotId = ctx.snapshots.newSnapshotId();
  ctx.snapshotId = snapshotId;
  const writer = await SnapshotWriter.open(connection, ctx.snapshots, snapshotId, {
    baseSnapshotId: incremental ? ctx.base?.snapshot_id : null,
    onCopy: (from, to, ms) => ctx.trace?.recordCopy(from, to, ms),
  });
  ctx.writer = writer;
  // Unqualified names: the candidate's gold tables first, then the run's silver relations.
  await execute(connection, `use ${SNAPSHOT_ALIAS}`);
  await execute(connection, `set search_path = '${SNAPSHOT_ALIAS}.main,memory.main'`);

  let rows = 0;
  const outputs: DatasetFacts[] = [];
  // what this run changed: a model reading none of it keeps its rows
  const changed = changedSilver(ctx);
  const kept: string[] = [];
  for (const model of ctx.models) {
    throwIfCancelled(ctx.signal);
    await ctx.observer.modelStarted?.(ctx.run, model);
    const inputs = inputFacts(ctx, model);
    try {
      if (!incremental) {
        await writer.replaceTable(model.name, model.sql);
      } else if (model.materialized === 'incremental') {
        if (await buildPartition(ctx, writer, model)) changed.add(model.name);
      } else if (await tableNeedsRebuild(ctx, writer, model, changed)) {
        await writer.replaceTable(model.name, model.sql);
        changed.add(model.name);
      } else {
        kept.push(model.name);
      }
    } catch (error) {
      const failure = new ModelBuildError(model, error);
      await ctx.observer.modelBuilt?.(ctx.run, model, {
        status: ctx.signal.aborted ? 'cancelled' : 'failed',
        output: { name: model.name, layer: 'gold', rows: null },
        inputs,
        error: failure.message,
      });
      throw failure;
    }
    const output = await describeModel(ctx, writer, model);
    rows += output.rows ?? 0;
    outputs.push(output);
    ctx.log.debug({ model: model.name, rows: output.rows }, 'model built');
    await ctx.observer.modelBuilt?.(ctx.run, model, { status: 'succeeded', output, inputs });
  }
  if (incremental) await writer.dropTablesExcept(ctx.models.map((m) => m.name));
  if (incremental) {
    ctx.goldChanged = new Set(ctx.models.filter((m) => changed.has(m.name)).map((m) => m.name));
    ctx.plan.kept_models = kept;
    if (kept.length) ctx.log.info({ models: kept }, 'table models unchanged: kept from the base snapshot');
  }
  await writer.checkpoint();
  const c360 = outputs.find((o) => o.name === 'customer_360')?.rows ?? 0;
  const inputs: DatasetFacts[] = [
    ...new Set(ctx.models.flatMap((m) => m.dependsOn).filter((d) => !ctx.models.some((m) => m.name === d))),
  ].map((name) => ({ name, layer: 'silver' as const, rows: null }));
  return { rowsIn: rows, rowsOut: c360, inputs, outputs };
}
