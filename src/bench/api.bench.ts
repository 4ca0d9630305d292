/**
 * `npm run bench -- --only api [--scales 1,10]` — issue 5, "Serving: the whole REST and GraphQL
 * consumption layer". For each scale: sample sources (`generateSources`, fixed seed), a full build
 * as of 2025-01-01, then two servers over the same snapshot, each asked the same three requests
 * under the same closed-loop load (wrk `-t1 -c32`, or the node:http fallback), rounds interleaved:
 *
 *   duckdb    node dist/bench/api-floor-server.js … duckdb: node:http + the API's repositories
 *             with every read on DuckDB — issue 5's floor ("a plain node:http server doing the
 *             same DuckDB queries"), the one its 70% target is measured against
 *   floor     the same server reading as the API does (serving store for point and keyset reads):
 *             c360 ÷ this floor is the share the API layer leaves (reported beside)
 *   c360      node bin/c360.js serve, an analyst token (masking applies), response cache off so
 *             both do the same reads; rate limit off (one token drives all the load)
 *   c360+cache  the same with the response cache at its default (reported beside, not compared)
 *
 * Environment (optional): C360_BENCH_API_SECONDS (10), C360_BENCH_API_RUNS (3),
 * C360_BENCH_API_CONNECTIONS (32).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../auth/token';
import { C360Config, PACKAGE_ROOT } from '../config/config';
import { connect, openDuckDb, queryRows } from '../duckdb/duckdb';
import { benchDataset } from './bench-dataset';
import { BenchContext, BenchSection, markdownTable, median } from './bench.model';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  findWrk,
  LoadGenerator,
  LoadOptions,
  LoadRequest,
  LoadResult,
  NodeLoadGenerator,
  parseResult,
  WrkLoadGenerator,
  writeValues,
  wrkScript,
} from './peers/load-generator';
import { hitShare, percent, readCacheCounters } from './peers/cache-metrics';
import { freePort, httpJson, ManagedProcess, runCommand, startServer } from './peers/proc';

const LOOKUP_P99_TARGET_MS = 20;
/** Minimum seconds of a dashboard run: each answer takes seconds at 32 connections. */
const DASHBOARD_SECONDS = 20;
const RATIO_TARGET = 0.7;

type ServerId = 'duckdb' | 'floor' | 'api' | 'cached';
const SERVERS: ServerId[] = ['duckdb', 'floor', 'api', 'cached'];
const isFloor = (server: ServerId): boolean => server === 'duckdb' || server === 'floor';
type RequestId = 'lookup' | 'list' | 'dashboard';
const REQUESTS: Array<{ id: RequestId; label: string }> = [
  { id: 'lookup', label: 'look-up by id (`GET /v1/customers/{id}`)' },
  { id: 'list', label: 'filtered list of 50 (`GET /v1/customers?segment=…&sort=-lifetime_value&limit=50`)' },
  {
    id: 'dashboard',
    label: 'GraphQL dashboard: 50 customers of a segment × last 10 orders × lines × product',
  },
];

const DASHBOARD_QUERY =
  'query($s:[String!]){customers(filter:{segment:$s},sort:LIFETIME_VALUE_DESC,first:50){edges{node{' +
  'customerId email lifetimeValue segment orders(first:10){edges{node{orderId orderTs orderAmount ' +
  'lines{lineNo quantity lineAmount product{productId name category brand unitPrice revenue}}}}}}}}}';

/** Seconds a request may take before wrk counts it as a timeout: a DuckDB-bound dashboard at 32
 *  connections queues for many seconds, and a timeout would hide its throughput. */
const REQUEST_TIMEOUT_S = 120;

/** wrk as peers/load-generator.ts runs it, with a longer per-request timeout. */
class PatientWrk implements LoadGenerator {
  constructor(
    private readonly binary: string,
    private readonly inner: WrkLoadGenerator,
  ) {}

  describe(connections: number): string {
    return `${this.inner.describe(connections)}, \`--timeout ${REQUEST_TIMEOUT_S}s\``;
  }

