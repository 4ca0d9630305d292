import { readdirSync } from 'node:fs';
import { setLogLevel } from '../src/common/logger';
import { generateSources } from '../src/generate/generator';
import { RunRecord } from '../src/runs/run.model';
import { runCli } from './support/cli';
import { serve, Served } from './support/http';
import { goldTables } from './support/modeling';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';

const AS_OF = new Date('2025-01-03T00:00:00Z');

async function postJson(served: Served, path: string, body: unknown): Promise<Response> {
  return fetch(`${served.base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${served.tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function finished(served: Served, id: string): Promise<RunRecord> {
  for (let i = 0; i < 600; i++) {
    const run = (await (await served.get(`/v1/admin/runs/${id}`)).json()) as RunRecord;
    if (run.status !== 'running') return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('run did not finish');
}

describe('backfills', () => {
  let harness: PipelineHarness;
  let served: Served;

  beforeAll(async () => {
    setLogLevel('silent');
    harness = new PipelineHarness({ LOG_LEVEL: 'silent', C360_AS_OF: AS_OF.toISOString() });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.003, seed: 12, changes: false, dirty: 0 });
    expect((await harness.build({ mode: 'full' })).status).toBe('published');
    await generateSources({ outDir: harness.dirs.landing, scale: 0.003, seed: 12, changes: true, dirty: 0 });
    expect((await harness.build({ mode: 'incremental' })).status).toBe('published');
    served = await serve(harness.config);
  });
  afterAll(async () => {
    await served.close();
    harness.cleanup();
  });

  it('a dry run reports what would be re-read and rebuilt, and writes nothing', async () => {
    const runsBefore = harness.runs.list(100).length;
    const snapshotsBefore = readdirSync(harness.dirs.snapshots).sort();
    const env = { C360_DATA_DIR: harness.root, AUTH_JWT_SECRET: TEST_SECRET, C360_SCHEDULE: 'off' };
    const cli = runCli(['backfill', '--from', '2025-01-01', '--to', '2025-01-02', '--dry-run'], env);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('dry run: nothing was written');
    expect(cli.stdout).toMatch(
      /orders \(file\): every file, rows in the window kept, 2 landing file\(s\); [1-9]\d* row\(s\)/,
    );
    expect(cli.stdout).toContain('order_items (file): skipped: no watermark');
    expect(cli.stdout).toMatch(/customers whose models would be recomputed: [1-9]/);

    const response = await postJson(served, '/v1/admin/backfills', {
      from: '2025-01-01',
      to: '2025-01-02',
      dry_run: true,
    });
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      window: { from: string; to: string };
      sources: Array<{ source: string; rows_in_window: number }>;
      customers_in_window: number;
      models: { incremental: string[]; recomputed_whole: string[] };
    };
    expect(report.window).toEqual({ from: '2025-01-01T00:00:00.000Z', to: '2025-01-02T00:00:00.000Z' });
    expect(report.sources.find((s) => s.source === 'orders')?.rows_in_window).toBeGreaterThan(0);
    expect(report.models.incremental).toEqual(
      expect.arrayContaining([
        'dim_customer',
        'fact_orders',
        'fact_order_lines',
        'fact_events',
        'int_customer_metrics',
      ]),
    );
    expect(report.models.recomputed_whole).toContain('customer_360');

    expect(harness.runs.list(100)).toHaveLength(runsBefore);
    expect(readdirSync(harness.dirs.snapshots).sort()).toEqual(snapshotsBefore);
  });

  it('refuses a bad window', async () => {
    expect(
      (await postJson(served, '/v1/admin/backfills', { from: '2025-01-02', to: '2025-01-01' })).status,
    ).toBe(400);
    expect(
      (await postJson(served, '/v1/admin/backfills', { from: 'yesterday', to: '2025-01-01' })).status,
    ).toBe(400);
    expect((await postJson(served, '/v1/admin/backfills', { to: '2025-01-01' })).status).toBe(400);
    const cli = runCli(['backfill', '--from', '2025-01-02', '--to', '2025-01-01'], {
      C360_DATA_DIR: harness.root,
      AUTH_JWT_SECRET: TEST_SECRET,
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr.trim()).toBe('c360: --to must be after --from');
  });

  it('runs a backfill (trigger backfill, the window on the run) that re-reads the window and changes nothing', async () => {
    const before = await goldTables(harness, harness.snapshots.readActive()?.snapshot_id ?? '');
    const response = await postJson(served, '/v1/admin/backfills', { from: '2025-01-01', to: '2025-01-02' });
    expect(response.status).toBe(202);
    const started = (await response.json()) as RunRecord;
    expect(started).toMatchObject({
      trigger: 'backfill',
      status: 'running',
      window: { from: '2025-01-01T00:00:00.000Z', to: '2025-01-02T00:00:00.000Z' },
    });
    const run = await finished(served, started.id);
    expect(run.status).toBe('published');
    expect(run.plan?.kind).toBe('incremental');
    expect(run.sources.reduce((n, s) => n + s.read, 0)).toBeGreaterThan(0);
    // the same rows read again: every gold table is as it was
    expect(await goldTables(harness, run.snapshot_id ?? '')).toEqual(before);
  });

  it('a second trigger while one runs is a 409 naming it; the running backfill can be cancelled', async () => {
    const response = await postJson(served, '/v1/admin/backfills', { from: '2024-01-01', to: '2025-01-02' });
    expect(response.status).toBe(202);
    const started = (await response.json()) as RunRecord;
    const conflict = await postJson(served, '/v1/admin/backfills', { from: '2024-01-01', to: '2025-01-02' });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ run_id: started.id });
    const cancel = await fetch(`${served.base}/v1/admin/runs/${started.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${served.tokens.admin}` },
    });
    expect(cancel.status).toBe(202);
    const run = await finished(served, started.id);
    expect(['cancelled', 'published']).toContain(run.status);
    if (run.status === 'cancelled')
      expect(harness.snapshots.readActive()?.snapshot_id).not.toBe(run.snapshot_id);
  });
});
