import { createHash, createHmac, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { exportJWK, JWK, SignJWT } from 'jose';
import { BuiltSnapshot } from './support/built-snapshot';
import { Problem } from './support/problem';
import { startTestApp, TEST_JWT_SECRET, TestApp, TestResponse } from './support/test-app';
import { CATEGORY, IDENTIFIER } from '../src/common/validation/validators';

/**
 * SPEC §9 end to end over a snapshot the real pipeline built: every REST operation of the OpenAPI
 * document and every GraphQL root field × every role (and a DE-only analyst) × every kind of
 * token; each PII field in exactly the role's strategy, computed here from the clear values in the
 * snapshot; row scope on aggregates; injection in every parameter; the audit log.
 */

type Json = Record<string, unknown>;
const ISSUER = 'c360-security-test';
const MASKING_KEY = 'security-matrix-masking-key-0123456789';
const now = (): number => Math.floor(Date.now() / 1000);

// ---- The policy as SPEC §9 states it (independent of src/auth/policy.ts) ----
type Strategy = 'clear' | 'partial' | 'hash' | 'redact';
type Permission = 'read' | 'admin' | 'ingest';
interface RoleCase {
  name: string;
  roles: string[];
  countries?: string[];
  may: Permission[];
  single: Strategy;
  list: Strategy;
}
const ROLE_CASES: RoleCase[] = [
  { name: 'admin', roles: ['admin'], may: ['read', 'admin', 'ingest'], single: 'clear', list: 'clear' },
  { name: 'support', roles: ['support'], may: ['read'], single: 'clear', list: 'partial' },
  { name: 'analyst', roles: ['analyst'], may: ['read'], single: 'partial', list: 'partial' },
  { name: 'data_scientist', roles: ['data_scientist'], may: ['read'], single: 'hash', list: 'hash' },
  { name: 'ingest', roles: ['ingest'], may: ['ingest'], single: 'redact', list: 'redact' },
  {
    name: 'analyst_de',
    roles: ['analyst'],
    countries: ['DE'],
    may: ['read'],
    single: 'partial',
    list: 'partial',
  },
];

type PiiClass = 'email' | 'phone' | 'name' | 'address' | 'birth_date';
/** snake_case field → PII class (ingest/sources/customers.yaml). */
const PII_FIELDS: Record<string, PiiClass> = {
  email: 'email',
  phone: 'phone',
  first_name: 'name',
  last_name: 'name',
  birth_date: 'birth_date',
  street: 'address',
  city: 'address',
  state: 'address',
  postal_code: 'address',
};
const camel = (field: string): string => field.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** SPEC §9 strategies applied to one clear value. */
function expectedMasked(value: unknown, piiClass: PiiClass, strategy: Strategy): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  switch (strategy) {
    case 'clear':
      return text;
    case 'redact':
      return null;
    case 'hash': {
      // Normalised first, so equal values hash equally (joinable): trimmed NFC; e-mails lower case,
      // phones their digits, names and addresses lower case with single spaces.
      const base = text.normalize('NFC').trim();
      const normal =
        piiClass === 'email'
          ? base.toLowerCase()
          : piiClass === 'phone'
            ? base.replace(/\D/g, '')
            : piiClass === 'birth_date'
              ? base
              : base.toLowerCase().replace(/\s+/g, ' ');
      return createHmac('sha256', MASKING_KEY).update(normal).digest('hex');
    }
    case 'partial': {
      const t = text.trim();
      if (piiClass === 'email') {
        const at = t.lastIndexOf('@');
        return `${Array.from(t)[0]}***@${t.slice(at + 1)}`;
      }
      if (piiClass === 'phone') {
        const digits = t.replace(/\D/g, '');
        return digits.length > 4 ? `***${digits.slice(-4)}` : '***';
      }
      if (piiClass === 'name') return `${Array.from(t)[0]}***`;
      if (piiClass === 'address') return null;
      return t.slice(0, 4);
    }
  }
}

// ---- Token kinds ----
const TOKEN_KINDS = [
  'hs256',
  'rs256',
  'none',
  'expired',
  'wrong_signature',
  'alg_none',
  'other_issuer',
] as const;
type TokenKind = (typeof TOKEN_KINDS)[number];
const VALID_KINDS: TokenKind[] = ['hs256', 'rs256'];

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Keys {
  rsa1: KeyObject;
  rsa2: KeyObject;
  publicPem: string;
}

/** A JWKS endpoint on loopback whose key set the test changes (rotation). */
class JwksServer {
  keys: JWK[] = [];
  fetches = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.fetches++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function jwkOf(key: KeyObject, kid: string): Promise<JWK> {
  const publicKey = await exportJWK(key);
  return { ...publicKey, kid, alg: 'RS256', use: 'sig' };
}

async function rsToken(key: KeyObject, kid: string, claims: Json, ttl = 600): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(now() + ttl)
    .sign(key);
}

