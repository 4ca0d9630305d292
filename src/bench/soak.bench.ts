import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signToken } from '../auth/token';
import { C360Config, PACKAGE_ROOT } from '../config/config';
import { generateSources } from '../generate/generator';
import { BenchContext, BenchSection, markdownTable } from './bench.model';
import { freePort, startServer } from './peers/proc';

const SECRET = 'soak-bench-secret-0123456789';
const AS_OF = '2025-01-01T00:00:00Z';

interface Sample {
  t: number;
  rssMiB: number;
  fds: number;
}

function sample(pid: number, started: number): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return {
    t: (Date.now() - started) / 1000,
    rssMiB: rssKiB / 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** The q-quantile (0–1) of ascending `sorted`, or null when empty. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const ms = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Steady REST and GraphQL load on one c360 process while incremental builds publish every few
 * seconds. Bounded: C360_SOAK_SECONDS (default 180) of load, 16 client loops, loopback only.
 */
async function soak(context: BenchContext): Promise<string> {
  const seconds = Number(process.env.C360_SOAK_SECONDS ?? 180);
  const publishEvery = Number(process.env.C360_SOAK_PUBLISH_SECONDS ?? 5);
  const dataDir = join(context.workDir, 'data');
  const scale = context.scales[0] ?? 1;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    C360_DATA_DIR: dataDir,
    AUTH_JWT_SECRET: SECRET,
    C360_SCHEDULE: 'off',
    C360_AS_OF: AS_OF,
    LOG_LEVEL: 'warn',
  };
  const config = C360Config.fromEnv(env);
  const landing = join(dataDir, 'landing');
  context.log(`generating scale ${scale}`);
  await generateSources({ outDir: landing, scale, seed: 42, changes: false, dirty: 0 });
  const port = await freePort();
  const server = await startServer({
    name: 'c360',
    command: process.execPath,
    args: [join(PACKAGE_ROOT, 'bin', 'c360.js'), 'serve'],
    env: { ...env, PORT: String(port) },
    port,
    ready: async (base) => (await fetch(`${base}/health/live`)).ok,
    timeoutMs: 60_000,
  });
  const token = await signToken(config, { roles: ['analyst'], sub: 'soak' });
  const adminToken = await signToken(config, { roles: ['admin'], sub: 'soak-admin' });
  const auth = { authorization: `Bearer ${token}` };
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

  const runBuild = async (): Promise<{ status: string; snapshot_id: string | null }> => {
    const started = await fetch(`${server.base}/v1/admin/runs`, {
      method: 'POST',
      headers: admin,
      body: '{"mode":"incremental"}',
    });
    const { id } = (await started.json()) as { id: string };
    for (;;) {
      await sleep(200);
      const run = (await (await fetch(`${server.base}/v1/admin/runs/${id}`, { headers: admin })).json()) as {
        status: string;
        snapshot_id: string | null;
      };
      if (run.status !== 'running') return run;
    }
  };
  try {
    context.log('initial full build');
    const first = await fetch(`${server.base}/v1/admin/runs`, {
      method: 'POST',
      headers: admin,
      body: '{"mode":"full"}',
    });
    if (first.status !== 202) throw new Error(`cannot start the initial build: ${first.status}`);
    while ((await fetch(`${server.base}/health/ready`)).status !== 200) await sleep(250);

    const graphqlAvailable = (
      await fetch(`${server.base}/graphql`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      })
    ).ok;
    const population = Math.round(100_000 * scale);
    const ids = (i: number): string => `C${String((i % population) + 1).padStart(8, '0')}`;
    const requests: Array<() => Promise<Response>> = [
      () =>
        fetch(`${server.base}/v1/customers/${ids(Math.floor(Math.random() * population))}`, {
          headers: auth,
        }),
      () =>
        fetch(`${server.base}/v1/customers?segment=champions&sort=-lifetime_value&limit=50`, {
          headers: auth,
        }),
      () => fetch(`${server.base}/v1/segments`, { headers: auth }),
    ];
    if (graphqlAvailable) {
      requests.push(() =>
        fetch(`${server.base}/graphql`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            query: '{ customers(first: 20) { edges { node { customerId lifetimeValue segment } } } }',
          }),
        }),
      );
    }

    const started = Date.now();
    const samples: Sample[] = [sample(server.pid, started)];
    const seenSnapshots = new Set<string>();
    const failures: string[] = [];
    // Every request's end (ms since the start) and latency, and when each snapshot was first served.
    const latencies: Array<{ at: number; ms: number }> = [];
    const firstSeen = new Map<string, number>();
    let total = 0;
    let stop = false;
    const clients = Array.from({ length: 16 }, async (_, c) => {
      for (let i = c; !stop; i++) {
        try {
          const sent = performance.now();
          const response = await requests[i % requests.length]();
          await response.arrayBuffer();
          const at = Date.now() - started;
          latencies.push({ at, ms: performance.now() - sent });
          total++;
          const snapshot = response.headers.get('x-c360-snapshot');
          if (snapshot) {
            seenSnapshots.add(snapshot);
            if (!firstSeen.has(snapshot)) firstSeen.set(snapshot, at);
          }
          // a by-id look-up of a customer a batch deleted is a correct 404
          const lookup = i % requests.length === 0;
          if (response.status !== 200 && response.status !== 304 && !(lookup && response.status === 404)) {
            failures.push(String(response.status));
          }
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    });
    const sampler = setInterval(() => samples.push(sample(server.pid, started)), 1000);
    const published: string[] = [];
    let batches = 0;
    while (Date.now() - started < seconds * 1000) {
      const next = Date.now() + publishEvery * 1000;
      await generateSources({ outDir: landing, scale, seed: 42, changes: true, dirty: 0 });
      batches++;
      const run = await runBuild();
      if (run.status === 'published' && run.snapshot_id) published.push(run.snapshot_id);
      await sleep(Math.max(0, next - Date.now()));
    }
    await sleep(1500); // let the last publish reach the readers
    stop = true;
    await Promise.all(clients);
    clearInterval(sampler);
    samples.push(sample(server.pid, started));

    // "Stabilised" baseline: after the first 20% of the soak (warm caches, JIT).
    const warm = samples.filter((s) => s.t >= seconds * 0.2);
    const baseline = warm[0] ?? samples[0];
    const last = samples[samples.length - 1];
    const maxRss = Math.max(...warm.map((s) => s.rssMiB));
    const maxFds = Math.max(...warm.map((s) => s.fds));
    const rssBound = baseline.rssMiB * 1.5 + 64;
    const fdBound = baseline.fds + 32;
    const unseen = published.filter((id) => !seenSnapshots.has(id));
    // Requests that ended within a second of a published snapshot's first answer (the switch),
    // against all the others.
    const switches = published.map((id) => firstSeen.get(id)).filter((t): t is number => t !== undefined);
    const nearSwitch = (at: number): boolean => switches.some((t) => Math.abs(at - t) <= 1000);
    const around = latencies
      .filter((l) => nearSwitch(l.at))
      .map((l) => l.ms)
      .sort((a, b) => a - b);
    const between = latencies
      .filter((l) => !nearSwitch(l.at))
      .map((l) => l.ms)
      .sort((a, b) => a - b);
    const rows: Array<Array<string | number>> = [
      [
        'duration',
        `${seconds} s of load, 16 client loops, ${graphqlAvailable ? 'REST + GraphQL' : 'REST (GraphQL route missing)'}`,
        '',
      ],
      [
        'requests',
        total.toLocaleString('en-US'),
        `${Math.round(total / seconds).toLocaleString('en-US')} req/s`,
      ],
      [
        'failed requests',
        failures.length,
        failures.length === 0 ? 'ok' : `FAIL (${[...new Set(failures)].slice(0, 3).join(', ')})`,
      ],
      [
        'incremental builds',
        `${batches} batches, ${published.length} published`,
        published.length === batches ? 'ok' : 'FAIL',
      ],
      [
        'publishes seen by the API',
        `${published.length - unseen.length} of ${published.length}`,
        unseen.length === 0 ? 'ok' : 'FAIL',
      ],
      [
        'latency p50 / p99 / max, within 1 s of a snapshot switch',
        `${ms(quantile(around, 0.5))} / ${ms(quantile(around, 0.99))} / ${ms(around[around.length - 1] ?? null)} (${around.length.toLocaleString('en-US')} requests)`,
        'reported',
      ],
      [
        'latency p50 / p99 / max, the rest of the time',
        `${ms(quantile(between, 0.5))} / ${ms(quantile(between, 0.99))} / ${ms(between[between.length - 1] ?? null)} (${between.length.toLocaleString('en-US')} requests)`,
        'reported',
      ],
      [
        'RSS (MiB) after warm-up → peak → end',
        `${baseline.rssMiB.toFixed(0)} → ${maxRss.toFixed(0)} → ${last.rssMiB.toFixed(0)}`,
        // growth is judged at the end (after the last publish); the peak includes the builds this
        // process runs in its own memory and is reported, not judged
        last.rssMiB <= rssBound
          ? `ok: end ≤ bound ${rssBound.toFixed(0)} (1.5 × warm + 64); peak is build memory`
          : `FAIL: end above bound ${rssBound.toFixed(0)}`,
      ],
      [
        'open file descriptors after warm-up → max → end',
        `${baseline.fds} → ${maxFds} → ${last.fds}`,
        maxFds <= fdBound ? `ok (bound ${fdBound}: warm + 32)` : `FAIL (bound ${fdBound})`,
      ],
    ];
    return [
      `Scale ${scale}: one \`c360 serve\` process (builder), an analyst token, 16 keep-alive client loops on loopback ` +
        `(customer by id, segment top 50, segments, GraphQL customers page), while a \`--changes\` batch is generated ` +
        `and an incremental build published every ${publishEvery} s. The builds run in the serving process, so ` +
        `latencies include their CPU; a snapshot switch is when the API first answered from a new snapshot.`,
      '',
      markdownTable(['measure', 'value', 'verdict'], rows),
    ].join('\n');
  } finally {
    await server.stop();
  }
}

export const SOAK_BENCH: BenchSection = {
  id: 'soak',
  title: 'Soak: steady load while incremental builds publish (issue 8)',
  run: soak,
};
