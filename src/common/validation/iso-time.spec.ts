import { parseIsoInstant, toSqlTimestamp } from './iso-time';

describe('parseIsoInstant', () => {
  it.each([
    ['2025-01-31', '2025-01-31T00:00:00.000Z'],
    ['2025-01-31T10:15', '2025-01-31T10:15:00.000Z'],
    ['2025-01-31T10:15:30', '2025-01-31T10:15:30.000Z'],
    ['2025-01-31T10:15:30Z', '2025-01-31T10:15:30.000Z'],
    ['2025-01-31T10:15:30.123456Z', '2025-01-31T10:15:30.123Z'],
    ['2025-01-31T10:15:30+02:00', '2025-01-31T08:15:30.000Z'],
    ['2025-01-31T00:30:00-01:00', '2025-01-31T01:30:00.000Z'],
  ])('reads %s as %s', (raw, iso) => {
    expect(parseIsoInstant(raw)?.toISOString()).toBe(iso);
  });

  it.each([
    '2025-02-30',
    '2025-13-01',
    '2025-01-31T24:00:00Z',
    '31/01/2025',
    'yesterday',
    '2025-01-31 10:00:00',
    '1700000000',
  ])('refuses %s', (raw) => {
    expect(parseIsoInstant(raw)).toBeNull();
  });

  it('formats an instant for a DuckDB TIMESTAMP cast', () => {
    expect(toSqlTimestamp(new Date('2025-01-31T08:15:30.120Z'))).toBe('2025-01-31 08:15:30.120');
  });
});
