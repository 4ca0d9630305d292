import { DataDirs } from '../common/data-dirs';
import { setLogLevel } from '../common/logger';
import { C360Config } from '../config/config';
import { loadSourceDefinitions } from '../ingest/source-definition';
import { BuildCoordinator } from '../pipeline/build-coordinator';
import { RunMode, RunRecord } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { CliError } from './cli-error';

export interface BuildCommandOptions {
  mode: string;
  source?: string[];
  asOf?: string;
}

function renderProgress(run: RunRecord): string {
  const width = 24;
  const filled = Math.round(run.progress * width);
  const step = run.steps.at(-1);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(run.progress * 100).toFixed(0).padStart(3)}%  ${step ? `${step.name} (${step.status})` : 'starting'}   `;
}

/** `c360 build`: one run; exit code 0 only when a snapshot was published. */
export async function buildCommand(config: C360Config, options: BuildCommandOptions): Promise<number> {
  if (options.mode !== 'full' && options.mode !== 'incremental') {
    throw new CliError(`--mode must be full or incremental, got "${options.mode}"`);
  }
  let asOf: Date | undefined;
  if (options.asOf) {
    asOf = new Date(options.asOf);
    if (Number.isNaN(asOf.getTime()))
      throw new CliError(`--as-of must be an ISO-8601 timestamp, got "${options.asOf}"`);
  }
  const known = loadSourceDefinitions(config.configDir).map((s) => s.name);
  for (const name of options.source ?? []) {
    if (!known.includes(name))
      throw new CliError(`--source ${name}: unknown source (known: ${known.join(', ')})`);
  }
  const dirs = new DataDirs(config.dataDir);
  const runs = new RunStore(dirs);
  const coordinator = new BuildCoordinator(config, dirs, new SnapshotStore(dirs), runs);
  await coordinator.recover();
  const interactive = Boolean(process.stderr.isTTY);
  if (interactive) setLogLevel('warn');
  const started = await coordinator.trigger({
    mode: options.mode as RunMode,
    trigger: 'cli',
    asOf,
    sources: options.source,
  });
  let timer: NodeJS.Timeout | undefined;
  if (interactive) {
    timer = setInterval(() => {
      const run = runs.get(started.id);
      if (run) process.stderr.write(renderProgress(run));
    }, 200);
  }
  const cancel = (): void => void coordinator.cancel(started.id);
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  await coordinator.waitForActive();
  if (timer) clearInterval(timer);
  const run = runs.get(started.id) ?? started;
  if (interactive) process.stderr.write(`${renderProgress(run)}\n`);
  const summary = run.sources.map(
    (s) => `${s.name} ${s.loaded}/${s.read}${s.quarantined ? ` (${s.quarantined} quarantined)` : ''}`,
  );
  const warnings = run.dq.filter((d) => !d.passed);
  console.log(
    `run ${run.id}: ${run.status}${run.snapshot_id ? ` → snapshot ${run.snapshot_id}` : ''}${run.error ? ` — ${run.error}` : ''}`,
  );
  if (summary.length) console.log(`  loaded: ${summary.join(', ')}`);
  for (const warning of warnings) {
    console.log(
      `  dq ${warning.severity}: ${warning.table}.${warning.check} failing rows ${warning.failing_rows}`,
    );
  }
  return run.status === 'published' ? 0 : 1;
}
