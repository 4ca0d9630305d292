import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSources } from '../src/generate/generator';
import { runCliAsync } from './support/cli';
import { PipelineHarness, TEST_SECRET } from './support/pipeline-harness';

describe('restore from an export', () => {
  it('serves the exported gold again in an empty data directory; a masked export is refused', async () => {
    const source = new PipelineHarness({ C360_AS_OF: '2025-01-01T00:00:00Z' });
    const target = new PipelineHarness();
    const exportDir = mkdtempSync(join(tmpdir(), 'c360-export-'));
    const maskedDir = mkdtempSync(join(tmpdir(), 'c360-export-masked-'));
    try {
      await generateSources({ outDir: source.dirs.landing, scale: 0.005, seed: 4, changes: false, dirty: 0 });
      expect((await source.build({ mode: 'full' })).status).toBe('published');
      const sourceEnv = { C360_DATA_DIR: source.root, AUTH_JWT_SECRET: TEST_SECRET };
      const targetEnv = { C360_DATA_DIR: target.root, AUTH_JWT_SECRET: TEST_SECRET };
      expect(
        (await runCliAsync(['export', '--target', exportDir, '--role', 'admin'], sourceEnv)).status,
      ).toBe(0);
      expect(
        (await runCliAsync(['export', '--target', maskedDir, '--role', 'analyst'], sourceEnv)).status,
      ).toBe(0);

      const refused = await runCliAsync(['restore', '--from', maskedDir], targetEnv);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr.trim()).toMatch(
        /^c360: .*exported with role analyst, PII is masked in .*customer_360.*--role admin$/,
      );
      expect(target.snapshots.readActive()).toBeNull();

      const restored = await runCliAsync(['restore', '--from', exportDir], targetEnv);
      expect(restored.stderr).toBe('');
      expect(restored.status).toBe(0);
      expect(target.snapshots.readActive()?.snapshot_id).toMatch(/^s/);
      const query = 'select columns(*)::varchar from customer_360 order by customer_id';
      expect(await target.snapshotRows(query)).toEqual(await source.snapshotRows(query));
      const orders =
        'select order_id, customer_id, order_amount::varchar as amount from fact_orders order by order_id';
      expect(await target.snapshotRows(orders)).toEqual(await source.snapshotRows(orders));
    } finally {
      source.cleanup();
      target.cleanup();
      rmSync(exportDir, { recursive: true, force: true });
      rmSync(maskedDir, { recursive: true, force: true });
    }
  });
});
