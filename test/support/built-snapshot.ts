import { generateSources, GenerateSummary } from '../../src/generate/generator';
import { FixtureSnapshot } from './fixture-snapshot';
import { PipelineHarness } from './pipeline-harness';

export const BUILT_AS_OF = '2025-01-01T00:00:00Z';

export interface BuiltSnapshot extends FixtureSnapshot {
  harness: PipelineHarness;
  generated: GenerateSummary;
}

/** A data directory with a real published snapshot: generated sample sources (scale 0.01 ≈ 1,000
 *  customers, 5,000 orders, 10,000 events) run through the real pipeline. */
export async function buildSampleSnapshot(
  options: { scale?: number; seed?: number; asOf?: string } = {},
): Promise<BuiltSnapshot> {
  const harness = new PipelineHarness({ C360_AS_OF: options.asOf ?? BUILT_AS_OF, LOG_LEVEL: 'silent' });
  const generated = await generateSources({
    outDir: harness.dirs.landing,
    scale: options.scale ?? 0.01,
    seed: options.seed ?? 7,
    changes: false,
    dirty: 0,
  });
  const run = await harness.build({ mode: 'full' });
  if (run.status !== 'published' || !run.snapshot_id)
    throw new Error(`sample build ended ${run.status}: ${run.error}`);
  return {
    dataDir: harness.root,
    snapshotId: run.snapshot_id,
    customers: [],
    harness,
    generated,
    cleanup: () => harness.cleanup(),
  };
}
