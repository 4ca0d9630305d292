import { DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { DriftEvent } from '../runs/run.model';
import { csvRecord, normalizedText, rowReason, sqlType, typedValue } from './contract-sql';
import { LandingFile, parseCsvHeader, readFirstLine } from './landing-files';
import { ColumnContract, SourceDefinition } from './source-definition';

export class SourceContractError extends Error {}

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
}

export interface ExtractContext {
  connection: DuckDBConnection;
  runId: string;
  ingestTs: Date;
  bronzeDir: string;
  quarantineDir: string;
}

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const NDJSON_READ =
  "columns={'line': 'VARCHAR'}, header=false, delim=chr(30), quote='', escape='', auto_detect=false, hive_partitioning=false";

/** The line as JSON when it parses, else NULL: every JSON function reads this, never the raw
 *  line, because DuckDB evaluates both sides of AND and a JSON function throws on bad input. */
const JSON_DOC = 'case when json_valid(line) then line end';

/** Metadata columns every bronze row carries. */
export const BRONZE_METADATA = [
  '_ingest_ts',
  '_run_id',
  '_source_file',
  '_batch',
  '_line',
  '_row_hash',
] as const;

/**
 * Reads a source's new landing files, applies its contract and writes two Parquet files for the
 * run: bronze (rows that pass, typed, with metadata) and quarantine (rows that break it, with the
 * raw content and a reason code). Nothing is dropped: read = loaded + quarantined.
 */
export class Extractor {
  constructor(private readonly context: ExtractContext) {}