  async run(base: string, request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
    const valuesFile = writeValues(options.dir, request.values);
    const script = join(
      options.dir,
      `api-${createHash('sha1')
        .update(`${request.path}${request.body ?? ''}${valuesFile}`)
        .digest('hex')
        .slice(0, 12)}.lua`,
    );
    writeFileSync(script, wrkScript(request, valuesFile));
    const seconds = Math.max(1, Math.round(options.seconds));
    const result = await runCommand(
      this.binary,
      [
        '-t1',
        `-c${options.connections}`,
        `-d${seconds}s`,
        '--timeout',
        `${REQUEST_TIMEOUT_S}s`,
        '-s',
        script,
        base,
      ],
      { timeoutMs: (seconds + REQUEST_TIMEOUT_S + 30) * 1000 },
    );
    if (result.code !== 0 || result.timedOut)
      throw new Error(`wrk failed: ${(result.stderr || result.stdout).trim()}`);
    return parseResult(result.stdout);
  }
}

interface Settings {
  seconds: number;
  runs: number;
  connections: number;
}

function settings(): Settings {
  const read = (name: string, fallback: number): number => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    seconds: read('C360_BENCH_API_SECONDS', 10),
    runs: Math.round(read('C360_BENCH_API_RUNS', 3)),
    connections: Math.round(read('C360_BENCH_API_CONNECTIONS', 32)),
  };
}

interface Built {
  dataDir: string;
  serveDb: string;
  customers: number;
  orders: number;
  ids: string[];
  segments: string[];
  setup: string;
}

