import { RowScope } from '../auth/row-scope';
import { SqlParam } from '../duckdb/duckdb';

/** Positional parameters: every value from a request is bound, never spliced into SQL. */
export class SqlParams {
  readonly values: SqlParam[] = [];

  add(value: SqlParam): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  list(values: readonly SqlParam[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

/** Row scope (SPEC §9) as a condition on a country column: a countries claim limits every read,
 *  an empty claim reads nothing, no claim reads everything. */
export function scopeCondition(scope: RowScope, params: SqlParams, column = 'country'): string {
  if (scope.countries === null) return 'true';
  if (scope.countries.length === 0) return 'false';
  return `${column} in (${params.list(scope.countries)})`;
}

/** A timestamp parameter as DuckDB compares it (UTC, `YYYY-MM-DD HH:MM:SS.ffffff`). */
export const timestampParam = (params: SqlParams, iso: string): string =>
  `cast(${params.add(iso.replace('T', ' ').replace('Z', ''))} as timestamp)`;
