import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { quoteLiteral } from '../duckdb/duckdb';

export interface SegmentRule {
  name: string;
  when: string;
  /** Inclusive bounds per score. */
  bounds: Record<'r' | 'f' | 'm', [number, number]>;
}

export interface SegmentConfig {
  rules: SegmentRule[];
  prospects: string;
}

export class SegmentConfigError extends Error {}

const TERM = /^(r|f|m)\s*(>=|<=|=|>|<)\s*([1-5])$/;

function parseCondition(name: string, when: string): SegmentRule['bounds'] {
  const bounds: SegmentRule['bounds'] = { r: [1, 5], f: [1, 5], m: [1, 5] };
  if (when.trim() === 'true') return bounds;
  for (const term of when.split(/\s+and\s+/i)) {
    const match = TERM.exec(term.trim());
    if (!match) {
      throw new SegmentConfigError(
        `gold/segments.yaml: segment ${name}: cannot read "${term.trim()}" (use r|f|m with >=, <=, =, >, < and 1–5, joined by "and")`,
      );
    }
    const score = match[1] as 'r' | 'f' | 'm';
    const value = Number(match[3]);
    const [low, high] = bounds[score];
    const next: [number, number] =
      match[2] === '>='
        ? [value, 5]
        : match[2] === '>'
          ? [value + 1, 5]
          : match[2] === '<='
            ? [1, value]
            : match[2] === '<'
              ? [1, value - 1]
              : [value, value];
    bounds[score] = [Math.max(low, next[0]), Math.min(high, next[1])];
  }
  return bounds;
}

export function loadSegmentConfig(configDir: string): SegmentConfig {
  const file = join(configDir, 'gold', 'segments.yaml');
  if (!existsSync(file)) throw new SegmentConfigError('gold/segments.yaml is missing');
  const raw = parse(readFileSync(file, 'utf8')) as { segments?: unknown; prospects?: unknown };
  if (!Array.isArray(raw?.segments) || raw.segments.length === 0) {
    throw new SegmentConfigError('gold/segments.yaml: `segments` must be a non-empty list');
  }
  const prospects = String(raw.prospects ?? 'prospects');
  const rules = raw.segments.map((entry: unknown, index: number) => {
    const item = entry as { name?: unknown; when?: unknown };
    const name = String(item?.name ?? '');
    if (!/^[a-z][a-z0-9_]{0,40}$/.test(name))
      throw new SegmentConfigError(`gold/segments.yaml: segment #${index + 1} has a bad name`);
    const when = String(item.when ?? '');
    return { name, when, bounds: parseCondition(name, when) };
  });
  const names = [...rules.map((r) => r.name), prospects];
  if (new Set(names).size !== names.length)
    throw new SegmentConfigError('gold/segments.yaml: segment names must be unique');
  return { rules, prospects };
}

export function segmentNames(config: SegmentConfig): string[] {
  return [...config.rules.map((r) => r.name), config.prospects];
}

/** SQL that defines `segment_of(r, f, m)`, `segment_prospects()` and the `segment_names` table. */
export function segmentSql(config: SegmentConfig): string[] {
  const branches = config.rules.map((rule) => {
    const terms = (['r', 'f', 'm'] as const).map(
      (s) => `${s} between ${rule.bounds[s][0]} and ${rule.bounds[s][1]}`,
    );
    return `when ${terms.join(' and ')} then ${quoteLiteral(rule.name)}`;
  });
  const rows = segmentNames(config).map((name, i) => `(${quoteLiteral(name)}, ${i + 1})`);
  return [
    `create or replace temp macro segment_of(r, f, m) as case ${branches.join(' ')} else null end`,
    `create or replace temp macro segment_prospects() as ${quoteLiteral(config.prospects)}`,
    `create or replace temp table segment_names as select * from (values ${rows.join(', ')}) v(segment, position)`,
  ];
}

/**
 * Exact money average rounded half away from zero to cents: `total` is an exact decimal with at
 * most 4 places, taken as k = total·10⁴ in integer ten-thousandths; cents = ⌊(|k| + 50n) / 100n⌋.
 * Below 10¹¹ (|k| < 10¹⁵ < 2⁵⁰) k is recovered exactly from a double — the conversion's error is
 * under 3·2⁻⁵³·|k| < 0.4 — and the division runs on BIGINT; that is an order of magnitude faster
 * than the HUGEINT decimal arithmetic, which remains for larger totals. Same result either way.
 */
export const MONEY_AVG_MACRO = `create or replace temp macro money_avg(total, n) as
  case when n > 0 then
    case when abs(total) < 100000000000 then
      ((sign(round(total::double * 10000)::bigint)
        * ((abs(round(total::double * 10000)::bigint) + 50 * n) // (100 * n)))::decimal(18, 0)
        * 0.01::decimal(3, 2))::decimal(18, 2)
    else
      ((sign((total * 10000)::hugeint) * ((abs((total * 10000)::hugeint) + 50 * n) // (100 * n)))::decimal(38, 0)
        * 0.01::decimal(3, 2))::decimal(18, 2)
    end
  end`;
