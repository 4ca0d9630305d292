import { readFileSync } from 'node:fs';
import { signToken } from '../src/auth/token';
import { generateSources } from '../src/generate/generator';
import { runCliAsync } from './support/cli';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';
import { ServerProcess, startServer } from './support/processes';

describe('replicas over published snapshots', () => {
  let harness: PipelineHarness;
  let builder: ServerProcess;
  const replicas: ServerProcess[] = [];
  let env: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    harness = new PipelineHarness({ C360_AS_OF: '2025-01-01T00:00:00Z' });
    env = {
      C360_DATA_DIR: harness.root,
      AUTH_JWT_SECRET: TEST_SECRET,
      C360_SCHEDULE: 'off',
      C360_AS_OF: '2025-01-01T00:00:00Z',
    };
    token = await signToken(harness.config, { roles: ['admin'] });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.02, seed: 3, changes: false, dirty: 0 });
    const first = await runCliAsync(['build', '--mode', 'full'], env);
    expect(first.status).toBe(0);
    builder = await startServer(['serve'], env);
    for (let i = 0; i < 3; i++) replicas.push(await startServer(['serve', '--replica'], env));
  });

  afterAll(async () => {
    await Promise.all([builder, ...replicas].filter(Boolean).map((p) => p.stop()));
    harness.cleanup();
  });

  const ready = async (server: ServerProcess): Promise<{ snapshot_id: string | null }> =>
    (await (await fetch(`${server.base}/health/ready`)).json()) as { snapshot_id: string | null };

  it('serves through a publish with zero errors and every replica switches to the new snapshot', async () => {
    const before = harness.snapshots.readActive()?.snapshot_id;
    for (const replica of replicas) expect((await ready(replica)).snapshot_id).toBe(before);

    let stop = false;
    let requests = 0;
    const failures: string[] = [];
    const paths = [
      '/v1/customers?limit=20',
      '/v1/customers/C00000001',
      '/v1/customers?sort=-lifetime_value&limit=50',
    ];
    const load = Promise.all(
      replicas.map(async (replica, r) => {
        for (let i = 0; !stop; i++) {
          const path = paths[(i + r) % paths.length];
          try {
            const response = await fetch(`${replica.base}${path}`, {
              headers: { authorization: `Bearer ${token}` },
            });
            await response.arrayBuffer();
            if (response.status !== 200) failures.push(`${replica.port}${path} → ${response.status}`);
          } catch (error) {
            failures.push(`${replica.port}${path} → ${(error as Error).message}`);
          }
          requests++;
        }
      }),
    );

    await generateSources({ outDir: harness.dirs.landing, scale: 0.02, seed: 3, changes: true, dirty: 0 });
    const trigger = await fetch(`${builder.base}/v1/admin/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'incremental' }),
    });
    expect(trigger.status).toBe(202);
    const { id } = (await trigger.json()) as { id: string };

    // a replica never builds
    const refused = await fetch(`${replicas[0].base}/v1/admin/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'full' }),
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'builder_disabled' });

    let run = { status: 'running', snapshot_id: null as string | null };
    for (let i = 0; i < 600 && run.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await (
        await fetch(`${builder.base}/v1/admin/runs/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as typeof run;
    }
    expect(run.status).toBe('published');
    for (let i = 0; i < 100; i++) {
      const ids = await Promise.all(replicas.map(ready));
      if (ids.every((r) => r.snapshot_id === run.snapshot_id)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(50);
    for (const replica of replicas) expect((await ready(replica)).snapshot_id).toBe(run.snapshot_id);
    const header = await fetch(`${replicas[2].base}/v1/customers?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(header.headers.get('x-c360-snapshot')).toBe(run.snapshot_id);
  });

  it('holds one build at a time across processes', async () => {
    // a CLI build in another process takes the lock; the builder's API must then refuse, naming it
    const cli = runCliAsync(['build', '--mode', 'full'], env);
    let holder: { run_id: string; pid: number } | null = null;
    for (let i = 0; i < 600 && !holder?.run_id.startsWith('r2'); i++) {
      try {
        holder = JSON.parse(readFileSync(harness.dirs.buildLock, 'utf8')) as { run_id: string; pid: number };
      } catch {
        holder = null;
      }
      if (!holder?.run_id.startsWith('r2')) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(holder?.pid).not.toBe(builder.child.pid);
    const refused = await fetch(`${builder.base}/v1/admin/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'full' }),
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'run_in_progress', run_id: holder?.run_id });
    expect((await cli).status).toBe(0);
  });
});
