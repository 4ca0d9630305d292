/**
 * Fallback load generator (used only when wrk is not installed): `node node-load.js <config.json>`.
 * One keep-alive request loop per connection for a fixed time; prints the same result line as the
 * wrk script (see load-generator.ts).
 */
import { Agent, request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import type { LoadRequest } from './load-generator';

interface NodeLoadConfig {
  base: string;
  request: LoadRequest;
  valuesFile: string;
  connections: number;
  seconds: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Deterministic uniform choice (mulberry32), like wrk's math.randomseed(42). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as NodeLoadConfig;
  const values = readFileSync(config.valuesFile, 'utf8').split('\n').filter(Boolean);
  const url = new URL(config.base);
  const agent = new Agent({ keepAlive: true, maxSockets: config.connections });
  const next = random(42);
  let rotation = 0;
  const pick = (): string =>
    config.request.pick === 'rotate'
      ? values[rotation++ % values.length]
      : values[Math.floor(next() * values.length)];
  const latencies: number[] = [];
  let errors = 0;
  let badStatus = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + config.seconds * 1000;

  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const value = pick();
      const body = config.request.body?.replace('{v}', value);
      const t0 = process.hrtime.bigint();
      const req = httpRequest(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: config.request.method,
          path: config.request.path.replace('{v}', value),
          headers: {
            ...config.request.headers,
            ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
            if ((res.statusCode ?? 0) >= 400) badStatus++;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const loop = async (): Promise<void> => {
    while (Date.now() < deadline) await once();
  };
  await Promise.all(Array.from({ length: config.connections }, loop));
  const durationUs = Number(process.hrtime.bigint() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  console.log(
    `C360_LOAD_RESULT ${JSON.stringify({
      requests: latencies.length,
      duration_us: durationUs,
      p50_us: percentile(sorted, 50),
      p99_us: percentile(sorted, 99),
      errors,
      bad_status: badStatus,
    })}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
