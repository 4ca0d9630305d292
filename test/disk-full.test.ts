import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../src/auth/token';
import { generateSources } from '../src/generate/generator';
import { runCliAsync } from './support/cli';
import { goldContent } from './support/gold-compare';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';
import { startServer } from './support/processes';

const AS_OF = '2025-01-01T00:00:00Z';

/** The data directory on its own small tmpfs, so "disk full" is a real ENOSPC. */
function mountTmpfs(path: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
}
function resize(path: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, path]);
}
function usedKiB(path: string): number {
  const line = execFileSync('df', ['-k', '--output=used', path], { encoding: 'utf8' }).trim().split('\n')[1];
  return Number(line.trim());
}

describe('disk full', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'c360-tinyfs-'));
  let harness: PipelineHarness;
  let reference: PipelineHarness;

  beforeAll(() => {
    mountTmpfs(mountPoint, '256m');
    harness = new PipelineHarness({ C360_DATA_DIR: join(mountPoint, 'data'), C360_AS_OF: AS_OF });
    reference = new PipelineHarness({ C360_AS_OF: AS_OF });
  });
  afterAll(() => {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
    reference.cleanup();
  });

  it('fails the build clearly, keeps serving, and the next build after freeing space is undisturbed', async () => {
    const dataDir = join(mountPoint, 'data');
    mkdirSync(dataDir, { recursive: true });
    const env = {
      C360_DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_SECRET,
      C360_SCHEDULE: 'off',
      C360_AS_OF: AS_OF,
    };
    await generateSources({ outDir: harness.dirs.landing, scale: 0.02, seed: 9, changes: false, dirty: 0 });
    expect((await runCliAsync(['build', '--mode', 'full'], env)).status).toBe(0);
    const served = harness.snapshots.readActive()?.snapshot_id;
    const replica = await startServer(['serve', '--replica'], env);
    const token = await signToken(harness.config, { roles: ['analyst'] });
    try {
      await generateSources({ outDir: harness.dirs.landing, scale: 0.02, seed: 9, changes: true, dirty: 0 });
      // leave a few hundred KiB: enough to start a run, not enough for its bronze and snapshot
      resize(mountPoint, `${usedKiB(mountPoint) + 300}k`);
      const failed = await runCliAsync(['build', '--mode', 'full'], env);
      expect(failed.status).not.toBe(0);
      expect(failed.stdout + failed.stderr).toMatch(/space|full|write/i);
      expect(harness.snapshots.readActive()?.snapshot_id).toBe(served);
      const during = await fetch(`${replica.base}/v1/customers?limit=5`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(during.status).toBe(200);
      expect(during.headers.get('x-c360-snapshot')).toBe(served);

      resize(mountPoint, '256m');
      const recovered = await runCliAsync(['build', '--mode', 'incremental'], env);
      expect(recovered.stderr).toBe('');
      expect(recovered.status).toBe(0);
      cpSync(harness.dirs.landing, reference.dirs.landing, { recursive: true });
      expect((await reference.build({ mode: 'incremental' })).status).toBe('published');
      expect(await goldContent(harness)).toEqual(await goldContent(reference));
    } finally {
      await replica.stop();
    }
  });
});

describe('two build triggers at the same instant', () => {
  it('start exactly one run; the others are refused naming it', async () => {
    const harness = new PipelineHarness({ C360_AS_OF: AS_OF });
    try {
      await generateSources({
        outDir: harness.dirs.landing,
        scale: 0.005,
        seed: 1,
        changes: false,
        dirty: 0,
      });
      const env = { C360_DATA_DIR: harness.root, AUTH_JWT_SECRET: TEST_SECRET, C360_SCHEDULE: 'off' };
      const server = await startServer(['serve'], env);
      const token = await signToken(harness.config, { roles: ['admin'] });
      const post = (): Promise<Response> =>
        fetch(`${server.base}/v1/admin/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'full' }),
        });
      try {
        // two API triggers and a third process-local trigger on the same data directory, at once
        const [a, b, local] = await Promise.allSettled([
          post(),
          post(),
          harness.coordinator.trigger({ mode: 'full', trigger: 'cli' }),
        ]);
        const responses = [a, b].map((r) => (r.status === 'fulfilled' ? r.value : null));
        const bodies = (await Promise.all(responses.map((r) => r?.json()))) as Array<{
          id?: string;
          run_id?: string;
        }>;
        const started =
          responses.filter((r) => r?.status === 202).length + (local.status === 'fulfilled' ? 1 : 0);
        expect(started).toBe(1);
        for (const [i, response] of responses.entries()) {
          if (response?.status !== 202) {
            expect(response?.status).toBe(409);
            expect(bodies[i].run_id).toMatch(/^r/);
          }
        }
        if (local.status === 'rejected') expect(String(local.reason)).toMatch(/Run r\S+ is in progress\./);
        else await harness.coordinator.waitForActive();
      } finally {
        await server.stop();
      }
    } finally {
      harness.cleanup();
    }
  });
});
