import { DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { DqResult } from '../runs/run.model';

export const CHECK_TYPES = [
  'not_null',
  'unique',
  'accepted_values',
  'range',
  'relationships',
  'row_count',
  'freshness',
  'sql',
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export interface DqCheck {
  table: string;
  name: string;
  type: CheckType;
  severity: 'critical' | 'warn';
  /** The column a column check tests (lineage reports it). */
  column?: string;
  /** Query whose row count is the number of failing rows. */
  sql: string;
  /** Row-level checks: the condition a failing row meets (checks of one table share one scan). */
  predicate?: string;
  /** unique: the (quoted) key columns; relationships: the referenced table's name. */
  keyColumns?: string[];
  references?: string;
}

/** Where a check was evaluated: the whole table, or only the rows an incremental run rewrote. */
export type CheckScope = 'table' | 'changed_customers';

export class DqConfigError extends Error {}

const IDENT = /^[a-z_][a-z0-9_]*$/;

type RawCheck = Record<string, unknown>;

function ident(file: string, value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENT.test(value))
    throw new DqConfigError(`${file}: ${what} must be a column or table name`);
  return quoteIdent(value);
}

function literal(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return quoteLiteral(String(value));
}

function compile(file: string, table: string, raw: RawCheck): DqCheck {
  const type = raw.type as CheckType;
  if (!CHECK_TYPES.includes(type))
    throw new DqConfigError(`${file}: unknown check type "${String(raw.type)}"`);
  const severity = raw.severity ?? 'critical';
  if (severity !== 'critical' && severity !== 'warn')
    throw new DqConfigError(`${file}: severity must be critical or warn`);
  const t = quoteIdent(table);
  const columnName =
    typeof raw.column === 'string'
      ? raw.column
      : Array.isArray(raw.columns)
        ? raw.columns.map(String).join(',')
        : '';
  let sql: string;
  let predicate: string | undefined;
  let keyColumns: string[] | undefined;
  let references: string | undefined;
  switch (type) {
    case 'not_null':
      predicate = `${ident(file, raw.column, 'column')} is null`;
      sql = `select 1 from ${t} where ${predicate}`;
      break;
    case 'unique': {
      const columns = (Array.isArray(raw.columns) ? raw.columns : [raw.column]).map((c) =>
        ident(file, c, 'column'),
      );
      sql = `select 1 from ${t} group by ${columns.join(', ')} having count(*) > 1`;
      keyColumns = columns;
      break;
    }
    case 'accepted_values': {
      if (!Array.isArray(raw.values) || raw.values.length === 0)
        throw new DqConfigError(`${file}: accepted_values needs values`);
      const c = ident(file, raw.column, 'column');
      predicate = `${c} is not null and ${c} not in (${raw.values.map(literal).join(', ')})`;
      sql = `select 1 from ${t} where ${predicate}`;
      break;
    }
    case 'range': {
      const c = ident(file, raw.column, 'column');
      const parts = [
        raw.min !== undefined ? `${c} < ${literal(raw.min)}` : null,
        raw.max !== undefined ? `${c} > ${literal(raw.max)}` : null,
      ].filter(Boolean);
      if (parts.length === 0) throw new DqConfigError(`${file}: range needs min or max`);
      predicate = parts.join(' or ');
      sql = `select 1 from ${t} where ${predicate}`;
      break;
    }
    case 'relationships': {
      const c = ident(file, raw.column, 'column');
      const to = ident(file, raw.to, 'to');
      const field = ident(file, raw.field ?? raw.column, 'field');
      sql = `select 1 from ${t} where ${c} is not null and ${c} not in (select ${field} from ${to} where ${field} is not null)`;
      references = String(raw.to);
      break;
    }
    case 'row_count': {
      const parts = [
        raw.min !== undefined ? `n < ${literal(Number(raw.min))}` : null,
        raw.max !== undefined ? `n > ${literal(Number(raw.max))}` : null,
      ].filter(Boolean);
      if (parts.length === 0) throw new DqConfigError(`${file}: row_count needs min or max`);
      sql = `select 1 from (select count(*) as n from ${t}) where ${parts.join(' or ')}`;
      break;
    }
    case 'freshness': {
      const c = ident(file, raw.column, 'column');
      const hours = Number(raw.max_age_hours);
      if (!Number.isFinite(hours) || hours <= 0)
        throw new DqConfigError(`${file}: freshness needs max_age_hours > 0`);
      sql = `select 1 from (select max(${c}) as latest from ${t})
             where latest is null or latest < getvariable('as_of')::timestamp - to_microseconds(${Math.round(hours * 3600e6)})`;
      break;
    }
    case 'sql': {
      if (typeof raw.sql !== 'string' || raw.sql.trim() === '')
        throw new DqConfigError(`${file}: sql check needs sql`);
      sql = raw.sql.trim().replace(/;\s*$/, '');
      break;
    }
  }
  const name = typeof raw.name === 'string' ? raw.name : columnName ? `${type}:${columnName}` : type;
  return {
    table,
    name,
    type,
    severity,
    sql,
    ...(typeof raw.column === 'string' ? { column: raw.column } : {}),
    ...(predicate ? { predicate } : {}),
    ...(keyColumns ? { keyColumns } : {}),
    ...(references ? { references } : {}),
  };
}

/** Reads `gold/checks/*.yaml`: one table's checks per file. */
export function loadDqChecks(configDir: string): DqCheck[] {
  const dir = join(configDir, 'gold', 'checks');
  if (!existsSync(dir)) return [];
  const checks: DqCheck[] = [];
  for (const fileName of readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    const file = `gold/checks/${fileName}`;
    const raw = parse(readFileSync(join(dir, fileName), 'utf8')) as { table?: unknown; checks?: unknown };
    if (typeof raw?.table !== 'string' || !IDENT.test(raw.table))
      throw new DqConfigError(`${file}: table is required`);
    if (!Array.isArray(raw.checks)) throw new DqConfigError(`${file}: checks must be a list`);
    for (const check of raw.checks) checks.push(compile(file, raw.table, check as RawCheck));
  }
  return checks;
}

/** Fingerprint of the check definitions (a base run's results say something only for the same checks). */
export function checksFingerprint(checks: DqCheck[]): string {
  const hash = createHash('sha256');
  for (const check of checks) hash.update(`${check.table}|${check.name}|${check.severity}|${check.sql}\n`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * The query counting a check's failing rows among the rows an incremental run rewrote, when that
 * is enough: the table is an incremental model whose other rows are unchanged and passed this very
 * check in the base snapshot. Row-level checks look at the rewritten rows; `unique` at the groups
 * holding a rewritten key; `relationships` (between incremental models, which reference rows of
 * the same customer) at the rewritten rows' references. Null: evaluate the whole table.
 */
export function changedRowsSql(check: DqCheck, changedRows: string, incremental: Set<string>): string | null {
  const t = quoteIdent(check.table);
  const delta = quoteIdent(changedRows);
  if (check.predicate) return `select 1 from ${delta} where ${check.predicate}`;
  if (check.type === 'unique' && check.keyColumns) {
    const keys = check.keyColumns.join(', ');
    return `select 1 from ${t} where (${keys}) in (select (${keys}) from ${delta}) group by ${keys} having count(*) > 1`;
  }
  if (check.type === 'relationships' && check.references && incremental.has(check.references)) {
    return check.sql.replace(`select 1 from ${t} where`, `select 1 from ${delta} where`);
  }
  return null;
}

export interface ScopedCheck {
  check: DqCheck;
  /** Set to count failing rows with this query instead of the check's own. */
  changedRowsSql?: string | null;
}

/**
 * Runs the checks; results in the order of `checks`. Row-level checks (not_null, accepted_values,
 * range) of one table are counted in a single scan of it; the others run one query each. A check
 * given `changedRowsSql` is counted with that query (scope `changed_customers`).
 */
export async function runDqChecks(
  connection: DuckDBConnection,
  checks: Array<DqCheck | ScopedCheck>,
): Promise<DqResult[]> {
  const scoped: ScopedCheck[] = checks.map((c) => ('check' in c ? c : { check: c }));
  const failing = new Map<DqCheck, number>();
  const byTable = new Map<string, DqCheck[]>();
  for (const { check, changedRowsSql: narrow } of scoped) {
    if (check.predicate && !narrow) byTable.set(check.table, [...(byTable.get(check.table) ?? []), check]);
  }
  for (const [table, rowChecks] of byTable) {
    const counts = rowChecks.map((c, i) => `count(*) filter (where ${c.predicate}) as c${i}`);
    const [row] = await queryRows<Record<string, number>>(
      connection,
      `select ${counts.join(', ')} from ${quoteIdent(table)}`,
    );
    rowChecks.forEach((check, i) => failing.set(check, Number(row[`c${i}`])));
  }
  for (const { check, changedRowsSql: narrow } of scoped) {
    if (check.predicate && !narrow) continue;
    const [row] = await queryRows<{ failing: number }>(
      connection,
      `select count(*) as failing from (${narrow ?? check.sql})`,
    );
    failing.set(check, row.failing);
  }
  return scoped.map(({ check, changedRowsSql: narrow }) => {
    const rows = failing.get(check) ?? 0;
    return {
      table: check.table,
      check: check.name,
      severity: check.severity,
      passed: rows === 0,
      failing_rows: rows,
      type: check.type,
      scope: narrow ? 'changed_customers' : 'table',
    };
  });
}
