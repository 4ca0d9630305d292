import { RowScope } from '../auth/row-scope';
import { StoreParam } from './serving-store';

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/**
 * An ISO-8601 UTC instant as epoch microseconds, the way DuckDB casts the same text to a
 * TIMESTAMP (repositories bind `YYYY-MM-DD HH:MM:SS[.ffffff]`): digits past microseconds dropped.
 */
export function instantMicros(iso: string): number {
  const match = INSTANT.exec(iso);
  if (!match) {
    const millis = Date.parse(iso);
    if (Number.isNaN(millis)) throw new Error('not an ISO instant');
    return millis * 1000;
  }
  const [, y, mo, d, h, mi, s, fraction] = match;
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  const micros = fraction ? Number(fraction.padEnd(6, '0').slice(0, 6)) : 0;
  return seconds * 1_000_000 + micros;
}

/** Exact decimal text as an integer number of 1/10^scale units (`cast(x as decimal(18, scale))`:
 *  extra digits round half away from zero). */
export function scaledDecimal(text: string, scale: number): bigint {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) throw new Error('not a decimal');
  const [, sign, whole, fraction = ''] = match;
  const kept = fraction.padEnd(scale, '0').slice(0, scale);
  let units = BigInt(`${whole || '0'}${kept}`);
  if (fraction.length > scale && Number(fraction[scale]) >= 5) units += 1n;
  return sign === '-' ? -units : units;
}

/** `round(exact, 2)` of an exact 1/10,000 amount, half away from zero, in cents. */
export function roundE4ToCents(e4: bigint): bigint {
  const negative = e4 < 0n;
  const magnitude = negative ? -e4 : e4;
  const cents = (magnitude + 50n) / 100n;
  return negative ? -cents : cents;
}

/** `money_avg(total, n)` (src/pipeline/segments.ts) on an exact 1/10,000 total, in cents. */
export function moneyAvgCents(totalE4: bigint, n: number): bigint | null {
  if (n <= 0) return null;
  const count = BigInt(n);
  const negative = totalE4 < 0n;
  const magnitude = negative ? -totalE4 : totalE4;
  const cents = (magnitude + 50n * count) / (100n * count);
  return negative ? -cents : cents;
}

/** SQLite parameters in order, with `?` placeholders. */
export class StoreParams {
  readonly values: StoreParam[] = [];

  add(value: StoreParam): string {
    this.values.push(value);
    return '?';
  }

  list(values: readonly StoreParam[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

/** Row scope (SPEC §9) exactly as the DuckDB repositories apply it (src/serving/sql.ts). */
export function storeScopeCondition(scope: RowScope, params: StoreParams, column = 'country'): string {
  if (scope.countries === null) return '1';
  if (scope.countries.length === 0) return '0';
  return `${column} in (${params.list(scope.countries)})`;
}
