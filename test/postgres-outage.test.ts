import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { createServer, Server, Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { rootLogger, setRootLogger } from '../src/common/logger';
import { connect, openDuckDb } from '../src/duckdb/duckdb';
import { RegistryRepository } from '../src/pipeline/registry.repository';
import { RunRecord } from '../src/runs/run.model';
import { pg, postgresUrl, uniqueName } from './support/databases';
import { goldContent } from './support/gold-compare';
import { serve, Served } from './support/http';
import { newLogFile } from './support/log-capture';
import { CUSTOMERS_CONTRACT, IngestConfig, ORDERS_CONTRACT } from './support/ingest-config';
import { PipelineHarness } from './support/pipeline-harness';

const AS_OF = '2025-01-01T00:00:00Z';
const PROXY_ENV = 'C360_TEST_OUTAGE_PROXY_URL';
const DIRECT_ENV = 'C360_TEST_OUTAGE_DIRECT_URL';
/** Sent in the URL (trust auth ignores it): it must never show in a run record or a log line. */
const PASSWORD = 'outage-s3cret-pw';
const CUSTOMERS = 2000;
const ORDERS = 20_000;
/** Retry budget of the sources: waits of ½..1 × 200·(1+2+4+8+16) ms, i.e. 3.1–6.2 s. */
const RETRIES = 5;
const BACKOFF_MS = 200;
/** Retry reasons of a connection cut under a running read (not a refused connect). */
const DROPPED = ['error', 'ECONNRESET', 'EPIPE'];

/**
 * A loopback TCP proxy in front of the real PostgreSQL: `stop()` destroys every open connection
 * (mid-stream for a reader) and stops listening, so new connections are refused; `start()` listens
 * again on the same port. It counts the bytes the server sends and can trip itself after N of them,
 * which lands an outage in the middle of an extraction deterministically.
 */
class OutageProxy {
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private sent = 0;
  private trip: { after: number; action: () => void } | null = null;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get up(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Calls `action` once the server has sent `bytes` more bytes through the proxy. */
  tripAfter(bytes: number, action: () => void): void {
    this.sent = 0;
    this.trip = { after: bytes, action };
  }

  get tripped(): boolean {
    return this.trip === null;
  }

  private relay(client: Socket): void {
    const upstream = tcpConnect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      this.sent += chunk.length;
      const trip = this.trip;
      if (trip && this.sent >= trip.after) {
        this.trip = null;
        trip.action();
      }
    });
    upstream.pipe(client);
  }
}

function sources(schema: string, urlEnv: string): Record<string, string> {
  const common = `url_env: ${urlEnv}
page_size: 500
retries: ${RETRIES}
retry_backoff_ms: ${BACKOFF_MS}
connect_timeout_ms: 2000
watermark: updated_at
evolution: strict`;
  return {
    pg_customers: `name: pg_customers
kind: postgres
entity: customers
table: ${schema}.customers
primary_key: [customer_id]
${common}
${CUSTOMERS_CONTRACT}`,
    pg_orders: `name: pg_orders
kind: postgres
entity: orders
table: ${schema}.orders
primary_key: [order_id]
${common}
${ORDERS_CONTRACT}`,
  };
}

