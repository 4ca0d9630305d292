import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { watch, FSWatcher } from 'node:fs';
import { C360Error, ErrorCode } from '../common/errors';
import { rootLogger } from '../common/logger';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { ServedSnapshot } from './served-snapshot';

const POLL_MS = 1000;

/**
 * Serves the snapshot named by ACTIVE.json. It notices a publish (by this process, another
 * builder process, or a rollback) and swaps atomically: requests already running finish on the old
 * snapshot, new ones start on the new one.
 */
@Injectable()
export class SnapshotReaderService implements OnModuleDestroy {
  private current: ServedSnapshot | null = null;
  private switching: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private readonly listeners: Array<(snapshot: ServedSnapshot) => void> = [];

  constructor(private readonly store: SnapshotStore) {}

  /** Opens the active snapshot (if any) and starts watching for publishes. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    this.timer.unref();
    try {
      this.watcher = watch(this.store.activePointerDirectory(), () => void this.refresh());
      this.watcher.unref();
    } catch {
      // Polling alone is enough where the file system offers no notifications.
    }
  }

  onPublish(listener: (snapshot: ServedSnapshot) => void): void {
    this.listeners.push(listener);
  }

  snapshot(): ServedSnapshot | null {
    return this.current;
  }

  /** Re-reads ACTIVE.json and switches when it names another snapshot. */
  async refresh(): Promise<void> {
    if (this.switching) return this.switching;
    this.switching = this.switchIfChanged().finally(() => {
      this.switching = null;
    });
    return this.switching;
  }

  /** Runs `work` against one snapshot for its whole duration. */
  async withSnapshot<T>(work: (snapshot: ServedSnapshot) => Promise<T>): Promise<T> {
    const snapshot = this.current;
    if (!snapshot) throw new C360Error(ErrorCode.NoSnapshot, 'No gold snapshot has been published yet.');
    snapshot.acquire();
    try {
      return await work(snapshot);
    } finally {
      snapshot.release();
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    this.current?.retire();
    this.current = null;
  }

  private async switchIfChanged(): Promise<void> {
    const active = this.store.readActive();
    if (!active || active.snapshot_id === this.current?.id) return;
    const manifest = this.store.readManifest(active.snapshot_id);
    if (!manifest) return;
    try {
      const opened = await ServedSnapshot.open(this.store.serveDbPath(active.snapshot_id), active, manifest);
      const previous = this.current;
      this.current = opened;
      previous?.retire();
      rootLogger().info({ snapshot_id: opened.id, previous: previous?.id ?? null }, 'serving snapshot');
      for (const listener of this.listeners) listener(opened);
    } catch (error) {
      rootLogger().error(
        { snapshot_id: active.snapshot_id, err: (error as Error).message },
        'cannot open snapshot',
      );
    }
  }
}
