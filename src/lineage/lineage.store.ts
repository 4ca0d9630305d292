import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { RunEvent } from './openlineage';

const RUN_FILE = /^(r[0-9A-Za-z-]+)\.ndjson$/;

/**
 * Lineage events as NDJSON, one file per c360 run under `state/lineage/`, readable by every
 * process (the API serves them at GET /v1/admin/lineage).
 */
export class LineageStore {
  private readonly dir: string;

  constructor(dirs: DataDirs) {
    this.dir = join(dirs.state, 'lineage');
  }

  append(runId: string, event: RunEvent): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(join(this.dir, `${runId}.ndjson`), `${JSON.stringify(event)}\n`);
  }

  /** Run ids with lineage, newest first. */
  runIds(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((name) => RUN_FILE.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .sort()
      .reverse();
  }

  /** A run's events in the order they were emitted. */
  events(runId: string): RunEvent[] {
    const file = join(this.dir, `${runId}.ndjson`);
    if (!RUN_FILE.test(`${runId}.ndjson`) || !existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as RunEvent);
  }
}
