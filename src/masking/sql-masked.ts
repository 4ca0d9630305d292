import { ClassStrategies, MASKED_PII_CLASSES } from '../auth/policy';

/** Marks a row whose PII an engine already masked in SQL (the Athena engine), and with which
 *  strategies, so MaskingService does not mask it a second time. Not enumerable: it never
 *  reaches JSON and is dropped by any copy. */
const SQL_MASKED = Symbol('c360.sqlMasked');

export function markSqlMasked<T extends object>(row: T, strategies: ClassStrategies): T {
  Object.defineProperty(row, SQL_MASKED, { value: strategies, enumerable: false });
  return row;
}

export function sqlMaskedWith(row: object): ClassStrategies | undefined {
  return (row as { [SQL_MASKED]?: ClassStrategies })[SQL_MASKED];
}

export function sameStrategies(a: ClassStrategies, b: ClassStrategies): boolean {
  return MASKED_PII_CLASSES.every((c) => a[c] === b[c]);
}

/** Redacted is the least a caller can be shown: such a row may pass whatever the plan says. */
export function allRedacted(strategies: ClassStrategies): boolean {
  return MASKED_PII_CLASSES.every((c) => strategies[c] === 'redact');
}
