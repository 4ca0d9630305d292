import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PII_CLASSES, PiiClass } from '../ingest/source-definition';

export const POLICY_FILE = 'c360.policy.yaml';

export const PERMISSIONS = ['read', 'admin', 'ingest', 'filter:email'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Ordered from the most to the least revealing; combining roles relies on this order. */
export const MASKING_STRATEGIES = ['clear', 'partial', 'hash', 'redact'] as const;
export type MaskingStrategy = (typeof MASKING_STRATEGIES)[number];

/** `single`: routes about one customer; `list`: routes returning many. */
export const ROUTE_KINDS = ['single', 'list'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

export type MaskedPiiClass = Exclude<PiiClass, 'none'>;
export const MASKED_PII_CLASSES: readonly MaskedPiiClass[] = PII_CLASSES.filter(
  (c): c is MaskedPiiClass => c !== 'none',
);

/** The strategy for every PII class, fully resolved (no defaults left to apply). */
export type ClassStrategies = Readonly<Record<MaskedPiiClass, MaskingStrategy>>;

export interface RolePolicy {
  readonly name: string;
  readonly permissions: ReadonlySet<Permission>;
  readonly masking: Readonly<Record<RouteKind, ClassStrategies>>;
}

/** Claims a row-scope claim name may not shadow. */
const RESERVED_CLAIMS = ['sub', 'roles', 'exp', 'nbf', 'iat', 'iss', 'aud', 'jti'];

/** The SPEC §9 defaults; used when the configuration directory has no policy file. The shipped
 *  `c360.policy.yaml` says the same (a spec checks it). */
export const DEFAULT_POLICY_DOCUMENT = {
  version: 1,
  row_scope: { claim: 'countries' },
  roles: {
    admin: { permissions: ['read', 'admin', 'ingest', 'filter:email'], masking: 'clear' },
    support: { permissions: ['read', 'filter:email'], masking: { single: 'clear', list: 'partial' } },
    analyst: { permissions: ['read'], masking: 'partial' },
    data_scientist: { permissions: ['read'], masking: 'hash' },
    ingest: { permissions: ['ingest'] },
  },
} as const;

/** Messages name values without quotes: they are not PII, and the CLI scrubs quoted text. */
export class PolicyError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'PolicyError';
  }
}

/** Who may call what and how PII is shown to them, as `c360.policy.yaml` declares it. */
export class Policy {
  constructor(
    /** The file the policy came from (or `built-in defaults`), for messages. */
    readonly source: string,
    readonly roles: ReadonlyMap<string, RolePolicy>,
    /** Token claim holding the ISO-2 countries a caller is limited to. */
    readonly rowScopeClaim: string,
  ) {}

  /** Union of the permissions of the roles; unknown role names grant nothing. */
  permissionsFor(roles: readonly string[]): ReadonlySet<Permission> {
    const granted = new Set<Permission>();
    for (const name of roles) {
      for (const permission of this.roles.get(name)?.permissions ?? []) granted.add(permission);
    }
    return granted;
  }

  /**
   * Strategy per PII class for a caller holding `roles`. With several roles, each class gets the
   * most revealing strategy any of them has (clear > partial > hash > redact): a role is a grant,
   * so holding one more role never shows less than that role alone would. A caller without a
   * known role sees every class redacted.
   */
  maskingFor(roles: readonly string[], kind: RouteKind): ClassStrategies {
    const resolved = {} as Record<MaskedPiiClass, MaskingStrategy>;
    for (const piiClass of MASKED_PII_CLASSES) {
      let best: MaskingStrategy = 'redact';
      for (const name of roles) {
        const strategy = this.roles.get(name)?.masking[kind][piiClass];
        if (strategy && MASKING_STRATEGIES.indexOf(strategy) < MASKING_STRATEGIES.indexOf(best))
          best = strategy;
      }
      resolved[piiClass] = best;
    }
    return resolved;
  }

  roleNames(): string[] {
    return [...this.roles.keys()];
  }
}

