import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { runCli } from './support/cli';
import { TEST_SECRET } from './support/pipeline-harness';

describe('c360 CLI', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'c360-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [{ PORT: 'abc' }, /^c360: configuration error: PORT: must be an integer between 0 and 65535, got "abc"$/],
    [{ C360_SCHEDULE: 'every hour' }, /^c360: configuration error: C360_SCHEDULE: must be a cron expression/],
    [{ C360_ENGINE: 'spark' }, /^c360: configuration error: C360_ENGINE: must be one of duckdb, athena$/],
    [{ C360_AS_OF: 'yesterday' }, /^c360: configuration error: C360_AS_OF: must be an ISO-8601 timestamp/],
    [
      { AUTH_JWT_SECRET: 'short' },
      /^c360: configuration error: AUTH_JWT_SECRET: must be at least 16 characters long$/,
    ],
  ])('stops on bad configuration %p with one line naming the variable', (env, message) => {
    const result = runCli(['build'], { C360_DATA_DIR: dataDir, ...env });
    expect(result.status).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('refuses to serve without a token secret', () => {
    const result = runCli(['serve'], { C360_DATA_DIR: dataDir, C360_SCHEDULE: 'off' });
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toBe(
      'c360: configuration error: AUTH_JWT_SECRET: is required to serve the API (or set AUTH_JWKS_URL)',
    );
  });

  it('prints a signed token with the requested claims', () => {
    const result = runCli(
      ['token', '--role', 'analyst', '--sub', 'u1', '--countries', 'de,fr', '--ttl', '30m'],
      {
        AUTH_JWT_SECRET: TEST_SECRET,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const claims = decodeJwt(result.stdout.trim());
    expect(claims).toMatchObject({ sub: 'u1', roles: ['analyst'], countries: ['DE', 'FR'] });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(1800);
  });

  it.each([
    [['token', '--role', 'wizard'], /^c360: unknown role "wizard"/],
    [['token', '--role', 'analyst', '--ttl', 'forever'], /^c360: --ttl must be a duration/],
    [['build', '--mode', 'partial'], /^c360: --mode must be full or incremental, got "partial"$/],
    [['build', '--source', 'nope'], /^c360: --source nope: unknown source/],
    [['generate', '--scale', '-1'], /^c360: --scale must be a number above 0, got "-1"$/],
    [['generate', '--dirty', '2'], /^c360: --dirty must be a rate between 0 and 1, got "2"$/],
    [['frobnicate'], /^c360: unknown command 'frobnicate'/],
  ])('answers bad arguments %p with one clear line', (args, message) => {
    const result = runCli(args, { AUTH_JWT_SECRET: TEST_SECRET, C360_DATA_DIR: dataDir });
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n')[0]).toMatch(message);
  });
});
