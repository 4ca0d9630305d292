import { mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../../duckdb/duckdb';
import { RunContext, StepResult, throwIfCancelled } from '../run-context';
import { segmentNames } from '../segments';

/** Copies the gold tables into a new snapshot database and writes its manifest. */
async function writeSnapshot(ctx: RunContext, snapshotId: string): Promise<number> {
  const { connection, snapshots } = ctx;
  mkdirSync(snapshots.directory(snapshotId), { recursive: true });
  await execute(connection, `attach ${quoteLiteral(snapshots.serveDbPath(snapshotId))} as snap`);
  const tables: Record<string, { rows: number }> = {};
  let total = 0;
  try {
    for (const model of ctx.models) {
      const name = quoteIdent(model.name);
      await execute(connection, `create table snap.${name} as select * from ${name}`);
      const [count] = await queryRows<{ n: number }>(connection, `select count(*) as n from ${name}`);
      tables[model.name] = { rows: count.n };
      total += count.n;
    }
    if (tables.customer_360) {
      await execute(connection, 'create unique index customer_360_id on snap.customer_360 (customer_id)');
    }
    await execute(connection, 'checkpoint snap');
  } finally {
    await execute(connection, 'detach snap');
  }
  snapshots.writeManifest({
    snapshot_id: snapshotId,
    run_id: ctx.run.id,
    created_at: new Date().toISOString(),
    as_of: ctx.run.as_of ?? ctx.run.started_at,
    tables,
    segments: segmentNames(ctx.segments),
  });
  return total;
}

/**
 * Writes the snapshot, makes it active (one atomic rename), then commits what the run loaded.
 * The registry is written last: if the process dies in between, the next run re-reads the same
 * files and reaches the same state.
 */
export async function publishStep(ctx: RunContext): Promise<StepResult> {
  const snapshotId = ctx.snapshots.newSnapshotId();
  ctx.snapshotId = snapshotId;
  const rows = await writeSnapshot(ctx, snapshotId);
  throwIfCancelled(ctx.signal);
  ctx.snapshots.activate(snapshotId);
  ctx.run.snapshot_id = snapshotId;
  await ctx.registry.commit(
    ctx.run.id,
    ctx.extracted.map(({ source, files, result }) => ({
      source: source.name,
      files,
      bronzePath: result.bronzePath && result.loaded > 0 ? relative(ctx.dirs.root, result.bronzePath) : null,
      rows: result.loaded,
      watermark: result.watermarkTo,
    })),
  );
  ctx.snapshots.prune(ctx.config.get('snapshotRetention'));
  return { rowsIn: rows, rowsOut: rows };
}
