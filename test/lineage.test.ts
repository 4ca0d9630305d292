import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setLogLevel } from '../src/common/logger';
import { generateSources } from '../src/generate/generator';
import { LineageStore } from '../src/lineage/lineage.store';
import { RunEvent } from '../src/lineage/openlineage';
import { loadGoldModels } from '../src/pipeline/gold-models';
import { PACKAGE_ROOT } from '../src/config/config';
import { configDirWith, failingCheck } from './support/config-dir';
import { serve } from './support/http';
import { PipelineHarness } from './support/pipeline-harness';
import { Receiver } from './support/receiver';

const FIXTURES = join(__dirname, 'fixtures', 'openlineage');
const AS_OF = new Date('2025-01-01T06:00:00Z');
const STEPS = ['extract', 'silver', 'gold', 'quality', 'publish'];

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;

/** The published OpenLineage schemas (vendored, see test/fixtures/openlineage/README.md). */
function openLineageValidator(): { event: ValidateFunction; facet(url: string): ValidateFunction } {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(readJson(join(FIXTURES, 'OpenLineage-2-0-2.json')));
  const core1 = readJson(join(FIXTURES, 'OpenLineage-1-0-3.json'));
  for (const version of ['1-0-1', '1-0-2', '1-0-3']) {
    ajv.addSchema({ ...core1, $id: `https://openlineage.io/spec/${version}/OpenLineage.json` });
  }
  for (const file of readdirSync(join(FIXTURES, 'facets')))
    ajv.addSchema(readJson(join(FIXTURES, 'facets', file)));
  const event = ajv.getSchema('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
  if (!event) throw new Error('RunEvent schema missing');
  return {
    event,
    facet: (url: string) => {
      const validate = ajv.getSchema(url);
      if (!validate) throw new Error(`no vendored schema for ${url}`);
      return validate;
    },
  };
}

function facetsOf(event: RunEvent): Array<{ where: string; facet: Json }> {
  const found: Array<{ where: string; facet: Json }> = [];
  const add = (where: string, facets: Record<string, unknown> | undefined): void => {
    for (const [name, facet] of Object.entries(facets ?? {}))
      found.push({ where: `${where}.${name}`, facet: facet as Json });
  };
  add('run', event.run.facets);
  add('job', event.job.facets);
  for (const input of event.inputs) {
    add(`input ${input.name}`, input.facets);
    add(`input ${input.name}`, input.inputFacets);
  }
  for (const output of event.outputs) {
    add(`output ${output.name}`, output.facets);
    add(`output ${output.name}`, output.outputFacets);
  }
  return found;
}

/** Every event valid, every facet valid against the schema it names, every run opened once and
 *  closed exactly once (START first). */
function expectValidLineage(events: RunEvent[]): void {
  const validator = openLineageValidator();
  for (const event of events) {
    const valid = validator.event(event);
    expect({ job: event.job.name, type: event.eventType, errors: validator.event.errors ?? null }).toEqual({
      job: event.job.name,
      type: event.eventType,
      errors: null,
    });
    expect(valid).toBe(true);
    for (const { where, facet } of facetsOf(event)) {
      const validate = validator.facet(String(facet._schemaURL));
      validate(facet);
      expect({ where, errors: validate.errors ?? null }).toEqual({ where, errors: null });
    }
  }
  const byRun = new Map<string, RunEvent[]>();
  for (const event of events) byRun.set(event.run.runId, [...(byRun.get(event.run.runId) ?? []), event]);
  for (const [runId, list] of byRun) {
    const types = list.map((e) => e.eventType);
    expect({ runId, job: list[0].job.name, first: types[0], rest: types.slice(1) }).toEqual({
      runId,
      job: list[0].job.name,
      first: 'START',
      rest: [expect.stringMatching(/^(COMPLETE|FAIL|ABORT)$/)],
    });
  }
}

describe('OpenLineage events', () => {
  let harness: PipelineHarness;
  let receiver: Receiver;
  const configDirs: string[] = [];

  beforeAll(async () => {
    setLogLevel('silent');
    receiver = new Receiver();
    await receiver.start('/api/v1/lineage');
    receiver.failFirst = 2; // the first deliveries fail: retries must get them through
    harness = new PipelineHarness({ LOG_LEVEL: 'silent', OPENLINEAGE_URL: receiver.url });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.002, seed: 4, changes: false, dirty: 0 });
  });
  afterAll(async () => {
    await receiver.stop();
    harness.cleanup();
    for (const dir of configDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a published build: every step and model, with datasets, schemas, row counts and DQ assertions', async () => {
    const run = await harness.build({ mode: 'full', asOf: AS_OF });
    expect(run.status).toBe('published');
    const events = new LineageStore(harness.dirs).events(run.id);
    expectValidLineage(events);

    const completes = events.filter((e) => e.eventType === 'COMPLETE').map((e) => e.job.name);
    const models = loadGoldModels(PACKAGE_ROOT).map((m) => m.name);
    expect(completes.sort()).toEqual(
      ['c360.build', ...STEPS.map((s) => `c360.build.${s}`), ...models.map((m) => `c360.gold.${m}`)].sort(),
    );

    // children name their parent run
    const build = events.find((e) => e.job.name === 'c360.build' && e.eventType === 'START') as RunEvent;
    const gold = events.find((e) => e.job.name === 'c360.build.gold' && e.eventType === 'START') as RunEvent;
    expect(gold.run.facets?.parent).toMatchObject({
      run: { runId: build.run.runId },
      job: { name: 'c360.build' },
    });
    const model = events.find(
      (e) => e.job.name === 'c360.gold.customer_360' && e.eventType === 'COMPLETE',
    ) as RunEvent;
    expect(model.run.facets?.parent).toMatchObject({ run: { runId: gold.run.runId } });

    // a model's output: the gold table with its schema and the row count the snapshot holds
    const manifest = harness.snapshots.readManifest(run.snapshot_id ?? '');
    const output = model.outputs[0];
    expect(output.name).toBe('gold.customer_360');
    expect(output.outputFacets?.outputStatistics).toMatchObject({
      rowCount: manifest?.tables.customer_360.rows,
    });
    const fields = (output.facets?.schema as unknown as { fields: Array<{ name: string; type: string }> })
      .fields;
    expect(fields).toContainEqual({ name: 'lifetime_value', type: 'DECIMAL(18,2)' });
    expect(model.inputs.map((i) => i.name).sort()).toEqual([
      'gold.dim_customer',
      'gold.int_customer_metrics',
    ]);
    expect(model.job.facets?.sql).toMatchObject({ query: expect.stringContaining('ntile(5)') });

    // extract: landing files in, bronze out with the contract's schema and loaded rows
    const extract = events.find(
      (e) => e.job.name === 'c360.build.extract' && e.eventType === 'COMPLETE',
    ) as RunEvent;
    expect(extract.inputs.some((i) => i.namespace === 'file' && i.name.endsWith('customers.csv'))).toBe(true);
    const bronze = extract.outputs.find((o) =>
      o.name.endsWith(join('bronze', 'customers')),
    ) as RunEvent['outputs'][number];
    expect(bronze.outputFacets?.outputStatistics).toMatchObject({
      rowCount: run.sources.find((s) => s.name === 'customers')?.loaded,
    });

    // quality: every checked table with its assertions
    const quality = events.find(
      (e) => e.job.name === 'c360.build.quality' && e.eventType === 'COMPLETE',
    ) as RunEvent;
    const assertions = quality.inputs.flatMap(
      (i) =>
        (
          i.inputFacets?.dataQualityAssertions as unknown as {
            assertions: Array<{ assertion: string; success: boolean }>;
          }
        ).assertions,
    );
    expect(assertions).toHaveLength(run.dq.length);
    expect(assertions).toContainEqual(
      expect.objectContaining({ assertion: 'unique:customer_id', success: true, column: 'customer_id' }),
    );

    // delivered to OPENLINEAGE_URL despite two refused requests, in order
    expect(receiver.bodies).toEqual(events);
    expect(receiver.requests).toBe(events.length + 2);
  });

  it('a failed quality gate and a cancelled run still close every run (FAIL, ABORT)', async () => {
    const dir = configDirWith(failingCheck('critical'));
    configDirs.push(dir);
    const broken = new PipelineHarness({
      C360_DATA_DIR: harness.root,
      C360_CONFIG_DIR: dir,
      LOG_LEVEL: 'silent',
    });
    const failed = await broken.build({ mode: 'incremental', asOf: AS_OF });
    expect(failed.status).toBe('failed_quality');
    const events = new LineageStore(harness.dirs).events(failed.id);
    expectValidLineage(events);
    const last = events.at(-1) as RunEvent;
    expect(last).toMatchObject({ eventType: 'FAIL', job: { name: 'c360.build' } });
    expect(last.run.facets?.errorMessage).toMatchObject({
      message: expect.stringContaining('always_fails_critical'),
    });
    const quality = events.find(
      (e) => e.job.name === 'c360.build.quality' && e.eventType === 'FAIL',
    ) as RunEvent;
    expect(
      quality.inputs.some((i) =>
        (
          i.inputFacets?.dataQualityAssertions as unknown as {
            assertions: Array<{ assertion: string; success: boolean }>;
          }
        )?.assertions.some((a) => a.assertion === 'always_fails_critical' && !a.success),
      ),
    ).toBe(true);

    await harness.coordinator.trigger({ mode: 'full', trigger: 'cli', asOf: AS_OF });
    const running = harness.coordinator.current();
    const cancelled = await harness.coordinator.cancel(running?.id ?? '');
    expect(cancelled?.status).toBe('cancelled');
    const aborted = new LineageStore(harness.dirs).events(cancelled?.id ?? '');
    expectValidLineage(aborted);
    expect(aborted.at(-1)).toMatchObject({ eventType: 'ABORT', job: { name: 'c360.build' } });
  });

  it('an unreachable OPENLINEAGE_URL never fails a build', async () => {
    const offline = new PipelineHarness({
      C360_DATA_DIR: harness.root,
      OPENLINEAGE_URL: 'http://127.0.0.1:9/lineage',
      LOG_LEVEL: 'silent',
    });
    const run = await offline.build({ mode: 'incremental', asOf: AS_OF });
    expect(run.status).toBe('published');
    expect(new LineageStore(harness.dirs).events(run.id).length).toBeGreaterThan(10);
  });

  it('GET /v1/admin/lineage pages through the stored events', async () => {
    const served = await serve(harness.config);
    try {
      const store = new LineageStore(harness.dirs);
      const [latest] = store.runIds();
      const expected = store.events(latest);
      const seen: RunEvent[] = [];
      let cursor: string | null = null;
      do {
        const response = await served.get(
          `/v1/admin/lineage?run_id=${latest}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(response.status).toBe(200);
        const page = (await response.json()) as {
          data: RunEvent[];
          page: { limit: number; next_cursor: string | null };
        };
        expect(page.data.length).toBeLessThanOrEqual(7);
        seen.push(...page.data);
        cursor = page.page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(expected);
      const all = (await (await served.get('/v1/admin/lineage?limit=3')).json()) as { data: RunEvent[] };
      expect(all.data).toEqual(expected.slice(0, 3));
      expect((await served.get('/v1/admin/lineage', 'analyst')).status).toBe(403);
      expect((await served.get('/v1/admin/lineage?cursor=bogus')).status).toBe(400);
    } finally {
      await served.close();
    }
  });
});
