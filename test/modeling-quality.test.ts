import { existsSync, readdirSync, rmSync } from 'node:fs';
import { setLogLevel } from '../src/common/logger';
import { connect, openDuckDb, queryRows } from '../src/duckdb/duckdb';
import { generateSources } from '../src/generate/generator';
import { AlertMessage } from '../src/alerts/alert.observer';
import { configDirWith, failingCheck } from './support/config-dir';
import { serve, Served } from './support/http';
import { PipelineHarness } from './support/pipeline-harness';
import { Receiver } from './support/receiver';

const AS_OF = new Date('2025-01-01T06:00:00Z');

async function goldStatePointer(harness: PipelineHarness): Promise<string | null> {
  const instance = await openDuckDb(harness.dirs.warehouseDb, { readOnly: true });
  const connection = await connect(instance);
  try {
    const [row] = await queryRows<{ snapshot_id: string }>(connection, 'select snapshot_id from gold_state');
    return row?.snapshot_id ?? null;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function servedSnapshot(served: Served, expected: string): Promise<string | null> {
  let seen: string | null = null;
  for (let i = 0; i < 50; i++) {
    const response = await served.get('/v1/customers?limit=1', 'analyst');
    // before the app has loaded its first snapshot it rightly answers 503 no_snapshot
    if (response.status === 503 && seen === null) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    expect(response.status).toBe(200);
    seen = response.headers.get('x-c360-snapshot');
    if (seen === expected) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

const post = (served: Served, path: string, body?: unknown, role = 'admin'): Promise<Response> =>
  fetch(`${served.base}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${served.tokens[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('quality gate, snapshots and alerts', () => {
  let harness: PipelineHarness;
  let served: Served;
  let receiver: Receiver;
  const configDirs: string[] = [];

  beforeAll(async () => {
    setLogLevel('silent');
    receiver = new Receiver();
    await receiver.start();
    harness = new PipelineHarness({ LOG_LEVEL: 'silent', C360_ALERT_WEBHOOK: receiver.url });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.002, seed: 9, changes: false, dirty: 0 });
    served = await serve(harness.config);
  });
  afterAll(async () => {
    await served.close();
    await receiver.stop();
    harness.cleanup();
    for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The same data directory built with another configuration directory. */
  function withConfig(files: Record<string, string>): PipelineHarness {
    const dir = configDirWith(files);
    configDirs.push(dir);
    return new PipelineHarness({
      C360_DATA_DIR: harness.root,
      C360_CONFIG_DIR: dir,
      LOG_LEVEL: 'silent',
      C360_ALERT_WEBHOOK: receiver.url,
    });
  }

  it('a failing critical check publishes nothing, changes nothing, and the API keeps serving', async () => {
    const first = await harness.build({ mode: 'full', asOf: AS_OF });
    expect(first.status).toBe('published');
    const good = first.snapshot_id ?? '';
    expect(await servedSnapshot(served, good)).toBe(good);
    const snapshotsBefore = readdirSync(harness.dirs.snapshots).sort();
    const bronzeBefore = readdirSync(harness.dirs.bronze, { recursive: true }).sort();

    await generateSources({ outDir: harness.dirs.landing, scale: 0.002, seed: 9, changes: true, dirty: 0 });
    const broken = await withConfig(failingCheck('critical')).build({ mode: 'incremental', asOf: AS_OF });
    expect(broken).toMatchObject({ status: 'failed_quality', snapshot_id: null });
    expect(broken.error).toContain('customer_360.always_fails_critical');
    expect(broken.dq).toContainEqual({
      table: 'customer_360',
      check: 'always_fails_critical',
      type: 'sql',
      scope: 'table',
      severity: 'critical',
      passed: false,
      failing_rows: 3,
    });
    expect(broken.steps.map((s) => [s.name, s.status])).toEqual([
      ['extract', 'succeeded'],
      ['silver', 'succeeded'],
      ['gold', 'succeeded'],
      ['quality', 'failed'],
    ]);

    // nothing changed: no snapshot, the same active one, the same gold state, no new bronze
    expect(readdirSync(harness.dirs.snapshots).sort()).toEqual(snapshotsBefore);
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(good);
    expect(await goldStatePointer(harness)).toBe(good);
    expect(readdirSync(harness.dirs.bronze, { recursive: true }).sort()).toEqual(bronzeBefore);

    // the API answers from the previous snapshot, and reports the failure
    const customers = await served.get('/v1/customers?limit=5', 'analyst');
    expect(customers.status).toBe(200);
    expect(customers.headers.get('x-c360-snapshot')).toBe(good);
    const record = (await (await served.get(`/v1/admin/runs/${broken.id}`)).json()) as {
      status: string;
      dq: unknown[];
    };
    expect(record.status).toBe('failed_quality');
    const dq = (await (await served.get('/v1/admin/dq?failed_only=true')).json()) as {
      run_id: string;
      run_status: string;
      summary: { failed_critical: number };
      data: Array<{ check: string }>;
    };
    expect(dq).toMatchObject({
      run_id: broken.id,
      run_status: 'failed_quality',
      summary: { failed_critical: 1 },
    });
    expect(dq.data.map((d) => d.check)).toContain('always_fails_critical');

    // the Slack-compatible alert names the run and the check, never a row
    const alert = receiver.bodies.find((b) => (b as AlertMessage).text.includes(broken.id)) as AlertMessage;
    expect(alert.text).toContain('failed its quality gate');
    expect(alert.text).toContain('customer_360.always_fails_critical');
    expect(alert.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    const [someone] = await harness.snapshotRows<{ customer_id: string; email: string }>(
      'select customer_id, email from customer_360 limit 1',
    );
    expect(JSON.stringify(alert)).not.toContain(someone.email);

    // the next good build reads the batch the failed run did not commit
    const next = await harness.build({ mode: 'incremental', asOf: AS_OF });
    expect(next.status).toBe('published');
    expect(next.sources.find((s) => s.name === 'customers')?.files).toEqual(['customers-0002.csv']);
  });

  it('a failing warn check publishes and records the warning; freshness breaches alert', async () => {
    const run = await withConfig(failingCheck('warn')).build({ mode: 'incremental', asOf: AS_OF });
    expect(run.status).toBe('published');
    expect(run.dq).toContainEqual(
      expect.objectContaining({
        check: 'always_fails_warn',
        severity: 'warn',
        passed: false,
        failing_rows: 3,
      }),
    );
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(run.snapshot_id);
    const dq = (await (await served.get(`/v1/admin/dq?run_id=${run.id}&severity=warn`)).json()) as {
      run_status: string;
      data: Array<{ check: string; passed: boolean }>;
    };
    expect(dq.run_status).toBe('published');
    expect(dq.data).toContainEqual(expect.objectContaining({ check: 'always_fails_warn', passed: false }));

    // as_of far after the data: orders and events are stale
    const stale = await harness.build({ mode: 'incremental', asOf: new Date('2025-03-01T00:00:00Z') });
    expect(stale.status).toBe('published');
    expect(stale.dq).toContainEqual(
      expect.objectContaining({ check: 'freshness:order_ts', type: 'freshness', passed: false }),
    );
    const alert = receiver.bodies.find((b) => (b as AlertMessage).text.includes(stale.id)) as AlertMessage;
    expect(alert.text).toContain('freshness breached');
    expect(alert.text).toContain('fact_orders.freshness:order_ts');
  });

  it('lists retained snapshots and rolls back to an older one', async () => {
    const list = (await (await served.get('/v1/admin/snapshots')).json()) as {
      data: Array<{
        snapshot_id: string;
        active: boolean;
        tables: Record<string, { rows: number }>;
        build: string;
      }>;
    };
    expect(list.data.length).toBeGreaterThanOrEqual(3);
    expect(list.data.filter((s) => s.active)).toHaveLength(1);
    expect(list.data[0].active).toBe(true);
    expect(list.data[0].build).toBe('incremental');
    expect(list.data[0].tables.customer_360.rows).toBeGreaterThan(0);
    const older = list.data[list.data.length - 1].snapshot_id;

    expect((await post(served, `/v1/admin/snapshots/${older}/activate`, undefined, 'analyst')).status).toBe(
      403,
    );
    expect((await post(served, '/v1/admin/snapshots/s-does-not-exist/activate')).status).toBe(404);
    const activated = await post(served, `/v1/admin/snapshots/${older}/activate`);
    expect(activated.status).toBe(200);
    expect(await activated.json()).toMatchObject({ snapshot_id: older, active: true });
    expect(await servedSnapshot(served, older)).toBe(older);

    // the next build continues from the latest build's state and becomes the active snapshot
    const next = await harness.build({ mode: 'incremental', asOf: AS_OF });
    expect(next.plan?.kind).toBe('incremental');
    expect(next.plan?.base_snapshot_id).toBe(list.data[0].snapshot_id);
    expect(await servedSnapshot(served, next.snapshot_id ?? '')).toBe(next.snapshot_id);
  });

  it('keeps only the configured number of snapshots (plus the active one)', async () => {
    const retained = withConfig({});
    const limited = new PipelineHarness({
      C360_DATA_DIR: harness.root,
      C360_CONFIG_DIR: retained.config.configDir,
      C360_SNAPSHOT_RETENTION: '2',
      LOG_LEVEL: 'silent',
    });
    const run = await limited.build({ mode: 'incremental', asOf: AS_OF });
    expect(run.status).toBe('published');
    const complete = limited.snapshots.list();
    expect(complete).toHaveLength(2);
    expect(complete[0].snapshot_id).toBe(run.snapshot_id);
    expect(existsSync(limited.snapshots.directory(run.snapshot_id ?? ''))).toBe(true);
  });
});