async function hsToken(
  secret: string | Uint8Array,
  claims: Json,
  options: { exp?: number; nbf?: number; iss?: string | null } = {},
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 600);
  if (options.iss !== null) jwt.setIssuer(options.iss ?? ISSUER);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);
}

// ---- REST operations: a harmless sample request per operationId ----
interface Sample {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Status for a caller allowed to call it (non-GET samples are built not to change anything). */
  allowed: number;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { operationId: string; parameters?: Array<{ name: string; in: string }> }>
  >;
}

/** A directory's files and their content hashes (the snapshot, run records, landing zone). */
function checksum(root: string, skip: RegExp): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (skip.test(relative(root, path))) continue;
      if (entry.isDirectory()) walk(path);
      else hash.update(relative(root, path)).update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest('hex');
}

describe('security matrix (SPEC §9)', () => {
  let t: TestApp;
  let built: BuiltSnapshot;
  let jwks: JwksServer;
  let keys: Keys;
  let customers: Json[];
  let deCustomer: Json;
  let frCustomer: Json;
  let productId: string;
  let runId: string;
  let samples: Record<string, Sample>;
  const tokens = new Map<string, string>();

  const tokenFor = async (role: RoleCase, kind: TokenKind): Promise<string | undefined> => {
    const key = `${role.name}:${kind}`;
    if (tokens.has(key)) return tokens.get(key);
    const claims: Json = { sub: `sec-${role.name}`, roles: role.roles };
    if (role.countries) claims.countries = role.countries;
    let token: string | undefined;
    switch (kind) {
      case 'hs256':
        token = await t.token(role.roles, { sub: `sec-${role.name}`, countries: role.countries });
        break;
      case 'rs256':
        token = await rsToken(keys.rsa1, 'k1', claims);
        break;
      case 'none':
        token = undefined;
        break;
      case 'expired':
        token = await hsToken(TEST_JWT_SECRET, claims, { exp: now() - 120 });
        break;
      case 'wrong_signature':
        token = await hsToken('another-secret-entirely-0123456789', claims);
        break;
      case 'alg_none':
        token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: ISSUER, exp: now() + 600 })}.`;
        break;
      case 'other_issuer':
        token = await hsToken(TEST_JWT_SECRET, claims, { iss: 'someone-else' });
        break;
    }
    if (token) tokens.set(key, token);
    return token;
  };

  const call = (
    sample: { method: string; path: string; body?: string },
    token?: string,
  ): Promise<TestResponse> =>
    t.request(sample.method, sample.path, {
      token,
      body: sample.body,
      headers: sample.body !== undefined ? { 'content-type': 'application/json' } : {},
    });

  beforeAll(async () => {
    const rsa1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys = {
      rsa1: rsa1.privateKey,
      rsa2: rsa2.privateKey,
      publicPem: rsa1.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    jwks = new JwksServer();
    await jwks.start();
    jwks.keys = [await jwkOf(rsa1.publicKey, 'k1')];
    t = await startTestApp({
      build: { scale: 0.01, seed: 11 },
      env: { AUTH_JWT_ISSUER: ISSUER, AUTH_JWKS_URL: jwks.url, C360_MASKING_KEY: MASKING_KEY },
    });
    built = t.fixture as BuiltSnapshot;
    customers = await built.harness.snapshotRows('select * from customer_360 order by customer_id');
    const withPii = (country: string): Json => {
      const found = customers.find(
        (c) => c.country === country && c.phone && c.first_name && c.street && c.birth_date,
      );
      if (!found) throw new Error(`no ${country} customer with full PII`);
      return found;
    };
    deCustomer = withPii('DE');
    frCustomer = withPii('FR');
    productId = String(
      (
        await built.harness.snapshotRows<{ product_id: string }>(
          'select product_id from product_performance limit 1',
        )
      )[0].product_id,
    );
    runId = built.harness.runs.list(1)[0].id;
    const id = encodeURIComponent(String(deCustomer.customer_id));
    samples = {
      live: { method: 'GET', path: '/health/live', allowed: 200 },
      ready: { method: 'GET', path: '/health/ready', allowed: 200 },
      metrics: { method: 'GET', path: '/metrics', allowed: 200 },
      listCustomers: { method: 'GET', path: '/v1/customers?limit=5', allowed: 200 },
      getCustomer: { method: 'GET', path: `/v1/customers/${id}`, allowed: 200 },
      getCustomerHistory: { method: 'GET', path: `/v1/customers/${id}/history`, allowed: 200 },
      listCustomerOrders: { method: 'GET', path: `/v1/customers/${id}/orders`, allowed: 200 },
      listCustomerEvents: { method: 'GET', path: `/v1/customers/${id}/events`, allowed: 200 },
      listSegments: { method: 'GET', path: '/v1/segments', allowed: 200 },
      listProducts: { method: 'GET', path: '/v1/products?limit=5', allowed: 200 },
      getProduct: { method: 'GET', path: `/v1/products/${encodeURIComponent(productId)}`, allowed: 200 },
      getOrdersDaily: {
        method: 'GET',
        path: '/v1/metrics/orders-daily?from=2024-12-01&to=2024-12-31',
        allowed: 200,
      },
      createRun: { method: 'POST', path: '/v1/admin/runs', body: '{"mode":"sideways"}', allowed: 400 },
      listRuns: { method: 'GET', path: '/v1/admin/runs', allowed: 200 },
      getRun: { method: 'GET', path: `/v1/admin/runs/${runId}`, allowed: 200 },
      cancelRun: { method: 'POST', path: '/v1/admin/runs/r20000101T000000000Z-none/cancel', allowed: 404 },
      listSnapshots: { method: 'GET', path: '/v1/admin/snapshots', allowed: 200 },
      activateSnapshot: { method: 'POST', path: '/v1/admin/snapshots/s-none/activate', allowed: 404 },
      getDataQuality: { method: 'GET', path: '/v1/admin/dq', allowed: 200 },
      listLineage: { method: 'GET', path: '/v1/admin/lineage?limit=5', allowed: 200 },
      createBackfill: {
        method: 'POST',
        path: '/v1/admin/backfills',
        body: '{"from":"yesterday","to":5}',
        allowed: 400,
      },
      ingestEvents: {
        method: 'POST',
        path: '/v1/ingest/events',
        body: '[{"nothing":"valid"}]',
        allowed: 400,
      },
      ingestCdc: { method: 'POST', path: '/v1/ingest/cdc/no_such_source', body: '[]', allowed: 404 },
      listQuarantine: { method: 'GET', path: '/v1/admin/quarantine', allowed: 200 },
      listAudit: { method: 'GET', path: '/v1/admin/audit?limit=5', allowed: 200 },
    };
  });

  afterAll(async () => {
    await t.close();
    await jwks.close();
  });

  const operations = async (): Promise<Array<{ operationId: string; path: string; method: string }>> => {
    const document = (await t.get<OpenApiDocument>('/openapi.json')).body;
    return Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ operationId: op.operationId, path, method })),
    );
  };

  const permissionOf = (path: string): Permission | 'public' =>
    path.startsWith('/health') || path === '/metrics' || path === '/openapi.json'
      ? 'public'
      : path.startsWith('/v1/admin')
        ? 'admin'
        : path.startsWith('/v1/ingest')
          ? 'ingest'
          : 'read';

  it('every REST operation × role × token kind answers the status the policy gives', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThanOrEqual(25);
    const missing = ops.filter((op) => !samples[op.operationId]).map((op) => op.operationId);
    expect(missing).toEqual([]);
    const before = checksum(built.dataDir, /^state\/(tmp|audit)|\.wal$/);
    const mismatches: string[] = [];
    let sent = 0;
    for (const op of ops) {
      const sample = samples[op.operationId];
      const permission = permissionOf(op.path);
      for (const role of ROLE_CASES) {
        for (const kind of TOKEN_KINDS) {
          const response = await call(sample, await tokenFor(role, kind));
          sent++;
          const expected =
            permission === 'public'
              ? sample.allowed
              : !VALID_KINDS.includes(kind)
                ? 401
                : role.may.includes(permission)
                  ? sample.allowed
                  : 403;
          if (response.status !== expected) {
            mismatches.push(`${op.operationId} ${role.name} ${kind}: ${response.status} ≠ ${expected}`);
          }
          if (response.status >= 400) {
            const type = response.headers.get('content-type') ?? '';
            if (!type.startsWith('application/problem+json'))
              mismatches.push(`${op.operationId} ${role.name} ${kind}: ${response.status} is not a problem`);
            const code = (response.body as Problem).code;
            if (response.status === 401 && code !== 'unauthenticated')
              mismatches.push(`${op.operationId} ${role.name} ${kind}: 401 code ${code}`);
            if (response.status === 403 && code !== 'forbidden')
              mismatches.push(`${op.operationId} ${role.name} ${kind}: 403 code ${code}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(sent).toBe(ops.length * ROLE_CASES.length * TOKEN_KINDS.length);
    // Nothing a refused or invalid call did changed the data directory.
    expect(checksum(built.dataDir, /^state\/(tmp|audit)|\.wal$/)).toBe(before);
  });

  const GRAPHQL_FIELDS: Record<string, string> = {
    customer: `customer(id: $id) { customerId email }`,
    customers: 'customers(first: 3) { edges { node { customerId email } } totalCount }',
    segments: 'segments { segment customers }',
    product: `product(id: $product) { productId }`,
    products: 'products(first: 3) { edges { node { productId } } }',
    ordersDaily: 'ordersDaily(from: "2024-12-01", to: "2024-12-31") { date orders }',
  };

  it('every GraphQL root field × role × token kind answers as the policy says', async () => {
    const schema = readFileSync(join(__dirname, '..', 'graphql', 'schema.graphql'), 'utf8');
    const query = /type Query \{([\s\S]*?)\n\}/.exec(schema)?.[1] ?? '';
    const roots = [...query.matchAll(/^ {2}([a-zA-Z]+)[(:]/gm)].map((m) => m[1]);
    expect(roots.sort()).toEqual(Object.keys(GRAPHQL_FIELDS).sort());
    const mismatches: string[] = [];
    for (const [field, selection] of Object.entries(GRAPHQL_FIELDS)) {
      const variables = [
        selection.includes('$id') ? '$id: ID!' : '',
        selection.includes('$product') ? '$product: ID!' : '',
      ]
        .filter(Boolean)
        .join(', ');
      const operation = `query${variables ? `(${variables})` : ''} { ${selection} }`;
      for (const role of ROLE_CASES) {
        for (const kind of TOKEN_KINDS) {
          const response = await t.graphql<Json>(
            operation,
            {
              ...(selection.includes('$id') ? { id: deCustomer.customer_id } : {}),
              ...(selection.includes('$product') ? { product: productId } : {}),
            },
            await tokenFor(role, kind),
          );
          const errors = response.body.errors ?? [];
          const code = errors[0]?.extensions?.code;
          const label = `${field} ${role.name} ${kind}`;
          if (!VALID_KINDS.includes(kind)) {
            if (response.status !== 401 || code !== 'UNAUTHENTICATED')
              mismatches.push(`${label}: ${response.status} ${code} ≠ 401 UNAUTHENTICATED`);
          } else if (!role.may.includes('read')) {
            if (code !== 'FORBIDDEN' || response.body.data?.[field] != null)
              mismatches.push(`${label}: ${response.status} ${code} ≠ FORBIDDEN`);
          } else if (response.status !== 200 || errors.length > 0 || response.body.data?.[field] == null) {
            mismatches.push(`${label}: ${response.status} ${JSON.stringify(errors).slice(0, 200)}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  describe('tokens', () => {
    const admin = ROLE_CASES[0];
    const claims = { sub: 'sec-tokens', roles: ['admin'] };

    it('honours exp and nbf with a small clock skew', async () => {
      const within = await hsToken(TEST_JWT_SECRET, claims, { exp: now() - 5 });
      expect((await t.get('/v1/segments', within)).status).toBe(200);
      const future = await hsToken(TEST_JWT_SECRET, claims, { nbf: now() + 600 });
      expect((await t.get('/v1/segments', future)).status).toBe(401);
      const soon = await hsToken(TEST_JWT_SECRET, claims, { nbf: now() + 5 });
      expect((await t.get('/v1/segments', soon)).status).toBe(200);
      const noIssuer = await hsToken(TEST_JWT_SECRET, claims, { iss: null });
      expect((await t.get('/v1/segments', noIssuer)).status).toBe(401);
      expect((await t.get('/v1/segments', await tokenFor(admin, 'hs256'))).status).toBe(200);
    });

    it('refuses algorithm confusion: HS256 signed with the RSA public key, RS256 without a kid it knows', async () => {
      const confused = await hsToken(new TextEncoder().encode(keys.publicPem), claims);
      expect((await t.get('/v1/segments', confused)).status).toBe(401);
      const forged = await rsToken(
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
        'k1',
        claims,
      );
      expect((await t.get('/v1/segments', forged)).status).toBe(401);
      const es = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const unknownEs = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'nope' })
        .setIssuer(ISSUER)
        .setExpirationTime(now() + 600)
        .sign(es);
      expect((await t.get('/v1/segments', unknownEs)).status).toBe(401);
    });

    it('refreshes the JWKS when a token names an unknown kid (key rotation)', async () => {
      const rotated = await rsToken(keys.rsa2, 'k2', claims);
      // Not published yet: refused.
      expect((await t.get('/v1/segments', rotated)).status).toBe(401);
      jwks.keys = [jwks.keys[0], await jwkOf(createPublicKey(keys.rsa2), 'k2')];
      const fetches = jwks.fetches;
      // The verifier refetches on an unknown kid at most every few seconds.
      await new Promise((resolve) => setTimeout(resolve, 5500));
      const fresh = await rsToken(keys.rsa2, 'k2', { ...claims, sub: 'sec-rotated' });
      expect((await t.get('/v1/segments', fresh)).status).toBe(200);
      expect(jwks.fetches).toBeGreaterThan(fetches);
      // The old key still works.
      expect((await t.get('/v1/segments', await rsToken(keys.rsa1, 'k1', claims))).status).toBe(200);
    }, 30_000);
  });

  describe('masking: each PII field in exactly the role strategy', () => {
    const readRoles = ROLE_CASES.filter((r) => r.may.includes('read'));

    const check = (
      label: string,
      body: Json,
      clear: Json,
      strategy: Strategy,
      out: string[],
      gql = false,
    ): void => {
      for (const [field, piiClass] of Object.entries(PII_FIELDS)) {
        const key = gql ? camel(field) : field;
        const expected = expectedMasked(clear[field], piiClass, strategy);
        if (body[key] !== expected)
          out.push(`${label} ${key}: ${JSON.stringify(body[key])} ≠ ${JSON.stringify(expected)}`);
      }
    };

    it('REST single, list and history; GraphQL customer, customers and nested history', async () => {
      const mismatches: string[] = [];
      const adminToken = await tokenFor(ROLE_CASES[0], 'hs256');
      const id = String(deCustomer.customer_id);
      const clearHistory = (await t.get<Json[] | { data: Json[] }>(`/v1/customers/${id}/history`, adminToken))
        .body;
      const versions = Array.isArray(clearHistory) ? clearHistory : clearHistory.data;
      expect(versions.length).toBeGreaterThan(0);
      for (const role of readRoles) {
        for (const kind of VALID_KINDS) {
          const token = await tokenFor(role, kind);
          const label = `${role.name}/${kind}`;
          const single = await t.get<Json>(`/v1/customers/${id}`, token);
          expect(single.status).toBe(200);
          check(`${label} single`, single.body, deCustomer, role.single, mismatches);

          const list = await t.get<{ data: Json[] }>('/v1/customers?country=DE&limit=200', token);
          expect(list.status).toBe(200);
          for (const row of list.body.data) {
            const clear = customers.find((c) => c.customer_id === row.customer_id);
            if (!clear) mismatches.push(`${label} list: unknown ${String(row.customer_id)}`);
            else check(`${label} list ${String(row.customer_id)}`, row, clear, role.list, mismatches);
          }

          const history = (await t.get<Json[] | { data: Json[] }>(`/v1/customers/${id}/history`, token)).body;
          const rows = Array.isArray(history) ? history : history.data;
          rows.forEach((row, i) => check(`${label} history ${i}`, row, versions[i], role.single, mismatches));

          const fields = Object.keys(PII_FIELDS).map(camel).join(' ');
          const gql = await t.graphql<{
            customer: Json & { history: Json[] };
            customers: { edges: Array<{ node: Json }> };
          }>(
            `query($id: ID!) { customer(id: $id) { customerId ${fields} history { ${fields} } }
               customers(first: 200, filter: { country: "DE" }) { edges { node { customerId ${fields} } } } }`,
            { id },
            token,
          );
          expect(gql.body.errors).toBeUndefined();
          const data = gql.body.data;
          if (!data) throw new Error('no data');
          check(`${label} gql customer`, data.customer, deCustomer, role.single, mismatches, true);
          data.customer.history.forEach((row, i) =>
            check(`${label} gql history ${i}`, row, versions[i], role.single, mismatches, true),
          );
          for (const { node } of data.customers.edges) {
            const clear = customers.find((c) => c.customer_id === node.customerId);
            if (clear) check(`${label} gql list`, node, clear, role.list, mismatches, true);
          }
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('an email search never reveals existence to a role without email in clear', async () => {
      const email = String(deCustomer.email);
      const path = `/v1/customers?email=${encodeURIComponent(email)}`;
      const admin = await t.get<{ data: Json[] }>(path, await tokenFor(ROLE_CASES[0], 'hs256'));
      expect(admin.body.data.map((c) => c.customer_id)).toEqual([deCustomer.customer_id]);
      for (const role of ROLE_CASES.filter((r) =>
        ['analyst', 'data_scientist', 'analyst_de'].includes(r.name),
      )) {
        for (const probe of [email, 'nobody@example.invalid']) {
          const response = await t.get<Problem>(
            `/v1/customers?email=${encodeURIComponent(probe)}`,
            await tokenFor(role, 'hs256'),
          );
          // The same 403 for a known and an unknown address.
          expect({ role: role.name, status: response.status, code: response.body.code }).toEqual({
            role: role.name,
            status: 403,
            code: 'forbidden',
          });
          expect(JSON.stringify(response.body)).not.toContain(probe);
        }
        const gql = await t.graphql(
          'query($e: String) { customers(filter: { email: $e }) { totalCount } }',
          { e: email },
          await tokenFor(role, 'hs256'),
        );
        expect(gql.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    });
  });

  describe('row scope (countries claim)', () => {
    const de = (): RoleCase => ROLE_CASES.find((r) => r.name === 'analyst_de') as RoleCase;

    it('limits lists and look-ups; outside the scope is a 404', async () => {
      const token = await tokenFor(de(), 'hs256');
      const list = await t.get<{ data: Json[]; page: { total?: number } }>(
        '/v1/customers?limit=200&include_total=true',
        token,
      );
      expect(list.body.data.length).toBeGreaterThan(0);
      expect(list.body.data.every((c) => c.country === 'DE')).toBe(true);
      expect(list.body.page.total).toBe(customers.filter((c) => c.country === 'DE').length);
      expect((await t.get(`/v1/customers/${String(frCustomer.customer_id)}`, token)).status).toBe(404);
      expect((await t.get(`/v1/customers/${String(frCustomer.customer_id)}/orders`, token)).status).toBe(404);
      const gql = await t.graphql<{ customer: Json | null }>(
        'query($id: ID!) { customer(id: $id) { customerId } }',
        { id: frCustomer.customer_id },
        token,
      );
      expect(gql.body.data?.customer).toBeNull();
    });

    it("a DE-only analyst's segment totals and daily orders equal totals over DE customers only", async () => {
      const token = await tokenFor(de(), 'hs256');
      const deRows = customers.filter((c) => c.country === 'DE');
      const expected = new Map<string, { customers: number; ltvCents: number }>();
      for (const row of deRows) {
        const entry = expected.get(String(row.segment)) ?? { customers: 0, ltvCents: 0 };
        entry.customers++;
        entry.ltvCents += Math.round(Number(row.lifetime_value) * 100);
        expected.set(String(row.segment), entry);
      }
      const rest = (await t.get<{ data: Json[] }>('/v1/segments', token)).body.data;
      const gql = await t.graphql<{ segments: Json[]; ordersDaily: Json[] }>(
        `{ segments { segment customers totalLifetimeValue }
           ordersDaily(from: "2018-01-01", to: "2025-01-01") { orders revenue } }`,
        {},
        token,
      );
      for (const [segment, { customers: count, ltvCents }] of expected) {
        const r = rest.find((s) => s.segment === segment);
        const g = gql.body.data?.segments.find((s) => s.segment === segment);
        expect({
          segment,
          customers: r?.customers,
          ltv: Math.round(Number(r?.total_lifetime_value) * 100),
        }).toEqual({
          segment,
          customers: count,
          ltv: ltvCents,
        });
        expect({ segment, customers: g?.customers }).toEqual({ segment, customers: count });
      }
      expect(rest.reduce((sum, s) => sum + Number(s.customers), 0)).toBe(deRows.length);
      // Daily metrics over DE only: every counted order of a DE customer, once.
      const restDaily = (
        await t.get<{ data: Json[] } | Json[]>(
          '/v1/metrics/orders-daily?from=2018-01-01&to=2025-01-01',
          token,
        )
      ).body;
      const days = Array.isArray(restDaily) ? restDaily : restDaily.data;
      const orders = days.reduce((sum, d) => sum + Number(d.orders), 0);
      const revenueCents = days.reduce((sum, d) => sum + Math.round(Number(d.revenue) * 100), 0);
      expect(orders).toBe(deRows.reduce((sum, c) => sum + Number(c.orders_count), 0));
      expect(revenueCents).toBe(
        deRows.reduce((sum, c) => sum + Math.round(Number(c.lifetime_value) * 100), 0),
      );
      const gqlOrders = (gql.body.data?.ordersDaily ?? []).reduce((sum, d) => sum + Number(d.orders), 0);
      expect(gqlOrders).toBe(orders);
      // And the unscoped analyst sees more.
      const all = (await t.get<{ data: Json[] }>('/v1/segments', await tokenFor(ROLE_CASES[2], 'hs256'))).body
        .data;
      expect(all.reduce((sum, s) => sum + Number(s.customers), 0)).toBe(customers.length);
    });
  });

  describe('injection in every filter, sort, cursor and path parameter', () => {
    const BAD: string[] = [
      "' OR 1=1 --",
      '"; DROP TABLE customer_360; --',
      "x' UNION SELECT email FROM customer_360 --",
      '%',
      '\\',
      '\u0000',
      '😀\u202e',
      'a'.repeat(5000),
      '1e309',
      '-1',
      '[]',
      '{"$gt": ""}',
    ];
    /** Parameters whose every value is a 400: anything but their exact format is refused. */
    const STRICT_QUERY = new Set([
      'segment',
      'country',
      'min_ltv',
      'max_ltv',
      'last_order_after',
      'last_order_before',
      'email',
      'sort',
      'limit',
      'cursor',
      'include_total',
      'as_of',
      'from',
      'to',
      'category',
      'run_id',
      'table',
      'severity',
      'failed_only',
      'source',
      'reason',
      'action',
      'since',
      'until',
    ]);
    /** Exact-match text filters: a value of the parameter's documented shape is a value to compare
     *  (a 200 with only exact matches); anything else — every SQL metacharacter among them — is a 400. */
    const EXACT_TEXT = new Map<string, RegExp>([
      ['category', CATEGORY],
      ['actor', /^[A-Za-z0-9_.:@|+=/-]{1,256}$/],
      ['customer_id', IDENTIFIER],
    ]);

    it('answers 400 naming the parameter (404 for a well-formed unknown id) and changes nothing', async () => {
      const document = (await t.get<OpenApiDocument>('/openapi.json')).body;
      const admin = await tokenFor(ROLE_CASES[0], 'hs256');
      const before = checksum(built.dataDir, /^state\/(tmp|audit)|\.wal$/);
      const mismatches: string[] = [];
      let sent = 0;
      for (const [path, methods] of Object.entries(document.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          const sample = samples[op.operationId];
          const params = (op.parameters ?? []).filter((p) => p.in === 'query' || p.in === 'path');
          for (const param of params) {
            for (const bad of BAD) {
              let url: string;
              if (param.in === 'path') {
                url = path.replace(/\{(\w+)\}/g, (_m, name: string) =>
                  encodeURIComponent(
                    name === param.name ? bad : name === 'id' ? String(deCustomer.customer_id) : 'x',
                  ),
                );
              } else {
                const base = sample.path.split('?')[0];
                const query = new URLSearchParams(sample.path.split('?')[1] ?? '');
                query.set(param.name, bad);
                url = `${base}?${query.toString()}`;
              }
              // A mutating route gets a body that would be refused anyway.
              const response = await call(
                {
                  method: method.toUpperCase(),
                  path: url,
                  body: method === 'post' ? '{"mode":"nope"}' : undefined,
                },
                admin,
              );
              sent++;
              const problem = response.body as Problem;
              const label = `${op.operationId} ${param.name}=${JSON.stringify(bad).slice(0, 40)}`;
              const printableId = param.in === 'path' && IDENTIFIER.test(bad) && response.status === 404;
              if (printableId) continue;
              const exactShape = EXACT_TEXT.get(param.name);
              if (param.in === 'query' && exactShape?.test(bad) && response.status === 200) {
                // Rows only where the value matched exactly (an audited probe of that id, say).
                const rows = (response.body as { data?: Json[] }).data;
                const exact = (row: Json): boolean =>
                  param.name === 'customer_id'
                    ? (row.target_ids as string[]).includes(bad)
                    : row[param.name] === bad;
                if (!Array.isArray(rows) || !rows.every(exact))
                  mismatches.push(`${label}: 200 with other rows`);
                continue;
              }
              if (param.in === 'query' && !STRICT_QUERY.has(param.name) && !EXACT_TEXT.has(param.name)) {
                mismatches.push(`${label}: parameter not covered by the test`);
                continue;
              }
              if (response.status !== 400) mismatches.push(`${label}: ${response.status}`);
              else if (problem.parameter !== param.name && !(op.operationId === 'getOrdersDaily'))
                mismatches.push(`${label}: names ${String(problem.parameter)}`);
              if (!(response.headers.get('content-type') ?? '').startsWith('application/problem+json'))
                mismatches.push(`${label}: not problem+json`);
              if (bad.length > 100 && JSON.stringify(problem).includes(bad))
                mismatches.push(`${label}: echoes the value`);
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(sent).toBeGreaterThan(200);
      expect(checksum(built.dataDir, /^state\/(tmp|audit)|\.wal$/)).toBe(before);
    });

    it('refuses unknown parameters, filters and sorts on hidden fields for GraphQL too', async () => {
      const analyst = await tokenFor(ROLE_CASES[2], 'hs256');
      const gql = await t.graphql(
        'query($c: String) { customers(after: $c) { totalCount } }',
        { c: "' OR 1=1 --" },
        analyst,
      );
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
      const sorted = await t.get<Problem>('/v1/customers?sort=email', analyst);
      expect(sorted.status).toBe(400);
    });
  });

  describe('audit log (GET /v1/admin/audit)', () => {
    interface AuditPage {
      data: Array<Json & { id: string; actor: string; action: string; target_ids: string[]; status: number }>;
      page: { next_cursor: string | null };
    }

    it('records admin actions and clear-PII reads, and only those, without PII', async () => {
      const id = String(deCustomer.customer_id);
      const admin = await tokenFor(ROLE_CASES[0], 'hs256');
      const support = await tokenFor(ROLE_CASES[1], 'hs256');
      const analyst = await tokenFor(ROLE_CASES[2], 'hs256');
      const since = new Date(Date.now() - 1000).toISOString();
      await t.get(`/v1/customers/${id}`, analyst);
      // The second answer comes from the response cache: audited all the same.
      await t.get(`/v1/customers/${id}`, support);
      await t.get(`/v1/customers/${id}`, support);
      await t.get(`/v1/customers?country=DE&limit=3`, support);
      await t.request('POST', '/v1/admin/snapshots/s-none/activate', { token: admin });
      await t.graphql('query($id: ID!) { customer(id: $id) { email } }', { id }, admin);
      const page = await t.get<AuditPage>(
        `/v1/admin/audit?since=${encodeURIComponent(since)}&limit=200`,
        admin,
      );
      expect(page.status).toBe(200);
      const entries = page.body.data;
      const has = (actor: string, action: string): boolean =>
        entries.some((e) => e.actor === actor && e.action === action);
      expect(has('sec-support', 'getCustomer')).toBe(true);
      expect(
        entries.find((e) => e.actor === 'sec-support' && e.action === 'getCustomer')?.target_ids,
      ).toEqual([id]);
      expect(entries.filter((e) => e.actor === 'sec-support' && e.action === 'getCustomer')).toHaveLength(2);
      expect(has('sec-analyst', 'getCustomer')).toBe(false);
      // support sees lists partially masked: not a clear-PII read
      expect(has('sec-support', 'listCustomers')).toBe(false);
      const activate = entries.find((e) => e.action === 'activateSnapshot');
      expect(activate).toMatchObject({
        actor: 'sec-admin',
        kind: 'admin',
        status: 404,
        target_ids: ['s-none'],
      });
      expect(has('sec-admin', 'graphql.customer')).toBe(true);
      // Identifiers only: none of the PII values of the customers read.
      const text = JSON.stringify(page.body);
      for (const field of Object.keys(PII_FIELDS)) {
        const value = deCustomer[field];
        if (typeof value === 'string' && value.length > 3) expect(text).not.toContain(value);
      }
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./);
      expect(text).not.toContain('UNION SELECT');

      // Filters and keyset pagination.
      const byCustomer = await t.get<AuditPage>(
        `/v1/admin/audit?customer_id=${encodeURIComponent(id)}`,
        admin,
      );
      expect(byCustomer.body.data.length).toBeGreaterThan(0);
      expect(byCustomer.body.data.every((e) => e.target_ids.includes(id))).toBe(true);
      const byActor = await t.get<AuditPage>('/v1/admin/audit?actor=sec-support&action=getCustomer', admin);
      expect(byActor.body.data.every((e) => e.actor === 'sec-support' && e.action === 'getCustomer')).toBe(
        true,
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const next: TestResponse<AuditPage> = await t.get<AuditPage>(
          `/v1/admin/audit?limit=2&since=${encodeURIComponent(since)}${cursor ? `&cursor=${cursor}` : ''}`,
          admin,
        );
        expect(next.status).toBe(200);
        seen.push(...next.body.data.map((e) => e.id));
        cursor = next.body.page.next_cursor;
      } while (cursor);
      expect(seen.length).toBeGreaterThanOrEqual(entries.length);
      expect([...seen].sort().reverse()).toEqual(seen);
      expect(new Set(seen).size).toBe(seen.length);
      expect((await t.get('/v1/admin/audit', support)).status).toBe(403);
      expect((await t.get('/v1/admin/audit?cursor=abc', admin)).status).toBe(400);
    });
  });

  describe('hardening', () => {
    it('sends security headers on data, error and docs responses, and keeps ETag/304', async () => {
      const token = await tokenFor(ROLE_CASES[2], 'hs256');
      const read = await t.get('/v1/segments', token);
      const error = await t.get('/v1/segments');
      const docs = await t.get('/docs');
      for (const response of [read, error, docs]) {
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        expect(response.headers.get('x-frame-options')).toBe('DENY');
      }
      expect(read.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(read.headers.get('cache-control')).toBe('private, no-cache');
      expect(error.headers.get('cache-control')).toBe('no-store');
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
      const etag = read.headers.get('etag') ?? '';
      const again = await t.request('GET', '/v1/segments', { token, headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });
});
