/**
 * `npm run bench -- --only serving [--scales 1,10]` — issue 9, "Serving speed: answer faster than
 * PostGraphile". For each scale: sample data (`generateSources`, fixed seed), a c360 snapshot
 * (BuildCoordinator, as of 2025-01-01), the same gold rows copied into PostgreSQL, then four
 * servers on loopback ports, each asked the same four request types under the same closed-loop
 * load (wrk, 1 thread, 32 connections), 3 runs each, medians reported:
 *
 *   c360          node bin/c360.js serve (analyst token: masking applies; rate limit off)
 *   PostGraphile  5.x on Node 22 over the PostgreSQL schema (peers/postgraphile.ts)
 *   plain pg      node:http + pg, the same SQL as plain DuckDB (peers/plain-pg-server.ts)
 *   plain DuckDB  node:http + @duckdb/node-api over serve.duckdb (peers/plain-duckdb-server.ts)
 *
 * Environment (all optional):
 *   C360_BENCH_SERVING_SECONDS      seconds per measured run (10)
 *   C360_BENCH_SERVING_RUNS         runs per server × request (3)
 *   C360_BENCH_SERVING_WARMUP       seconds of warm-up before the first run of each pair (3)
 *   C360_BENCH_SERVING_CONNECTIONS  concurrent keep-alive connections (32)
 *   C360_BENCH_PG_URL               PostgreSQL (postgres://postgres@127.0.0.1:5432/test)
 *   C360_BENCH_PEERS_DIR            where PostGraphile + Node 22 are npm-installed; reused when
 *                                   already there (default: the bench's temporary work dir)
 *   C360_BENCH_WRK                  path of wrk (default: from PATH; without wrk the node:http
 *                                   fallback in peers/node-load.ts is used)
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../auth/token';
import { C360Config, PACKAGE_ROOT } from '../config/config';
import { connect, openDuckDb, queryRows } from '../duckdb/duckdb';
import { BENCH_AS_OF, BENCH_SEED, benchDataset } from './bench-dataset';
import { BenchContext, BenchSection, median } from './bench.model';
import {
  findWrk,
  LoadGenerator,
  LoadRequest,
  LoadResult,
  NodeLoadGenerator,
  WrkLoadGenerator,
} from './peers/load-generator';
import { hitShare, percent, readCacheCounters } from './peers/cache-metrics';
import { dropSchema, loadGoldIntoPostgres, PgTarget, probePostgres } from './peers/pg-load';
import { installPostGraphile, PostGraphileInstall, postGraphileCommand } from './peers/postgraphile';
import { freePort, httpJson, ManagedProcess, readMemory, startServer, waitIdle } from './peers/proc';
import {
  CellOutcome,
  renderScale,
  ScaleOutcome,
  SERVER_IDS,
  SERVER_LABELS,
  ServerId,
  ServerOutcome,
} from './peers/serving-report';
import {
  Availability,
  c360GraphqlRequest,
  postGraphileRequests,
  probe,
  REQUEST_TYPES,
  RequestKind,
  restRequests,
  ServerRequest,
} from './peers/serving-requests';

const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** Probed answers compared across servers, per request type. */
const SAMPLE_IDS = 5;

