const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses `YYYY-MM-DD` (midnight UTC) or an ISO-8601 timestamp (`Z`, `±hh:mm` or no zone = UTC,
 * SPEC §4) into an instant. Impossible dates (2025-02-30) are refused rather than rolled over.
 */
export function parseIsoInstant(raw: string): Date | null {
  const date = ISO_DATE.exec(raw);
  const timestamp = date ? null : ISO_TIMESTAMP.exec(raw);
  const parts = date ?? timestamp;
  if (!parts) return null;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day
  ) {
    return null;
  }
  if (date) return calendar;
  const [hour, minute, second] = [Number(parts[4]), Number(parts[5]), Number(parts[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const zone = parts[8] ?? 'Z';
  const fraction = (parts[7] ?? '').slice(0, 4);
  const instant = new Date(
    `${parts[1]}-${parts[2]}-${parts[3]}T${parts[4]}:${parts[5]}:${pad(second)}${fraction}${zone}`,
  );
  return Number.isNaN(instant.getTime()) ? null : instant;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A calendar day `YYYY-MM-DD` (exists in the calendar), returned as that text; null otherwise. */
export function parseIsoDate(raw: string): string | null {
  return ISO_DATE.test(raw) && parseIsoInstant(raw) !== null ? raw : null;
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** `YYYY-MM-DD HH:MM:SS.mmm`: a UTC instant as DuckDB casts it to TIMESTAMP. */
export function toSqlTimestamp(instant: Date): string {
  return instant.toISOString().replace('T', ' ').replace('Z', '');
}
