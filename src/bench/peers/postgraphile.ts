/**
 * PostGraphile 5 as a peer of the serving benchmark. Installed by the bench with npm into a
 * temporary folder (never a project dependency) together with a Node 22 binary from the
 * `node-<platform>-<arch>@22` package, as PostGraphile 5 requires Node ≥ 22.
 *
 * How it is run (the CLI of postgraphile 5.x, `dist/cli-run.js`, with the recommended preset):
 *   node22 node_modules/postgraphile/dist/cli-run.js -P postgraphile/presets/amber \
 *     -c postgres://postgres@127.0.0.1:5432/test -s <schema> -p <port> -n 127.0.0.1
 * with NODE_ENV=production, cwd = the install folder (so no graphile.config.* is picked up), no
 * --watch, no --allow-explain; the pg pool is the adaptor's default.
 *
 * Names it generated for tables customers / orders / order_lines (found by introspection at run
 * time, checked on postgraphile 5.1.5):
 *   customerByCustomerId(customerId: String!): Customer
 *   allCustomers(condition: CustomerCondition { segment }, orderBy: [CustomerOrderBy!]
 *                (LIFETIME_VALUE_DESC, CUSTOMER_ID_ASC — orderable because indexed), first: Int)
 *     : CustomerConnection { nodes, edges { node } }
 *   Customer.ordersByCustomerId(orderBy: [ORDER_TS_DESC, ORDER_ID_DESC], first): OrderConnection
 *   Order.orderLinesByOrderId(orderBy: [LINE_NO_ASC]): OrderLineConnection
 * numeric columns come back as BigFloat strings, bigint as BigInt strings.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './proc';

export interface PostGraphileInstall {
  dir: string;
  node: string;
  nodeVersion: string;
  cli: string;
  version: string;
}

const NODE_MAJOR = 22;

/** npm_* variables from `npm run bench` must not steer the nested npm install. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
  }
  return env;
}

export async function installPostGraphile(
  dir: string,
  log: (message: string) => void,
): Promise<PostGraphileInstall> {
  mkdirSync(dir, { recursive: true });
  const ownMajor = Number(process.versions.node.split('.')[0]);
  const nodePackage = `node-${process.platform}-${process.arch}`;
  const packages = ['postgraphile@5', 'pg@8'];
  if (ownMajor < NODE_MAJOR) packages.push(`${nodePackage}@${NODE_MAJOR}`);
  const cli = join(dir, 'node_modules', 'postgraphile', 'dist', 'cli-run.js');
  const node =
    ownMajor >= NODE_MAJOR ? process.execPath : join(dir, 'node_modules', nodePackage, 'bin', 'node');
  if (!existsSync(cli) || !existsSync(node)) {
    log(`postgraphile: npm install ${packages.join(' ')} into ${dir}`);
    const result = await runCommand(
      'npm',
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', ...packages],
      { env: cleanEnv(), cwd: dir, timeoutMs: 10 * 60_000 },
    );
    if (result.code !== 0 || result.timedOut) {
      throw new Error(
        `npm install failed${result.timedOut ? ' (timed out)' : ''}: ${result.stderr.trim().split('\n').slice(-5).join(' ')}`,
      );
    }
  }
  if (!existsSync(cli)) throw new Error(`postgraphile CLI not found at ${cli}`);
  if (!existsSync(node)) throw new Error(`no Node ${NODE_MAJOR} binary at ${node}`);
  const probe = await runCommand(node, ['--version'], { timeoutMs: 10_000 });
  if (probe.code !== 0) throw new Error(`${node} --version failed: ${probe.stderr.trim()}`);
  const version = (
    JSON.parse(readFileSync(join(dir, 'node_modules', 'postgraphile', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  return { dir, node, nodeVersion: probe.stdout.trim(), cli, version };
}

export function postGraphileCommand(
  install: PostGraphileInstall,
  pgUrl: string,
  schema: string,
  port: number,
): { command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string } {
  return {
    command: install.node,
    args: [
      install.cli,
      '-P',
      'postgraphile/presets/amber',
      '-c',
      pgUrl,
      '-s',
      schema,
      '-p',
      String(port),
      '-n',
      '127.0.0.1',
    ],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production' },
    cwd: install.dir,
  };
}