/** Runs whose loads the warehouse registry committed. */
async function registeredRuns(harness: PipelineHarness): Promise<Set<string>> {
  const instance = await openDuckDb(harness.dirs.warehouseDb, { readOnly: true });
  const connection = await connect(instance);
  try {
    return await new RegistryRepository(connection, 'main').registeredRunIds();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('fault: a PostgreSQL source stopped mid-run and restarted', () => {
  let direct: string;
  let schema: string;
  let proxy: OutageProxy;
  let outageConfig: IngestConfig;
  let referenceConfig: IngestConfig;
  let harness: PipelineHarness;
  let reference: PipelineHarness;
  let served: Served;
  const logs: string[] = [];
  const previousLogger = rootLogger();
  const failures: string[] = [];
  let requests = 0;
  let polling = true;
  let poller: Promise<void> = Promise.resolve();

  const source = (run: RunRecord, name: string): RunRecord['sources'][number] => {
    const found = run.sources.find((s) => s.name === name);
    if (!found) throw new Error(`no source ${name} in run ${run.id}`);
    return found;
  };
  const retryLines = (): Array<{ source: string; attempt: number; reason: string; run_id: string }> =>
    logs
      .map(
        (line) =>
          JSON.parse(line) as {
            msg: string;
            source: string;
            attempt: number;
            reason: string;
            run_id: string;
          },
      )
      .filter((entry) => entry.msg === 'source read failed; retrying');
  /** The next batch of source changes: `n` orders moved past the watermark (some re-statused), new customers. */
  const change = async (round: number, n: number): Promise<void> => {
    await pg(
      direct,
      `update ${schema}.orders
       set updated_at = updated_at + interval '${round * 100} days',
           status = case when cast(substr(order_id, 2) as int) % 7 = ${round} then 'returned' else status end
       where cast(substr(order_id, 2) as int) <= ${n}`,
      `insert into ${schema}.customers (customer_id, email, country, updated_at)
       select 'C' || lpad(g::text, 5, '0'), 'new' || g || '@example.com', 'NL',
              timestamptz '2024-10-01 00:00:00+00' + ${round} * interval '1 day'
       from generate_series(${CUSTOMERS + round * 10 + 1}, ${CUSTOMERS + round * 10 + 10}) g`,
      `update ${schema}.customers set city = 'Hamburg ${round}', updated_at = updated_at + interval '${round * 100} days'
       where customer_id <= 'C00020'`,
    );
  };
  /** No unfinished snapshot directory and no bronze of an unregistered run: nothing partial. */
  const expectNoPartialState = async (): Promise<void> => {
    expect(existsSync(harness.dirs.buildLock)).toBe(false);
    for (const entry of readdirSync(harness.dirs.snapshots, { withFileTypes: true }).filter((e) =>
      e.isDirectory(),
    )) {
      expect(existsSync(join(harness.dirs.snapshots, entry.name, 'manifest.json'))).toBe(true);
    }
    const registered = await registeredRuns(harness);
    for (const name of readdirSync(harness.dirs.bronze)) {
      for (const file of readdirSync(join(harness.dirs.bronze, name))) {
        expect(registered.has(file.replace(/\.parquet$/, ''))).toBe(true);
      }
    }
  };

  beforeAll(async () => {
    direct = await postgresUrl();
    const target = new URL(direct);
    proxy = new OutageProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    viaProxy.password = PASSWORD;
    process.env[PROXY_ENV] = viaProxy.toString();
    process.env[DIRECT_ENV] = direct;

    // every log line of the runs, to see the retries and check nothing secret is logged; still
    // written to the test run's log capture (when on) for its final scan
    const capture = newLogFile('postgres-outage');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(...chunk.toString().split('\n').filter(Boolean));
        if (capture) appendFileSync(capture, chunk);
        done();
      },
    });
    setRootLogger(pino({ level: 'info', base: { service: 'c360' } }, sink));

    schema = uniqueName('c360_outage');
    await pg(
      direct,
      `create schema ${schema}`,
      `create table ${schema}.customers (
         customer_id text primary key, email text, phone text, first_name text, last_name text, birth_date date,
         street text, city text, state text, postal_code text, country text, signup_at timestamptz,
         marketing_opt_in boolean, updated_at timestamptz not null)`,
      `create index on ${schema}.customers (updated_at, customer_id)`,
      `create table ${schema}.orders (
         order_id text primary key, customer_id text, order_ts timestamptz, status text, channel text,
         currency text, updated_at timestamptz not null)`,
      `create index on ${schema}.orders (updated_at, order_id)`,
      `insert into ${schema}.customers
       select 'C' || lpad(g::text, 5, '0'), 'user' || g || '@example.com', '+4930' || g, 'First' || g, 'Last' || g,
              date '1980-01-01' + g, 'Street ' || g, 'Berlin', 'BE', '10115', case when g % 3 = 0 then 'FR' else 'DE' end,
              timestamptz '2020-01-01 00:00:00+00' + g * interval '1 hour', g % 2 = 0,
              timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
       from generate_series(1, ${CUSTOMERS}) g`,
      `insert into ${schema}.orders
       select 'O' || lpad(g::text, 6, '0'), 'C' || lpad((1 + g % ${CUSTOMERS})::text, 5, '0'),
              timestamptz '2024-06-01 00:00:00+00' + g * interval '1 minute',
              case when g % 10 = 0 then 'cancelled' else 'delivered' end, 'web', 'EUR',
              timestamptz '2024-06-01 00:00:00+00' + g * interval '1 minute'
       from generate_series(1, ${ORDERS}) g`,
      `analyze ${schema}.customers`,
      `analyze ${schema}.orders`,
    );
    // the same sources, read through the proxy or straight from the database (the undisturbed run)
    outageConfig = new IngestConfig(sources(schema, PROXY_ENV));
    referenceConfig = new IngestConfig(sources(schema, DIRECT_ENV));
    harness = new PipelineHarness({ C360_AS_OF: AS_OF, C360_CONFIG_DIR: outageConfig.dir });
    reference = new PipelineHarness({ C360_AS_OF: AS_OF, C360_CONFIG_DIR: referenceConfig.dir });
    expect((await harness.build({ mode: 'full' })).status).toBe('published');
    expect((await reference.build({ mode: 'full' })).status).toBe('published');
    expect(await goldContent(harness)).toEqual(await goldContent(reference));

    // the API of the outage data directory, polled for the whole test
    served = await serve(harness.config);
    poller = (async () => {
      const paths = [
        '/v1/customers?limit=50',
        '/v1/customers/C00005',
        '/v1/customers/C00005/orders',
        '/health/ready',
      ];
      while (polling) {
        const path = paths[requests % paths.length];
        try {
          const response = await served.get(path, 'analyst');
          await response.arrayBuffer();
          if (response.status !== 200) failures.push(`${path}: ${response.status}`);
        } catch (error) {
          failures.push(`${path}: ${(error as Error).message}`);
        }
        requests++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }, 120_000);

  afterAll(async () => {
    polling = false;
    await poller;
    await served?.close();
    setRootLogger(previousLogger);
    await proxy?.stop();
    harness?.cleanup();
    reference?.cleanup();
    outageConfig?.cleanup();
    referenceConfig?.cleanup();
    if (direct && schema) await pg(direct, `drop schema if exists ${schema} cascade`);
    delete process.env[PROXY_ENV];
    delete process.env[DIRECT_ENV];
  });

  it('down mid-extraction and back within the retry budget: the run retries and publishes the undisturbed result', async () => {
    await change(1, 15_000);
    const before = logs.length;
    let downAt = 0;
    let upAt = 0;
    // ~3 pages of the 30 the changed orders take: the outage lands inside the orders read
    proxy.tripAfter(250_000, () => {
      downAt = Date.now();
      void proxy.stop().then(() =>
        setTimeout(() => {
          void proxy.start().then(() => (upAt = Date.now()));
        }, 800),
      );
    });
    const run = await harness.build();
    expect(proxy.tripped).toBe(true);
    expect(upAt - downAt).toBeGreaterThanOrEqual(800);
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    // the retries are in the run's log lines: the dropped stream, then refused connections
    const ofRun = retryLines().filter((line) => line.run_id === run.id);
    expect(ofRun.length).toBeGreaterThanOrEqual(2);
    expect(ofRun.every((line) => line.source === 'pg_orders')).toBe(true);
    // first the stream dropped under a page being read (pg's "Connection terminated", no code — or
    // a reset), then refused connects
    expect(DROPPED).toContain(ofRun[0].reason);
    expect(ofRun.slice(1).map((line) => line.reason)).toContain('ECONNREFUSED');
    expect(logs.slice(before).join('\n')).not.toContain(PASSWORD);
    // every changed row exactly once: the source's own count and hash total agree
    expect(source(run, 'pg_orders')).toMatchObject({ read: 15_000, loaded: 15_000, quarantined: 0 });
    expect(source(run, 'pg_orders').hash_total).toMatchObject({ rows: 15_000, matches: true });
    expect(source(run, 'pg_customers')).toMatchObject({ read: 30, loaded: 30 });

    const undisturbed = await reference.build();
    expect(undisturbed.status).toBe('published');
    expect(source(undisturbed, 'pg_orders')).toMatchObject({ read: 15_000, loaded: 15_000 });
    expect(await goldContent(harness)).toEqual(await goldContent(reference));
    await expectNoPartialState();
  }, 180_000);

  it('down longer than the retry budget: the run fails naming the source, nothing moves, the next run catches up', async () => {
    await change(2, 12_000);
    const served = harness.snapshots.readActive()?.snapshot_id;
    const goldBefore = await goldContent(harness);
    const before = logs.length;
    proxy.tripAfter(250_000, () => void proxy.stop());
    const started = Date.now();
    const failed = await harness.build();
    expect(proxy.tripped).toBe(true);
    expect(failed.status).toBe('failed');
    expect(failed.snapshot_id).toBeNull();
    expect(failed.steps.find((s) => s.name === 'extract')?.status).toBe('failed');
    expect(failed.error).toMatch(
      new RegExp(
        `^source pg_orders: postgres unreachable after ${RETRIES + 1} attempt\\(s\\) \\(ECONNREFUSED\\)`,
      ),
    );
    // a clear reason, without the connection URL or its password
    expect(failed.error).not.toContain(PASSWORD);
    expect(failed.error).not.toMatch(/postgres(ql)?:\/\//);
    expect(logs.slice(before).join('\n')).not.toContain(PASSWORD);
    // bounded: the whole budget, not more (waits of at most 6.2 s plus connection attempts)
    expect(Date.now() - started).toBeLessThan(30_000);
    const retried = retryLines().filter((line) => line.run_id === failed.id);
    expect(retried).toHaveLength(RETRIES);
    expect(DROPPED).toContain(retried[0].reason);
    expect(retried.slice(1).map((line) => line.reason)).toEqual(
      Array<string>(RETRIES - 1).fill('ECONNREFUSED'),
    );

    // the served snapshot and its content are unchanged; nothing partial is left behind
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(served);
    expect(await goldContent(harness)).toEqual(goldBefore);
    await expectNoPartialState();

    // back: the next run reads the whole window the failed one could not finish
    await proxy.start();
    const recovered = await harness.build();
    expect(recovered.status).toBe('published');
    expect(source(recovered, 'pg_orders')).toMatchObject({ read: 12_000, loaded: 12_000 });
    expect(source(recovered, 'pg_orders').hash_total?.matches).toBe(true);
    expect(source(recovered, 'pg_customers')).toMatchObject({ read: 30, loaded: 30 });

    const undisturbed = await reference.build();
    expect(undisturbed.status).toBe('published');
    expect(await goldContent(harness)).toEqual(await goldContent(reference));
    await expectNoPartialState();
  }, 180_000);

  it('kept answering every request through both outages', () => {
    expect(requests).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });
});
