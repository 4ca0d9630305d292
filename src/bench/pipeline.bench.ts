/**
 * `npm run bench -- --only pipeline [--scales 1,10]` — build times (issue 4). For each scale:
 * sample sources (`generateSources`, seed 42, clean), then
 *
 *   full build         `c360 build --mode full` in-process (BuildCoordinator): extract, silver,
 *                      gold, quality, publish, with run records, lineage and the snapshot swap;
 *   incremental build  the next `generate --changes` batch (≈1% of customers changed, new and
 *                      updated orders, a day of events), as_of one day later;
 *   floor              the same data work run straight on @duckdb/node-api, no framework: every
 *                      SQL statement the build issued (bronze → silver → gold, checks, registry),
 *                      recorded by SqlTrace and replayed in a copy of the data directory taken
 *                      before the build, plus the one file copy an incremental build makes.
 *
 * The framework's own work — run records, lineage events and their schemas, row counts for the
 * run record, planning — is what the ratio measures. Scale 1 is measured RUNS times (medians),
 * larger scales once.
 */
import { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { setLogLevel } from '../common/logger';
import { C360Config } from '../config/config';
import { connect, openDuckDb } from '../duckdb/duckdb';
import { generateSources } from '../generate/generator';
import { BuildCoordinator } from '../pipeline/build-coordinator';
import { SqlTrace, TracedWork } from '../pipeline/sql-trace';
import { RunRecord } from '../runs/run.model';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { BenchContext, BenchSection, markdownTable, median } from './bench.model';

const SEED = 42;
const RUNS = 3;
const STEPS = ['extract', 'silver', 'gold', 'quality', 'publish'];
const FULL_AS_OF = new Date('2025-01-01T06:00:00Z');
const INCREMENTAL_AS_OF = new Date('2025-01-02T06:00:00Z');

interface Timing {
  total: number;
  steps: Record<string, number>;
}

interface Measured {
  framework: Timing;
  floor: Timing;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(2);

function runTiming(run: RunRecord): Timing {
  const steps: Record<string, number> = {};
  for (const step of run.steps)
    steps[step.name] = Date.parse(step.finished_at ?? step.started_at) - Date.parse(step.started_at);
  return { total: Date.parse(run.finished_at ?? run.started_at) - Date.parse(run.started_at), steps };
}

/** Recreates the directory tree of `from` under `to` (the framework makes folders in JS). */
function mirrorDirectories(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'landing') continue;
    mkdirSync(join(to, entry.name), { recursive: true });
    mirrorDirectories(join(from, entry.name), join(to, entry.name));
  }
}

/** A copy of a data directory for the floor (landing shared through a symlink). */
function copyDataDir(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    if (entry === 'landing') symlinkSync(join(from, 'landing'), join(to, 'landing'));
    else cpSync(join(from, entry), join(to, entry), { recursive: true });
  }
}

const rewrite = (text: string, from: string, to: string): string => text.split(from).join(to);

