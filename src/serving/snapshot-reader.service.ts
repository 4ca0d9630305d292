import { Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { watch, FSWatcher } from 'node:fs';
import { C360Error, ErrorCode } from '../common/errors';
import { rootLogger } from '../common/logger';
import { C360Config } from '../config/config';
import { SnapshotStore } from '../snapshots/snapshot.store';
import { ServedSnapshot, ServedSnapshotOptions } from './served-snapshot';

const POLL_MS = 1000;
/** Earlier snapshots kept open for cursors issued on them (besides the current one). */
const MAX_RECENT = 2;
/** An earlier snapshot nobody read for this long is closed (it reopens on demand). */
const RECENT_IDLE_MS = 10 * 60 * 1000;

interface Recent {
  snapshot: ServedSnapshot;
  lastUsed: number;
}

/**
 * Serves the snapshot named by ACTIVE.json. It notices a publish (by this process, another
 * builder process, or a rollback) and swaps atomically: requests already running finish on the old
 * snapshot, new ones start on the new one.
 *
 * A cursor names the snapshot its first page was read from, so a walk over all pages reads one
 * snapshot even when a new one is published mid-walk: the previous snapshots stay open for a while
 * and a retained one is reopened on demand.
 */
@Injectable()
export class SnapshotReaderService implements OnModuleDestroy {
  private current: ServedSnapshot | null = null;
  private switching: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private readonly listeners: Array<(snapshot: ServedSnapshot) => void> = [];
  private readonly recent = new Map<string, Recent>();
  private readonly opening = new Map<string, Promise<ServedSnapshot | null>>();

  private readonly openOptions: ServedSnapshotOptions;

  constructor(
    private readonly store: SnapshotStore,
    @Optional() config?: C360Config,
  ) {
    this.openOptions = { servingStore: (config?.get('servingStore') ?? 'sqlite') === 'sqlite' };
  }

  /** Opens the active snapshot (if any) and starts watching for publishes. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      void this.refresh();
      this.closeIdle();
    }, POLL_MS);
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

  /**
   * Runs `work` against one snapshot for its whole duration: the current one, or `snapshotId` (the
   * snapshot a cursor was issued on). A snapshot that is no longer retained is a CursorExpired.
   */
  async withSnapshot<T>(work: (snapshot: ServedSnapshot) => Promise<T>, snapshotId?: string): Promise<T> {
    // The lease is taken in the same tick the snapshot is chosen, so a switch cannot close it first.
    const snapshot = this.open(snapshotId) ?? (await this.reopen(snapshotId));
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
    for (const { snapshot } of this.recent.values()) snapshot.retire();
    this.recent.clear();
  }

  /** The current snapshot, or `snapshotId` when it is still open; null when it must be reopened. */
  private open(snapshotId: string | undefined): ServedSnapshot | null {
    const current = this.current;
    if (snapshotId === undefined || snapshotId === current?.id) {
      if (!current) throw new C360Error(ErrorCode.NoSnapshot, 'No gold snapshot has been published yet.');
      return current;
    }
    const recent = this.recent.get(snapshotId);
    if (!recent) return null;
    recent.lastUsed = Date.now();
    return recent.snapshot;
  }

  /** A retained snapshot reopened for a cursor; CursorExpired once it is gone. */
  private async reopen(snapshotId: string | undefined): Promise<ServedSnapshot> {
    const opened = snapshotId === undefined ? null : await this.openRetained(snapshotId);
    if (!opened || opened.isClosed) {
      throw new C360Error(
        ErrorCode.CursorExpired,
        'The snapshot this cursor was issued on is no longer served; start again from the first page.',
        { parameter: 'cursor' },
      );
    }
    return opened;
  }

  /** Opens a published snapshot that is still on disk (once, however many requests ask). */
  private openRetained(snapshotId: string): Promise<ServedSnapshot | null> {
    const pending = this.opening.get(snapshotId);
    if (pending) return pending;
    const promise = (async (): Promise<ServedSnapshot | null> => {
      const manifest = this.store.readManifest(snapshotId);
      if (!manifest) return null;
      try {
        const snapshot = await ServedSnapshot.open(
          this.store.serveDbPath(snapshotId),
          { snapshot_id: snapshotId, published_at: manifest.created_at },
          manifest,
          this.openOptions,
        );
        if (this.current?.id === snapshotId) {
          // Became current again (a rollback) while opening.
          snapshot.retire();
          return this.current;
        }
        this.keepRecent(snapshot);
        return snapshot;
      } catch {
        return null;
      }
    })().finally(() => this.opening.delete(snapshotId));
    this.opening.set(snapshotId, promise);
    return promise;
  }

  private keepRecent(snapshot: ServedSnapshot): void {
    this.recent.set(snapshot.id, { snapshot, lastUsed: Date.now() });
    while (this.recent.size > MAX_RECENT) {
      let oldest: [string, Recent] | null = null;
      for (const entry of this.recent) if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
      if (!oldest) break;
      this.recent.delete(oldest[0]);
      oldest[1].snapshot.retire();
    }
  }

  private closeIdle(now = Date.now()): void {
    for (const [id, entry] of this.recent) {
      if (now - entry.lastUsed < RECENT_IDLE_MS) continue;
      this.recent.delete(id);
      entry.snapshot.retire();
    }
  }

  private async switchIfChanged(): Promise<void> {
    const active = this.store.readActive();
    if (!active || active.snapshot_id === this.current?.id) return;
    const manifest = this.store.readManifest(active.snapshot_id);
    if (!manifest) return;
    try {
      // A rollback to a snapshot still open for cursors reuses it.
      const kept = this.recent.get(active.snapshot_id);
      this.recent.delete(active.snapshot_id);
      kept?.snapshot.reactivate(active);
      const opened =
        kept?.snapshot ??
        (await ServedSnapshot.open(
          this.store.serveDbPath(active.snapshot_id),
          active,
          manifest,
          this.openOptions,
        ));
      const previous = this.current;
      this.current = opened;
      if (previous) this.keepRecent(previous);
      rootLogger().info(
        { snapshot_id: opened.id, previous: previous?.id ?? null, serving_store: opened.store !== null },
        'serving snapshot',
      );
      for (const listener of this.listeners) listener(opened);
    } catch (error) {
      rootLogger().error(
        { snapshot_id: active.snapshot_id, err: (error as Error).message },
        'cannot open snapshot',
      );
    }
  }
}
