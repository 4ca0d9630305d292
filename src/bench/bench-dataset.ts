import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { rootLogger, setLogLevel } from '../common/logger';
import { C360Config } from '../config/config';
import { generateSources } from '../generate/generator';
import { BuildCoordinator } from '../pipeline/build-coordinator';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';

/** Every serving bench reads the same data: `generateSources` with this seed, built as of AS_OF. */
export const BENCH_SEED = 42;
export const BENCH_AS_OF = '2025-01-01T00:00:00Z';

/** A generated and fully built data directory, served read-only by the benches. */
export interface BenchDataset {
  scale: number;
  dataDir: string;
  config: C360Config;
  snapshotId: string;
  serveDb: string;
  generateSeconds: number;
  buildSeconds: number;
}

const built = new Map<number, Promise<BenchDataset>>();
let root: string | null = null;

/**
 * The data set of a scale, generated and built once per `c360 bench` process: the serving and api
 * sections measure the same snapshot instead of building it twice (a scale-10 build takes minutes).
 * The benches only serve it; nothing writes to it but logs and audit state.
 */
export function benchDataset(scale: number, log: (message: string) => void): Promise<BenchDataset> {
  let dataset = built.get(scale);
  if (!dataset) {
    dataset = buildDataset(scale, log);
    built.set(scale, dataset);
    dataset.catch(() => built.delete(scale));
  } else {
    log(`scale ${scale}: reusing the data set built earlier in this run`);
  }
  return dataset;
}

/** Removes the data sets (unless kept); called once all sections ran. */
export function removeBenchDatasets(keep: boolean): void {
  if (root && !keep) rmSync(root, { recursive: true, force: true });
  root = null;
  built.clear();
}

async function buildDataset(scale: number, log: (message: string) => void): Promise<BenchDataset> {
  root ??= mkdtempSync(join(tmpdir(), 'c360-bench-data-'));
  const dataDir = join(root, `scale-${scale}`);
  mkdirSync(dataDir, { recursive: true });
  let started = Date.now();
  await generateSources({
    outDir: join(dataDir, 'landing'),
    scale,
    seed: BENCH_SEED,
    changes: false,
    dirty: 0,
  });
  const generateSeconds = (Date.now() - started) / 1000;
  log(`scale ${scale}: sources generated in ${generateSeconds.toFixed(0)} s`);
  const config = C360Config.fromEnv({
    C360_DATA_DIR: dataDir,
    AUTH_JWT_SECRET: randomBytes(24).toString('hex'),
    C360_SCHEDULE: 'off',
    C360_AS_OF: BENCH_AS_OF,
    LOG_LEVEL: 'warn',
  });
  const dirs = new DataDirs(dataDir);
  dirs.ensure();
  const snapshots = new SnapshotStore(dirs);
  started = Date.now();
  const level = rootLogger().level;
  setLogLevel('warn');
  const run = await new BuildCoordinator(config, dirs, snapshots, new RunStore(dirs))
    .runToCompletion({ mode: 'full', trigger: 'cli' })
    .finally(() => setLogLevel(level));
  const active = snapshots.readActive();
  if (run.status !== 'published' || !active) {
    throw new Error(`the c360 build ended ${run.status}${run.error ? `: ${run.error}` : ''}`);
  }
  const buildSeconds = (Date.now() - started) / 1000;
  log(`scale ${scale}: snapshot ${active.snapshot_id} built in ${buildSeconds.toFixed(0)} s`);
  return {
    scale,
    dataDir,
    config,
    snapshotId: active.snapshot_id,
    serveDb: snapshots.serveDbPath(active.snapshot_id),
    generateSeconds,
    buildSeconds,
  };
}
