import { createHmac, timingSafeEqual } from 'node:crypto';
import { C360Error, ErrorCode } from '../errors';

export type CursorKey = string | number | null;

/** What a cursor carries: the sort key of the last row served and the snapshot it was read from. */
export interface DecodedCursor {
  keys: CursorKey[];
  /** The page was read from this snapshot; the next pages are read from it too (null: any). */
  snapshotId: string | null;
}

// Snapshot directory names (never '.' or '..': the id names a directory).
const SNAPSHOT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const MAX_CURSOR_LENGTH = 1024;

const invalidCursor = (): C360Error =>
  new C360Error(ErrorCode.InvalidCursor, 'The cursor is malformed or was issued for another sort order.', {
    parameter: 'cursor',
  });

/**
 * Opaque keyset cursors: base64url JSON of the sort name, the sort key of the last row and the
 * snapshot the page was read from, plus a MAC so a cursor that was altered is refused instead of
 * silently skipping rows.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('c360-cursor').digest();
  }

  encode(sort: string, keys: readonly CursorKey[], snapshotId?: string): string {
    const payload = snapshotId === undefined ? { s: sort, k: keys } : { s: sort, k: keys, v: snapshotId };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The keys and snapshot of a cursor issued for `sort`; throws C360Error(InvalidCursor) otherwise. */
  decode(cursor: string, sort: string): DecodedCursor {
    if (cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
    const parts = cursor.split('.');
    if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1])) {
      throw invalidCursor();
    }
    const [body, mac] = parts;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    const { s, k, v } = (payload ?? {}) as { s?: unknown; k?: unknown; v?: unknown };
    if (s !== sort || !Array.isArray(k)) throw invalidCursor();
    if (!k.every((key) => key === null || typeof key === 'string' || typeof key === 'number')) {
      throw invalidCursor();
    }
    if (v !== undefined && (typeof v !== 'string' || !SNAPSHOT_ID.test(v))) throw invalidCursor();
    return { keys: k as CursorKey[], snapshotId: v ?? null };
  }

  /** The error for a cursor whose keys do not fit the sort (callers check key shapes). */
  static invalid(): C360Error {
    return invalidCursor();
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16);
  }
}
