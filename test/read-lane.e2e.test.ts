import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { AuditStore } from '../src/audit/audit.store';
import { hmacKey, signToken } from '../src/auth/token';
import { C360Config, PACKAGE_ROOT } from '../src/config/config';
import { BuiltSnapshot, buildSampleSnapshot } from './support/built-snapshot';

/**
 * The read lane (src/serving/read-lane.ts) answers the hot customer reads before Fastify's and
 * Nest's routing. It must answer exactly as the Nest path does: the same status, body and headers
 * for every role, token kind, parameter (good, malformed or hostile), conditional request and
 * audit entry. Two apps serve copies of one built data directory, one with the lane and one with
 * C360_READ_LANE=false, and every request is sent to both.
 */

const SECRET = 'read-lane-test-secret-0123456789';

interface Served {
  app: NestFastifyApplication;
  base: string;
  dataDir: string;
}

async function serve(dataDir: string, lane: boolean): Promise<Served> {
  const config = C360Config.fromEnv({
    AUTH_JWT_SECRET: SECRET,
    C360_DATA_DIR: dataDir,
    C360_CONFIG_DIR: PACKAGE_ROOT,
    C360_SCHEDULE: 'off',
    C360_BUILDER: 'false',
    C360_READ_LANE: String(lane),
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}`, dataDir };
}

/** Headers that may differ between two answers to the same request. */
const PER_RESPONSE = new Set(['date', 'x-request-id']);

/** Problem bodies name their request: the only bytes allowed to differ. */
const withoutRequestIds = (text: string): string => text.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<request>');

interface Answer {
  status: number;
  body: string;
  headers: Array<[string, string]>;
}

async function ask(server: Served, path: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${server.base}${path}`, { headers });
  const body = withoutRequestIds(await response.text());
  const kept = [...response.headers.entries()].filter(([name]) => !PER_RESPONSE.has(name));
  return { status: response.status, body, headers: kept };
}

const laneCount = async (server: Served): Promise<number> => {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const match = /^c360_read_lane_requests_total (\d+)$/m.exec(text);
  if (!match) throw new Error('no c360_read_lane_requests_total on /metrics');
  return Number(match[1]);
};