interface Settings {
  seconds: number;
  runs: number;
  warmup: number;
  connections: number;
  pgUrl: string;
  peersDir: string | null;
}

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max} (got ${raw})`);
  }
  return value;
}

function readSettings(): Settings {
  return {
    seconds: envNumber('C360_BENCH_SERVING_SECONDS', 10, 1, 600),
    runs: Math.round(envNumber('C360_BENCH_SERVING_RUNS', 3, 1, 15)),
    warmup: envNumber('C360_BENCH_SERVING_WARMUP', 3, 0, 120),
    connections: Math.round(envNumber('C360_BENCH_SERVING_CONNECTIONS', 32, 1, 1024)),
    pgUrl: process.env.C360_BENCH_PG_URL || DEFAULT_PG_URL,
    peersDir: process.env.C360_BENCH_PEERS_DIR || null,
  };
}

/** A started server and how to ask it each request type. */
interface Contender {
  id: ServerId;
  process: ManagedProcess;
  requests: Partial<Record<RequestKind, Availability>>;
}

/** State shared by the scales of one bench run. */
interface Shared {
  settings: Settings;
  load: LoadGenerator;
  pg: { ok: true; version: string } | { ok: false; reason: string };
  postgraphile: PostGraphileInstall | Error | null;
}

const seconds = (since: number): number => (Date.now() - since) / 1000;

function emptyOutcome(description: string, unavailable: string | null = null): ServerOutcome {
  return { unavailable, cells: {}, memory: null, description };
}

async function buildSnapshot(
  scale: number,
  log: (m: string) => void,
): Promise<{ config: C360Config; serveDb: string; generate: number; build: number }> {
  const dataset = await benchDataset(scale, log);
  return {
    config: dataset.config,
    serveDb: dataset.serveDb,
    generate: dataset.generateSeconds,
    build: dataset.buildSeconds,
  };
}

interface Population {
  ids: string[];
  segments: string[];
  sampleIds: string[];
  rows: ScaleOutcome['rows'];
}

async function readPopulation(serveDb: string): Promise<Population> {
  const instance = await openDuckDb(serveDb, { readOnly: true });
  const connection = await connect(instance);
  try {
    const ids = (
      await queryRows<{ id: string }>(connection, 'select customer_id as id from customer_360 order by 1')
    ).map((r) => r.id);
    const segments = (
      await queryRows<{ s: string }>(
        connection,
        'select distinct segment as s from customer_360 where segment is not null order by 1',
      )
    ).map((r) => r.s);
    // Customers with orders, spread over the id range, for the answer comparison.
    const sampleIds = (
      await queryRows<{ id: string }>(
        connection,
        `select customer_id as id from (
           select customer_id, row_number() over (order by customer_id) as n, count(*) over () as total
           from customer_360 where orders_count >= 3)
         where n % greatest(total // ${SAMPLE_IDS}, 1) = 1 order by 1 limit ${SAMPLE_IDS}`,
      )
    ).map((r) => r.id);
    const counts = await queryRows<{ c: number; o: number; l: number }>(
      connection,
      `select (select count(*) from customer_360) as c, (select count(*) from fact_orders) as o,
              (select count(*) from fact_order_lines) as l`,
    );
    return {
      ids,
      segments,
      sampleIds,
      rows: { customers: counts[0].c, orders: counts[0].o, orderLines: counts[0].l },
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const ok = (request: ServerRequest): Availability => ({ ok: true, request });

/** Probes each request of a contender once; a failing one becomes "n/a (…)" for the table. */
async function checkRoutes(contender: Contender, population: Population): Promise<void> {
  for (const { kind } of REQUEST_TYPES) {
    const availability = contender.requests[kind];
    if (!availability?.ok) continue;
    const value =
      kind === 'segment_top' || kind === 'graphql_top' ? population.segments[0] : population.sampleIds[0];
    try {
      const result = await probe(contender.process.base, availability.request, value);
      if (result.problem) contender.requests[kind] = { ok: false, reason: result.problem };
    } catch (error) {
      contender.requests[kind] = {
        ok: false,
        reason: `n/a (${error instanceof Error ? error.message : String(error)})`,
      };
    }
  }
}

/** Asks every server the same (request, value) pairs and lists where the answers differ. */
async function compareAnswers(
  contenders: Contender[],
  population: Population,
): Promise<{ disagreements: string[]; comparisons: number }> {
  const disagreements: string[] = [];
  let comparisons = 0;
  for (const { kind, label } of REQUEST_TYPES) {
    const values =
      kind === 'segment_top' || kind === 'graphql_top' ? population.segments : population.sampleIds;
    for (const value of values) {
      const answers: Array<{ id: ServerId; signature: string }> = [];
      for (const contender of contenders) {
        const availability = contender.requests[kind];
        if (!availability?.ok) continue;
        const result = await probe(contender.process.base, availability.request, value).catch(() => null);
        answers.push({
          id: contender.id,
          signature: result?.signature ?? `(failed: ${result?.problem ?? 'error'})`,
        });
      }
      if (answers.length < 2) continue;
      comparisons++;
      const reference = answers[0];
      for (const other of answers.slice(1)) {
        if (other.signature !== reference.signature) {
          disagreements.push(
            `${label}, ${value}: ${SERVER_LABELS[other.id]} differs from ${SERVER_LABELS[reference.id]} ` +
              `(\`${other.signature.slice(0, 60)}\` vs \`${reference.signature.slice(0, 60)}\`)`,
          );
        }
      }
    }
  }
  return { disagreements, comparisons };
}

function loadRequest(request: ServerRequest, kind: RequestKind, population: Population): LoadRequest {
  const rotate = kind === 'segment_top' || kind === 'graphql_top';
  const base = rotate ? population.segments : population.ids;
  return {
    ...request.template,
    values: base.map((v) => request.mapValue(v)),
    pick: rotate ? 'rotate' : 'random',
  };
}

async function measure(
  contenders: Contender[],
  outcomes: Record<ServerId, ServerOutcome>,
  population: Population,
  shared: Shared,
  scratch: string,
  scale: number,
  log: (m: string) => void,
  cacheHits: Map<RequestKind, number[]>,
): Promise<void> {
  const { settings } = shared;
  const options = { connections: settings.connections, seconds: settings.seconds, dir: scratch };
  for (const contender of contenders) {
    for (const { kind } of REQUEST_TYPES) {
      const availability = contender.requests[kind];
      outcomes[contender.id].cells[kind] = availability?.ok
        ? { state: 'measured', runs: [], failures: [] }
        : { state: 'na', reason: availability?.ok === false ? availability.reason : 'n/a' };
    }
  }
  // Rounds: every server × request once per round, so a noisy minute hits all servers alike.
  for (let round = 1; round <= settings.runs; round++) {
    for (const { kind, label } of REQUEST_TYPES) {
      for (const contender of contenders) {
        const cell: CellOutcome | undefined = outcomes[contender.id].cells[kind];
        const availability = contender.requests[kind];
        if (cell?.state !== 'measured' || !availability?.ok) continue;
        if (!contender.process.alive()) {
          cell.failures.push('server exited');
          continue;
        }
        const request = loadRequest(availability.request, kind, population);
        try {
          if (round === 1 && settings.warmup > 0) {
            await shared.load.run(contender.process.base, request, { ...options, seconds: settings.warmup });
            await waitIdle(contender.process.pid);
          }
          const isC360 = contender.id === 'c360';
          const before = isC360 ? await readCacheCounters(contender.process.base) : null;
          const result: LoadResult = await shared.load.run(contender.process.base, request, options);
          cell.runs.push(result);
          const share = isC360 ? hitShare(before, await readCacheCounters(contender.process.base)) : null;
          if (share !== null) cacheHits.set(kind, [...(cacheHits.get(kind) ?? []), share]);
          log(
            `scale ${scale} round ${round}/${settings.runs}: ${SERVER_LABELS[contender.id]}, ${label}: ` +
              `${Math.round(result.rps)} rps, p99 ${result.p99Ms.toFixed(1)} ms` +
              (result.errors + result.badStatus > 0 ? `, ${result.errors + result.badStatus} failed` : '') +
              (isC360 ? `, response-cache hits ${percent(share)}` : ''),
          );
        } catch (error) {
          cell.failures.push(error instanceof Error ? error.message.split('\n')[0] : String(error));
          log(
            `scale ${scale}: ${SERVER_LABELS[contender.id]}, ${label}: run failed: ${cell.failures.at(-1)}`,
          );
        }
      }
    }
  }
}

const healthy =
  (path: string, init?: { method: string; headers: Record<string, string>; body: string }) =>
  async (base: string): Promise<boolean> =>
    (await httpJson(`${base}${path}`, { ...init, timeoutMs: 5000 })).status === 200;

async function runScale(scale: number, context: BenchContext, shared: Shared): Promise<ScaleOutcome> {
  const { log } = context;
  const { settings } = shared;
  const dir = join(context.workDir, `scale-${scale}`);
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch, { recursive: true });
  const built = await buildSnapshot(scale, log);
  const population = await readPopulation(built.serveDb);
  const notes: string[] = [];
  const nodeVersion = process.version;
  const outcomes: Record<ServerId, ServerOutcome> = {
    c360: emptyOutcome(`\`node bin/c360.js serve\` (Node ${nodeVersion})`),
    postgraphile: emptyOutcome('PostGraphile 5'),
    plain_pg: emptyOutcome(`node:http + pg (Node ${nodeVersion})`),
    plain_duckdb: emptyOutcome(`node:http + @duckdb/node-api (Node ${nodeVersion})`),
  };
  const contenders: Contender[] = [];
  const processes: ManagedProcess[] = [];
  let pgTarget: PgTarget | null = null;
  let pgLoad: number | null = null;
  let measureSeconds = 0;
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production' };

  const start = async (
    id: ServerId,
    spec: { command: string; args: string[]; env: NodeJS.ProcessEnv; cwd?: string },
    ready: (base: string) => Promise<boolean>,
    port: number,
  ): Promise<ManagedProcess | null> => {
    try {
      const managed = await startServer({
        name: SERVER_LABELS[id],
        ...spec,
        port,
        ready,
        timeoutMs: 180_000,
      });
      processes.push(managed);
      log(`scale ${scale}: ${SERVER_LABELS[id]} listening on ${managed.base} (pid ${managed.pid})`);
      return managed;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      outcomes[id].unavailable = reason.split('\n')[0];
      notes.push(`${SERVER_LABELS[id]} did not start: ${reason.split('\n').slice(0, 3).join(' ')}`);
      log(`scale ${scale}: ${SERVER_LABELS[id]} did not start: ${reason}`);
      return null;
    }
  };

  try {
    // c360, as shipped, with an analyst token.
    const token = await signToken(built.config, { roles: ['analyst'], sub: 'bench', ttlSeconds: 24 * 3600 });
    const auth = { authorization: `Bearer ${token}` };
    let port = await freePort();
    const c360 = await start(
      'c360',
      {
        command: process.execPath,
        args: [join(PACKAGE_ROOT, 'bin', 'c360.js'), 'serve'],
        env: {
          ...baseEnv,
          PORT: String(port),
          LOG_LEVEL: 'warn',
          C360_DATA_DIR: built.config.dataDir,
          AUTH_JWT_SECRET: built.config.requireJwtSecret(),
          C360_SCHEDULE: 'off',
          C360_RATE_LIMIT_RPS: '0',
          // Off by default under NODE_ENV=production; the bench builds its query from the schema.
          C360_GRAPHQL_INTROSPECTION: 'true',
        },
        cwd: dir,
      },
      healthy('/health/ready'),
      port,
    );
    if (c360) {
      const rest = restRequests(auth);
      contenders.push({
        id: 'c360',
        process: c360,
        requests: {
          by_id: ok(rest.by_id),
          segment_top: ok(rest.segment_top),
          orders_lines: ok(rest.orders_lines),
          graphql_top: await c360GraphqlRequest(c360.base, auth),
        },
      });
    }

    port = await freePort();
    const duck = await start(
      'plain_duckdb',
      {
        command: process.execPath,
        args: [join(__dirname, 'peers', 'plain-duckdb-server.js')],
        env: { ...baseEnv, PORT: String(port), C360_BENCH_DUCKDB_PATH: built.serveDb },
      },
      healthy('/health/live'),
      port,
    );
    const restOnly = (id: ServerId, managed: ManagedProcess): Contender => {
      const rest = restRequests({});
      return {
        id,
        process: managed,
        requests: {
          by_id: ok(rest.by_id),
          segment_top: ok(rest.segment_top),
          orders_lines: ok(rest.orders_lines),
          graphql_top: { ok: false, reason: 'n/a (REST only)' },
        },
      };
    };
    if (duck) contenders.push(restOnly('plain_duckdb', duck));

    if (!shared.pg.ok) {
      const reason = `PostgreSQL unreachable (${shared.pg.reason})`;
      outcomes.plain_pg.unavailable = reason;
      outcomes.postgraphile.unavailable = reason;
      notes.push(`PostGraphile and plain pg not run: ${reason}.`);
    } else {
      pgTarget = { url: settings.pgUrl, schema: `c360_bench_${process.pid}_${Date.now().toString(36)}` };
      const started = Date.now();
      try {
        const loaded = await loadGoldIntoPostgres(built.serveDb, pgTarget, scratch, log);
        pgLoad = seconds(started);
        log(`scale ${scale}: PostgreSQL schema ${pgTarget.schema} loaded in ${pgLoad.toFixed(0)} s`);
        if (loaded.rows.orders !== population.rows.orders) {
          notes.push(
            `PostgreSQL holds ${loaded.rows.orders.toLocaleString('en-US')} of the ` +
              `${population.rows.orders.toLocaleString('en-US')} orders (and ` +
              `${loaded.rows.order_lines.toLocaleString('en-US')} lines): orders of customers not in ` +
              `customer_360 (deleted or unknown) are left out so the foreign keys hold; no request reaches them.`,
          );
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        outcomes.plain_pg.unavailable = `PostgreSQL load failed: ${reason}`;
        outcomes.postgraphile.unavailable = outcomes.plain_pg.unavailable;
        notes.push(`PostGraphile and plain pg not run: PostgreSQL load failed (${reason}).`);
      }
      if (pgLoad !== null) {
        port = await freePort();
        const plainPg = await start(
          'plain_pg',
          {
            command: process.execPath,
            args: [join(__dirname, 'peers', 'plain-pg-server.js')],
            env: {
              ...baseEnv,
              PORT: String(port),
              C360_BENCH_PG_URL: settings.pgUrl,
              C360_BENCH_PG_SCHEMA: pgTarget.schema,
            },
          },
          healthy('/health/live'),
          port,
        );
        if (plainPg) contenders.push(restOnly('plain_pg', plainPg));

        if (shared.postgraphile === null) {
          try {
            shared.postgraphile = await installPostGraphile(
              settings.peersDir ?? join(context.workDir, 'peers'),
              log,
            );
          } catch (error) {
            shared.postgraphile = error instanceof Error ? error : new Error(String(error));
          }
        }
        if (shared.postgraphile instanceof Error) {
          outcomes.postgraphile.unavailable = `install failed: ${shared.postgraphile.message}`;
          notes.push(`PostGraphile not run: ${shared.postgraphile.message}`);
        } else {
          const install = shared.postgraphile;
          outcomes.postgraphile.description = `PostGraphile ${install.version} (Node ${install.nodeVersion})`;
          port = await freePort();
          const graphql = await start(
            'postgraphile',
            postGraphileCommand(install, settings.pgUrl, pgTarget.schema, port),
            healthy('/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: '{ __typename }' }),
            }),
            port,
          );
          if (graphql) {
            const requests = await postGraphileRequests(graphql.base);
            contenders.push({ id: 'postgraphile', process: graphql, requests });
          }
        }
      }
    }

    // Same order as the table; the first server answering a request is the reference answer.
    contenders.sort((a, b) => SERVER_IDS.indexOf(a.id) - SERVER_IDS.indexOf(b.id));
    for (const contender of contenders) await checkRoutes(contender, population);
    const { disagreements, comparisons } = await compareAnswers(contenders, population);
    const started = Date.now();
    const loadBefore = loadavg()[0];
    const cacheHits = new Map<RequestKind, number[]>();
    await measure(contenders, outcomes, population, shared, scratch, scale, log, cacheHits);
    measureSeconds = seconds(started);
    if (contenders.some((c) => c.id === 'c360')) {
      const shares = REQUEST_TYPES.filter(({ kind }) => cacheHits.has(kind)).map(
        ({ kind, label }) => `${label} ${percent(median(cacheHits.get(kind) ?? []))}`,
      );
      notes.push(
        'c360 runs as shipped, its response cache on: the share of its answers served from that cache ' +
          `during the measured runs (median of runs, from its /metrics counters): ${shares.length > 0 ? shares.join('; ') : 'not available'}. ` +
          `Look-ups draw ids at random from all ${population.ids.length.toLocaleString('en-US')} customers: ` +
          'a share of them repeats an id asked earlier in the run (more in longer or faster runs, fewer in ' +
          'larger populations) and those are cache hits; the segment lists (REST and GraphQL) rotate over ' +
          `${population.segments.length} segments, so after the warm-up they are all cache hits.`,
      );
    }
    const loadAfter = loadavg()[0];
    const cores = cpus().length;
    notes.push(
      `System load (1-minute average) when measuring began / ended: ${loadBefore.toFixed(1)} / ` +
        `${loadAfter.toFixed(1)} on ${cores} cores` +
        (Math.max(loadBefore, loadAfter) > cores + 1
          ? ': other work was running on the machine, so absolute figures are low and noisy; compare the ratios.'
          : '.'),
    );
    for (const contender of contenders) {
      outcomes[contender.id].memory = contender.process.alive() ? readMemory(contender.process.pid) : null;
    }
    return {
      scale,
      rows: population.rows,
      seconds: { generate: built.generate, build: built.build, pgLoad, measure: measureSeconds },
      servers: outcomes,
      disagreements,
      comparisons,
      notes,
    };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    if (pgTarget) {
      await dropSchema(pgTarget).catch((error: unknown) =>
        log(`could not drop PostgreSQL schema ${pgTarget?.schema}: ${String(error)}`),
      );
    }
  }
}

