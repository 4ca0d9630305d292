import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { generateSources } from '../src/generate/generator';
import { PipelineHarness } from './support/pipeline-harness';
import { serve, Served } from './support/http';

describe('metrics and freshness', () => {
  let harness: PipelineHarness;
  let served: Served;

  const alerts: string[] = [];
  let webhook: Server;

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        alerts.push(body);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const address = webhook.address() as AddressInfo;
    harness = new PipelineHarness({
      C360_AS_OF: '2025-01-01T00:00:00Z',
      C360_MAX_SNAPSHOT_AGE: '1s',
      C360_ALERT_WEBHOOK: `http://127.0.0.1:${address.port}/hook`,
    });
    await generateSources({
      outDir: harness.dirs.landing,
      scale: 0.005,
      seed: 5,
      changes: false,
      dirty: 0.02,
    });
    served = await serve(harness.config);
  });
  afterAll(async () => {
    await served.close();
    harness.cleanup();
    webhook.close();
  });

  it('exposes c360_ metrics for HTTP, runs, rows, DQ, snapshot age and the build lock', async () => {
    const accepted = await fetch(`${served.base}/v1/admin/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${served.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'full' }),
    });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    for (let i = 0; i < 300; i++) {
      const run = (await (await served.get(`/v1/admin/runs/${id}`)).json()) as { status: string };
      if (run.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let i = 0; i < 50 && !(await served.get('/v1/customers?limit=1')).ok; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await served.get('/v1/customers/C00000001', 'analyst');
    const response = await fetch(`${served.base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /c360_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/v1\/customers",status="200"\}/,
    );
    expect(text).toMatch(
      /c360_http_request_duration_seconds_count\{method="GET",route="\/v1\/customers\/:id",status="200"\} 1/,
    );
    expect(text).toMatch(/c360_pipeline_runs_total\{status="published",trigger="admin"\} 1/);
    expect(text).toMatch(/c360_pipeline_step_duration_seconds_count\{step="gold",status="succeeded"\} 1/);
    expect(text).toMatch(/c360_rows_total\{layer="bronze",table="customers",outcome="quarantined"\} [1-9]/);
    expect(text).toMatch(/c360_rows_total\{layer="bronze",table="orders",outcome="loaded"\} [1-9]/);
    expect(text).toMatch(/c360_dq_failures_total\{severity="warn"\} [1-9]/);
    expect(text).toMatch(/c360_snapshot_age_seconds \d/);
    expect(text).toMatch(/c360_build_lock_held 0/);
    expect(text).toMatch(/c360_process_resident_memory_bytes \d/);
    // the raw URL (query strings can carry emails) never becomes a label
    expect(text).not.toContain('limit=1');
  });

  it('flags a stale snapshot in the gauge and /health/ready, which stays ready', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const ready = await fetch(`${served.base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      details: { stale: true, max_age_seconds: 1 },
    });
    expect(await (await fetch(`${served.base}/metrics`)).text()).toMatch(/c360_snapshot_stale 1/);
    // one alert per breach: the published snapshot went stale (another one may cover start-up,
    // before the first publish)
    const stale = (): string[] => alerts.filter((a) => a.includes('freshness breached: the served snapshot'));
    for (let i = 0; i < 40 && stale().length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stale()).toHaveLength(1);
    expect(JSON.parse(stale()[0])).toMatchObject({
      text: expect.stringMatching(/SLA 1 s/),
      blocks: [{ type: 'section' }],
    });
  });
});
