import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_DIR_ENV } from './log-capture';

/** jest globalSetup: one log directory per `jest` run, inherited by every worker and spawned
 *  process through the environment. */
export default function setup(): void {
  if (!process.env[LOG_DIR_ENV]) process.env[LOG_DIR_ENV] = mkdtempSync(join(tmpdir(), 'c360-test-logs-'));
}
