import { DuckDBInstance } from '@duckdb/node-api';
import { connect, execute, openDuckDb, queryRows } from '../duckdb/duckdb';
import { ExtractableSource } from './source-definition';
import { debeziumSelect, linesSelect, LINES_TABLE_COLUMNS } from './validation-sql';

/** A line the contract refuses: its 1-based number in the request and the reason code. */
export interface LineError {
  line: number;
  reason: string;
}

const TABLE = 'c360_lines';

/**
 * Judges lines (NDJSON events or Debezium envelopes) with the same SQL the build's extraction
 * runs, on a private in-memory DuckDB, so a line the HTTP ingest accepts is a line the next build
 * loads. Each call works on its own connection (temp tables are per connection).
 */
export class LineValidator {
  private instance: Promise<DuckDBInstance> | null = null;

  async validate(source: ExtractableSource, lines: string[]): Promise<LineError[]> {
    this.instance ??= openDuckDb(':memory:', { threads: 1 });
    const connection = await connect(await this.instance);
    try {
      await execute(connection, `create temp table ${TABLE} (${LINES_TABLE_COLUMNS})`);
      const appender = await connection.createAppender(TABLE, null, 'temp');
      try {
        lines.forEach((line, index) => {
          appender.appendVarchar(line);
          appender.appendVarchar('request');
          appender.appendInteger(1);
          appender.appendBigInt(BigInt(index + 1));
          appender.appendVarchar(line);
          appender.endRow();
        });
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      const select =
        source.kind === 'debezium' ? debeziumSelect(source, TABLE) : linesSelect(source, TABLE, []);
      const errors = await queryRows<{ line: number; reason: string }>(
        connection,
        `select _line as line, _reason as reason from (${select}) where _reason is not null order by _line`,
      );
      if (source.evolution === 'strict' && source.kind !== 'debezium') {
        const judged = new Set(errors.map((e) => e.line));
        errors.push(...newFields(source, lines).filter((e) => !judged.has(e.line)));
        errors.sort((a, b) => a.line - b.line);
      }
      return errors;
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    void this.instance?.then((instance) => instance.closeSync());
    this.instance = null;
  }
}

const SAFE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Under `strict`, a field the contract does not know is an error of its line. */
function newFields(source: ExtractableSource, lines: string[]): LineError[] {
  const known = new Set(source.columns.map((c) => c.name));
  const errors: LineError[] = [];
  lines.forEach((line, index) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const field = Object.keys(value).find((key) => !known.has(key));
    if (field !== undefined) {
      errors.push({ line: index + 1, reason: SAFE_FIELD.test(field) ? `new_column:${field}` : 'new_column' });
    }
  });
  return errors;
}
