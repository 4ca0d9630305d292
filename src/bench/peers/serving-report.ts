/** Markdown of the serving benchmark: one table per scale, the runs behind it, and how it was run. */
import { markdownTable, median } from '../bench.model';
import { LoadResult } from './load-generator';
import { Memory } from './proc';
import { REQUEST_TYPES, RequestKind } from './serving-requests';

export const SERVER_IDS = ['c360', 'postgraphile', 'plain_pg', 'plain_duckdb'] as const;
export type ServerId = (typeof SERVER_IDS)[number];
export const SERVER_LABELS: Record<ServerId, string> = {
  c360: 'c360',
  postgraphile: 'PostGraphile',
  plain_pg: 'plain pg',
  plain_duckdb: 'plain DuckDB',
};

/** What happened to one (server × request type). */
export type CellOutcome =
  { state: 'measured'; runs: LoadResult[]; failures: string[] } | { state: 'na'; reason: string };

export interface ServerOutcome {
  /** Set when the server could not be run at all (the reason, e.g. PostgreSQL unreachable). */
  unavailable: string | null;
  cells: Partial<Record<RequestKind, CellOutcome>>;
  memory: Memory | null;
  /** How it was run, for the notes. */
  description: string;
}

export interface ScaleOutcome {
  scale: number;
  rows: { customers: number; orders: number; orderLines: number };
  seconds: { generate: number; build: number; pgLoad: number | null; measure: number };
  servers: Record<ServerId, ServerOutcome>;
  /** Differences between the servers' answers to the same requests (empty: all agree). */
  disagreements: string[];
  /** Number of (request, value) pairs compared across servers. */
  comparisons: number;
  notes: string[];
}

/** More than 1% of the requests failed: the figure does not count. */
export const ERROR_LIMIT = 0.01;
const RSS_TARGET_BYTES = 1.5 * 1024 ** 3;
const RSS_TARGET_SCALE = 10;

export interface Summary {
  rps: number;
  p99Ms: number;
  errorRate: number;
}

