import { signToken } from '../src/auth/token';
import { generateSources } from '../src/generate/generator';
import { runCliAsync } from './support/cli';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';
import { startServer } from './support/processes';

describe('graceful shutdown', () => {
  let harness: PipelineHarness;
  let env: Record<string, string>;

  beforeAll(async () => {
    harness = new PipelineHarness();
    env = {
      C360_DATA_DIR: harness.root,
      AUTH_JWT_SECRET: TEST_SECRET,
      C360_SCHEDULE: 'off',
      C360_AS_OF: '2025-01-01T00:00:00Z',
    };
    await generateSources({ outDir: harness.dirs.landing, scale: 0.05, seed: 11, changes: false, dirty: 0 });
    expect((await runCliAsync(['build', '--mode', 'full'], env)).status).toBe(0);
  });
  afterAll(() => harness.cleanup());

  it('SIGTERM under load: answered requests are all 200, the build is cancelled cleanly, exit 0', async () => {
    const server = await startServer(['serve'], env);
    const token = await signToken(harness.config, { roles: ['admin'] });
    const headers = { authorization: `Bearer ${token}` };
    const trigger = await fetch(`${server.base}/v1/admin/runs`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'full' }),
    });
    expect(trigger.status).toBe(202);
    const { id } = (await trigger.json()) as { id: string };

    const statuses: number[] = [];
    const drained: Array<{ type: string | null; connection: string | null; code: string }> = [];
    let refused = 0;
    let stop = false;
    const clients = Array.from({ length: 16 }, async () => {
      while (!stop) {
        try {
          const response = await fetch(`${server.base}/v1/customers?limit=50&sort=-lifetime_value`, {
            headers,
          });
          if (response.status === 503) {
            const body = (await response.json()) as { code: string };
            drained.push({
              type: response.headers.get('content-type'),
              connection: response.headers.get('connection'),
              code: body.code,
            });
          } else {
            await response.arrayBuffer();
            statuses.push(response.status);
          }
        } catch {
          refused++; // not accepted: the listener is closed
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exitCode = await server.stop('SIGTERM');
    stop = true;
    await Promise.all(clients);

    expect(exitCode).toBe(0);
    expect(statuses.length).toBeGreaterThan(10);
    // answered before the drain: all 200; after it: a 503 problem that closes the connection, or refused
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const answer of drained) {
      expect(answer).toEqual({
        type: expect.stringContaining('application/problem+json'),
        connection: 'close',
        code: 'shutting_down',
      });
    }
    expect(refused + drained.length).toBeGreaterThan(0);
    const run = harness.runs.get(id);
    expect(run?.status).toMatch(/^(cancelled|published)$/);
    expect(run?.finished_at).not.toBeNull();
    expect(harness.dirs.buildLock).toBeTruthy();
    // the lock is free and the next build succeeds
    expect((await runCliAsync(['build'], env)).status).toBe(0);
  });
});
