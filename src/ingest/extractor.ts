import { DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { DriftEvent } from '../runs/run.model';
import { normalizedText, sqlType, typedValue } from './contract-sql';
import { LandingFile, parseCsvHeader, readFirstLine } from './landing-files';
import { ExtractableSource } from './source-definition';
import {
  debeziumSelect,
  lineKeysSelect,
  linesSelect,
  LINES_TABLE_COLUMNS,
  recordSelect,
  RecordRawFormat,
} from './validation-sql';

export class SourceContractError extends Error {}

/** Control totals of a database source: what the database counted and hashed over the window
 *  read, and the same computed over what landed in the run. */
export interface HashTotal {
  rows: number;
  source: string;
  landed: string;
  matches: boolean;
}

export interface ExtractResult {
  source: string;
  files: string[];
  read: number;
  loaded: number;
  quarantined: number;
  bronzePath: string | null;
  quarantinePath: string | null;
  watermarkTo: string | null;
  drift: DriftEvent[];
  hashTotal: HashTotal | null;
}

export interface ExtractContext {
  connection: DuckDBConnection;
  runId: string;
  ingestTs: Date;
  bronzeDir: string;
  quarantineDir: string;
}

export interface ExtractOptions {
  /** Backfill: keep only rows whose watermark lies in [from, to). */
  window?: { from: Date; to: Date } | null;
}

/** A raw table of text columns, as a database or a Parquet file filled it. */
export interface RecordTable {
  /** Raw table column names (safe identifiers), in source order. */
  rawColumns: string[];
  /** Per raw column: the SQL turning its text into contract text (e.g. database timestamps). */
  textOf: Map<string, string>;
  rawFormat: RecordRawFormat;
  /** Where the rows come from, for drift events and messages (`postgres:public.orders`). */
  origin?: string;
}

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const NDJSON_READ =
  "columns={'line': 'VARCHAR'}, header=false, delim=chr(30), quote='', escape='', auto_detect=false, hive_partitioning=false";
const UINT64 = '18446744073709551616';

/** Metadata columns every bronze row carries. */
export const BRONZE_METADATA = [
  '_ingest_ts',
  '_run_id',
  '_source_file',
  '_batch',
  '_line',
  '_row_hash',
] as const;

/** Header names after the source's `rename` map. */
export function renamedColumns(source: ExtractableSource, names: string[]): string[] {
  return names.map((name) => source.rename[name] ?? name);
}

/** The compression option of read_csv for a file. */
function compressionOf(source: ExtractableSource, path: string): string {
  if (source.compression === 'gzip') return 'gzip';
  if (source.compression === 'none') return 'none';
  return path.endsWith('.gz') ? 'gzip' : 'none';
}

/**
 * Drift of a set of source columns against the contract: drift events, and the columns kept
 * (contract columns plus, with `add_columns`, the new ones). `strict` refuses any difference.
 */
export function reconcileColumns(
  source: ExtractableSource,
  present: string[],
  origin: string,
  drift: DriftEvent[],
  where = `file ${origin}`,
): string[] {
  const contractNames = source.columns.map((c) => c.name);
  const added = present.filter((name) => !contractNames.includes(name));
  const missing = contractNames.filter((name) => !present.includes(name));
  for (const column of added) drift.push({ source: source.name, kind: 'new_column', column, file: origin });
  for (const column of missing)
    drift.push({ source: source.name, kind: 'missing_column', column, file: origin });
  if (source.evolution === 'strict' && (added.length > 0 || missing.length > 0)) {
    const parts = [
      added.length ? `new column(s) ${added.join(', ')}` : '',
      missing.length ? `missing column(s) ${missing.join(', ')}` : '',
    ].filter(Boolean);
    throw new SourceContractError(
      `source ${source.name}: ${where} does not match its contract (${parts.join('; ')}); evolution is strict`,
    );
  }
  if (source.evolution !== 'add_columns') return contractNames;
  if (added.some((name) => !SAFE_KEY.test(name))) {
    throw new SourceContractError(`source ${source.name}: ${where} has new columns with unusable names`);
  }
  return [...contractNames, ...added];
}

/**
 * Reads a source's new data, applies its contract and writes two Parquet files for the run:
 * bronze (rows that pass, typed, with metadata) and quarantine (rows that break it, with the raw
 * content and a reason code). Every kind lands in a raw table first (text columns, JSON lines or
 * Debezium envelopes), so contracts and quarantine work identically for all of them. Nothing is
 * dropped: read = loaded + quarantined.
 */
export class Extractor {
  constructor(private readonly context: ExtractContext) {}

  /** Landing files (local, or downloaded from object storage) in batch order. */
  async extract(
    source: ExtractableSource,
    files: LandingFile[],
    options: ExtractOptions = {},
  ): Promise<ExtractResult> {
    const result = this.emptyResult(source, files);
    if (files.length === 0) return result;
    await this.begin(source);
    const raw = this.rawTable(source);
    if (source.kind === 'debezium') {
      await this.loadLines(files, raw);
      await this.validate(source, debeziumSelect(source, raw));
    } else if (source.format === 'ndjson') {
      await this.loadLines(files, raw);
      const extra = await this.ndjsonExtraKeys(source, raw, files, result.drift);
      await this.validate(source, linesSelect(source, raw, extra));
      return this.finish(source, result, [...source.columns.map((c) => c.name), ...extra], options);
    } else if (source.format === 'csv') {
      const columns = await this.loadCsv(source, files, raw, result.drift);
      await this.validate(source, recordSelect(source, raw, columns, 'csv'));
      return this.finish(source, result, columns, options);
    } else {
      const table = await this.loadParquet(source, files, raw);
      return this.extractRecordTable(source, table, result, options);
    }
    return this.finish(
      source,
      result,
      source.columns.map((c) => c.name),
      options,
    );
  }

  /**
   * A raw table the caller filled (database pages): `fill` gets the table name and returns how
   * its columns read. The caller's hash total is compared with the same total over the table.
   */
  async extractRecords(
    source: ExtractableSource,
    fill: (rawName: string) => Promise<RecordTable & { sourceTotal: { rows: number; hash: string } | null }>,
    options: ExtractOptions = {},
  ): Promise<ExtractResult> {
    const result = this.emptyResult(source, []);
    await this.begin(source);
    const raw = this.rawTable(source);
    const table = await fill(`raw_${source.name}`);
    if (table.sourceTotal) {
      const landed = await this.hashTotal(raw, table.rawColumns);
      result.hashTotal = {
        rows: table.sourceTotal.rows,
        source: table.sourceTotal.hash,
        landed: landed.hash,
        matches: landed.hash === table.sourceTotal.hash && landed.rows === table.sourceTotal.rows,
      };
    }
    return this.extractRecordTable(source, table, result, options);
  }

  /** The 64-bit hash total of a raw table: sum of the first 8 md5 bytes of each row's text. */
  async hashTotal(raw: string, rawColumns: string[]): Promise<{ rows: number; hash: string }> {
    const text = rawColumns.map((name) => `coalesce(${quoteIdent(name)}, '\\N')`).join(', ');
    const [row] = await queryRows<{ n: number; h: string }>(
      this.context.connection,
      `select count(*) as n,
              printf('%016x', (coalesce(sum(('0x' || left(md5(concat_ws(chr(31), ${text})), 16))::ubigint::hugeint), 0) % ${UINT64})::ubigint) as h
       from ${raw}`,
    );
    return { rows: row.n, hash: row.h };
  }

  private emptyResult(source: ExtractableSource, files: LandingFile[]): ExtractResult {
    return {
      source: source.name,
      files: files.map((f) => f.name),
      read: 0,
      loaded: 0,
      quarantined: 0,
      bronzePath: null,
      quarantinePath: null,
      watermarkTo: null,
      drift: [],
      hashTotal: null,
    };
  }

  private rawTable(source: ExtractableSource): string {
    return quoteIdent(`raw_${source.name}`);
  }

  private rejectsTable(source: ExtractableSource): string {
    return quoteIdent(`rejects_${source.name}`);
  }

  private validatedTable(source: ExtractableSource): string {
    return quoteIdent(`validated_${source.name}`);
  }

  private async begin(source: ExtractableSource): Promise<void> {
    const { connection } = this.context;
    await execute(connection, `drop table if exists ${this.rawTable(source)}`);
    await execute(connection, `drop table if exists ${this.rejectsTable(source)}`);
    await execute(connection, `drop table if exists ${this.validatedTable(source)}`);
    await execute(
      connection,
      `create temp table ${this.rejectsTable(source)} (_source_file varchar, _batch integer, _line bigint, reason varchar, raw varchar)`,
    );
  }

  private async validate(source: ExtractableSource, select: string): Promise<void> {
    await execute(this.context.connection, `create temp table ${this.validatedTable(source)} as ${select}`);
  }

  private async extractRecordTable(
    source: ExtractableSource,
    table: RecordTable,
    result: ExtractResult,
    options: ExtractOptions,
  ): Promise<ExtractResult> {
    const raw = this.rawTable(source);
    const present = table.rawColumns;
    const origin = table.origin ?? result.files.join(', ');
    const kept = reconcileColumns(source, present, origin, result.drift, table.origin ?? `file(s) ${origin}`);
    // The validated table holds contract text: each kept column through its text conversion.
    const converted = kept
      .map((name) =>
        present.includes(name)
          ? `${table.textOf.get(name) ?? quoteIdent(name)} as ${quoteIdent(name)}`
          : `null::varchar as ${quoteIdent(name)}`,
      )
      .join(', ');
    const rawObject = `json_object(${present.map((name) => `${quoteLiteral(name)}, ${quoteIdent(name)}`).join(', ')})::varchar`;
    const staged = quoteIdent(`text_${source.name}`);
    await execute(
      this.context.connection,
      `create or replace temp view ${staged} as
       select ${converted}, _source_file, _batch, _line,
              ${table.rawFormat === 'json' ? rawObject : '_raw'} as _raw
       from ${raw}`,
    );
    await this.validate(source, recordSelect(source, staged, kept, table.rawFormat));
    await execute(this.context.connection, `drop view ${staged}`);
    return this.finish(source, result, kept, options);
  }

  /** Counts, bronze and quarantine files, watermark; the temp tables are dropped. */
  private async finish(
    source: ExtractableSource,
    result: ExtractResult,
    columns: string[],
    options: ExtractOptions,
  ): Promise<ExtractResult> {
    const { connection } = this.context;
    const validated = this.validatedTable(source);
    const rejects = this.rejectsTable(source);
    if (options.window && source.watermark) {
      // A backfill keeps the rows of its window; rows whose watermark cannot be read stay
      // quarantined, so nothing of the window is dropped silently.
      await execute(
        connection,
        `delete from ${validated}
         where _reason is null and not (${this.watermarkExpression(source)} >= $1::timestamp
                                        and ${this.watermarkExpression(source)} < $2::timestamp)`,
        [sqlTimestamp(options.window.from), sqlTimestamp(options.window.to)],
      );
    }
    const [counts] = await queryRows<{ good: number; bad: number; rejected: number }>(
      connection,
      `select count(*) filter (where _reason is null) as good, count(*) filter (where _reason is not null) as bad,
              (select count(*) from ${rejects}) as rejected
       from ${validated}`,
    );
    result.loaded = counts.good;
    result.quarantined = counts.bad + counts.rejected;
    result.read = result.loaded + result.quarantined;

    mkdirSync(join(this.context.bronzeDir, source.name), { recursive: true });
    const bronzeColumns = this.bronzeColumns(source, columns);
    result.bronzePath = join(this.context.bronzeDir, source.name, `${this.context.runId}.parquet`);
    await execute(
      connection,
      `copy (select ${bronzeColumns.join(', ')} from ${validated} where _reason is null order by _batch, _source_file, _line)
       to ${quoteLiteral(result.bronzePath)} (format parquet, compression zstd)`,
    );
    if (result.quarantined > 0) {
      mkdirSync(join(this.context.quarantineDir, source.name), { recursive: true });
      result.quarantinePath = join(this.context.quarantineDir, source.name, `${this.context.runId}.parquet`);
      const header = source.format === 'csv' && source.kind !== 'postgres' && source.kind !== 'mysql';
      const fields = header ? `[${columns.map(quoteLiteral).join(', ')}]` : 'null::varchar[]';
      await execute(
        connection,
        `copy (
           select ${quoteLiteral(source.name)} as source, ${quoteLiteral(this.context.runId)} as run_id, reason, line, raw,
                  file, ${this.ingestTsLiteral()} as quarantined_at, fields
           from (
             select _reason as reason, _line as line, _raw as raw, _source_file as file, _batch, ${fields} as fields
             from ${validated} where _reason is not null
             union all
             select reason, _line, raw, _source_file, _batch, null::varchar[] from ${rejects}
           ) order by _batch, file, line
         ) to ${quoteLiteral(result.quarantinePath)} (format parquet, compression zstd)`,
      );
    }
    if (source.watermark && result.loaded > 0) {
      const [mark] = await queryRows<{ wm: string | null }>(
        connection,
        `select strftime(max(${this.watermarkExpression(source)}), '%Y-%m-%dT%H:%M:%S.%fZ') as wm from ${validated} where _reason is null`,
      );
      result.watermarkTo = mark.wm === null ? null : mark.wm.replace(/\.?0+Z$/, 'Z');
    }
    await execute(connection, `drop table if exists ${validated}`);
    await execute(connection, `drop table if exists ${this.rawTable(source)}`);
    await execute(connection, `drop table if exists ${rejects}`);
    return result;
  }

  private ingestTsLiteral(): string {
    return `timestamp ${quoteLiteral(sqlTimestamp(this.context.ingestTs))}`;
  }

  /** The typed watermark of a validated row. */
  private watermarkExpression(source: ExtractableSource): string {
    if (source.kind === 'debezium') return 'make_timestamp(cast(ts_ms_text as bigint) * 1000)';
    const column = source.columns.find((c) => c.name === source.watermark);
    if (!column) return 'null::timestamp';
    const value = typedValue(
      column,
      normalizedText(column, (name) => quoteIdent(name)),
    );
    return `cast(${value} as timestamp)`;
  }

  /** CSV files: raw text columns, physical line numbers, and malformed records as rejects. */
  private async loadCsv(
    source: ExtractableSource,
    files: LandingFile[],
    raw: string,
    drift: DriftEvent[],
  ): Promise<string[]> {
    const { connection } = this.context;
    const contractNames = source.columns.map((c) => c.name);
    let tableColumns: string[] | null = null;
    for (const file of files) {
      const header = source.csv.header
        ? renamedColumns(
            source,
            parseCsvHeader(readFirstLine(file.path), source.csv.delimiter, source.csv.quote || '"'),
          )
        : contractNames;
      const kept = reconcileColumns(source, header, file.name, drift);
      if (tableColumns === null) {
        tableColumns = kept;
        const defs = tableColumns.map((name) => `${quoteIdent(name)} varchar`).join(', ');
        await execute(
          connection,
          `create temp table ${raw} (${defs}, _source_file varchar, _batch integer, _line bigint, _raw varchar)`,
        );
      } else {
        for (const name of kept.filter((n) => !tableColumns?.includes(n))) {
          await execute(connection, `alter table ${raw} add column ${quoteIdent(name)} varchar`);
          tableColumns.push(name);
        }
      }
      await this.loadCsvFile(source, file, header, raw, tableColumns);
    }
    return tableColumns ?? contractNames;
  }

  private async loadCsvFile(
    source: ExtractableSource,
    file: LandingFile,
    header: string[],
    raw: string,
    tableColumns: string[],
  ): Promise<void> {
    const { connection } = this.context;
    const readColumns = header.map((name, i) => `${quoteLiteral(`c${i}`)}: 'VARCHAR'`).join(', ');
    const { delimiter, quote } = source.csv;
    const rejects = this.rejectsTable(source);
    await execute(connection, 'drop table if exists c360_rejects; drop table if exists c360_reject_scans');
    await execute(connection, 'drop table if exists c360_file');
    await execute(
      connection,
      `create temp table c360_file as
       select row_number() over () as _k, *
       from read_csv(${quoteLiteral(file.path)}, columns={${readColumns}}, header=${source.csv.header}, delim=${quoteLiteral(
         delimiter,
       )}, quote=${quoteLiteral(quote)}, escape=${quoteLiteral(quote)}, auto_detect=false, hive_partitioning=false,
         compression=${quoteLiteral(compressionOf(source, file.path))},
         store_rejects=true, rejects_table='c360_rejects', rejects_scan='c360_reject_scans')`,
    );
    const firstLine = source.csv.header ? 2 : 1;
    const fileLiteral = quoteLiteral(file.name);
    await execute(
      connection,
      `insert into ${rejects}
       select ${fileLiteral}, ${file.batch}, line, 'malformed_record', any_value(csv_line)
       from c360_rejects group by line`,
    );
    const select = tableColumns
      .map((name) => (header.includes(name) ? `f.${quoteIdent(`c${header.indexOf(name)}`)}` : 'null'))
      .join(', ');
    await execute(
      connection,
      `insert into ${raw}
       with bad as (select distinct line from c360_rejects),
            counts as (select (select count(*) from c360_file) + (select count(*) from bad) as total),
            lines as (select range as line from range(${firstLine}, ${firstLine} + (select total from counts))),
            good as (select line, row_number() over (order by line) as k from lines where line not in (select line from bad))
       select ${select}, ${fileLiteral}, ${file.batch}, good.line, null
       from c360_file f join good on f._k = good.k`,
    );
    await execute(
      connection,
      'drop table c360_file; drop table if exists c360_rejects; drop table if exists c360_reject_scans',
    );
  }

  /** Parquet files: each column as contract text (ISO timestamps, trimmed decimals). */
  private async loadParquet(
    source: ExtractableSource,
    files: LandingFile[],
    raw: string,
  ): Promise<RecordTable> {
    const { connection } = this.context;
    let tableColumns: string[] | null = null;
    for (const file of files) {
      const described = await queryRows<{ column_name: string; column_type: string }>(
        connection,
        `describe select * from read_parquet(${quoteLiteral(file.path)}, hive_partitioning = false)`,
      );
      const names = renamedColumns(
        source,
        described.map((d) => d.column_name),
      );
      // Columns with names SQL cannot carry get a positional name (kept only in the raw table).
      const usable = names.map((name, i) => (SAFE_KEY.test(name) ? name : `_column_${i + 1}`));
      if (tableColumns === null) {
        tableColumns = [...usable];
        const defs = tableColumns.map((name) => `${quoteIdent(name)} varchar`).join(', ');
        await execute(
          connection,
          `create temp table ${raw} (${defs}, _source_file varchar, _batch integer, _line bigint, _raw varchar)`,
        );
      } else {
        for (const name of usable.filter((n) => !tableColumns?.includes(n))) {
          await execute(connection, `alter table ${raw} add column ${quoteIdent(name)} varchar`);
          tableColumns.push(name);
        }
      }
      const select = tableColumns
        .map((name) => {
          const index = usable.indexOf(name);
          if (index < 0) return 'null';
          return duckTypeAsText(quoteIdent(described[index].column_name), described[index].column_type);
        })
        .join(', ');
      await execute(
        connection,
        `insert into ${raw}
         select ${select}, ${quoteLiteral(file.name)}, ${file.batch}, file_row_number + 1, null
         from read_parquet(${quoteLiteral(file.path)}, hive_partitioning = false, file_row_number = true)`,
      );
    }
    return { rawColumns: tableColumns ?? [], textOf: new Map(), rawFormat: 'json' };
  }

  /** NDJSON and Debezium files: one raw line per row, physical line numbers kept. */
  private async loadLines(files: LandingFile[], raw: string): Promise<void> {
    const { connection } = this.context;
    await execute(connection, `create temp table ${raw} (${LINES_TABLE_COLUMNS})`);
    for (const file of files) {
      await execute(
        connection,
        `insert into ${raw}
         select line, ${quoteLiteral(file.name)}, ${file.batch}, row_number() over (), line
         from read_csv(${quoteLiteral(file.path)}, ${NDJSON_READ}, compression=${quoteLiteral(
           file.path.endsWith('.gz') ? 'gzip' : 'none',
         )})`,
      );
    }
  }

  private async ndjsonExtraKeys(
    source: ExtractableSource,
    raw: string,
    files: LandingFile[],
    drift: DriftEvent[],
  ): Promise<string[]> {
    if (source.evolution === 'ignore') return [];
    const keys = await queryRows<{ key: string }>(this.context.connection, lineKeysSelect(raw));
    const contractNames = source.columns.map((c) => c.name);
    const added = keys.map((k) => k.key).filter((key) => !contractNames.includes(key));
    for (const column of added)
      drift.push({ source: source.name, kind: 'new_column', column, file: files[0].name });
    if (added.length > 0 && source.evolution === 'strict') {
      throw new SourceContractError(
        `source ${source.name}: new field(s) ${added.join(', ')} not in its contract; evolution is strict`,
      );
    }
    return added.filter((key) => SAFE_KEY.test(key));
  }

  private bronzeColumns(source: ExtractableSource, columns: string[]): string[] {
    const metadata = [
      `${this.ingestTsLiteral()} as _ingest_ts`,
      `${quoteLiteral(this.context.runId)} as _run_id`,
      '_source_file',
      '_batch',
      '_line',
    ];
    if (source.kind === 'debezium') {
      const key = source.primaryKey[0];
      const typed = source.columns.map((column) => {
        const value = normalizedText(column, (name) => quoteIdent(name));
        return column.name === key
          ? `case when op = 'd' then trim(before_key) else ${typedValue(column, value)} end as ${quoteIdent(column.name)}`
          : `case when op = 'd' then null else ${typedValue(column, value)}::${sqlType(column)} end as ${quoteIdent(column.name)}`;
      });
      return [
        ...typed,
        'op',
        'cast(ts_ms_text as bigint) as ts_ms',
        'make_timestamp(cast(ts_ms_text as bigint) * 1000) as change_ts',
        "cast(case when regexp_full_match(lsn_text, '[0-9]{1,18}') then lsn_text end as bigint) as lsn",
        'commit_lsn',
        'change_lsn',
        ...metadata,
        'hash(_raw) as _row_hash',
      ];
    }
    const typed = source.columns.map((column) => {
      const value = normalizedText(column, (name) => (columns.includes(name) ? quoteIdent(name) : 'null'));
      return `${typedValue(column, value)}::${sqlType(column)} as ${quoteIdent(column.name)}`;
    });
    const extra = columns.filter((name) => !source.columns.some((c) => c.name === name)).map(quoteIdent);
    const hashed = columns.map(quoteIdent).join(', ');
    return [...typed, ...extra, ...metadata, `hash(${hashed}) as _row_hash`];
  }
}

/** Timestamps as DuckDB literals (UTC, no zone). */
export function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A typed DuckDB column as the text a contract reads: ISO timestamps in UTC, decimals without
 *  trailing zeros, `true`/`false`. */
export function duckTypeAsText(column: string, type: string): string {
  const upper = type.toUpperCase();
  if (upper === 'TIMESTAMP WITH TIME ZONE') {
    return `strftime(timezone('UTC', ${column}), '%Y-%m-%dT%H:%M:%S.%fZ')`;
  }
  if (upper.startsWith('TIMESTAMP')) return `strftime(cast(${column} as timestamp), '%Y-%m-%dT%H:%M:%S.%f')`;
  if (upper.startsWith('DECIMAL') || upper === 'DOUBLE' || upper === 'FLOAT') {
    return `case when contains(cast(${column} as varchar), '.') and not contains(lower(cast(${column} as varchar)), 'e')
                 then rtrim(rtrim(cast(${column} as varchar), '0'), '.') else cast(${column} as varchar) end`;
  }
  return `cast(${column} as varchar)`;
}
