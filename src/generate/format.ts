/** String formats of the landing files (SPEC §3): ISO-8601 UTC, `.` decimals, RFC-4180 CSV. */

export const SECONDS_PER_DAY = 86400;

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

// Day strings are cached: a file holds millions of timestamps over a few thousand days.
const DAY_OFFSET = 40000; // covers 1860..2160
const dayCache: (string | undefined)[] = new Array<string | undefined>(2 * DAY_OFFSET);

/** `YYYY-MM-DD` of a day number (days since 1970-01-01, may be negative). */
export function isoDate(day: number): string {
  const slot = day + DAY_OFFSET;
  const cached = dayCache[slot];
  if (cached !== undefined) return cached;
  const text = new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);
  if (slot >= 0 && slot < dayCache.length) dayCache[slot] = text;
  return text;
}

/** `YYYY-MM-DDTHH:MM:SSZ` of whole epoch seconds. */
export function isoTimestamp(epochSeconds: number): string {
  const day = Math.floor(epochSeconds / SECONDS_PER_DAY);
  let rest = epochSeconds - day * SECONDS_PER_DAY;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  return `${isoDate(day)}T${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}Z`;
}

/** Integer cents as a 2-decimal string (`1234` → `12.34`); exact, no floating point. */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  return `${sign}${whole}.${PAD2[abs - whole * 100]}`;
}

/** Zero-padded decimal (`pad(42, 4)` → `0042`). */
export function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV field, quoted only when needed (delimiter, quote, or edge whitespace a reader might trim). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV record (no trailing newline). */
export function csvLine(fields: readonly string[]): string {
  let out = csvField(fields[0]);
  for (let i = 1; i < fields.length; i++) out += `,${csvField(fields[i])}`;
  return out;
}
