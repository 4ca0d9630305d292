import { RowScope } from '../auth/row-scope';

/** SQL text with `?` placeholders and its ExecutionParameters, in placeholder order. */
export interface AthenaQuery {
  sql: string;
  params: readonly string[];
}

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * Positional ExecutionParameters for Athena. Athena substitutes each parameter as one literal, so
 * a text value travels as a quoted SQL string literal; every request value goes through here and
 * none is ever part of the SQL text.
 */
export class AthenaParams {
  readonly values: string[] = [];

  /** A varchar parameter. */
  text(value: string): string {
    this.values.push(quote(value));
    return '?';
  }

  /** An integer parameter (checked: only digits reach Athena). */
  int(value: number | bigint): string {
    const text = String(value);
    if (!/^-?\d+$/.test(text)) throw new Error(`not an integer parameter: ${text}`);
    this.values.push(text);
    return '?';
  }

  /** Exact decimal text, compared as decimal(18,2). */
  decimal(value: string): string {
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error('not a decimal parameter');
    return `cast(${this.text(value)} as decimal(18, 2))`;
  }

  /** An ISO-8601 UTC instant as a timestamp (Athena timestamps are UTC without a zone). */
  timestamp(iso: string): string {
    return `cast(${this.text(iso.replace('T', ' ').replace('Z', ''))} as timestamp)`;
  }

  date(day: string): string {
    return `cast(${this.text(day)} as date)`;
  }

  list(values: readonly string[]): string {
    return values.map((v) => this.text(v)).join(', ');
  }

  /** `country in (…)` for a scoped caller; `true`/`false` otherwise. */
  scope(scope: RowScope, column = 'country'): string {
    if (scope.countries === null) return 'true';
    if (scope.countries.length === 0) return 'false';
    return `${column} in (${this.list(scope.countries)})`;
  }

  query(sql: string): AthenaQuery {
    return { sql, params: [...this.values] };
  }
}
