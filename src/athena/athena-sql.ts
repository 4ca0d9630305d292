/** Trino SQL pieces shared by the Athena repositories. */

/** A checked integer spliced as a literal (LIMIT takes no parameter in every Athena version). */
export function intLiteral(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a row count: ${value}`);
  return String(value);
}

/**
 * gold's `money_avg(total, n)` (src/pipeline/segments.ts) in Trino: total / n rounded half away
 * from zero to 2 decimals, in integer arithmetic so no intermediate rounding can differ.
 */
export function moneyAvg(total: string, n: string): string {
  return `(case when ${n} > 0 then cast(cast(sign(${total}) * floor((cast(abs(${total}) * 10000 as bigint) + 50 * ${n}) / (100 * ${n})) as decimal(38, 0)) * cast('0.01' as decimal(3, 2)) as decimal(18, 2)) end)`;
}

/** Far future for open SCD2 intervals (Trino has no 'infinity' timestamp). */
export const OPEN_END = "timestamp '9999-12-31 23:59:59'";
