import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/config';

/** A copy of the shipped configuration (gold/, ingest/, policy) with extra files on top. */
export function configDirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'c360-config-'));
  for (const entry of ['gold', 'ingest', 'c360.policy.yaml']) {
    cpSync(join(PACKAGE_ROOT, entry), join(dir, entry), { recursive: true });
  }
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}

/** A check file whose one check fails on every build with rows in customer_360. */
export function failingCheck(
  severity: 'critical' | 'warn',
  name = `always_fails_${severity}`,
): Record<string, string> {
  return {
    [`gold/checks/zz_${name}.yaml`]: `table: customer_360
checks:
  - name: ${name}
    type: sql
    sql: select customer_id from customer_360 limit 3
    severity: ${severity}
`,
  };
}
