import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockHolder {
  pid: number;
  host: string;
  run_id: string;
  acquired_at: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One build at a time across every process sharing the data directory. The lock is a file created
 * with O_EXCL; a holder that died (kill -9) is detected by its pid and the lock is taken over.
 */
export class BuildLock {
  constructor(private readonly path: string) {}

  holder(): LockHolder | null {
    if (!existsSync(this.path)) return null;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as LockHolder;
    } catch {
      return null;
    }
  }

  /** The holder if it is alive; a dead holder's lock is removed. */
  liveHolder(): LockHolder | null {
    const holder = this.holder();
    if (!holder) {
      if (existsSync(this.path)) rmSync(this.path, { force: true });
      return null;
    }
    if (holder.host === hostname() && !processAlive(holder.pid)) {
      rmSync(this.path, { force: true });
      return null;
    }
    return holder;
  }

  tryAcquire(runId: string): { acquired: true } | { acquired: false; holder: LockHolder } {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx');
        const holder: LockHolder = {
          pid: process.pid,
          host: hostname(),
          run_id: runId,
          acquired_at: new Date().toISOString(),
        };
        writeSync(fd, JSON.stringify(holder));
        closeSync(fd);
        return { acquired: true };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const live = this.liveHolder();
        if (live) return { acquired: false, holder: live };
      }
    }
    const holder = this.holder();
    return holder ? { acquired: false, holder } : this.tryAcquire(runId);
  }

  release(runId: string): void {
    const holder = this.holder();
    if (holder && holder.run_id === runId && holder.pid === process.pid) rmSync(this.path, { force: true });
  }
}
