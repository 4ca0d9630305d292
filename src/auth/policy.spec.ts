import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../config/config';
import { DEFAULT_POLICY_DOCUMENT, loadPolicy, parsePolicy, Policy, POLICY_FILE } from './policy';

const withPolicyFile = (content: string, check: (dir: string) => void): void => {
  const dir = mkdtempSync(join(tmpdir(), 'c360-policy-'));
  try {
    writeFileSync(join(dir, POLICY_FILE), content);
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const summary = (policy: Policy): unknown =>
  [...policy.roles.values()].map((role) => ({
    name: role.name,
    permissions: [...role.permissions].sort(),
    masking: role.masking,
  }));

describe('policy', () => {
  const shipped = loadPolicy(PACKAGE_ROOT);

  it('ships the SPEC §9 defaults in c360.policy.yaml', () => {
    expect(shipped.source).toBe(join(PACKAGE_ROOT, POLICY_FILE));
    expect(summary(shipped)).toEqual(summary(parsePolicy(DEFAULT_POLICY_DOCUMENT, 'defaults')));
    expect(shipped.rowScopeClaim).toBe('countries');
  });

  it('uses the defaults when the configuration directory has no policy file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'c360-policy-'));
    try {
      expect(summary(loadPolicy(dir))).toEqual(summary(shipped));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['admin'], ['admin', 'filter:email', 'ingest', 'read']],
    [['support'], ['filter:email', 'read']],
    [['analyst'], ['read']],
    [['data_scientist'], ['read']],
    [['ingest'], ['ingest']],
    [
      ['analyst', 'ingest'],
      ['ingest', 'read'],
    ],
    [['nobody'], []],
    [[], []],
  ])('grants %j the permissions %j', (roles, permissions) => {
    expect([...shipped.permissionsFor(roles)].sort()).toEqual(permissions);
  });

  it('masks per role and route kind as SPEC §9 says', () => {
    expect(shipped.maskingFor(['admin'], 'list').email).toBe('clear');
    expect(shipped.maskingFor(['support'], 'single').email).toBe('clear');
    expect(shipped.maskingFor(['support'], 'list').email).toBe('partial');
    expect(shipped.maskingFor(['analyst'], 'single').phone).toBe('partial');
    expect(shipped.maskingFor(['data_scientist'], 'list').name).toBe('hash');
    expect(shipped.maskingFor(['ingest'], 'single').email).toBe('redact');
    expect(shipped.maskingFor(['unknown-role'], 'single').address).toBe('redact');
  });

  it('gives a caller with several roles the most revealing strategy per class', () => {
    const policy = parsePolicy(
      {
        roles: {
          a: { permissions: ['read'], masking: { default: 'hash', email: 'redact', phone: 'partial' } },
          b: { permissions: ['read'], masking: { default: 'redact', email: 'partial' } },
        },
      },
      'test.yaml',
    );
    expect(policy.maskingFor(['a', 'b'], 'list')).toEqual({
      email: 'partial',
      phone: 'partial',
      name: 'hash',
      address: 'hash',
      birth_date: 'hash',
    });
    expect(shipped.maskingFor(['data_scientist', 'support'], 'list').email).toBe('partial');
    expect(shipped.maskingFor(['data_scientist', 'support'], 'single').email).toBe('clear');
  });

  it('reads per-class maps under route kinds; classes left out without a default are redacted', () => {
    const policy = parsePolicy(
      { roles: { r: { permissions: ['read'], masking: { single: { email: 'clear' }, list: 'hash' } } } },
      'test.yaml',
    );
    expect(policy.maskingFor(['r'], 'single')).toEqual({
      email: 'clear',
      phone: 'redact',
      name: 'redact',
      address: 'redact',
      birth_date: 'redact',
    });
    expect(policy.maskingFor(['r'], 'list').birth_date).toBe('hash');
  });

  it.each([
    [
      'roles:\n  analyst:\n    permissions: [read]\n    masking: parital\n',
      /roles\.analyst\.masking: unknown strategy parital/,
    ],
    [
      'roles:\n  analyst:\n    permissions: [read, write]\n',
      /roles\.analyst\.permissions: unknown permission write/,
    ],
    ['roles:\n  analyst:\n    masking: clear\n', /roles\.analyst\.permissions must list at least one/],
    ['roles:\n  analyst:\n    permissions: []\n', /roles\.analyst\.permissions must list at least one/],
    ['roles:\n  analyst: [read\n', /invalid YAML/],
    ['roles: {}\n', /roles must map at least one role/],
    [
      'roles:\n  a:\n    permissions: [read]\n    masking: { single: clear }\n',
      /roles\.a\.masking\.list is missing/,
    ],
    ['roles:\n  a:\n    permissions: [read]\n    masking: { email: clear, ssn: hash }\n', /unknown key ssn/],
    ['roles:\n  a:\n    permission: [read]\n', /roles\.a: unknown key permission/],
    ['rolez: {}\n', /unknown key rolez/],
    ['row_scope: { claim: sub }\nroles:\n  a:\n    permissions: [read]\n', /row_scope\.claim may not be/],
  ])('refuses a bad policy file, naming the file and the problem (%#)', (content, problem) => {
    withPolicyFile(content, (dir) => {
      expect(() => loadPolicy(dir)).toThrow(problem);
      expect(() => loadPolicy(dir)).toThrow(join(dir, POLICY_FILE));
    });
  });

  it('reads a custom row-scope claim', () => {
    withPolicyFile('row_scope: { claim: regions }\nroles:\n  a:\n    permissions: [read]\n', (dir) => {
      expect(loadPolicy(dir).rowScopeClaim).toBe('regions');
    });
  });
});