/** Reads and validates `<configDir>/c360.policy.yaml`; the SPEC defaults when there is none. */
export function loadPolicy(configDir: string): Policy {
  const file = join(configDir, POLICY_FILE);
  if (!existsSync(file)) return parsePolicy(DEFAULT_POLICY_DOCUMENT, 'built-in default policy');
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PolicyError(file, `invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return parsePolicy(raw, file);
}

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const list = (values: readonly string[]): string => values.join(', ');

/** Validates a parsed policy document. Every problem names the file and the path inside it. */
export function parsePolicy(raw: unknown, file: string): Policy {
  const fail = (problem: string): never => {
    throw new PolicyError(file, problem);
  };
  if (!isRecord(raw)) return fail('must be a mapping with `roles`');
  const unknownTop = Object.keys(raw).filter((key) => !['version', 'row_scope', 'roles'].includes(key));
  if (unknownTop.length > 0) fail(`unknown key ${unknownTop[0]} (expected version, row_scope, roles)`);
  if (raw.version !== undefined && raw.version !== 1) fail('version must be 1');

  let rowScopeClaim = 'countries';
  if (raw.row_scope !== undefined) {
    if (!isRecord(raw.row_scope)) fail('row_scope must be a mapping with `claim`');
    const scope = raw.row_scope as Raw;
    const unknown = Object.keys(scope).filter((key) => key !== 'claim');
    if (unknown.length > 0) fail(`row_scope: unknown key ${unknown[0]} (expected claim)`);
    if (typeof scope.claim !== 'string' || !/^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/.test(scope.claim)) {
      fail('row_scope.claim must be a claim name such as countries');
    }
    if (RESERVED_CLAIMS.includes(scope.claim as string)) {
      fail(`row_scope.claim may not be the registered claim ${scope.claim}`);
    }
    rowScopeClaim = scope.claim as string;
  }

  if (!isRecord(raw.roles) || Object.keys(raw.roles).length === 0) {
    fail('roles must map at least one role name to its permissions');
  }
  const roles = new Map<string, RolePolicy>();
  for (const [name, definition] of Object.entries(raw.roles as Raw)) {
    roles.set(name, parseRole(name, definition, fail));
  }
  return new Policy(file, roles, rowScopeClaim);
}

function parseRole(name: string, raw: unknown, fail: (problem: string) => never): RolePolicy {
  const at = `roles.${name}`;
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(name))
    fail(`${at}: role names are lower-case letters, digits, _ and -`);
  if (!isRecord(raw)) return fail(`${at} must be a mapping with \`permissions\``);
  const unknown = Object.keys(raw).filter((key) => key !== 'permissions' && key !== 'masking');
  if (unknown.length > 0) fail(`${at}: unknown key ${unknown[0]} (expected permissions, masking)`);
  const permissions = raw.permissions;
  if (!Array.isArray(permissions) || permissions.length === 0) {
    fail(`${at}.permissions must list at least one of ${list(PERMISSIONS)}`);
  }
  for (const permission of permissions as unknown[]) {
    if (typeof permission !== 'string' || !(PERMISSIONS as readonly string[]).includes(permission)) {
      fail(`${at}.permissions: unknown permission ${String(permission)} (expected ${list(PERMISSIONS)})`);
    }
  }
  return {
    name,
    permissions: new Set(permissions as Permission[]),
    masking: parseMasking(`${at}.masking`, raw.masking, fail),
  };
}

const ALL_REDACTED: ClassStrategies = Object.fromEntries(
  MASKED_PII_CLASSES.map((c) => [c, 'redact']),
) as Record<MaskedPiiClass, MaskingStrategy>;

function parseMasking(
  at: string,
  raw: unknown,
  fail: (problem: string) => never,
): Readonly<Record<RouteKind, ClassStrategies>> {
  if (raw === undefined || raw === null) return { single: ALL_REDACTED, list: ALL_REDACTED };
  if (isRecord(raw) && Object.keys(raw).some((key) => (ROUTE_KINDS as readonly string[]).includes(key))) {
    const unknown = Object.keys(raw).filter((key) => !(ROUTE_KINDS as readonly string[]).includes(key));
    if (unknown.length > 0) fail(`${at}: unknown key ${unknown[0]} (expected ${list(ROUTE_KINDS)})`);
    const perKind = {} as Record<RouteKind, ClassStrategies>;
    for (const kind of ROUTE_KINDS) {
      if (raw[kind] === undefined) fail(`${at}.${kind} is missing (give both ${list(ROUTE_KINDS)})`);
      perKind[kind] = parseClassStrategies(`${at}.${kind}`, raw[kind], fail);
    }
    return perKind;
  }
  const strategies = parseClassStrategies(at, raw, fail);
  return { single: strategies, list: strategies };
}

function parseClassStrategies(at: string, raw: unknown, fail: (problem: string) => never): ClassStrategies {
  const strategy = (path: string, value: unknown): MaskingStrategy => {
    if (typeof value !== 'string' || !(MASKING_STRATEGIES as readonly string[]).includes(value)) {
      return fail(`${path}: unknown strategy ${String(value)} (expected ${list(MASKING_STRATEGIES)})`);
    }
    return value as MaskingStrategy;
  };
  if (!isRecord(raw)) {
    const single = strategy(at, raw);
    return Object.fromEntries(MASKED_PII_CLASSES.map((c) => [c, single])) as Record<
      MaskedPiiClass,
      MaskingStrategy
    >;
  }
  const keys = ['default', ...MASKED_PII_CLASSES];
  const unknown = Object.keys(raw).filter((key) => !keys.includes(key));
  if (unknown.length > 0) fail(`${at}: unknown key ${unknown[0]} (expected ${list(keys)})`);
  const fallback = raw.default === undefined ? 'redact' : strategy(`${at}.default`, raw.default);
  return Object.fromEntries(
    MASKED_PII_CLASSES.map((c) => [c, raw[c] === undefined ? fallback : strategy(`${at}.${c}`, raw[c])]),
  ) as Record<MaskedPiiClass, MaskingStrategy>;
}
