import { DataDirs } from '../common/data-dirs';
import { setLogLevel } from '../common/logger';
import { parseIsoInstant } from '../common/validation/iso-time';
import { C360Config } from '../config/config';
import { planBackfill } from '../pipeline/backfill-plan';
import { BuildCoordinator } from '../pipeline/build-coordinator';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { CliError } from './cli-error';

export interface BackfillCommandOptions {
  from: string;
  to: string;
  dryRun: boolean;
}

function instant(name: string, raw: string): Date {
  const value = parseIsoInstant(raw);
  if (!value)
    throw new CliError(`--${name} must be a date (YYYY-MM-DD) or an ISO-8601 timestamp, got "${raw}"`);
  return value;
}

/**
 * `c360 backfill --from DATE --to DATE [--dry-run]`: re-extracts source rows whose watermark lies
 * in [from, to) and rebuilds what they touch (a run with trigger `backfill`); exit code 0 only
 * when it published. `--dry-run` prints what would be re-read and rebuilt and writes nothing.
 */
export async function backfillCommand(config: C360Config, options: BackfillCommandOptions): Promise<number> {
  const from = instant('from', options.from);
  const to = instant('to', options.to);
  if (from.getTime() >= to.getTime()) throw new CliError('--to must be after --from');
  const dirs = new DataDirs(config.dataDir);
  if (options.dryRun) {
    const report = await planBackfill(config, dirs, { from, to });
    console.log(`backfill ${report.window.from} → ${report.window.to} (dry run: nothing was written)`);
    for (const source of report.sources) {
      const files = source.files === null ? '' : `, ${source.files} landing file(s)`;
      console.log(
        `  ${source.source} (${source.kind}): ${source.reread}${files}; ${source.rows_in_window} row(s) in bronze in the window`,
      );
    }
    console.log(`  customers whose models would be recomputed: ${report.customers_in_window}`);
    console.log(`  incremental models: ${report.models.incremental.join(', ')}`);
    console.log(`  recomputed whole: ${report.models.recomputed_whole.join(', ')}`);
    return 0;
  }
  const runs = new RunStore(dirs);
  const coordinator = new BuildCoordinator(config, dirs, new SnapshotStore(dirs), runs);
  await coordinator.recover();
  if (process.stderr.isTTY) setLogLevel('warn');
  const started = await coordinator.trigger({
    mode: 'incremental',
    trigger: 'backfill',
    window: { from, to },
  });
  const cancel = (): void => void coordinator.cancel(started.id);
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  await coordinator.waitForActive();
  const run = runs.get(started.id) ?? started;
  console.log(
    `backfill run ${run.id}: ${run.status}${run.snapshot_id ? ` → snapshot ${run.snapshot_id}` : ''}${run.error ? ` — ${run.error}` : ''}`,
  );
  for (const source of run.sources) {
    console.log(
      `  re-read ${source.name}: ${source.loaded}/${source.read}${source.quarantined ? ` (${source.quarantined} quarantined)` : ''}`,
    );
  }
  if (run.plan?.changed_customers !== null && run.plan?.changed_customers !== undefined) {
    console.log(`  customers recomputed: ${run.plan.changed_customers}`);
  }
  return run.status === 'published' ? 0 : 1;
}
