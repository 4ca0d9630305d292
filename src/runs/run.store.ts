import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { writeFileAtomic } from '../common/fs-atomic';
import { RunRecord } from './run.model';

const RUN_ID = /^r[0-9A-Za-z-]+$/;

/** Run records as JSON files under `state/runs/`, so every process (builder or replica) reads them. */
export class RunStore {
  private readonly listeners: Array<(run: RunRecord) => void> = [];

  constructor(private readonly dirs: DataDirs) {}

  /** Called after every save in this process (metrics, alerts). A listener must not throw. */
  onSave(listener: (run: RunRecord) => void): void {
    this.listeners.push(listener);
  }

  newRunId(now = new Date()): string {
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.(\d+)Z$/, '$1Z');
    return `r${stamp}-${Math.random().toString(36).slice(2, 8)}`;
  }

  save(run: RunRecord): void {
    mkdirSync(this.dirs.runs, { recursive: true });
    writeFileAtomic(join(this.dirs.runs, `${run.id}.json`), JSON.stringify(run, null, 2));
    for (const listener of this.listeners) {
      try {
        listener(run);
      } catch {
        // Observers never affect a run.
      }
    }
  }

  get(id: string): RunRecord | null {
    if (!RUN_ID.test(id)) return null;
    const file = join(this.dirs.runs, `${id}.json`);
    if (!existsSync(file)) return null;
    return JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
  }

  /** Newest first. */
  list(limit = 50): RunRecord[] {
    if (!existsSync(this.dirs.runs)) return [];
    return readdirSync(this.dirs.runs)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .reverse()
      .slice(0, limit)
      .map((name) => this.get(name.slice(0, -5)))
      .filter((run): run is RunRecord => run !== null);
  }
}
