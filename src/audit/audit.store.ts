import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataDirs } from '../common/data-dirs';
import { AuditEntry } from './audit.model';

/** The file being appended to; full segments are renamed `audit-<first id>.jsonl`. */
const CURRENT = 'audit.jsonl';
const SEGMENT = /^audit-a\d{13}-[0-9a-z-]+\.jsonl$/;
/** Segments kept besides the current file: the log holds at most (SEGMENTS + 1) × segment size. */
const SEGMENTS = 7;

export interface AuditQuery {
  actor?: string;
  action?: string;
  customerId?: string;
  since?: Date;
  until?: Date;
  /** Only entries with an id below this one (keyset pagination, newest first). */
  beforeId?: string;
  limit: number;
}

let sequence = 0;

/**
 * Append-only audit log under `state/audit/` as JSON lines, shared by every process on the data
 * directory (appends of one line are atomic on local file systems). Bounded: when the current
 * file passes the segment size it becomes a segment, and the oldest segments are deleted.
 */
export class AuditStore {
  readonly directory: string;
  /** Bytes this process appended since it last looked at the file's size. */
  private unchecked = 0;

  constructor(
    dirs: DataDirs,
    /** Largest size of one file, bytes. */
    private readonly segmentBytes: number,
  ) {
    this.directory = join(dirs.state, 'audit');
  }

  /** A new time-ordered entry id. */
  static newId(nowMs = Date.now()): string {
    sequence = (sequence + 1) % 1_000_000;
    const seq = sequence.toString(36).padStart(4, '0');
    return `a${String(nowMs).padStart(13, '0')}-${seq}-${randomBytes(3).toString('hex')}`;
  }

  append(entry: AuditEntry): void {
    const file = join(this.directory, CURRENT);
    const line = `${JSON.stringify(entry)}\n`;
    try {
      appendFileSync(file, line);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(this.directory, { recursive: true });
      appendFileSync(file, line);
    }
    // Other processes append too, so the size is read from the file, but only now and then.
    this.unchecked += Buffer.byteLength(line);
    if (this.unchecked >= this.segmentBytes / 16) {
      this.unchecked = 0;
      if (statSync(file).size >= this.segmentBytes) this.rotate(file);
    }
  }

  /** Entries matching the query, newest first; `limit + 1` at most (the extra says "more"). */
  query(query: AuditQuery): AuditEntry[] {
    const since = query.since?.toISOString();
    const until = query.until?.toISOString();
    const found: AuditEntry[] = [];
    for (const file of this.filesNewestFirst()) {
      const lines = readFileSync(file, 'utf8').split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const entry = parseLine(lines[i]);
        if (!entry) continue;
        if (query.beforeId !== undefined && entry.id >= query.beforeId) continue;
        if (until !== undefined && entry.at >= until) continue;
        if (since !== undefined && entry.at < since) continue;
        if (query.actor !== undefined && entry.actor !== query.actor) continue;
        if (query.action !== undefined && entry.action !== query.action) continue;
        if (
          query.customerId !== undefined &&
          !(entry.target_type === 'customer' && entry.target_ids.includes(query.customerId))
        ) {
          continue;
        }
        found.push(entry);
      }
    }
    // Appends from several processes can interleave slightly out of id order.
    found.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return found.slice(0, query.limit + 1);
  }

  private filesNewestFirst(): string[] {
    if (!existsSync(this.directory)) return [];
    const segments = readdirSync(this.directory)
      .filter((name) => SEGMENT.test(name))
      .sort()
      .reverse();
    const current = join(this.directory, CURRENT);
    return [...(existsSync(current) ? [current] : []), ...segments.map((name) => join(this.directory, name))];
  }

  private rotate(file: string): void {
    try {
      const first = parseLine(readFileSync(file, 'utf8').split('\n', 1)[0]);
      renameSync(file, join(this.directory, `audit-${first?.id ?? AuditStore.newId()}.jsonl`));
      const segments = readdirSync(this.directory)
        .filter((name) => SEGMENT.test(name))
        .sort();
      for (const old of segments.slice(0, Math.max(0, segments.length - SEGMENTS))) {
        unlinkSync(join(this.directory, old));
      }
    } catch {
      // Another process rotated first; its rename wins.
    }
  }
}

function parseLine(line: string | undefined): AuditEntry | null {
  if (!line) return null;
  try {
    const value = JSON.parse(line) as Partial<AuditEntry>;
    return typeof value.id === 'string' && typeof value.at === 'string' ? (value as AuditEntry) : null;
  } catch {
    // A torn last line after a crash.
    return null;
  }
}
