/**
 * `npm run bench -- --only pipeline [--scales 1,10]` — build times (issue 4). For each scale:
 * sample sources (`generateSources`, seed 42, clean), then
 *
 *   full build         `c360 build --mode full` in-process (BuildCoordinator): extract, silver,
 *                      gold, quality, publish, with run records, lineage and the snapshot swap;
 *   incremental builds the next `generate --changes` batch, in two runs: first its customer file
 *                      alone (1% of customers updated, 0.2% new: "1% changed customers"), as_of
 *                      one day later; then the rest of the day (Debezium updates and deletes, 1%
 *                      new orders, 0.5% status changes, a day of events), as_of an hour later;
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
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
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
/** Scale-1 rounds (medians); C360_BENCH_RUNS lowers it for a quick look. */
const RUNS = Math.max(1, Number(process.env.C360_BENCH_RUNS) || 3);
/** A file to append each replayed statement's time to (JSON lines), to see where a step goes. */
const PROFILE = process.env.C360_BENCH_PROFILE ?? '';
const STEPS = ['extract', 'silver', 'gold', 'quality', 'publish'];
const FULL_AS_OF = new Date('2025-01-01T06:00:00Z');
const CUSTOMERS_AS_OF = new Date('2025-01-02T06:00:00Z');
const REST_AS_OF = new Date('2025-01-02T07:00:00Z');
/** The batch file of "1% changed customers"; the rest of batch 2 is held back for the second run. */
const CUSTOMER_BATCH = 'customers-0002.csv';

interface Timing {
  total: number;
  steps: Record<string, number>;
}

interface Measured {
  framework: Timing;
  floor: Timing;
}

