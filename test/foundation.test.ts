import { generateSources } from '../src/generate/generator';
import { Row } from '../src/duckdb/duckdb';
import { PipelineHarness } from './support/pipeline-harness';
import { serve } from './support/http';

const AS_OF = '2025-01-01T00:00:00Z';
// customer_sk is 60-bit: compared as text so no two keys round to the same number
const DIM_CUSTOMER = 'select * replace (cast(customer_sk as varchar) as customer_sk) from dim_customer';

function byKey<T extends Row>(rows: T[], key: string): Map<string, T> {
  return new Map(rows.map((row) => [String(row[key]), row]));
}

describe('foundation: generate → build → publish → serve', () => {
  let harness: PipelineHarness;

  beforeAll(async () => {
    harness = new PipelineHarness({ C360_AS_OF: AS_OF });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.01, seed: 7, changes: false, dirty: 0 });
  });
  afterAll(() => harness.cleanup());

  it('publishes two snapshots with identical customer_360 content for the same input', async () => {
    const first = await harness.build({ mode: 'full' });
    expect(first.status).toBe('published');
    const second = await harness.build({ mode: 'incremental' });
    expect(second.status).toBe('published');
    expect(second.snapshot_id).not.toBe(first.snapshot_id);
    const query = 'select * from customer_360 order by customer_id';
    const a = await harness.snapshotRows(query, first.snapshot_id ?? undefined);
    const b = await harness.snapshotRows(query, second.snapshot_id ?? undefined);
    expect(a.length).toBeGreaterThan(900);
    expect(b).toEqual(a);
    // the second run read nothing new
    expect(second.sources.every((s) => s.read === 0)).toBe(true);
  });

  it('adds SCD2 versions only for the customers a --changes batch changed', async () => {
    const before = await harness.snapshotRows(DIM_CUSTOMER);
    const changes = await generateSources({
      outDir: harness.dirs.landing,
      scale: 0.01,
      seed: 7,
      changes: true,
      dirty: 0,
    });
    const run = await harness.build({ mode: 'incremental' });
    expect(run.status).toBe('published');
    expect(run.sources.find((s) => s.name === 'customers')?.files).toEqual(['customers-0002.csv']);
    const after = await harness.snapshotRows(DIM_CUSTOMER);

    const beforeKeys = new Set(before.map((r) => r.customer_sk));
    const withNewVersions = new Set(
      after.filter((r) => !beforeKeys.has(r.customer_sk)).map((r) => String(r.customer_id)),
    );
    const expected = new Set([...changes.changedCustomerIds, ...changes.newCustomerIds]);
    expect([...withNewVersions].sort()).toEqual([...expected].sort());

    // every version of an untouched customer is exactly as it was
    const touched = new Set([...expected, ...changes.deletedCustomerIds]);
    const afterBySk = byKey(after, 'customer_sk');
    for (const version of before.filter((r) => !touched.has(String(r.customer_id)))) {
      expect(afterBySk.get(String(version.customer_sk))).toEqual(version);
    }
    // deleted customers: their last version is closed and marked deleted, and they leave customer_360
    const c360 = new Set(
      (await harness.snapshotRows('select customer_id from customer_360')).map((r) => r.customer_id),
    );
    for (const id of changes.deletedCustomerIds) {
      const versions = after.filter((r) => r.customer_id === id);
      expect(versions.some((v) => v.is_current)).toBe(false);
      expect(versions.at(-1)?.is_deleted).toBe(true);
      expect(c360.has(id)).toBe(false);
    }
    expect(c360.size).toBe(changes.population.activeCustomers);
  });

  it('answers requests during a build from the previous snapshot, never with an error', async () => {
    const served = await serve(harness.config);
    try {
      const previous = harness.snapshots.readActive()?.snapshot_id;
      await generateSources({ outDir: harness.dirs.landing, scale: 0.01, seed: 7, changes: true, dirty: 0 });
      const build = harness.build({ mode: 'full' });
      let finished = false;
      void build.then(() => (finished = true));
      const seen = new Map<string, number>();
      let requests = 0;
      while (!finished) {
        const responses = await Promise.all([
          served.get('/v1/customers?limit=20', 'analyst'),
          served.get('/v1/customers/C00000001', 'support'),
          served.get('/v1/customers?segment=champions&sort=-lifetime_value', 'admin'),
        ]);
        for (const response of responses) {
          expect(response.status).toBe(200);
          const snapshot = response.headers.get('x-c360-snapshot') ?? 'missing';
          seen.set(snapshot, (seen.get(snapshot) ?? 0) + 1);
          requests++;
        }
      }
      const run = await build;
      expect(run.status).toBe('published');
      expect(requests).toBeGreaterThan(3);
      expect(seen.get(previous ?? '')).toBeGreaterThan(0);
      expect([...seen.keys()].every((id) => id === previous || id === run.snapshot_id)).toBe(true);
      // the API switches to the new snapshot once it is published
      for (let i = 0; i < 50; i++) {
        const response = await served.get('/v1/customers?limit=1');
        if (response.headers.get('x-c360-snapshot') === run.snapshot_id) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await served.get('/v1/customers?limit=1')).headers.get('x-c360-snapshot')).toBe(
        run.snapshot_id,
      );
    } finally {
      await served.close();
    }
  });

  it('runs builds through the admin API: 202, then 409 naming the running run', async () => {
    const served = await serve(harness.config);
    const post = (): Promise<Response> =>
      fetch(`${served.base}/v1/admin/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${served.tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'full' }),
      });
    try {
      const accepted = await post();
      expect(accepted.status).toBe(202);
      const run = (await accepted.json()) as { id: string; status: string; trigger: string };
      expect(run).toMatchObject({ status: 'running', trigger: 'admin' });
      const conflict = await post();
      expect(conflict.status).toBe(409);
      expect(await conflict.json()).toMatchObject({ status: 409, run_id: run.id });
      let record: { status: string; snapshot_id: string | null; steps: unknown[] } = {
        status: 'running',
        snapshot_id: null,
        steps: [],
      };
      for (let i = 0; i < 300 && record.status === 'running'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        record = (await (await served.get(`/v1/admin/runs/${run.id}`)).json()) as typeof record;
      }
      expect(record.status).toBe('published');
      expect(record.steps).toHaveLength(5);
      expect((await served.get(`/v1/admin/runs/${run.id}`, 'analyst')).status).toBe(403);
    } finally {
      await served.close();
    }
  });

  it('answers bad input clearly on real data', async () => {
    const served = await serve(harness.config);
    try {
      const unknownSegment = await served.get('/v1/customers?segment=vip');
      expect(unknownSegment.status).toBe(400);
      expect(unknownSegment.headers.get('content-type')).toContain('application/problem+json');
      expect(await unknownSegment.json()).toMatchObject({
        status: 400,
        title: expect.any(String),
        detail: expect.stringContaining('vip'),
      });

      const badCursor = await served.get('/v1/customers?cursor=not-a-cursor');
      expect(badCursor.status).toBe(400);
      expect(badCursor.headers.get('content-type')).toContain('application/problem+json');

      const unknown = await served.get('/v1/customers/C99999999');
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toContain('application/problem+json');

      const noToken = await served.get('/v1/customers', null);
      expect(noToken.status).toBe(401);
    } finally {
      await served.close();
    }
  });
});
