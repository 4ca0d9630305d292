import { generateSources } from '../src/generate/generator';
import { PipelineHarness } from './support/pipeline-harness';
import { goldTables } from './support/modeling';

describe('incremental builds equal a full rebuild (generated data)', () => {
  const harnesses: PipelineHarness[] = [];
  afterAll(() => harnesses.forEach((h) => h.cleanup()));

  it('after a change batch with moved as_of, every gold table equals a from-bronze rebuild', async () => {
    const incremental = new PipelineHarness();
    harnesses.push(incremental);
    await generateSources({
      outDir: incremental.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: false,
      dirty: 0,
    });
    const first = await incremental.build({ mode: 'full', asOf: new Date('2025-01-01T00:00:00Z') });
    expect(first.status).toBe('published');
    await generateSources({
      outDir: incremental.dirs.landing,
      scale: 0.01,
      seed: 11,
      changes: true,
      dirty: 0,
    });
    const second = await incremental.build({ mode: 'incremental', asOf: new Date('2025-01-03T00:00:00Z') });
    expect(second.error).toBeNull();
    expect(second.plan).toMatchObject({ kind: 'incremental' });
    const full = await incremental.build({ mode: 'full', asOf: new Date('2025-01-03T00:00:00Z') });
    expect(full.plan).toMatchObject({ kind: 'full' });
    const a = await goldTables(incremental, second.snapshot_id ?? '');
    const b = await goldTables(incremental, full.snapshot_id ?? '');
    for (const table of Object.keys(b)) expect({ table, rows: a[table] }).toEqual({ table, rows: b[table] });
  });
});
