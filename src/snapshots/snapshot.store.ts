import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirs } from '../common/data-dirs';
import { writeFileAtomic } from '../common/fs-atomic';
import { ActiveSnapshot, MANIFEST_FILE, SERVE_DB_FILE, SnapshotManifest } from './snapshot.model';

export interface SnapshotSummary extends SnapshotManifest {
  active: boolean;
  published_at: string | null;
}

/**
 * Published gold snapshots on disk. A snapshot directory is complete before the ACTIVE pointer
 * names it; switching is one atomic rename, so a reader never sees a half-built snapshot.
 */
export class SnapshotStore {
  constructor(private readonly dirs: DataDirs) {}

  newSnapshotId(now = new Date()): string {
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return `s${stamp}-${Math.random().toString(36).slice(2, 8)}`;
  }

  activePointerDirectory(): string {
    return this.dirs.snapshots;
  }

  directory(id: string): string {
    return this.dirs.snapshot(id);
  }

  serveDbPath(id: string): string {
    return join(this.directory(id), SERVE_DB_FILE);
  }

  writeManifest(manifest: SnapshotManifest): void {
    writeFileAtomic(
      join(this.directory(manifest.snapshot_id), MANIFEST_FILE),
      JSON.stringify(manifest, null, 2),
    );
  }

  readManifest(id: string): SnapshotManifest | null {
    const file = join(this.directory(id), MANIFEST_FILE);
    if (!existsSync(file)) return null;
    return JSON.parse(readFileSync(file, 'utf8')) as SnapshotManifest;
  }

  readActive(): ActiveSnapshot | null {
    const pointer = this.dirs.activeSnapshotPointer;
    if (!existsSync(pointer)) return null;
    try {
      return JSON.parse(readFileSync(pointer, 'utf8')) as ActiveSnapshot;
    } catch {
      return null;
    }
  }

  /** Points ACTIVE at a complete snapshot: its manifest, database and (when the manifest names
   *  one) its serving store. */
  activate(id: string, now = new Date()): ActiveSnapshot {
    const manifest = this.readManifest(id);
    const store = manifest?.serving_store;
    if (
      !manifest ||
      !existsSync(this.serveDbPath(id)) ||
      (store && !existsSync(join(this.directory(id), store.file)))
    ) {
      throw new Error(`snapshot ${id} is not complete`);
    }
    const active: ActiveSnapshot = { snapshot_id: id, published_at: now.toISOString() };
    writeFileAtomic(this.dirs.activeSnapshotPointer, JSON.stringify(active));
    this.recordPublish(active);
    return active;
  }

  /** Complete snapshots, newest first. */
  list(): SnapshotSummary[] {
    if (!existsSync(this.dirs.snapshots)) return [];
    const active = this.readActive();
    const history = this.publishHistory();
    return readdirSync(this.dirs.snapshots, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => this.readManifest(entry.name))
      .filter((manifest): manifest is SnapshotManifest => manifest !== null)
      .map((manifest) => ({
        ...manifest,
        active: manifest.snapshot_id === active?.snapshot_id,
        published_at: history.get(manifest.snapshot_id) ?? null,
      }))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  /** Keeps the newest `keep` complete snapshots and the active one; removes the rest and any
   *  incomplete directory left by an interrupted build (except `protect`, a build under way). */
  prune(keep: number, protect: string[] = []): string[] {
    if (!existsSync(this.dirs.snapshots)) return [];
    const active = this.readActive()?.snapshot_id;
    const complete = this.list().map((s) => s.snapshot_id);
    const kept = new Set([...complete.slice(0, keep), ...(active ? [active] : []), ...protect]);
    const removed: string[] = [];
    for (const entry of readdirSync(this.dirs.snapshots, { withFileTypes: true })) {
      if (!entry.isDirectory() || kept.has(entry.name)) continue;
      rmSync(join(this.dirs.snapshots, entry.name), { recursive: true, force: true });
      removed.push(entry.name);
    }
    return removed;
  }

  private publishHistoryFile(): string {
    return join(this.dirs.snapshots, 'PUBLISHED.json');
  }

  private publishHistory(): Map<string, string> {
    const file = this.publishHistoryFile();
    if (!existsSync(file)) return new Map();
    try {
      const entries = JSON.parse(readFileSync(file, 'utf8')) as ActiveSnapshot[];
      return new Map(entries.map((e) => [e.snapshot_id, e.published_at]));
    } catch {
      return new Map();
    }
  }

  private recordPublish(active: ActiveSnapshot): void {
    const history = this.publishHistory();
    history.set(active.snapshot_id, active.published_at);
    const entries = [...history.entries()].map(([snapshot_id, published_at]) => ({
      snapshot_id,
      published_at,
    }));
    writeFileAtomic(this.publishHistoryFile(), JSON.stringify(entries.slice(-200)));
  }
}
