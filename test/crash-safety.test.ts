import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { signToken } from '../src/auth/token';
import { connect, openDuckDb } from '../src/duckdb/duckdb';
import { RegistryRepository } from '../src/pipeline/registry.repository';
import { generateSources } from '../src/generate/generator';
import { CLI, runCliAsync } from './support/cli';
import { goldContent } from './support/gold-compare';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';
import { ServerProcess, startServer } from './support/processes';

const AS_OF = '2025-01-01T00:00:00Z';

/** Runs whose loads the warehouse registry committed (read with a read-only connection). */
async function registeredRuns(harness: PipelineHarness): Promise<Set<string>> {
  const instance = await openDuckDb(harness.dirs.warehouseDb, { readOnly: true });
  const connection = await connect(instance);
  try {
    return await new RegistryRepository(connection, 'main').registeredRunIds();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Starts `c360 build` and kills it with SIGKILL once its run record shows `step` running. */
async function killBuildDuring(
  harness: PipelineHarness,
  env: Record<string, string>,
  step: string,
): Promise<string> {
  const before = new Set(harness.runs.list(1000).map((r) => r.id));
  const child = spawn(process.execPath, [CLI, 'build', '--mode', 'incremental'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let runId = '';
  for (let i = 0; i < 3000; i++) {
    const run = harness.runs.list(5).find((r) => !before.has(r.id));
    if (run) runId = run.id;
    const current = run?.steps.at(-1);
    if (current?.name === step && current.status === 'running') break;
    if (run && run.status !== 'running') throw new Error(`run ended (${run.status}) before step ${step}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  await exited;
  return runId;
}

describe('crash safety: kill -9 at any point', () => {
  let reference: PipelineHarness;
  let harness: PipelineHarness;
  let env: Record<string, string>;
  let replica: ServerProcess;
  let token: string;
  const failures: string[] = [];
  let requests = 0;
  let stopLoad = false;
  let load: Promise<void>;

  beforeAll(async () => {
    reference = new PipelineHarness({ C360_AS_OF: AS_OF });
    harness = new PipelineHarness({ C360_AS_OF: AS_OF });
    env = {
      C360_DATA_DIR: harness.root,
      AUTH_JWT_SECRET: TEST_SECRET,
      C360_SCHEDULE: 'off',
      C360_AS_OF: AS_OF,
    };
    await generateSources({
      outDir: harness.dirs.landing,
      scale: 0.1,
      seed: 21,
      changes: false,
      dirty: 0.01,
    });
    expect((await runCliAsync(['build', '--mode', 'full'], env)).status).toBe(0);
    replica = await startServer(['serve', '--replica'], env);
    token = await signToken(harness.config, { roles: ['analyst'] });
    load = (async () => {
      while (!stopLoad) {
        try {
          const response = await fetch(`${replica.base}/v1/customers?limit=50&segment=champions`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await response.arrayBuffer();
          if (response.status !== 200) failures.push(`status ${response.status}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
        requests++;
      }
    })();
  });

  afterAll(async () => {
    stopLoad = true;
    await load;
    await replica?.stop();
    reference.cleanup();
    harness.cleanup();
  });

  it.each(['extract', 'gold', 'publish'])(
    'killed during %s: the served snapshot is untouched, the next build recovers to the undisturbed result',
    async (step) => {
      await generateSources({
        outDir: harness.dirs.landing,
        scale: 0.1,
        seed: 21,
        changes: true,
        dirty: 0.01,
      });
      const served = harness.snapshots.readActive()?.snapshot_id;
      const killed = await killBuildDuring(harness, env, step);
      const active = harness.snapshots.readActive()?.snapshot_id;
      if (step !== 'publish') expect(active).toBe(served);

      const next = await runCliAsync(['build', '--mode', 'incremental'], env);
      expect(next.stderr).toBe('');
      expect(next.status).toBe(0);
      const interrupted = harness.runs.get(killed);
      expect(interrupted?.status).toBe('failed');
      expect(interrupted?.error).toMatch(/interrupted/);
      expect(existsSync(harness.dirs.buildLock)).toBe(false);
      // no snapshot directory without a manifest is left behind
      for (const entry of readdirSync(harness.dirs.snapshots, { withFileTypes: true }).filter((e) =>
        e.isDirectory(),
      )) {
        expect(existsSync(join(harness.dirs.snapshots, entry.name, 'manifest.json'))).toBe(true);
      }

      // no bronze file of a run that did not publish is left behind
      const registered = await registeredRuns(harness);
      for (const source of readdirSync(harness.dirs.bronze)) {
        for (const file of readdirSync(join(harness.dirs.bronze, source))) {
          expect(registered.has(file.replace(/\.parquet$/, ''))).toBe(true);
        }
      }

      // the same landing files, built undisturbed in another data directory
      cpSync(harness.dirs.landing, reference.dirs.landing, { recursive: true });
      const undisturbed = await reference.build({ mode: 'incremental' });
      expect(undisturbed.status).toBe('published');
      expect(await goldContent(harness)).toEqual(await goldContent(reference));
    },
  );

  it('kept answering every request while builds were killed and recovered', () => {
    expect(requests).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  });
});