  async extract(source: SourceDefinition, files: LandingFile[]): Promise<ExtractResult> {
    const result: ExtractResult = {
      source: source.name,
      files: files.map((f) => f.name),
      read: 0,
      loaded: 0,
      quarantined: 0,
      bronzePath: null,
      quarantinePath: null,
      watermarkTo: null,
      drift: [],
    };
    if (files.length === 0) return result;
    const raw = `raw_${source.name}`;
    const rejects = `rejects_${source.name}`;
    const { connection } = this.context;
    await execute(connection, `drop table if exists ${raw}`);
    await execute(connection, `drop table if exists ${rejects}`);
    await execute(
      connection,
      `create temp table ${rejects} (_source_file varchar, _batch integer, _line bigint, reason varchar, raw varchar)`,
    );

    let columns: string[];
    if (source.kind === 'debezium' || source.format === 'ndjson') {
      columns = await this.loadLines(source, files, raw);
    } else if (source.format === 'csv') {
      columns = await this.loadCsv(source, files, raw, rejects, result.drift);
    } else {
      throw new SourceContractError(
        `${source.name}: format ${source.format} is not supported for ${source.kind} sources yet`,
      );
    }

    const validated = `validated_${source.name}`;
    await execute(connection, `drop table if exists ${validated}`);
    if (source.kind === 'debezium') {
      await execute(connection, `create temp table ${validated} as ${this.debeziumSelect(source, raw)}`);
    } else if (source.format === 'ndjson') {
      const extra = await this.ndjsonExtraKeys(source, raw, files, result.drift);
      await execute(connection, `create temp table ${validated} as ${this.ndjsonSelect(source, raw, extra)}`);
      columns = [...source.columns.map((c) => c.name), ...extra];
    } else {
      await execute(connection, `create temp table ${validated} as ${this.csvSelect(source, raw, columns)}`);
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
    mkdirSync(join(this.context.quarantineDir, source.name), { recursive: true });
    const bronzeColumns = this.bronzeColumns(source, columns);
    result.bronzePath = join(this.context.bronzeDir, source.name, `${this.context.runId}.parquet`);
    await execute(
      connection,
      `copy (select ${bronzeColumns.join(', ')} from ${validated} where _reason is null order by _batch, _line)
       to ${quoteLiteral(result.bronzePath)} (format parquet, compression zstd)`,
    );
    if (result.quarantined > 0) {
      result.quarantinePath = join(this.context.quarantineDir, source.name, `${this.context.runId}.parquet`);
      await execute(
        connection,
        `copy (
           select ${quoteLiteral(source.name)} as source, ${quoteLiteral(this.context.runId)} as run_id, reason, line, raw,
                  file, ${this.ingestTsLiteral()} as quarantined_at
           from (
             select _reason as reason, _line as line, _raw as raw, _source_file as file, _batch from ${validated} where _reason is not null
             union all
             select reason, _line, raw, _source_file, _batch from ${rejects}
           ) order by _batch, file, line
         ) to ${quoteLiteral(result.quarantinePath)} (format parquet, compression zstd)`,
      );
    }
    if (source.watermark && result.loaded > 0) {
      const [mark] = await queryRows<{ wm: string | null }>(
        connection,
        `select cast(max(${this.watermarkExpression(source)}) as varchar) as wm from ${validated} where _reason is null`,
      );
      result.watermarkTo = mark.wm;
    }
    await execute(connection, `drop table ${validated}`);
    await execute(connection, `drop table ${raw}`);
    await execute(connection, `drop table ${rejects}`);
    return result;
  }

  private ingestTsLiteral(): string {
    return `timestamp ${quoteLiteral(this.context.ingestTs.toISOString().replace('T', ' ').replace('Z', ''))}`;
  }

  private watermarkExpression(source: SourceDefinition): string {
    return source.kind === 'debezium' ? 'change_ts' : quoteIdent(source.watermark ?? '');
  }

  /** CSV files: raw text columns, physical line numbers, and malformed records as rejects. */
  private async loadCsv(
    source: SourceDefinition,
    files: LandingFile[],
    raw: string,
    rejects: string,
    drift: DriftEvent[],
  ): Promise<string[]> {
    const { connection } = this.context;
    const contractNames = source.columns.map((c) => c.name);
    let tableColumns: string[] | null = null;
    for (const file of files) {
      const header = source.csv.header
        ? parseCsvHeader(readFirstLine(file.path), source.csv.delimiter, source.csv.quote)
        : contractNames;
      const added = header.filter((name) => !contractNames.includes(name));
      const missing = contractNames.filter((name) => !header.includes(name));
      for (const column of added)
        drift.push({ source: source.name, kind: 'new_column', column, file: file.name });
      for (const column of missing)
        drift.push({ source: source.name, kind: 'missing_column', column, file: file.name });
      if (source.evolution === 'strict' && (added.length > 0 || missing.length > 0)) {
        const parts = [
          added.length ? `new column(s) ${added.join(', ')}` : '',
          missing.length ? `missing column(s) ${missing.join(', ')}` : '',
        ].filter(Boolean);
        throw new SourceContractError(
          `source ${source.name}: file ${file.name} does not match its contract (${parts.join('; ')}); evolution is strict`,
        );
      }
      if (header.some((name) => !SAFE_KEY.test(name))) {
        throw new SourceContractError(
          `source ${source.name}: file ${file.name} has a header with unusable column names`,
        );
      }
      const kept =
        source.evolution === 'add_columns' ? [...new Set([...contractNames, ...added])] : contractNames;
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
      await this.loadCsvFile(source, file, header, raw, rejects, tableColumns);
    }
    return tableColumns ?? contractNames;
  }

  private async loadCsvFile(
    source: SourceDefinition,
    file: LandingFile,
    header: string[],
    raw: string,
    rejects: string,
    tableColumns: string[],
  ): Promise<void> {
    const { connection } = this.context;
    const readColumns = header.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`).join(', ');
    const { delimiter, quote } = source.csv;
    await execute(connection, 'drop table if exists c360_rejects; drop table if exists c360_reject_scans');
    await execute(connection, 'drop table if exists c360_file');
    await execute(
      connection,
      `create temp table c360_file as
       select row_number() over () as _k, *
       from read_csv(${quoteLiteral(file.path)}, columns={${readColumns}}, header=${source.csv.header}, delim=${quoteLiteral(
         delimiter,
       )}, quote=${quoteLiteral(quote)}, escape=${quoteLiteral(quote)}, auto_detect=false, hive_partitioning=false,
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
      .map((name) => (header.includes(name) ? `f.${quoteIdent(name)}` : 'null'))
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

  /** NDJSON and Debezium files: one raw line per row, physical line numbers kept. */
  private async loadLines(source: SourceDefinition, files: LandingFile[], raw: string): Promise<string[]> {
    const { connection } = this.context;
    await execute(
      connection,
      `create temp table ${raw} (line varchar, _source_file varchar, _batch integer, _line bigint, _raw varchar)`,
    );
    for (const file of files) {
      await execute(
        connection,
        `insert into ${raw}
         select line, ${quoteLiteral(file.name)}, ${file.batch}, row_number() over (), line
         from read_csv(${quoteLiteral(file.path)}, ${NDJSON_READ})`,
      );
    }
    return source.columns.map((c) => c.name);
  }

  private async ndjsonExtraKeys(
    source: SourceDefinition,
    raw: string,
    files: LandingFile[],
    drift: DriftEvent[],
  ): Promise<string[]> {
    if (source.evolution === 'ignore') return [];
    const keys = await queryRows<{ key: string }>(
      this.context.connection,
      `select distinct unnest(json_keys(doc)) as key
       from (select ${JSON_DOC} as doc from ${raw}) where json_type(doc) = 'OBJECT' order by key`,
    );
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

  private csvSelect(source: SourceDefinition, raw: string, columns: string[]): string {
    const rawOf = (name: string): string => (columns.includes(name) ? quoteIdent(name) : 'null');
    const value = (column: ColumnContract): string => normalizedText(column, rawOf);
    const record = csvRecord(columns, source.csv.delimiter, source.csv.quote);
    return `select * exclude (_raw), ${rowReason(source.columns, value)} as _reason, ${record} as _raw from ${raw}`;
  }

  private ndjsonSelect(source: SourceDefinition, raw: string, extra: string[]): string {
    const names = [...source.columns.map((c) => c.name), ...extra];
    const paths = names.map((name) => quoteLiteral(`$."${name}"`)).join(', ');
    const rawOf = (name: string): string => `j[${names.indexOf(name) + 1}]`;
    const value = (column: ColumnContract): string => normalizedText(column, rawOf);
    const fields = names.map((name, i) => `j[${i + 1}] as ${quoteIdent(name)}`).join(', ');
    return `
      select ${fields}, _source_file, _batch, _line, _raw,
             case when line is null or trim(line) = '' then 'empty_line'
                  when not is_object then 'invalid_json'
                  else ${rowReason(source.columns, value)} end as _reason
      from (
        select *, coalesce(json_type(doc) = 'OBJECT', false) as is_object,
               case when json_type(doc) = 'OBJECT' then json_extract_string(doc, [${paths}]) end as j
        from (select *, ${JSON_DOC} as doc from ${raw})
      )`;
  }

  private debeziumSelect(source: SourceDefinition, raw: string): string {
    const names = source.columns.map((c) => c.name);
    const key = source.primaryKey[0];
    const afterPaths = names.map((name) => quoteLiteral(`$.after."${name}"`)).join(', ');
    const rawOf = (name: string): string => `a[${names.indexOf(name) + 1}]`;
    const value = (column: ColumnContract): string => normalizedText(column, rawOf);
    const fields = names.map((name, i) => `a[${i + 1}] as ${quoteIdent(name)}`).join(', ');
    return `
      select ${fields}, op, ts_ms_text, lsn_text, before_key, _source_file, _batch, _line, _raw,
             case when line is null or trim(line) = '' then 'empty_line'
                  when not is_object then 'invalid_json'
                  when op is null or op not in ('c', 'u', 'd', 'r') then 'envelope:op'
                  when ts_ms_text is null or not regexp_full_match(ts_ms_text, '[0-9]{1,16}') then 'envelope:ts_ms'
                  when op = 'd' and nullif(trim(before_key), '') is null then 'envelope:key'
                  when op = 'd' then null
                  when a is null then 'envelope:after'
                  else ${rowReason(source.columns, value)} end as _reason
      from (
        select *, coalesce(json_type(doc) = 'OBJECT', false) as is_object,
               case when json_type(doc) = 'OBJECT' then json_extract_string(doc, '$.op') end as op,
               case when json_type(doc) = 'OBJECT' then json_extract_string(doc, '$.ts_ms') end as ts_ms_text,
               case when json_type(doc) = 'OBJECT' then json_extract_string(doc, '$.source.lsn') end as lsn_text,
               case when json_type(doc) = 'OBJECT' then json_extract_string(doc, ${quoteLiteral(`$.before."${key}"`)}) end as before_key,
               case when json_type(doc) = 'OBJECT' and json_type(doc, '$.after') = 'OBJECT'
                    then json_extract_string(doc, [${afterPaths}]) end as a
        from (select *, ${JSON_DOC} as doc from ${raw})
      )`;
  }

  private bronzeColumns(source: SourceDefinition, columns: string[]): string[] {
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
          : `case when op = 'd' then null else ${typedValue(column, value)} end as ${quoteIdent(column.name)}`;
      });
      return [
        ...typed,
        'op',
        'cast(ts_ms_text as bigint) as ts_ms',
        'make_timestamp(cast(ts_ms_text as bigint) * 1000) as change_ts',
        "cast(case when regexp_full_match(lsn_text, '[0-9]{1,19}') then lsn_text end as bigint) as lsn",
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
