import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanLogs, testSecrets } from './support/log-scan';
import { TEST_JWT_SECRET } from './support/test-app';

/** The leak scanner the jest globalTeardown runs over every service's logs (see
 *  test/support/log-scan.global-teardown.ts): it must find each kind of planted leak. */
describe('log scan', () => {
  let root: string;
  const log = (fields: Record<string, unknown>): string =>
    JSON.stringify({ level: 'info', time: '2025-01-01T00:00:00Z', service: 'c360', ...fields });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'c360-scan-'));
    mkdirSync(join(root, 'pii'));
    mkdirSync(join(root, 'logs'));
    writeFileSync(
      join(root, 'pii', 'data.txt'),
      [
        'jonas.muller.1@example.com',
        '+43 732 5550678',
        'Jonas',
        'Müller',
        '1969-05-09',
        'Hauptstraße 140',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const scan = (lines: string[]): string[] => {
    writeFileSync(join(root, 'logs', 'service.log'), lines.join('\n'));
    return scanLogs(root, testSecrets(__dirname)).findings.map((f) => f.kind);
  };

  it('passes clean log lines', () => {
    expect(
      scan([
        log({
          msg: 'request',
          route: '/v1/customers/:id',
          status: 200,
          sub: 'test-admin',
          customer_id: 'C00000001',
        }),
        log({ msg: 'run published', run_id: 'r20250101T000000Z-abc', as_of: '2025-01-01T00:00:00Z' }),
      ]),
    ).toEqual([]);
  });

  it.each([
    ['email', { msg: 'lookup', email: 'Jonas.Muller.1@example.com' }],
    ['phone', { detail: 'bad phone +43 732 5550678' }],
    ['name', { msg: 'customer Müller changed' }],
    ['birth_date', { born: '1969-05-09' }],
    ['street', { address: 'Hauptstraße 140, Linz' }],
    ['secret', { config: { AUTH_JWT_SECRET: TEST_JWT_SECRET } }],
    ['bearer_token', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }],
  ])('finds a planted %s', (kind, fields) => {
    expect(scan([log({ msg: 'ok' }), log(fields)])).toContain(kind);
  });

  it('finds the masking key derived from a test secret', () => {
    const derived = testSecrets(__dirname).filter((s) => /^[0-9a-f]{64}$/.test(s));
    expect(derived.length).toBeGreaterThan(0);
    expect(scan([log({ key: derived[0] })])).toEqual(['secret']);
  });

  it("ignores a command's own output (c360 token prints a token on purpose)", () => {
    expect(
      scan(['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', 'AUTH_JWT_SECRET=' + TEST_JWT_SECRET]),
    ).toEqual([]);
  });
});
