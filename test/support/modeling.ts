import { loadGoldModels } from '../../src/pipeline/gold-models';
import { PACKAGE_ROOT } from '../../src/config/config';
import { Row } from '../../src/duckdb/duckdb';
import { PipelineHarness } from './pipeline-harness';

/** Every gold model's rows in one snapshot, each value as text (60-bit keys stay exact), sorted. */
export async function goldTables(
  harness: PipelineHarness,
  snapshotId: string,
): Promise<Record<string, Row[]>> {
  const tables: Record<string, Row[]> = {};
  for (const model of loadGoldModels(PACKAGE_ROOT)) {
    tables[model.name] = await harness.snapshotRows(
      `select columns(*)::varchar from ${model.name} order by all`,
      snapshotId,
    );
  }
  return tables;
}
