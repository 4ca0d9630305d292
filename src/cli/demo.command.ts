import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../app.factory';
import { signToken } from '../auth/token';
import { DataDirs } from '../common/data-dirs';
import { setLogLevel } from '../common/logger';
import { C360Config } from '../config/config';
import { installGracefulShutdown } from './shutdown';
import { generateSources } from '../generate/generator';
import { BuildCoordinator } from '../pipeline/build-coordinator';
import { RunStore } from '../runs/run.store';
import { SnapshotStore } from '../snapshots/snapshot.store';

const DEMO_ROLES = ['admin', 'support', 'analyst', 'data_scientist', 'ingest'];

/** `npm run demo`: sample data (~10k customers), a full build, the API, and one token per role. */
export async function demoCommand(): Promise<void> {
  C360Config.loadDotEnv();
  let generatedSecret = false;
  if (!process.env.AUTH_JWT_SECRET && !process.env.AUTH_JWKS_URL) {
    process.env.AUTH_JWT_SECRET = randomBytes(24).toString('base64url');
    generatedSecret = true;
  }
  // The sample data ends on 2025-01-01; building "as of" then keeps recency and 30-day windows meaningful.
  process.env.C360_AS_OF ??= '2025-01-01T00:00:00Z';
  const config = C360Config.fromEnv();
  config.assertServable();
  setLogLevel(process.env.LOG_LEVEL ?? 'warn');
  const dirs = new DataDirs(config.dataDir);
  dirs.ensure();

  if (!existsSync(join(dirs.landing, 'customers.csv'))) {
    console.log(`Generating sample sources (~10k customers) into ${dirs.landing} …`);
    await generateSources({ outDir: dirs.landing, scale: 0.1, seed: 42, changes: false, dirty: 0 });
  }
  console.log('Building (full) …');
  const coordinator = new BuildCoordinator(config, dirs, new SnapshotStore(dirs), new RunStore(dirs));
  await coordinator.recover();
  const run = await coordinator.runToCompletion({ mode: 'full', trigger: 'cli' });
  const seconds = (
    (Date.parse(run.finished_at ?? run.started_at) - Date.parse(run.started_at)) /
    1000
  ).toFixed(1);
  console.log(
    `Run ${run.id}: ${run.status} in ${seconds}s${run.snapshot_id ? ` → snapshot ${run.snapshot_id}` : ''}`,
  );
  if (run.status !== 'published' && !new SnapshotStore(dirs).readActive()) {
    throw new Error(`the demo build did not publish: ${run.error ?? run.status}`);
  }

  const app = await createApp(config);
  installGracefulShutdown(app);
  await app.listen(config.port, '0.0.0.0');
  const base = `http://localhost:${config.port}`;
  console.log('');
  console.log(`c360 is serving on ${base}`);
  console.log(`  API docs:   ${base}/docs   (OpenAPI: ${base}/openapi.json)`);
  console.log(`  Customers:  ${base}/v1/customers?segment=champions&limit=5`);
  console.log(`  Health:     ${base}/health/ready`);
  if (generatedSecret) console.log(`  AUTH_JWT_SECRET for this demo: ${process.env.AUTH_JWT_SECRET}`);
  console.log('');
  console.log('Bearer tokens (valid 12 h):');
  for (const role of DEMO_ROLES) {
    const token = await signToken(config, { roles: [role], sub: `demo-${role}`, ttlSeconds: 12 * 3600 });
    console.log(`  ${role.padEnd(15)} ${token}`);
  }
  console.log('');
  console.log(`Try: curl -H "Authorization: Bearer <analyst token>" "${base}/v1/customers?limit=3"`);
  console.log('Press Ctrl+C to stop.');
}
