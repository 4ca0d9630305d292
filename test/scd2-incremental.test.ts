import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { setLogLevel } from '../src/common/logger';
import { generateSources } from '../src/generate/generator';
import { goldTables } from './support/modeling';
import { PipelineHarness } from './support/pipeline-harness';

describe('incremental builds equal a full rebuild (generated data)', () => {
  let harness: PipelineHarness;

  beforeAll(async () => {
    setLogLevel('silent');
    harness = new PipelineHarness({ LOG_LEVEL: 'silent' });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.01, seed: 11, changes: false, dirty: 0 });
    const first = await harness.build({ mode: 'full', asOf: new Date('2025-01-01T00:00:00Z') });
    expect(first.status).toBe('published');
  });
  afterAll(() => harness.cleanup());

  /** An incremental build at `asOf`, then a rebuild from bronze at the same as_of: equal gold. */
  async function expectRebuildEqual(asOf: string): Promise<string[]> {
    const incremental = await harness.build({ mode: 'incremental', asOf: new Date(asOf) });
    expect(incremental.error).toBeNull();
    expect(incremental.plan).toMatchObject({ kind: 'incremental' });
    const full = await harness.build({ mode: 'full', asOf: new Date(asOf) });
    expect(full.plan).toMatchObject({ kind: 'full' });
    const a = await goldTables(harness, incremental.snapshot_id ?? '');
    const b = await goldTables(harness, full.snapshot_id ?? '');
    for (const table of Object.keys(b)) expect({ table, rows: a[table] }).toEqual({ table, rows: b[table] });
    // the next incremental build continues from the full one
    return incremental.plan?.kept_models ?? [];
  }

  it('a whole change batch with as_of two days later', async () => {
    await generateSources({ outDir: harness.dirs.landing, scale: 0.01, seed: 11, changes: true, dirty: 0 });
    const kept = await expectRebuildEqual('2025-01-03T00:00:00Z');
    expect(kept).not.toContain('product_performance');
  });

  it('a batch of customer changes only: order aggregates are kept, not recomputed', async () => {
    const batch = await generateSources({
      outDir: harness.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: true,
      dirty: 0,
    });
    const held = batch.files.map((f) => f.file).filter((f) => !/^customers-\d+\.csv$/.test(f));
    for (const file of held) renameSync(join(harness.dirs.landing, file), join(harness.root, file));
    const kept = await expectRebuildEqual('2025-01-03T00:00:00Z');
    expect(kept).toEqual(expect.arrayContaining(['product_performance', 'orders_daily', 'dim_product']));
    for (const file of held) renameSync(join(harness.root, file), join(harness.dirs.landing, file));
  });

  it('only as_of moving: windows decide what is recomputed', async () => {
    // the rest of the last batch, then nothing new: as_of an hour later, no order crossed it
    await expectRebuildEqual('2025-01-04T00:00:00Z');
    const kept = await expectRebuildEqual('2025-01-04T01:00:00Z');
    expect(kept).toEqual(expect.arrayContaining(['product_performance', 'orders_daily']));
    expect(kept).not.toContain('customer_360');
    // as_of moved back over the orders of the last batch: they leave the aggregates
    const back = await expectRebuildEqual('2025-01-02T12:00:00Z');
    expect(back).not.toContain('product_performance');
  });
});
