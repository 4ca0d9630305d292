import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildServingStore } from '../../serving-store/serving-store.builder';
import { SERVING_STORE_VERSION } from '../../serving-store/serving-store.schema';
import { ServingStoreManifest } from '../../snapshots/snapshot.model';
import { SnapshotWriter } from '../../snapshots/snapshot-writer';
import { CHANGED_CUSTOMERS } from '../changed-customers';
import { checksFingerprint } from '../dq-checks';
import { bookkeeping, RunContext, StepResult } from '../run-context';
import { segmentNames } from '../segments';

/**
 * Builds the candidate's serve.sqlite (point and keyset reads). An incremental run whose base
 * snapshot has a store of the same layout copies it and replaces only the customers whose rows
 * changed; otherwise the store is written from scratch. The timing is recorded on the run plan.
 */
async function servingStoreStep(
  ctx: RunContext,
  writer: SnapshotWriter,
  snapshotId: string,
): Promise<ServingStoreManifest> {
  const baseId = ctx.plan.kind === 'incremental' ? (ctx.base?.snapshot_id ?? null) : null;
  const baseStore = baseId ? ctx.snapshots.readManifest(baseId)?.serving_store : null;
  const incremental =
    baseId && baseStore?.version === SERVING_STORE_VERSION && ctx.goldChanged
      ? {
          baseSqlite: join(ctx.snapshots.directory(baseId), baseStore.file),
          baseDuckDb: ctx.snapshots.serveDbPath(baseId),
          changedCustomers: `memory.main.${CHANGED_CUSTOMERS}`,
          unchangedTables: new Set(
            ctx.models.map((m) => m.name).filter((name) => !ctx.goldChanged?.has(name)),
          ),
        }
      : null;
  // nothing changes the candidate any more: a full build's worker thread reads it from the file
  if (!incremental) await writer.checkpoint();
  const built = await buildServingStore(ctx.connection, {
    candidateFile: incremental ? undefined : writer.path,
    directory: ctx.snapshots.directory(snapshotId),
    snapshotId,
    asOf: ctx.asOf,
    qualified: (table) => writer.qualified(table),
    incremental,
    signal: ctx.signal,
  });
  ctx.plan.serving_store = {
    build: built.build,
    ms: built.ms,
    rows: built.rows,
    customers: built.customers,
    bytes: built.bytes,
  };
  ctx.run.plan = ctx.plan;
  ctx.log.info({ serving_store: ctx.plan.serving_store, tables: built.tables }, 'serving store built');
  return built;
}

/**
 * Makes the candidate snapshot the served one and commits the run, in an order that survives a
 * crash at any point: the serving store is built and synced; the manifest completes the snapshot; the gold state pointer then names it
 * (the next incremental run continues from it); ACTIVE.json is replaced atomically; the registry
 * commits the run's loads last. Dying after the pointer but before the registry commit means the
 * next run re-reads the same files onto this snapshot, which changes nothing.
 */
export async function publishStep(ctx: RunContext): Promise<StepResult> {
  const { writer, snapshotId } = ctx;
  if (!writer || !snapshotId) throw new Error('publish without a candidate snapshot');
  const tables = await bookkeeping(ctx, () => writer.tableRows(ctx.models.map((m) => m.name)));
  const servingStore = await servingStoreStep(ctx, writer, snapshotId);
  await writer.close();
  ctx.snapshots.writeManifest({
    snapshot_id: snapshotId,
    run_id: ctx.run.id,
    created_at: new Date().toISOString(),
    as_of: ctx.run.as_of ?? ctx.run.started_at,
    tables,
    segments: segmentNames(ctx.segments),
    internal_tables: ctx.models.filter((m) => m.internal).map((m) => m.name),
    build: ctx.plan.kind,
    base_snapshot_id: ctx.plan.base_snapshot_id,
    serving_store: servingStore,
  });
  await ctx.gold.write({
    snapshot_id: snapshotId,
    run_id: ctx.run.id,
    as_of: ctx.asOf.toISOString(),
    fingerprint: ctx.fingerprint,
    checks_fingerprint: checksFingerprint(ctx.checks),
    full_bytes: ctx.plan.kind === 'full' ? statSync(writer.path).size : (ctx.base?.full_bytes ?? null),
  });
  ctx.stateCommitted = true;
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
  ctx.snapshots.prune(ctx.config.get('snapshotRetention'), [snapshotId]);
  const rows = Object.values(tables).reduce((n, t) => n + t.rows, 0);
  return { rowsIn: rows, rowsOut: rows };
}
