import { isoFromMicros } from '../duckdb/duckdb';
import { isoFromMicrosNumber } from './serving-store';
import { instantMicros, moneyAvgCents, roundE4ToCents, scaledDecimal } from './store-values';

describe('serving store values', () => {
  it('formats timestamps exactly as the DuckDB path', () => {
    const samples = [
      0, 1, -1, -500, -1500, 999_999, 1_000_000, 1_735_689_600_000_000, 1_735_689_600_123_400,
      -86_400_000_001,
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.round((Math.random() - 0.3) * 4e15));
    for (const micros of samples) expect(isoFromMicrosNumber(micros)).toBe(isoFromMicros(BigInt(micros)));
  });

  it('parses instants to microseconds as DuckDB casts them', () => {
    expect(instantMicros('2025-01-01T00:00:00Z')).toBe(1_735_689_600_000_000);
    expect(instantMicros('2025-01-01T00:00:00.123456Z')).toBe(1_735_689_600_123_456);
    expect(instantMicros('2025-01-01T00:00:00.5Z')).toBe(1_735_689_600_500_000);
    expect(instantMicros('2025-01-01 00:00:00.000')).toBe(1_735_689_600_000_000);
  });

  it('keeps money exact', () => {
    expect(scaledDecimal('10.5', 2)).toBe(1050n);
    expect(scaledDecimal('0.01', 2)).toBe(1n);
    expect(scaledDecimal('12', 4)).toBe(120_000n);
    expect(scaledDecimal('-3.455', 2)).toBe(-346n);
    expect(roundE4ToCents(12_345n)).toBe(123n);
    expect(roundE4ToCents(12_350n)).toBe(124n);
    expect(roundE4ToCents(-12_350n)).toBe(-124n);
    expect(moneyAvgCents(100_000n, 3)).toBe(333n);
    expect(moneyAvgCents(50n, 1)).toBe(1n);
    expect(moneyAvgCents(0n, 0)).toBeNull();
  });
});
