import { C360Error, ErrorCode } from '../errors';
import { CursorCodec } from './cursor';

const codec = new CursorCodec('unit-test-cursor-key');

const code = (run: () => unknown): ErrorCode | null => {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof C360Error ? error.code : null;
  }
};

describe('CursorCodec', () => {
  it('round-trips the sort key', () => {
    const cursor = codec.encode('-lifetime_value', ['12.50', 'C001']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor, '-lifetime_value')).toEqual({ keys: ['12.50', 'C001'], snapshotId: null });
    expect(codec.decode(codec.encode('recency_days', [null, 'C9']), 'recency_days').keys).toEqual([
      null,
      'C9',
    ]);
  });

  it('carries the snapshot the page was read from', () => {
    const cursor = codec.encode('customer_id', ['C001'], 's20250101T000000Z-abc123');
    expect(codec.decode(cursor, 'customer_id')).toEqual({
      keys: ['C001'],
      snapshotId: 's20250101T000000Z-abc123',
    });
  });

  it('is base64url JSON of the sort name and keys', () => {
    const [body] = codec.encode('customer_id', ['C001']).split('.');
    expect(JSON.parse(Buffer.from(body, 'base64url').toString())).toEqual({ s: 'customer_id', k: ['C001'] });
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['empty', ''],
    ['no mac', Buffer.from('{"s":"customer_id","k":["C001"]}').toString('base64url')],
    ['bad characters', 'a$b.c'],
    ['too long', `${'a'.repeat(2000)}.b`],
  ])('refuses a malformed cursor (%s)', (_case, cursor) => {
    expect(code(() => codec.decode(cursor, 'customer_id'))).toBe(ErrorCode.InvalidCursor);
  });

  it('refuses a tampered cursor', () => {
    const [, mac] = codec.encode('customer_id', ['C001']).split('.');
    const forged = `${Buffer.from(JSON.stringify({ s: 'customer_id', k: ['C020'] })).toString('base64url')}.${mac}`;
    expect(code(() => codec.decode(forged, 'customer_id'))).toBe(ErrorCode.InvalidCursor);
  });

  it('refuses a cursor issued for another sort or by another key', () => {
    expect(code(() => codec.decode(codec.encode('customer_id', ['C001']), 'recency_days'))).toBe(
      ErrorCode.InvalidCursor,
    );
    const other = new CursorCodec('another-key');
    expect(code(() => codec.decode(other.encode('customer_id', ['C001']), 'customer_id'))).toBe(
      ErrorCode.InvalidCursor,
    );
  });

  it('names the cursor parameter', () => {
    try {
      codec.decode('x', 'customer_id');
    } catch (error) {
      expect((error as C360Error).extensions).toEqual({ parameter: 'cursor' });
    }
  });
});
