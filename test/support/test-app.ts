import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.factory';
import { signToken, TokenRequest } from '../../src/auth/token';
import { setLogLevel } from '../../src/common/logger';
import { C360Config, PACKAGE_ROOT } from '../../src/config/config';
import { SnapshotReaderService } from '../../src/serving/snapshot-reader.service';
import { buildSampleSnapshot } from './built-snapshot';
import { logDir } from './log-capture';
import { createFixtureSnapshot, FixtureCustomer, FixtureSnapshot } from './fixture-snapshot';

export const TEST_JWT_SECRET = 'test-secret-for-c360-e2e-0123456789';

export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: C360Config;
  fixture: FixtureSnapshot;
  baseUrl: string;
  token(roles: string[], options?: Omit<TokenRequest, 'roles'>): Promise<string>;
  request<T = unknown>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<TestResponse<T>>;
  get<T = unknown>(path: string, token?: string): Promise<TestResponse<T>>;
  /** POSTs a GraphQL operation to /graphql. */
  graphql<T = unknown>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<TestResponse<GraphqlBody<T>>>;
  /** The snapshot reader of the app (to count queries or force a switch after a publish). */
  reader(): SnapshotReaderService;
  close(): Promise<void>;
}

export interface GraphqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphqlBody<T> {
  data?: T | null;
  errors?: GraphqlError[];
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): C360Config {
  return C360Config.fromEnv({
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    C360_DATA_DIR: dataDir,
    C360_CONFIG_DIR: PACKAGE_ROOT,
    C360_SCHEDULE: 'off',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** The real application on a real port over a fixture snapshot, or (`build`) over a snapshot the
 *  real pipeline built from generated sample sources. */
export async function startTestApp(
  options: {
    publish?: boolean;
    customers?: FixtureCustomer[];
    build?: { scale?: number; seed?: number; asOf?: string };
    env?: Record<string, string>;
    bodyLimit?: number;
  } = {},
): Promise<TestApp> {
  // Logs are captured to the run's log directory for the leak scan when it is set.
  if (!logDir()) setLogLevel('silent');
  const fixture = options.build
    ? await buildSampleSnapshot(options.build)
    : await createFixtureSnapshot({ publish: options.publish, customers: options.customers });
  const config = testConfig(fixture.dataDir, options.env);
  const app = await createApp(config, { logger: false, bodyLimit: options.bodyLimit });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const request = async <T>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<TestResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON (Swagger UI HTML): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };

  return {
    app,
    config,
    fixture,
    baseUrl,
    token: (roles, tokenOptions = {}) => signToken(config, { roles, ...tokenOptions }),
    request,
    get: (path, token) => request('GET', path, { token }),
    graphql: (query, variables, token) => request('POST', '/graphql', { token, body: { query, variables } }),
    reader: () => app.get(SnapshotReaderService),
    close: async () => {
      await app.close();
      fixture.cleanup();
    },
  };
}