interface Incremental {
  measured: Measured;
  changed: number;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(2);

/** The serving store's row: its build time is part of the publish step (run.plan.serving_store). */
const SERVING_STORE = 'publish: serving store';
/** Names (attached base, temp table) only the serving store builder's statements use. */
const SERVING_STORE_SQL_MARK = 'serve_store_';

function runTiming(run: RunRecord): Timing {
  const steps: Record<string, number> = {};
  for (const step of run.steps)
    steps[step.name] = Date.parse(step.finished_at ?? step.started_at) - Date.parse(step.started_at);
  const store = run.plan?.serving_store?.ms;
  if (store !== undefined) {
    steps[SERVING_STORE] = store;
    steps.publish = Math.max(0, (steps.publish ?? 0) - store);
  }
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
      const ms = performance.now() - t0;
      // the serving store's own DuckDB statements (its diff against the base snapshot) go to its row
      const step =
        item.step === 'publish' && item.kind === 'sql' && item.sql.includes(SERVING_STORE_SQL_MARK)
          ? SERVING_STORE
          : item.step;
      steps[step] = (steps[step] ?? 0) + ms;
      if (PROFILE) {
        const what = item.kind === 'copy' ? `copy ${item.to}` : item.sql.replace(/\s+/g, ' ').slice(0, 300);
        appendFileSync(PROFILE, JSON.stringify({ root, step: item.step, ms: Math.round(ms), what }) + '\n');
      }
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

/**
 * Steps a run records besides the five data steps (e.g. the serving store built at publish): not
 * DuckDB SQL, so the floor has nothing for them; reported as rows of their own.
 */
function extraSteps(timings: Timing[]): string[] {
  const names = new Set<string>();
  for (const timing of timings) for (const name of Object.keys(timing.steps)) names.add(name);
  return [...names].filter((name) => !STEPS.includes(name));
}

function medianTiming(timings: Timing[]): Timing {
  const steps: Record<string, number> = {};
  for (const step of [...STEPS, ...extraSteps(timings)])
    steps[step] = median(timings.map((t) => t.steps[step] ?? 0));
  return { total: median(timings.map((t) => t.total)), steps };
}

/** A timing's total without its extra steps (what the floor's SQL can be compared with). */
function dataTotal(timing: Timing): number {
  return extraSteps([timing]).reduce((total, step) => total - (timing.steps[step] ?? 0), timing.total);
}

async function scaleRun(
  context: BenchContext,
  scale: number,
  round: number,
): Promise<{ full: Measured; customers: Incremental; rest: Incremental; population: number }> {
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

  // the next batch: its customer file first, the rest of it held back for a second run; each floor
  // starts from a copy of the state before its build
  const batch = await generateSources({ outDir: dirs.landing, scale, seed: SEED, changes: true, dirty: 0 });
  const held = join(root, 'held');
  mkdirSync(held, { recursive: true });
  const rest = batch.files.map((f) => f.file).filter((f) => f !== CUSTOMER_BATCH);
  for (const file of rest) renameSync(join(dirs.landing, file), join(held, file));
  copyDataDir(root, replayRoot);
  context.log(`scale ${scale}: incremental build (${CUSTOMER_BATCH})`);
  const first = await measure(coordinator, dirs, 'incremental', CUSTOMERS_AS_OF, replayRoot);
  for (const file of rest) renameSync(join(held, file), join(dirs.landing, file));
  copyDataDir(root, replayRoot);
  context.log(`scale ${scale}: incremental build (the rest of the day)`);
  const second = await measure(coordinator, dirs, 'incremental', REST_AS_OF, replayRoot);
  rmSync(replayRoot, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  return {
    full: full.measured,
    customers: { measured: first.measured, changed: first.run.plan?.changed_customers ?? 0 },
    rest: { measured: second.measured, changed: second.run.plan?.changed_customers ?? 0 },
    population: batch.population.activeCustomers,
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
  const extra = extraSteps([measured.framework]);
  return [
    ...STEPS.map((step) => row(step, measured.framework.steps[step] ?? 0, measured.floor.steps[step] ?? 0)),
    ...extra.map((step) =>
      row(
        `${step} (floor: its DuckDB SQL only)`,
        measured.framework.steps[step] ?? 0,
        measured.floor.steps[step] ?? 0,
      ),
    ),
    row('**total**', measured.framework.total, measured.floor.total),
    ...(extra.length > 0
      ? [
          row(
            `**total without ${extra.join(', ')}**`,
            dataTotal(measured.framework),
            dataTotal(measured.floor),
          ),
        ]
      : []),
  ];
}

export const pipelineBench: BenchSection = {
  id: 'pipeline',
  title: 'Pipeline builds: full and incremental vs the plain-DuckDB floor',
  async run(context) {
    setLogLevel('warn');
    const sections: string[] = [
      'A full build from bronze, then the next `generate --changes` batch in two incremental ' +
        'builds: **customers** — its customer file alone, 1% of customers updated and 0.2% new ' +
        '("1% changed customers"), as_of one day later; **rest of the day** — the Debezium updates ' +
        'and deletes (0.4%), 1% new orders with their lines, 0.5% order status changes, price ' +
        'changes (1% of products) and a day of events, as_of one hour later. Each build recomputes the customers it ' +
        'touched (counted below the table) and every table model whole. The floor is the same data work ' +
        '— every SQL statement the build ran, recorded and replayed straight on `@duckdb/node-api` ' +
        'in a copy of the data directory, plus the snapshot file copy of an incremental build — ' +
        'without run records, lineage, row counting or planning. A step a run records besides ' +
        'extract, silver, gold, quality and publish (the serving store built at publish, when ' +
        'present: `publish: serving store`, taken out of the publish row) gets a row of its own: ' +
        'most of it is SQLite writes fed by streamed DuckDB reads, which the floor cannot replay: its ' +
        'floor holds only the DuckDB statements it runs (the diff of changed customers against the ' +
        'base snapshot). Totals and ratios are also given without it, on both sides. Times in seconds, wall clock on ' +
        'the shared 2-core machine.',
    ];
    for (const scale of context.scales) {
      const rounds = scale <= 1 ? RUNS : 1;
      const results: Array<Awaited<ReturnType<typeof scaleRun>>> = [];
      for (let round = 1; round <= rounds; round++) results.push(await scaleRun(context, scale, round));
      const medianOf = (pick: (r: (typeof results)[number]) => Measured): Measured => ({
        framework: medianTiming(results.map((r) => pick(r).framework)),
        floor: medianTiming(results.map((r) => pick(r).floor)),
      });
      const full = medianOf((r) => r.full);
      const customers = medianOf((r) => r.customers.measured);
      const rest = medianOf((r) => r.rest.measured);
      const population = results[0].population;
      const extra = extraSteps([full.framework, customers.framework, rest.framework]);
      // with extra steps (the serving store): the floor has no SQL for them, so ratios to the
      // floor are also given without them
      const without = (measured: Measured): string =>
        extra.length > 0
          ? ` (${(dataTotal(measured.framework) / dataTotal(measured.floor)).toFixed(2)}× without ${extra.join(', ')})`
          : '';
      const share = (measured: Measured): string =>
        extra.length > 0
          ? ` (${((100 * dataTotal(measured.framework)) / dataTotal(full.framework)).toFixed(1)}% without ${extra.join(', ')})`
          : '';
      const line = (label: string, measured: Measured, changed: number): string =>
        `- incremental, ${label}: **${((100 * measured.framework.total) / full.framework.total).toFixed(1)}%** of the full ` +
        `build${share(measured)} (target ≤ 15%), ${(measured.framework.total / measured.floor.total).toFixed(2)}× its floor${without(measured)}; ` +
        `${changed.toLocaleString('en-US')} customers recomputed (${((100 * changed) / population).toFixed(1)}% of ${population.toLocaleString('en-US')})`;
      const table = markdownTable(
        ['build', 'step', 'c360 (s)', 'floor (s)', 'c360 / floor'],
        [
          ...stepRows('full', full),
          ...stepRows('incremental: customers', customers),
          ...stepRows('incremental: rest of the day', rest),
        ],
      );
      sections.push(
        [
          `### Scale ${scale} (${(100_000 * scale).toLocaleString('en-US')} customers${rounds > 1 ? `, median of ${rounds} runs` : ', one run'})`,
          '',
          table,
          '',
          `- full build: **${(full.framework.total / full.floor.total).toFixed(2)}×** the floor${without(full)} (target ≤ 1.3×)`,
          line('1% changed customers', customers, results[0].customers.changed),
          line('rest of the day', rest, results[0].rest.changed),
        ].join('\n'),
      );
      context.log(
        `scale ${scale}: full ${seconds(full.framework.total)} s (floor ${seconds(full.floor.total)} s), ` +
          `incremental customers ${seconds(customers.framework.total)} s, rest ${seconds(rest.framework.total)} s`,
      );
    }
    return sections.join('\n\n');
  },
};
