import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR_ENV } from './log-capture';
import { formatFindings, scanLogs, testSecrets } from './log-scan';

/**
 * jest globalTeardown: after every suite, scans all the log lines the services wrote during the
 * run for PII of the test data, the test secrets and raw bearer tokens. A finding fails `jest`
 * (a throwing teardown makes the run exit non-zero); the directory is kept for inspection.
 */
export default function teardown(): void {
  const root = process.env[LOG_DIR_ENV];
  if (!root) return;
  const result = scanLogs(root, testSecrets(join(__dirname, '..')));
  const summary =
    `log scan: ${result.lines} log lines in ${result.files} files, ` +
    `${result.piiValues} PII values and ${result.secrets} secrets looked for`;
  writeFileSync(
    join(root, 'scan-report.json'),
    JSON.stringify({ ...result, findings: result.findings }, null, 2),
  );
  if (result.findings.length > 0) {
    throw new Error(
      `${summary}: ${result.findings.length} leak(s) found (logs kept in ${root}):\n${formatFindings(result.findings)}`,
    );
  }
  process.stdout.write(`\n${summary}: no leaks\n`);
  if (process.env.C360_TEST_KEEP_LOGS !== 'true') rmSync(root, { recursive: true, force: true });
}