function describeMachine(shared: Shared): string {
  const cpu = cpus();
  const { settings } = shared;
  const pgl = shared.postgraphile;
  const pglText =
    pgl === null
      ? 'not installed (PostgreSQL was not available)'
      : pgl instanceof Error
        ? `could not be installed (${pgl.message})`
        : `${pgl.version} on Node ${pgl.nodeVersion}, npm-installed by the bench into a temporary folder ` +
          '(not a project dependency); `postgraphile -P postgraphile/presets/amber -c <url> -s <schema>` with ' +
          'NODE_ENV=production, no watch, no explain, the default pool. GraphQL documents with variables (planned ' +
          'once) over its generated `customerByCustomerId`, `allCustomers(condition: {segment}, orderBy: ' +
          '[LIFETIME_VALUE_DESC, CUSTOMER_ID_ASC], first: 50)` and the `ordersByCustomerId` / ' +
          '`orderLinesByOrderId` relations, selecting the same columns as the REST answers';
  const runs = `${settings.runs} run${settings.runs === 1 ? '' : 's'}`;
  return [
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB ` +
      `RAM, Linux ${release()}; PostgreSQL ${shared.pg.ok ? shared.pg.version : 'not reachable'} on loopback ` +
      `(server defaults). Load: ${shared.load.describe(settings.connections)}; ${runs} of ${settings.seconds} s ` +
      `per server × request after a ${settings.warmup} s warm-up, in rounds (every server once per round, so a ` +
      'noisy minute hits all alike); each figure is the median rps and the median p99 of those runs. One server ' +
      'is loaded at a time (the others idle), and the next run starts once the last one has drained its queue. ' +
      'RSS: VmRSS of the server process (/proc/<pid>/status) after its last run, peak = VmHWM; the PostgreSQL ' +
      'server is not counted.',
    '',
    `Data: \`generateSources\` (seed ${BENCH_SEED}) and a full c360 build as of ${BENCH_AS_OF}; the same gold rows ` +
      '(customer_360, fact_orders, fact_order_lines of that snapshot) copied into PostgreSQL tables `customers`, ' +
      '`orders`, `order_lines` (DuckDB `COPY … TO` CSV, psql `\\copy`) with primary and foreign keys, the ' +
      'indexes `customers (segment, lifetime_value desc, customer_id)` and `orders (customer_id, order_ts desc, ' +
      'order_id desc)`, then vacuum analyze; the schema is dropped at the end. Ids are drawn at random from the ' +
      'whole population, segments rotate. Before loading, every server is asked the same requests and the ids ' +
      'and counts of the answers are compared (below each table).',
    '',
    'Servers:',
    '',
    '- **c360**: `node bin/c360.js serve` as shipped (NODE_ENV=production, its response cache at the default ' +
      'size: REST GETs and GraphQL queries asked again by the same kind of caller are answered from it; the ' +
      'share of cached answers is given below each table), with C360_SCHEDULE=off, ' +
      'C360_GRAPHQL_INTROSPECTION=true (the bench reads the schema) and ' +
      'C360_RATE_LIMIT_RPS=0 (the per-token limit would otherwise cap the load) and an ' +
      'analyst bearer token, so PII masking applies. `GET /v1/customers/{id}`, ' +
      '`GET /v1/customers?segment=…&sort=-lifetime_value&limit=50`, `GET /v1/customers/{id}/orders?limit=10`, ' +
      '`POST /graphql` `customers(filter: {segment}, sort, first: 50) { edges { node { customerId lifetimeValue ' +
      'ordersCount } } }`.',
    `- **PostGraphile** ${pglText}.`,
    '- **plain pg**: `node:http` + `pg` (pool of 10, named prepared statements) answering the same three REST ' +
      'paths with the same SQL text as plain DuckDB; no authentication, no masking.',
    "- **plain DuckDB**: `node:http` + `@duckdb/node-api`, one read-only instance over the snapshot's " +
      'serve.duckdb, 4 connections with the three statements prepared; no authentication, no masking.',
    '',
    'Settings: C360_BENCH_SERVING_SECONDS, C360_BENCH_SERVING_RUNS, C360_BENCH_SERVING_WARMUP, ' +
      'C360_BENCH_SERVING_CONNECTIONS, C360_BENCH_PG_URL, C360_BENCH_PEERS_DIR (see src/bench/serving.bench.ts).',
  ].join('\n');
}

export const servingBench: BenchSection = {
  id: 'serving',
  title: 'Serving: c360 beside PostGraphile and plain servers (issue 9)',
  async run(context: BenchContext): Promise<string> {
    const settings = readSettings();
    const wrk = findWrk();
    const shared: Shared = {
      settings,
      load: wrk ? await WrkLoadGenerator.create(wrk) : new NodeLoadGenerator(),
      pg: await probePostgres(settings.pgUrl),
      postgraphile: null,
    };
    if (!wrk) context.log('wrk not found (apt-get install -y wrk): using the node:http load generator');
    if (!shared.pg.ok) context.log(`PostgreSQL not reachable: ${shared.pg.reason}`);
    const parts: string[] = [];
    for (const scale of context.scales) parts.push(renderScale(await runScale(scale, context, shared)));
    return [describeMachine(shared), ...parts].join('\n\n');
  },
};