async function build(scale: number, log: (m: string) => void): Promise<Built> {
  const dataset = await benchDataset(scale, log);
  const { dataDir, serveDb } = dataset;
  const generated = dataset.generateSeconds;
  const built = dataset.buildSeconds;
  const instance = await openDuckDb(serveDb, { readOnly: true });
  const connection = await connect(instance);
  try {
    const [counts] = await queryRows<{ customers: number; orders: number }>(
      connection,
      'select (select count(*) from customer_360) as customers, (select count(*) from fact_orders) as orders',
    );
    // Ids drawn at random (fixed seed) over the whole population: answers are not cache-friendly.
    await queryRows(connection, `select setseed(0.42)`);
    const ids = await queryRows<{ customer_id: string }>(
      connection,
      'select customer_id from customer_360 order by random() limit 5000',
    );
    const segments = await queryRows<{ segment: string }>(
      connection,
      'select segment from segment_summary where customers >= 50 order by position',
    );
    return {
      dataDir,
      serveDb,
      customers: counts.customers,
      orders: counts.orders,
      ids: ids.map((r) => r.customer_id),
      segments: segments.map((r) => r.segment),
      setup: `generate ${generated.toFixed(0)} s, build ${built.toFixed(0)} s`,
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function requestFor(server: ServerId, request: RequestId, built: Built, token: string): LoadRequest {
  const api = !isFloor(server);
  const headers: Record<string, string> = api ? { authorization: `Bearer ${token}` } : {};
  switch (request) {
    case 'lookup':
      return { method: 'GET', path: '/v1/customers/{v}', headers, values: built.ids, pick: 'random' };
    case 'list':
      return {
        method: 'GET',
        path: '/v1/customers?segment={v}&sort=-lifetime_value&limit=50',
        headers,
        values: built.segments,
        pick: 'rotate',
      };
    case 'dashboard':
      return api
        ? {
            method: 'POST',
            path: '/graphql',
            body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { s: ['{v}'] } }),
            headers: { ...headers, 'content-type': 'application/json' },
            values: built.segments,
            pick: 'rotate',
          }
        : { method: 'GET', path: '/dashboard?segment={v}', headers, values: built.segments, pick: 'rotate' };
  }
}

async function startApi(built: Built, cache: boolean, secret: string): Promise<ManagedProcess> {
  const port = await freePort();
  return startServer({
    name: cache ? 'c360 (cache on)' : 'c360',
    command: process.execPath,
    args: [join(PACKAGE_ROOT, 'bin', 'c360.js'), 'serve'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      C360_DATA_DIR: built.dataDir,
      C360_CONFIG_DIR: PACKAGE_ROOT,
      AUTH_JWT_SECRET: secret,
      C360_SCHEDULE: 'off',
      C360_BUILDER: 'false',
      C360_RATE_LIMIT_RPS: '0',
      C360_RESPONSE_CACHE_MB: cache ? '64' : '0',
      LOG_LEVEL: 'warn',
      // As deployed: graphql-js and Nest skip their development-time checks.
      NODE_ENV: 'production',
    },
    port,
    ready: async (base) => (await httpJson(`${base}/health/ready`, { timeoutMs: 2000 })).status === 200,
    timeoutMs: 120_000,
  });
}

async function startFloor(built: Built, engine: 'duckdb' | 'store'): Promise<ManagedProcess> {
  const port = await freePort();
  return startServer({
    name: engine === 'duckdb' ? 'floor (DuckDB)' : 'floor (serving store)',
    command: process.execPath,
    args: [join(__dirname, 'api-floor-server.js'), built.serveDb, String(port), engine],
    env: { PATH: process.env.PATH ?? '' },
    port,
    ready: async (base) =>
      (await httpJson(`${base}/v1/customers/${built.ids[0]}`, { timeoutMs: 2000 })).status === 200,
    timeoutMs: 60_000,
  });
}

/** Median latency (ms) of 5 requests sent one after the other on an idle server. */
async function oneAtATime(base: string, request: LoadRequest): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const value = request.values[(i * 7919) % request.values.length];
    const started = performance.now();
    const response = await httpJson(`${base}${request.path.replace('{v}', value)}`, {
      method: request.method,
      headers: request.headers,
      body: request.body?.replace('{v}', value),
      timeoutMs: 600_000,
    });
    if (response.status !== 200) throw new Error(`${request.path}: status ${response.status}`);
    // GraphQL reports failures in a 200 body: a failing query must not be measured as a fast one.
    const errors = (response.body as { errors?: Array<{ message?: string }> } | null)?.errors;
    if (errors?.length) throw new Error(`${request.path}: ${errors[0].message ?? 'GraphQL error'}`);
    if (response.body === null) throw new Error(`${request.path}: the answer is not JSON`);
    times.push(performance.now() - started);
  }
  return median(times);
}

const rps = (value: number): string =>
  value < 10 ? value.toFixed(value < 1 ? 2 : 1) : Math.round(value).toLocaleString('en-US');
const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