export function summarize(runs: LoadResult[]): Summary | null {
  if (runs.length === 0) return null;
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const failed = runs.reduce((n, r) => n + r.errors + r.badStatus, 0);
  return {
    rps: median(runs.map((r) => r.rps)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errorRate: requests > 0 ? failed / requests : 1,
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 1 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const mib = (bytes: number): string => `${int(bytes / 1024 ** 2)} MiB`;

function cellSummary(server: ServerOutcome, kind: RequestKind): Summary | null {
  const cell = server.cells[kind];
  return cell?.state === 'measured' ? summarize(cell.runs) : null;
}

function cellText(server: ServerOutcome, kind: RequestKind, withUnit: boolean): string {
  if (server.unavailable) return 'not run';
  const cell = server.cells[kind];
  if (!cell) return '—';
  if (cell.state === 'na') return cell.reason;
  const s = summarize(cell.runs);
  if (!s) return `failed (${cell.failures[0] ?? 'no run completed'})`;
  if (s.rps === 0) return `0${withUnit ? ' rps' : ''} (no answer within a run)`;
  const errors =
    s.errorRate > 0 ? ` ⚠ ${(s.errorRate * 100).toFixed(s.errorRate < ERROR_LIMIT ? 2 : 0)}% failed` : '';
  return `${int(s.rps)}${withUnit ? ' rps' : ''} / ${ms(s.p99Ms)} ms${errors}`;
}

function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

export function renderScale(outcome: ScaleOutcome): string {
  const { servers } = outcome;
  const header = [
    'request',
    'c360 rps / p99',
    'PostGraphile',
    'plain pg',
    'plain DuckDB',
    'c360 ÷ PostGraphile',
    'target',
    'met?',
  ];
  const rows: string[][] = REQUEST_TYPES.map(({ kind, label, target }) => {
    const c360 = cellSummary(servers.c360, kind);
    const pgl = cellSummary(servers.postgraphile, kind);
    let met = '—';
    if (c360) {
      const ok =
        c360.errorRate <= ERROR_LIMIT &&
        c360.rps >= target.minRps &&
        (target.maxP99Ms === undefined || c360.p99Ms <= target.maxP99Ms);
      met = ok ? 'yes' : c360.errorRate > ERROR_LIMIT ? 'no (errors)' : 'no';
    }
    return [
      label,
      cellText(servers.c360, kind, true),
      cellText(servers.postgraphile, kind, false),
      cellText(servers.plain_pg, kind, false),
      cellText(servers.plain_duckdb, kind, false),
      ratio(c360?.rps, pgl?.rps),
      target.text,
      met,
    ];
  });
  const memoryText = (id: ServerId): string => {
    const s = servers[id];
    if (s.unavailable) return 'not run';
    return s.memory ? `${mib(s.memory.rssBytes)} (peak ${mib(s.memory.peakBytes)})` : '—';
  };
  const c360Memory = servers.c360.memory;
  let memoryMet = '—';
  if (c360Memory) {
    const within = c360Memory.rssBytes <= RSS_TARGET_BYTES && c360Memory.peakBytes <= RSS_TARGET_BYTES;
    memoryMet =
      outcome.scale >= RSS_TARGET_SCALE
        ? within
          ? 'yes'
          : 'no'
        : `${within ? 'within' : 'over'} (target is for scale ${RSS_TARGET_SCALE})`;
  }
  rows.push([
    'API RSS at the end (peak)',
    memoryText('c360'),
    memoryText('postgraphile'),
    memoryText('plain_pg'),
    memoryText('plain_duckdb'),
    ratio(c360Memory?.rssBytes, servers.postgraphile.memory?.rssBytes),
    `≤ 1.5 GiB at scale ${RSS_TARGET_SCALE}`,
    memoryMet,
  ]);

  const r = outcome.rows;
  const s = outcome.seconds;
  const lines = [
    `### Scale ${outcome.scale}: ${int(r.customers)} customers, ${int(r.orders)} orders, ${int(r.orderLines)} order lines`,
    '',
    markdownTable(header, rows),
    '',
    `Each figure: median requests/s / median p99 latency of the runs below; ratios compare medians. ` +
      `Set-up: generate ${s.generate.toFixed(0)} s, c360 build ${s.build.toFixed(0)} s` +
      (s.pgLoad !== null
        ? `, PostgreSQL load (copy, keys, indexes, vacuum analyze) ${s.pgLoad.toFixed(0)} s`
        : '') +
      `; measuring ${s.measure.toFixed(0)} s.`,
    '',
    outcome.disagreements.length === 0
      ? `Answers: ${outcome.comparisons} (request, value) pairs were asked of every server that answers them; all servers returned the same ids and counts.`
      : `Answers: ${outcome.disagreements.length} of ${outcome.comparisons} compared answers differ:\n\n` +
        outcome.disagreements.map((d) => `- ${d}`).join('\n'),
  ];
  if (outcome.notes.length > 0) lines.push('', ...outcome.notes.map((n) => `- ${n}`));
  lines.push('', renderRuns(outcome));
  return lines.join('\n');
}

function renderRuns(outcome: ScaleOutcome): string {
  const rows: string[][] = [];
  for (const { kind, label } of REQUEST_TYPES) {
    for (const id of SERVER_IDS) {
      const cell = outcome.servers[id].cells[kind];
      if (cell?.state !== 'measured') continue;
      const runs = cell.runs.map(
        (run) =>
          `${int(run.rps)} / ${ms(run.p99Ms)} ms` +
          (run.errors + run.badStatus > 0 ? ` (${int(run.errors + run.badStatus)} failed)` : ''),
      );
      rows.push([
        label,
        SERVER_LABELS[id],
        runs.join('; ') + cell.failures.map((f) => `; run failed: ${f}`).join(''),
      ]);
    }
  }
  if (rows.length === 0) return '';
  return [
    `<details><summary>Every run at scale ${outcome.scale} (rps / p99)</summary>`,
    '',
    markdownTable(['request', 'server', 'runs'], rows),
    '',
    '</details>',
  ].join('\n');
}
