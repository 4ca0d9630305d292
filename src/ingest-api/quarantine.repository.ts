import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, openDuckDb, queryRows, quoteLiteral, SqlParam } from '../duckdb/duckdb';

/** One quarantined row as the lake keeps it. */
export interface QuarantineRecord {
  source: string;
  run_id: string;
  reason: string;
  line: number | null;
  raw: string | null;
  file: string | null;
  quarantined_at: string | null;
  /** Field names of a CSV record (null for JSON rows). */
  fields: string[] | null;
}

export interface QuarantineFilter {
  source?: string;
  runId?: string;
  /** A reason code (`required:email`) or its rule (`required`). */
  reason?: string;
  /** Keyset position: rows after it in (run_id desc, source, file, line) order. */
  after?: { runId: string; source: string; file: string; line: number };
  limit: number;
}

/** Reads the quarantine Parquet files of the lake (`lake/quarantine/<source>/<run>.parquet`). */
export class QuarantineRepository {
  private instance: Promise<DuckDBInstance> | null = null;

  constructor(private readonly quarantineDir: string) {}

  async list(filter: QuarantineFilter): Promise<QuarantineRecord[]> {
    const files = this.files(filter.source);
    if (files.length === 0) return [];
    this.instance ??= openDuckDb(':memory:', { threads: 1 });
    const connection = await connect(await this.instance);
    try {
      const params: SqlParam[] = [];
      const where: string[] = [];
      const bind = (value: SqlParam): string => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.source) where.push(`source = ${bind(filter.source)}`);
      if (filter.runId) where.push(`run_id = ${bind(filter.runId)}`);
      if (filter.reason) {
        where.push(`(reason = ${bind(filter.reason)} or starts_with(reason, ${bind(`${filter.reason}:`)}))`);
      }
      if (filter.after) {
        const run = bind(filter.after.runId);
        const source = bind(filter.after.source);
        const file = bind(filter.after.file);
        const line = bind(filter.after.line);
        where.push(
          `(run_id < ${run} or (run_id = ${run} and (source > ${source} or (source = ${source} and
             (coalesce(file, '') > ${file} or (coalesce(file, '') = ${file} and coalesce(line, 0) > ${line}))))))`,
        );
      }
      const list = files.map(quoteLiteral).join(', ');
      // `select *`: files written before a column existed read it as null.
      const rows = await queryRows(
        connection,
        `select *
         from read_parquet([${list}], union_by_name = true, hive_partitioning = false)
         ${where.length ? `where ${where.join(' and ')}` : ''}
         order by run_id desc, source, coalesce(file, ''), coalesce(line, 0)
         limit ${bind(filter.limit)}`,
        params,
      );
      const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
      return rows.map((row) => ({
        source: String(row.source),
        run_id: String(row.run_id),
        reason: String(row.reason),
        line: typeof row.line === 'number' ? row.line : null,
        raw: text(row.raw),
        file: text(row.file),
        quarantined_at: text(row.quarantined_at),
        fields: Array.isArray(row.fields) ? row.fields.map(String) : null,
      }));
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    void this.instance?.then((instance) => instance.closeSync());
    this.instance = null;
  }

  private files(source: string | undefined): string[] {
    if (!existsSync(this.quarantineDir)) return [];
    const sources = source ? [source] : readdirSync(this.quarantineDir);
    const files: string[] = [];
    for (const name of sources) {
      const dir = join(this.quarantineDir, name);
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir)) if (file.endsWith('.parquet')) files.push(join(dir, file));
    }
    return files;
  }
}
