import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The layout of C360_DATA_DIR. Every path c360 writes is derived here. */
export class DataDirs {
  constructor(readonly root: string) {}

  get landing(): string {
    return join(this.root, 'landing');
  }
  get bronze(): string {
    return join(this.root, 'lake', 'bronze');
  }
  get quarantine(): string {
    return join(this.root, 'lake', 'quarantine');
  }
  get warehouse(): string {
    return join(this.root, 'warehouse');
  }
  get warehouseDb(): string {
    return join(this.warehouse, 'warehouse.duckdb');
  }
  get snapshots(): string {
    return join(this.root, 'snapshots');
  }
  get activeSnapshotPointer(): string {
    return join(this.snapshots, 'ACTIVE.json');
  }
  get state(): string {
    return join(this.root, 'state');
  }
  get runs(): string {
    return join(this.state, 'runs');
  }
  get buildLock(): string {
    return join(this.state, 'build.lock');
  }
  get scratch(): string {
    return join(this.state, 'tmp');
  }

  snapshot(id: string): string {
    return join(this.snapshots, id);
  }

  ensure(): void {
    for (const dir of [
      this.landing,
      this.bronze,
      this.quarantine,
      this.warehouse,
      this.snapshots,
      this.runs,
      this.scratch,
    ]) {
      mkdirSync(dir, { recursive: true });
    }
  }
}