describe('read lane', () => {
  let built: BuiltSnapshot;
  let copy: string;
  let lane: Served;
  let nest: Served;
  const tokens: Record<string, string> = {};
  let sample: string;

  beforeAll(async () => {
    built = await buildSampleSnapshot();
    copy = mkdtempSync(join(tmpdir(), 'c360-lane-'));
    cpSync(built.dataDir, copy, { recursive: true });
    lane = await serve(built.dataDir, true);
    nest = await serve(copy, false);
    const config = C360Config.fromEnv({ AUTH_JWT_SECRET: SECRET, C360_CONFIG_DIR: PACKAGE_ROOT });
    for (const role of ['admin', 'support', 'analyst', 'data_scientist', 'ingest']) {
      tokens[role] = await signToken(config, { roles: [role], sub: `lane-${role}` });
    }
    tokens.analyst_de = await signToken(config, { roles: ['analyst'], sub: 'lane-de', countries: ['DE'] });
    const now = Math.floor(Date.now() / 1000);
    tokens.expired = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('lane-expired')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(hmacKey(SECRET));
    tokens.wrong_signature = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('lane-forged')
      .setExpirationTime(now + 3600)
      .sign(hmacKey('another-secret-of-sufficient-length'));
    const [row] = await built.harness.snapshotRows<{ customer_id: string }>(
      "select customer_id from customer_360 where orders_count > 3 and country = 'DE' order by customer_id limit 1",
      built.snapshotId,
    );
    sample = row.customer_id;
  }, 240_000);

  afterAll(async () => {
    await lane?.app.close();
    await nest?.app.close();
    built?.cleanup();
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  const paths = (): string[] => [
    '/v1/customers',
    '/v1/customers?limit=7&include_total=true',
    '/v1/customers?sort=-lifetime_value&segment=loyal&segment=champions&limit=20',
    '/v1/customers?sort=-last_order_at&country=de&min_ltv=50.5&max_ltv=100000',
    '/v1/customers?sort=recency_days&last_order_after=2024-01-01&last_order_before=2024-12-31T00:00:00Z',
    '/v1/customers?email=someone%40example.com',
    `/v1/customers/${sample}`,
    `/v1/customers/${sample}?as_of=2024-06-01T00:00:00Z`,
    `/v1/customers/${sample}?as_of=2030-01-01T00:00:00Z`,
    `/v1/customers/${sample}/history`,
    `/v1/customers/${sample}/history?limit=1`,
    `/v1/customers/${sample}/orders?limit=3`,
    `/v1/customers/${sample}/events?limit=2&include_total=true`,
    '/v1/customers/C99999999',
    '/v1/customers/C99999999/orders',
    // malformed and hostile parameters: 400s naming them (or the router's answers)
    '/v1/customers?limit=0',
    '/v1/customers?limit=201',
    '/v1/customers?limit=abc',
    '/v1/customers?segment=vip',
    '/v1/customers?segment=%27%20OR%201%3D1%20--',
    '/v1/customers?sort=email',
    '/v1/customers?cursor=not-a-cursor',
    '/v1/customers?unknown=1',
    '/v1/customers?min_ltv=1e309',
    `/v1/customers/${sample}?as_of=yesterday`,
    `/v1/customers/${sample}/orders?limit=-1`,
    '/v1/customers/-leading-dash',
    '/v1/customers/.dot',
    `/v1/customers/${'A'.repeat(65)}`,
    "/v1/customers/bad'id",
    '/v1/customers/C%2000001',
    '/v1/customers/a%40b.c',
    '/v1/customers/',
    '/v1/customers/x/unknown',
  ];

  it('answers every path, role and token kind exactly as the Nest path does, and takes them', async () => {
    const before = await laneCount(lane);
    const kinds: Array<[string, Record<string, string>]> = [
      ['no token', {}],
      ['not a bearer', { authorization: 'Basic abc' }],
      ...Object.entries(tokens).map(([kind, token]): [string, Record<string, string>] => [
        kind,
        { authorization: `Bearer ${token}` },
      ]),
    ];
    let compared = 0;
    for (const [kind, headers] of kinds) {
      const queue = paths();
      while (queue.length > 0) {
        const path = queue.shift() as string;
        const [a, b] = await Promise.all([ask(lane, path, headers), ask(nest, path, headers)]);
        expect({ kind, path, ...a }).toStrictEqual({ kind, path, ...b });
        compared++;
        const next = (JSON.parse(a.body) as { page?: { next_cursor?: string | null } }).page?.next_cursor;
        if (next && !path.includes('cursor=')) {
          queue.push(`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(next)}`);
        }
      }
    }
    expect(compared).toBeGreaterThan(250);
    // The lane answered the well-formed reads (and their refusals) itself.
    expect((await laneCount(lane)) - before).toBeGreaterThan(200);
    expect(await laneCount(nest)).toBe(0);
  });

  it('answers If-None-Match with the same 304, and leaves HEAD, CORS and other methods to the router', async () => {
    const auth = { authorization: `Bearer ${tokens.analyst}` };
    const first = await ask(lane, `/v1/customers/${sample}`, auth);
    const etag = first.headers.find(([name]) => name === 'etag')?.[1] as string;
    for (const match of [etag, `W/${etag}`, `"other", ${etag}`, '*', '"other"']) {
      const headers = { ...auth, 'if-none-match': match };
      const [a, b] = await Promise.all([
        ask(lane, `/v1/customers/${sample}`, headers),
        ask(nest, `/v1/customers/${sample}`, headers),
      ]);
      expect({ match, ...a }).toStrictEqual({ match, ...b });
    }
    const before = await laneCount(lane);
    for (const [path, init] of [
      [`/v1/customers/${sample}`, { method: 'HEAD', headers: auth }],
      [`/v1/customers/${sample}`, { headers: { ...auth, origin: 'https://dashboard.example' } }],
      ['/v1/customers', { method: 'POST', headers: auth }],
    ] as Array<[string, RequestInit]>) {
      const [a, b] = await Promise.all([
        fetch(`${lane.base}${path}`, init),
        fetch(`${nest.base}${path}`, init),
      ]);
      const [textA, textB] = (await Promise.all([a.text(), b.text()])).map(withoutRequestIds);
      expect([path, init.method, a.status, textA]).toEqual([path, init.method, b.status, textB]);
    }
    expect(await laneCount(lane)).toBe(before);
  });

  it('writes the same audit entries: clear-PII reads only, identifiers only', async () => {
    const since = new Date();
    const asks: Array<[string, string]> = [
      ['support', `/v1/customers/${sample}`],
      ['support', `/v1/customers/${sample}/history`],
      ['admin', '/v1/customers?limit=3'],
      ['analyst', `/v1/customers/${sample}`],
      ['support', '/v1/customers/C99999999'],
      ['admin', "/v1/customers/bad'id"],
    ];
    for (const [role, path] of asks) {
      const headers = { authorization: `Bearer ${tokens[role]}` };
      await Promise.all([ask(lane, path, headers), ask(nest, path, headers)]);
    }
    const entries = (server: Served): unknown[] =>
      server.app
        .get(AuditStore)
        .query({ since, limit: 100 })
        .map(({ id: _id, at: _at, request_id: _request, ...rest }) => rest)
        .reverse();
    const laneEntries = entries(lane);
    expect(laneEntries).toEqual(entries(nest));
    expect(laneEntries).toHaveLength(5);
    expect(laneEntries).toContainEqual(
      expect.objectContaining({ action: 'getCustomer', kind: 'pii_read', target_ids: [sample], status: 200 }),
    );
    expect(laneEntries).toContainEqual(
      expect.objectContaining({ action: 'getCustomer', target_ids: [], status: 400 }),
    );
  });

  it('answers repeated GraphQL queries from the cache before Apollo, byte for byte as Apollo does', async () => {
    const query = `query Top($segment: [String!]) {
      customers(filter: { segment: $segment }, sort: LIFETIME_VALUE_DESC, first: 5) {
        totalCount edges { cursor node { customerId email lifetimeValue ordersCount } }
      }
    }`;
    const post = async (server: Served, role: string, body: unknown): Promise<Answer> => {
      const response = await fetch(`${server.base}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const kept = [...response.headers.entries()].filter(([name]) => !PER_RESPONSE.has(name));
      return { status: response.status, body: withoutRequestIds(await response.text()), headers: kept };
    };
    const hits = async (server: Served): Promise<number> => {
      const text = await (await fetch(`${server.base}/metrics`)).text();
      return Number(/^c360_response_cache_hits_total (\d+)$/m.exec(text)?.[1]);
    };
    const bodies = [
      { query, variables: { segment: ['loyal'] } },
      { query, variables: { segment: ['champions', 'loyal'] }, operationName: 'Top' },
      { query: '{ segments { segment customers } }' },
      { query: '{ nope }' },
    ];
    for (const role of ['analyst', 'analyst_de', 'data_scientist', 'support', 'admin']) {
      for (const body of bodies) {
        const hitsBefore = await hits(lane);
        const first = await Promise.all([post(lane, role, body), post(nest, role, body)]);
        const second = await Promise.all([post(lane, role, body), post(nest, role, body)]);
        expect({ role, ask: body, ...first[0] }).toStrictEqual({ role, ask: body, ...first[1] });
        expect({ role, ask: body, ...second[0] }).toStrictEqual({ role, ask: body, ...second[1] });
        expect(second[0]).toStrictEqual(first[0]);
        // Cached only for callers who see no PII in clear, and only complete answers.
        const cached = !['support', 'admin'].includes(role) && body.query !== '{ nope }';
        expect([role, body.query, (await hits(lane)) - hitsBefore]).toEqual([
          role,
          body.query,
          cached ? 1 : 0,
        ]);
      }
    }
  });
});