/** Replays a build's data work on a fresh in-memory DuckDB, paths moved to `replayRoot`. */
async function replay(work: TracedWork[], root: string, replayRoot: string): Promise<Timing> {
  const steps: Record<string, number> = {};
  const instance = await openDuckDb(':memory:');
  const connection: DuckDBConnection = await connect(instance);
  const started = performance.now();
  try {
    for (const item of work) {
      const t0 = performance.now();
      if (item.kind === 'copy') {
        copyFileSync(rewrite(item.from, root, replayRoot), rewrite(item.to, root, replayRoot));
      } else {
        const params = Array.isArray(item.params)
          ? item.params.map((p) => (typeof p === 'string' ? rewrite(p, root, replayRoot) : p))
          : item.params;
        await connection.run(rewrite(item.sql, root, replayRoot), params as DuckDBValue[] | undefined);
      }
      steps[item.step] = (steps[item.step] ?? 0) + performance.now() - t0;
    }
    return { total: performance.now() - started, steps };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** One build through the framework, then its floor replayed in `replayRoot` (a prepared copy). */
async function measure(
  coordinator: BuildCoordinator,
  dirs: DataDirs,
  mode: 'full' | 'incremental',
  asOf: Date,
  replayRoot: string,
): Promise<{ measured: Measured; run: RunRecord }> {
  const trace = new SqlTrace();
  const run = await coordinator.runToCompletion({ mode, trigger: 'cli', asOf, trace });
  if (run.status !== 'published')
    throw new Error(`bench build ${mode} did not publish: ${run.error ?? run.status}`);
  mirrorDirectories(dirs.root, replayRoot);
  const floor = await replay(trace.work, dirs.root, replayRoot);
  return { measured: { framework: runTiming(run), floor }, run };
}

function medianTiming(timings: Timing[]): Timing {
  const steps: Record<string, number> = {};
  for (const step of STEPS) steps[step] = median(timings.map((t) => t.steps[step] ?? 0));
  return { total: median(timings.map((t) => t.total)), steps };
}

async function scaleRun(
  context: BenchContext,
  scale: number,
  round: number,
): Promise<{ full: Measured; incremental: Measured; changed: number; customers: number }> {
  const root = join(context.workDir, `scale-${scale}-round-${round}`);
  const replayRoot = `${root}-floor`;
  rmSync(root, { recursive: true, force: true });
  const config = C360Config.fromEnv({
    C360_DATA_DIR: root,
    C360_SCHEDULE: 'off',
    LOG_LEVEL: 'warn',
    C360_SNAPSHOT_RETENTION: '2',
  });
  const dirs = new DataDirs(root);
  dirs.ensure();
  const landing = join(context.workDir, `landing-${scale}`);
  if (!existsSync(landing)) {
    context.log(`scale ${scale}: generating sources`);
    await generateSources({ outDir: landing, scale, seed: SEED, changes: false, dirty: 0 });
  }
  rmSync(dirs.landing, { recursive: true, force: true });
  cpSync(landing, dirs.landing, { recursive: true });
  const coordinator = new BuildCoordinator(config, dirs, new SnapshotStore(dirs), new RunStore(dirs));

  // full: the floor starts from the same empty data directory
  copyDataDir(root, replayRoot);
  context.log(`scale ${scale}: full build`);
  const full = await measure(coordinator, dirs, 'full', FULL_AS_OF, replayRoot);

  // incremental: the next batch, floor from a copy of the state before the build
  const batch = await generateSources({ outDir: dirs.landing, scale, seed: SEED, changes: true, dirty: 0 });
  const customers = batch.population.activeCustomers;
  copyDataDir(root, replayRoot);
  context.log(`scale ${scale}: incremental build`);
  const incremental = await measure(coordinator, dirs, 'incremental', INCREMENTAL_AS_OF, replayRoot);
  rmSync(replayRoot, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  return {
    full: full.measured,
    incremental: incremental.measured,
    changed: incremental.run.plan?.changed_customers ?? 0,
    customers,
  };
}

function stepRows(label: string, measured: Measured): Array<Array<string | number>> {
  const row = (name: string, framework: number, floor: number): Array<string | number> => [
    label,
    name,
    seconds(framework),
    seconds(floor),
    floor > 0 ? (framework / floor).toFixed(2) : '—',
  ];
  return [
    ...STEPS.map((step) => row(step, measured.framework.steps[step] ?? 0, measured.floor.steps[step] ?? 0)),
    row('**total**', measured.framework.total, measured.floor.total),
  ];
}

export const pipelineBench: BenchSection = {
  id: 'pipeline',
  title: 'Pipeline builds: full and incremental vs the plain-DuckDB floor',
  async run(context) {
    setLogLevel('warn');
    const sections: string[] = [
      'Full build from bronze and an incremental build of the next `generate --changes` batch ' +
        '(1% of customers changed by CSV, 0.4% by Debezium updates and deletes, 0.2% new, 1% new ' +
        'orders, 0.5% order status changes, one day of events; as_of one day later). The floor is ' +
        'the same data work — every SQL statement the build ran, recorded and replayed straight on ' +
        '`@duckdb/node-api` in a copy of the data directory, plus the snapshot file copy of the ' +
        'incremental build — without run records, lineage, row counting or planning. Times in seconds.',
    ];
    for (const scale of context.scales) {
      const rounds = scale <= 1 ? RUNS : 1;
      const results = [];
      for (let round = 1; round <= rounds; round++) results.push(await scaleRun(context, scale, round));
      const full: Measured = {
        framework: medianTiming(results.map((r) => r.full.framework)),
        floor: medianTiming(results.map((r) => r.full.floor)),
      };
      const incremental: Measured = {
        framework: medianTiming(results.map((r) => r.incremental.framework)),
        floor: medianTiming(results.map((r) => r.incremental.floor)),
      };
      const changed = results[0].changed;
      const ratio = incremental.framework.total / full.framework.total;
      const table = markdownTable(
        ['build', 'step', 'c360 (s)', 'floor (s)', 'c360 / floor'],
        [...stepRows('full', full), ...stepRows('incremental', incremental)],
      );
      sections.push(
        [
          `### Scale ${scale} (${(100_000 * scale).toLocaleString('en-US')} customers${rounds > 1 ? `, median of ${rounds} runs` : ', one run'})`,
          '',
          table,
          '',
          `- full build: **${(full.framework.total / full.floor.total).toFixed(2)}×** the floor (target ≤ 1.3×)`,
          `- incremental build: **${(ratio * 100).toFixed(1)}%** of the full build (target ≤ 15%); ` +
            `${changed.toLocaleString('en-US')} customers recomputed (${((100 * changed) / results[0].customers).toFixed(1)}% of ${results[0].customers.toLocaleString('en-US')})`,
        ].join('\n'),
      );
      context.log(
        `scale ${scale}: full ${seconds(full.framework.total)} s (floor ${seconds(full.floor.total)} s), incremental ${seconds(incremental.framework.total)} s (${(ratio * 100).toFixed(1)}%)`,
      );
    }
    return sections.join('\n\n');
  },
};
