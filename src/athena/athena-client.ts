import {
  AthenaClient,
  ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetQueryResultsCommandOutput,
  QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { C360Error, ErrorCode } from '../common/errors';
import { rootLogger } from '../common/logger';
import { Row } from '../duckdb/duckdb';
import { AthenaQuery } from './athena-query';

export interface AthenaSettings {
  workgroup: string | null;
  database: string;
  outputLocation: string;
  /** First wait between two GetQueryExecution polls; doubled each time up to `pollMaxMs`. */
  pollInitialMs: number;
  pollMaxMs: number;
  /** A query still running after this is stopped (StopQueryExecution) and answered with a 504. */
  timeoutMs: number;
  /** Athena query result reuse: a result at most this old is served again; 0 = off. */
  resultReuseMinutes: number;
}

/** A value as c360 serves it (the same JSON scalars the DuckDB repositories return). */
export type AthenaValue = string | number | boolean | null;
export type AthenaRow = Row;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `2025-01-01 10:00:00.120` (Athena's text of a timestamp) → `2025-01-01T10:00:00.12Z`, the
 *  form the DuckDB repositories serve. */
function isoTimestamp(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
  if (!match) return text;
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  return `${match[1]}T${match[2]}${fraction ? `.${fraction}` : ''}Z`;
}

/** One result cell typed by its column's Athena type (ResultSetMetadata.ColumnInfo.Type). */
export function mapValue(text: string | undefined, column: ColumnInfo): AthenaValue {
  if (text === undefined) return null;
  const type = (column.Type ?? 'varchar').toLowerCase();
  switch (type) {
    case 'boolean':
      return text === 'true';
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint':
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(text);
    case 'date':
      return text.slice(0, 10);
    case 'timestamp':
    case 'timestamp with time zone':
      return isoTimestamp(text);
    default:
      return text;
  }
}

/** Failed, cancelled or too slow: the caller sees a 502/504 without SQL or AWS internals; the
 *  log keeps the query execution id and Athena's error codes. */
export class AthenaQueryError extends C360Error {}

/**
 * Runs parameterised queries on Athena: StartQueryExecution with ExecutionParameters, polling
 * GetQueryExecution with exponential backoff until a final state or the timeout (then
 * StopQueryExecution), and GetQueryResults over every page, typed by the result metadata.
 */
export class AthenaQueryRunner {
  private queries = 0;

  constructor(
    private readonly client: AthenaClient,
    private readonly settings: AthenaSettings,
  ) {}

  /** Queries started since creation (tests count them). */
  get queryCount(): number {
    return this.queries;
  }

  async query<T extends AthenaRow = AthenaRow>(query: AthenaQuery): Promise<T[]> {
    const id = await this.start(query);
    await this.waitFor(id);
    return this.results<T>(id);
  }

  private async start(query: AthenaQuery): Promise<string> {
    this.queries++;
    const reuse = this.settings.resultReuseMinutes;
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: query.sql,
        ...(query.params.length > 0 ? { ExecutionParameters: [...query.params] } : {}),
        ...(this.settings.workgroup ? { WorkGroup: this.settings.workgroup } : {}),
        QueryExecutionContext: { Database: this.settings.database },
        ResultConfiguration: { OutputLocation: this.settings.outputLocation },
        ...(reuse > 0
          ? {
              ResultReuseConfiguration: {
                ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: reuse },
              },
            }
          : {}),
      }),
    );
    if (!started.QueryExecutionId) {
      throw new AthenaQueryError(ErrorCode.QueryFailed, 'The query engine did not accept the query.');
    }
    return started.QueryExecutionId;
  }

  private async waitFor(id: string): Promise<void> {
    const deadline = Date.now() + this.settings.timeoutMs;
    let wait = this.settings.pollInitialMs;
    for (;;) {
      const { QueryExecution: execution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State;
      if (state === QueryExecutionState.SUCCEEDED) return;
      if (state === QueryExecutionState.FAILED || state === QueryExecutionState.CANCELLED) {
        // Athena's message can quote values of the query: the log keeps the id and error codes
        // only; the message is in the workgroup's history for those allowed to read it.
        rootLogger().error(
          {
            query_execution_id: id,
            state,
            error_category: execution?.Status?.AthenaError?.ErrorCategory ?? null,
            error_type: execution?.Status?.AthenaError?.ErrorType ?? null,
          },
          'athena query did not succeed',
        );
        throw new AthenaQueryError(
          ErrorCode.QueryFailed,
          state === QueryExecutionState.CANCELLED
            ? 'The query was cancelled by the query engine.'
            : 'The query engine could not run the query.',
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        // Stop paying for a query nobody waits for any more.
        await this.client
          .send(new StopQueryExecutionCommand({ QueryExecutionId: id }))
          .catch(() => undefined);
        rootLogger().warn(
          { query_execution_id: id, timeout_ms: this.settings.timeoutMs },
          'athena query timed out',
        );
        throw new AthenaQueryError(ErrorCode.QueryTimeout, 'The query took too long and was stopped.');
      }
      await sleep(Math.min(wait, left));
      wait = Math.min(wait * 2, this.settings.pollMaxMs);
    }
  }

  private async results<T extends AthenaRow>(id: string): Promise<T[]> {
    const rows: T[] = [];
    let columns: ColumnInfo[] | null = null;
    let token: string | undefined;
    let first = true;
    do {
      const page: GetQueryResultsCommandOutput = await this.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const row of first ? data.slice(1) : data) {
        const out: Record<string, AthenaValue> = {};
        const cells = row.Data ?? [];
        columns.forEach((column, i) => {
          out[column.Name ?? `_${i}`] = mapValue(cells[i]?.VarCharValue, column);
        });
        rows.push(out as T);
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }
}