async function measureScale(
  scale: number,
  context: BenchContext,
  load: LoadGenerator,
  options: Settings,
): Promise<string> {
  const built = await build(scale, context.log);
  const secret = randomBytes(24).toString('hex');
  const config = C360Config.fromEnv({ AUTH_JWT_SECRET: secret, C360_CONFIG_DIR: PACKAGE_ROOT });
  const token = await signToken(config, { roles: ['analyst'], sub: 'bench', ttlSeconds: 24 * 3600 });
  const results = new Map<string, LoadResult[]>();
  /** Median latency of a few requests sent one at a time, per request and server. */
  const singles = new Map<string, number[]>();
  /** Share of c360's answers served from its response cache during the measured runs. */
  const hits = new Map<string, Array<number | null>>();
  const dir = join(context.workDir, `load-${scale}`);
  mkdirSync(dir, { recursive: true });

  for (const request of REQUESTS) {
    // One server at a time on the 2 cores; rounds interleave the servers so drift hits all alike.
    for (let round = 0; round < options.runs; round++) {
      for (const server of SERVERS) {
        const child =
          server === 'duckdb' || server === 'floor'
            ? await startFloor(built, server === 'duckdb' ? 'duckdb' : 'store')
            : await startApi(built, server === 'cached', secret);
        try {
          const spec = requestFor(server, request.id, built, token);
          // Warm-up, one request at a time on an idle server (this is also the “one at a time”
          // figure): statements get prepared without leaving a backlog of abandoned requests behind
          // that would still be running during the measured load.
          const alone = await oneAtATime(child.base, spec);
          singles.set(`${request.id}/${server}`, [...(singles.get(`${request.id}/${server}`) ?? []), alone]);
          const before = isFloor(server) ? null : await readCacheCounters(child.base);
          const result = await load.run(child.base, spec, {
            connections: options.connections,
            // Dashboards take seconds each under this load: a longer run to count enough of them.
            seconds:
              request.id === 'dashboard' ? Math.max(options.seconds, DASHBOARD_SECONDS) : options.seconds,
            dir,
          });
          if (result.badStatus > 0)
            throw new Error(`${server} ${request.id}: ${result.badStatus} bad statuses`);
          // No answer within the run (each took longer than it) is a failure of c360; the plain
          // DuckDB floor can take longer than a run for one dashboard at scale 10, which is its
          // figure (below one per run), reported as such.
          if (result.requests === 0 && server !== 'duckdb')
            throw new Error(`${server} ${request.id}: no answer completed within the run`);
          const key = `${request.id}/${server}`;
          results.set(key, [...(results.get(key) ?? []), result]);
          const share = isFloor(server) ? null : hitShare(before, await readCacheCounters(child.base));
          hits.set(key, [...(hits.get(key) ?? []), share]);
          context.log(
            `scale ${scale} ${request.id} ${server}: ${rps(result.rps)} rps, p99 ${ms(result.p99Ms)} ms` +
              (result.errors > 0 ? `, ${result.errors} timeouts/errors` : '') +
              (isFloor(server) ? '' : `, response-cache hits ${percent(share)}`),
          );
        } finally {
          await child.stop();
        }
      }
    }
  }

  const cell = (request: RequestId, server: ServerId): { rps: number; p99: number; errors: number } => {
    const runs = results.get(`${request}/${server}`) ?? [];
    return {
      rps: median(runs.map((r) => r.rps)),
      p99: median(runs.map((r) => r.p99Ms)),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    };
  };
  const show = (c: { rps: number; p99: number; errors: number }): string =>
    c.rps === 0
      ? 'none completed within a run'
      : `${rps(c.rps)} / ${ms(c.p99)} ms${c.errors > 0 ? ` (${c.errors} timeouts)` : ''}`;
  const rows = REQUESTS.map(({ id, label }) => {
    const duckdb = cell(id, 'duckdb');
    const floor = cell(id, 'floor');
    const api = cell(id, 'api');
    const cached = cell(id, 'cached');
    const ratio = duckdb.rps > 0 ? api.rps / duckdb.rps : api.rps > 0 ? Infinity : 0;
    const layer = floor.rps > 0 ? api.rps / floor.rps : 0;
    const alone = (server: ServerId): string => `${ms(median(singles.get(`${id}/${server}`) ?? [0]))} ms`;
    const cachedHits = (hits.get(`${id}/cached`) ?? []).filter((h): h is number => h !== null);
    const p99Target = id === 'lookup' ? api.p99 < LOOKUP_P99_TARGET_MS : true;
    const targets =
      id === 'lookup'
        ? `≥ ${RATIO_TARGET * 100}% of the DuckDB floor, p99 < ${LOOKUP_P99_TARGET_MS} ms`
        : `≥ ${RATIO_TARGET * 100}% of the DuckDB floor`;
    return [
      label,
      show(duckdb),
      show(api),
      Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : 'unbounded (the floor finished none)',
      targets,
      ratio >= RATIO_TARGET && p99Target ? 'yes' : 'no',
      `${show(floor)}; c360 ${(layer * 100).toFixed(0)}% of it`,
      `${show(cached)}, ${cachedHits.length > 0 ? percent(median(cachedHits)) : 'n/a'} from the cache`,
      `${alone('duckdb')} / ${alone('floor')} / ${alone('api')}`,
    ];
  });
  return [
    `### Scale ${scale}: ${built.customers.toLocaleString('en-US')} customers, ${built.orders.toLocaleString('en-US')} orders`,
    '',
    markdownTable(
      [
        'request',
        'plain DuckDB floor rps / p99',
        'c360 rps / p99',
        'c360 ÷ DuckDB floor',
        'target',
        'met?',
        'floor with the serving store (API layer cost)',
        'c360 with response cache',
        'one at a time (DuckDB floor / store floor / c360)',
      ],
      rows,
    ),
    '',
    `Set-up: ${built.setup}. Each figure is the median of ${options.runs} runs of ${options.seconds} s ` +
      `(dashboard: ${Math.max(options.seconds, DASHBOARD_SECONDS)} s) at ${options.connections} connections, each on a ` +
      'fresh server warmed by 5 requests sent one at a time — “one at a time” is their median latency.',
  ].join('\n');
}

