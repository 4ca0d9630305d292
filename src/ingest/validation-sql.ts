import { quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { csvRecord, normalizedText, rowReason } from './contract-sql';
import { ColumnContract, ExtractableSource } from './source-definition';

/**
 * The SELECTs that turn a raw table into validated rows (`_reason` null when the row passes its
 * contract). Every source kind lands in one of three raw shapes — text columns (CSV, Parquet,
 * databases), JSON lines (NDJSON, events) or Debezium envelopes — and the HTTP ingest routes run
 * the same SELECTs, so a line is judged identically wherever it comes from.
 */

/** The line as JSON when it parses, else NULL: every JSON function reads this, never the raw
 *  line, because DuckDB evaluates both sides of AND and a JSON function throws on bad input. */
export const JSON_DOC = 'case when json_valid(line) then line end';

/** Raw table of line-shaped sources. */
export const LINES_TABLE_COLUMNS =
  'line varchar, _source_file varchar, _batch integer, _line bigint, _raw varchar';

/** How the quarantine shows a text-column row: the CSV record, or a JSON object of its fields. */
export type RecordRawFormat = 'csv' | 'json';

/** Text columns (CSV, Parquet, database rows) → validated rows. */
export function recordSelect(
  source: ExtractableSource,
  raw: string,
  columns: string[],
  rawFormat: RecordRawFormat,
): string {
  const rawOf = (name: string): string => (columns.includes(name) ? quoteIdent(name) : 'null');
  const value = (column: ColumnContract): string => normalizedText(column, rawOf);
  const record =
    rawFormat === 'csv'
      ? csvRecord(columns, source.csv.delimiter, source.csv.quote || '"')
      : `json_object(${columns.map((name) => `${quoteLiteral(name)}, ${quoteIdent(name)}`).join(', ')})::varchar`;
  // The raw record is only built for the rows that go to quarantine.
  return `select * exclude (_raw), case when _reason is not null then coalesce(_raw, ${record}) end as _raw
          from (select *, ${rowReason(source.columns, value)} as _reason from ${raw})`;
}

/** NDJSON lines → validated rows with one column per contract field (plus `extra` kept fields). */
export function linesSelect(source: ExtractableSource, raw: string, extra: string[]): string {
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

/** Distinct top-level keys of the JSON objects of a lines table (schema drift of NDJSON). */
export function lineKeysSelect(raw: string): string {
  return `select distinct unnest(json_keys(doc)) as key
          from (select ${JSON_DOC} as doc from ${raw}) where json_type(doc) = 'OBJECT' order by key`;
}

/** An LSN as a number: decimal digits, or PostgreSQL's `XXXXXXXX/XXXXXXXX` hex form. */
function lsnNumber(text: string): string {
  return `case when regexp_full_match(${text}, '[0-9]{1,18}') then cast(${text} as bigint)
               when regexp_full_match(${text}, '[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}')
               then cast(('0x' || split_part(${text}, '/', 1)) as bigint) * 4294967296
                    + cast(('0x' || split_part(${text}, '/', 2)) as bigint) end`;
}

/**
 * Debezium envelopes → validated rows: the `after` image (or the `before` key of a delete) and
 * the connector's position. PostgreSQL gives `source.sequence` = ["<last commit lsn>", "<lsn>"]
 * (and `source.lsn`); MySQL gives the binlog `source.file`/`source.pos`/`source.row`. Rows are
 * applied by (commit position, change position), `ts_ms` only when a connector gives neither.
 */
export function debeziumSelect(source: ExtractableSource, raw: string): string {
  const names = source.columns.map((c) => c.name);
  const key = source.primaryKey[0];
  const afterPaths = names.map((name) => quoteLiteral(`$.after."${name}"`)).join(', ');
  const rawOf = (name: string): string => `a[${names.indexOf(name) + 1}]`;
  const value = (column: ColumnContract): string => normalizedText(column, rawOf);
  const fields = names.map((name, i) => `a[${i + 1}] as ${quoteIdent(name)}`).join(', ');
  const object = "json_type(doc) = 'OBJECT'";
  const text = (path: string): string => `case when ${object} then json_extract_string(doc, '${path}') end`;
  const binlogFile = `cast(nullif(regexp_extract(binlog_file, '([0-9]+)$', 1), '') as bigint)`;
  const binlogPos = `case when regexp_full_match(binlog_pos, '[0-9]{1,12}') then cast(binlog_pos as bigint) end`;
  return `
    select ${fields}, op, ts_ms_text, lsn_text, before_key, _source_file, _batch, _line, _raw,
           coalesce(${lsnNumber('sequence[1]')}, ${lsnNumber('lsn_text')}, ${binlogFile} * 4294967296 + ${binlogPos}) as commit_lsn,
           coalesce(${lsnNumber('sequence[2]')}, ${lsnNumber('lsn_text')},
                    case when regexp_full_match(binlog_row, '[0-9]{1,12}') then cast(binlog_row as bigint) end) as change_lsn,
           case when line is null or trim(line) = '' then 'empty_line'
                when not is_object then 'invalid_json'
                when op is null or op not in ('c', 'u', 'd', 'r') then 'envelope:op'
                when ts_ms_text is null or not regexp_full_match(ts_ms_text, '[0-9]{1,16}') then 'envelope:ts_ms'
                when op = 'd' and nullif(trim(before_key), '') is null then 'envelope:key'
                when op = 'd' then null
                when a is null then 'envelope:after'
                else ${rowReason(source.columns, value)} end as _reason
    from (
      select *, coalesce(${object}, false) as is_object,
             ${text('$.op')} as op,
             ${text('$.ts_ms')} as ts_ms_text,
             ${text('$.source.lsn')} as lsn_text,
             ${text('$.source.file')} as binlog_file,
             ${text('$.source.pos')} as binlog_pos,
             ${text('$.source.row')} as binlog_row,
             case when json_valid(${text('$.source.sequence')})
                  then json_extract_string(${text('$.source.sequence')}, ['$[0]', '$[1]']) end as sequence,
             case when ${object} then json_extract_string(doc, ${quoteLiteral(`$.before."${key}"`)}) end as before_key,
             case when ${object} and json_type(doc, '$.after') = 'OBJECT'
                  then json_extract_string(doc, [${afterPaths}]) end as a
      from (select *, ${JSON_DOC} as doc from ${raw})
    )`;
}
