import { quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { ColumnContract } from './source-definition';

/**
 * Compiles a source contract into SQL expressions over raw text values. Everything compiled here
 * comes from the YAML contract (validated names, patterns, numbers), never from a request.
 */

const TIMESTAMP_SHAPE =
  '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?';
const DATE_SHAPE = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
const INTEGER_SHAPE = '[+-]?[0-9]{1,18}';
const DECIMAL_SHAPE = '[+-]?([0-9]{1,14}(\\.[0-9]{0,4})?|\\.[0-9]{1,4})';

export const DECIMAL_TYPE = 'DECIMAL(18,4)';

/** The cleaned text of a column: trimmed, case-normalised, empty as NULL, defaults applied. */
export function normalizedText(column: ColumnContract, raw: (name: string) => string): string {
  const clean = (name: string, normalize: ColumnContract['normalize']): string => {
    const trimmed = `trim(${raw(name)})`;
    const cased =
      normalize === 'lower' ? `lower(${trimmed})` : normalize === 'upper' ? `upper(${trimmed})` : trimmed;
    return `nullif(${cased}, '')`;
  };
  let expression = clean(column.name, column.normalize);
  if (column.defaultFrom) expression = `coalesce(${expression}, ${clean(column.defaultFrom, null)})`;
  if (column.default !== null) expression = `coalesce(${expression}, ${quoteLiteral(column.default)})`;
  return expression;
}

function typeCheck(column: ColumnContract, value: string): string | null {
  switch (column.type) {
    case 'string':
      return null;
    case 'integer':
      return `not regexp_full_match(${value}, '${INTEGER_SHAPE}')`;
    case 'decimal':
      return `not regexp_full_match(${value}, '${DECIMAL_SHAPE}')`;
    case 'boolean':
      return `lower(${value}) not in ('true', 'false')`;
    case 'timestamp':
      return `(not regexp_full_match(${value}, '${TIMESTAMP_SHAPE}') or try_cast(${value} as timestamptz) is null)`;
    case 'date':
      return `(not regexp_full_match(${value}, '${DATE_SHAPE}') or try_cast(${value} as date) is null)`;
  }
}

/** The typed value of a column whose text passed its checks. */
export function typedValue(column: ColumnContract, value: string): string {
  switch (column.type) {
    case 'string':
      return value;
    case 'integer':
      return `cast(${value} as bigint)`;
    case 'decimal':
      return `cast(${value} as ${DECIMAL_TYPE})`;
    case 'boolean':
      return `(lower(${value}) = 'true')`;
    case 'timestamp':
      return `(cast(${value} as timestamptz) at time zone 'UTC')`;
    case 'date':
      return `cast(${value} as date)`;
  }
}

export function sqlType(column: ColumnContract): string {
  switch (column.type) {
    case 'string':
      return 'VARCHAR';
    case 'integer':
      return 'BIGINT';
    case 'decimal':
      return DECIMAL_TYPE;
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
  }
}

/** `CASE` yielding the first broken rule as `<rule>:<column>`, or NULL when the column is valid. */
export function columnReason(column: ColumnContract, value: string): string {
  const name = column.name;
  const branches: string[] = [];
  if (column.required) branches.push(`when ${value} is null then ${quoteLiteral(`required:${name}`)}`);
  const type = typeCheck(column, value);
  if (type) branches.push(`when ${value} is not null and ${type} then ${quoteLiteral(`type:${name}`)}`);
  if (column.pattern) {
    branches.push(
      `when ${value} is not null and not regexp_matches(${value}, ${quoteLiteral(column.pattern)}) then ${quoteLiteral(`pattern:${name}`)}`,
    );
  }
  if (column.enum) {
    const values = column.enum.map(quoteLiteral).join(', ');
    branches.push(
      `when ${value} is not null and ${value} not in (${values}) then ${quoteLiteral(`enum:${name}`)}`,
    );
  }
  if (column.min !== null && (column.type === 'integer' || column.type === 'decimal')) {
    branches.push(
      `when ${value} is not null and ${typedValue(column, value)} < ${column.min} then ${quoteLiteral(`min:${name}`)}`,
    );
  }
  if (branches.length === 0) return 'null';
  return `case ${branches.join(' ')} end`;
}

/** The reason a whole row breaks the contract (first failing column in contract order). */
export function rowReason(columns: ColumnContract[], valueOf: (column: ColumnContract) => string): string {
  const reasons = columns.map((column) => columnReason(column, valueOf(column))).filter((r) => r !== 'null');
  return reasons.length === 0 ? 'null' : `coalesce(${reasons.join(', ')})`;
}

/** Rebuilds a CSV record from its fields, for the quarantine's raw content. */
export function csvRecord(fields: string[], delimiter: string, quote: string): string {
  const q = quoteLiteral(quote);
  const parts = fields.map((field) => {
    const f = quoteIdent(field);
    return `case when ${f} is null then '' when contains(${f}, ${quoteLiteral(delimiter)}) or contains(${f}, ${q}) or contains(${f}, chr(10)) then ${q} || replace(${f}, ${q}, ${q} || ${q}) || ${q} else ${f} end`;
  });
  return `concat_ws(${quoteLiteral(delimiter)}, ${parts.join(', ')})`;
}