export const apiBench: BenchSection = {
  id: 'api',
  title: 'API: REST and GraphQL beside a plain node:http floor (issue 5)',
  async run(context: BenchContext): Promise<string> {
    const options = settings();
    const wrk = findWrk();
    const load: LoadGenerator = wrk
      ? new PatientWrk(wrk, await WrkLoadGenerator.create(wrk))
      : new NodeLoadGenerator();
    const sections: string[] = [
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; Node ${process.version}. Load: ${load.describe(options.connections)}; one server at a time.`,
      '',
      'Servers over the same snapshot: **plain DuckDB floor** `node:http` + the API’s own repositories on a `ServedSnapshot` opened without its serving store, so every read is a DuckDB query (issue 5’s floor: “a plain node:http server doing the same DuckDB queries”; no framework, auth, validation, masking or cache); **floor with the serving store** the same server reading as the API does (the snapshot’s SQLite serving store for point and keyset reads, DuckDB for the rest) — c360 against it is what the API layer costs; **c360** `node bin/c360.js serve` (NODE_ENV=production) with an analyst token (PII masked), `C360_RESPONSE_CACHE_MB=0` so both do the same reads and no c360 figure in the compared column comes from a cache, `C360_RATE_LIMIT_RPS=0`; **c360 with response cache** the same at the default cache, beside, not compared: answers repeat (8 segments, 5,000 ids), and REST GETs and GraphQL queries alike are answered from the cache when the same caller key asks the same thing again; its cell gives the share of answers that came from the cache during the measured runs (from `c360_response_cache_hits_total` / `_misses_total` on /metrics). Ids are drawn at random over the population; segments rotate. The floor answers the dashboard at `GET /dashboard?segment=` with the same four statements the GraphQL DataLoaders run (page, orders, lines, products).',
    ];
    for (const scale of context.scales) {
      try {
        sections.push('', await measureScale(scale, context, load, options));
      } catch (error) {
        // One scale failing (e.g. its build) must not discard the others' results.
        context.log(`scale ${scale} failed: ${(error as Error).message}`);
        sections.push(
          '',
          `### Scale ${scale}`,
          '',
          `Not measured: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    }
    sections.push(
      '',
      'Reading: c360 ÷ DuckDB floor is issue 5’s target (the API against a plain server sending every ' +
        'read to DuckDB). The floor with the serving store runs the same repository calls as c360 on the ' +
        'same snapshot, so c360 against it is the cost of the API layer (token check, validation, masking, ' +
        'serialisation, ETag, audit, access log; look-ups and lists take the read lane, the dashboard goes ' +
        'through Fastify, Nest and Apollo). ' +
        'With point and keyset reads answered by the serving store in microseconds, that layer is most of ' +
        'the time of a look-up; docs/api.md (“The read lane”, “The per-request path through Nest”) says ' +
        'where it goes. The dashboard also reads its products (one batch) through DuckDB.',
    );
    return sections.join('\n');
  },
};
