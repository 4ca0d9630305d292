import { DuckDBConnection } from '@duckdb/node-api';
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
  /** Query whose row count is the number of failing rows. */
  sql: string;
}

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
  const columnName = typeof raw.column === 'string' ? raw.column : '';
  let sql: string;
  switch (type) {
    case 'not_null':
      sql = `select 1 from ${t} where ${ident(file, raw.column, 'column')} is null`;
      break;
    case 'unique': {
      const columns = (Array.isArray(raw.columns) ? raw.columns : [raw.column]).map((c) =>
        ident(file, c, 'column'),
      );
      sql = `select 1 from ${t} group by ${columns.join(', ')} having count(*) > 1`;
      break;
    }
    case 'accepted_values': {
      if (!Array.isArray(raw.values) || raw.values.length === 0)
        throw new DqConfigError(`${file}: accepted_values needs values`);
      const c = ident(file, raw.column, 'column');
      sql = `select 1 from ${t} where ${c} is not null and ${c} not in (${raw.values.map(literal).join(', ')})`;
      break;
    }
    case 'range': {
      const c = ident(file, raw.column, 'column');
      const parts = [
        raw.min !== undefined ? `${c} < ${literal(raw.min)}` : null,
        raw.max !== undefined ? `${c} > ${literal(raw.max)}` : null,
      ].filter(Boolean);
      if (parts.length === 0) throw new DqConfigError(`${file}: range needs min or max`);
      sql = `select 1 from ${t} where ${parts.join(' or ')}`;
      break;
    }
    case 'relationships': {
      const c = ident(file, raw.column, 'column');
      const to = ident(file, raw.to, 'to');
      const field = ident(file, raw.field ?? raw.column, 'field');
      sql = `select 1 from ${t} where ${c} is not null and ${c} not in (select ${field} from ${to} where ${field} is not null)`;
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
  return { table, name, type, severity, sql };
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

export async function runDqChecks(connection: DuckDBConnection, checks: DqCheck[]): Promise<DqResult[]> {
  const results: DqResult[] = [];
  for (const check of checks) {
    const [row] = await queryRows<{ failing: number }>(
      connection,
      `select count(*) as failing from (${check.sql})`,
    );
    results.push({
      table: check.table,
      check: check.name,
      severity: check.severity,
      passed: row.failing === 0,
      failing_rows: row.failing,
    });
  }
  return results;
}
