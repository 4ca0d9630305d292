import { createHmac, timingSafeEqual } from 'node:crypto';
import { C360Error, ErrorCode } from '../errors';

export type CursorKey = string | number | null;

const MAX_CURSOR_LENGTH = 1024;

const invalidCursor = (): C360Error =>
  new C360Error(ErrorCode.InvalidCursor, 'The cursor is malformed or was issued for another sort order.', {
    parameter: 'cursor',
  });

/**
 * Opaque keyset cursors: base64url JSON of the sort name and the sort key of the last row, plus a
 * MAC so a cursor that was altered is refused instead of silently skipping rows.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('c360-cursor').digest();
  }

  encode(sort: string, keys: readonly CursorKey[]): string {
    const body = Buffer.from(JSON.stringify({ s: sort, k: keys })).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The key values of a cursor issued for `sort`; throws C360Error(InvalidCursor) otherwise. */
  decode(cursor: string, sort: string): CursorKey[] {
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
    const { s, k } = (payload ?? {}) as { s?: unknown; k?: unknown };
    if (s !== sort || !Array.isArray(k)) throw invalidCursor();
    if (!k.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) throw invalidCursor();
    return k as CursorKey[];
  }

  /** The error for a cursor whose keys do not fit the sort (callers check key shapes). */
  static invalid(): C360Error {
    return invalidCursor();
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16);
  }
}
