import { DuckDBConnection } from '@duckdb/node-api';
import { SqlParams } from '../duckdb/duckdb';

/** One unit of data work a run did: a SQL statement, or a file copy the SQL depends on. */
export type TracedWork =
  | { step: string; kind: 'sql'; sql: string; params?: SqlParams; ms: number }
  | { step: string; kind: 'copy'; from: string; to: string; ms: number };

/**
 * Records the data work of one run (every statement on the run's connection, plus file copies),
 * so the benchmark can replay exactly that work straight on @duckdb/node-api — the "plain-DuckDB
 * floor". Bookkeeping the framework does for itself (row counts for the run record, lineage
 * schemas) runs inside `untraced` and is not part of the floor.
 */
export class SqlTrace {
  readonly work: TracedWork[] = [];
  step = 'setup';
  private paused = 0;

  /** The connection with `run` and `runAndReadAll` recorded. */
  wrap(connection: DuckDBConnection): DuckDBConnection {
    const record = (sql: string, params: unknown, started: number): void => {
      if (this.paused > 0) return;
      this.work.push({
        step: this.step,
        kind: 'sql',
        sql,
        params: params as SqlParams | undefined,
        ms: performance.now() - started,
      });
    };
    return new Proxy(connection, {
      get: (target, property, receiver) => {
        if (property === 'run' || property === 'runAndReadAll') {
          const method = target[property].bind(target) as (sql: string, params?: unknown) => Promise<unknown>;
          return async (sql: string, params?: unknown) => {
            const started = performance.now();
            const result = await method(sql, params);
            record(sql, params, started);
            return result;
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  recordCopy(from: string, to: string, ms: number): void {
    if (this.paused === 0) this.work.push({ step: this.step, kind: 'copy', from, to, ms });
  }

  async untraced<T>(work: () => Promise<T>): Promise<T> {
    this.paused++;
    try {
      return await work();
    } finally {
      this.paused--;
    }
  }
}
