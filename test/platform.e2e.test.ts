import pino from 'pino';
import { Writable } from 'node:stream';
import { rootLogger, setRootLogger } from '../src/common/logger';
import { expectProblem } from './support/problem';
import { startTestApp, TestApp } from './support/test-app';

interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  servers: Array<{ url: string }>;
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown[];
        parameters?: Array<{ name: string; in: string }>;
        responses: Record<string, { content?: Record<string, unknown> }>;
      }
    >
  >;
  components: {
    schemas: Record<string, { enum?: string[] }>;
    securitySchemes: Record<string, { type: string; scheme: string }>;
  };
}

/** Collects the JSON log lines written while `work` runs. */
async function captureLogs(work: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const previous = rootLogger();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  setRootLogger(pino({ level: 'info' }, stream));
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    setRootLogger(previous);
  }
  return lines
    .flatMap((chunk) => chunk.split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('platform', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.token(['admin'], { sub: 'ops-admin' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('health', () => {
    it('is live and ready with the loaded snapshot, without a token', async () => {
      expect((await t.get('/health/live')).body).toEqual({ status: 'ok' });
      const ready = await t.get<{ status: string; snapshot_id: string; published_at: string }>(
        '/health/ready',
      );
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({
        status: 'ready',
        snapshot_id: t.fixture.snapshotId,
        published_at: expect.any(String),
        details: { stale: false, age_seconds: expect.any(Number), max_age_seconds: null },
      });
      expect(Number.isNaN(Date.parse(ready.body.published_at))).toBe(false);
    });

    it('is not ready, and data routes answer 503, without a snapshot', async () => {
      const empty = await startTestApp({ publish: false });
      try {
        const ready = await empty.get('/health/ready');
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({
          status: 'not_ready',
          snapshot_id: null,
          published_at: null,
          details: { stale: false, age_seconds: null, max_age_seconds: null },
        });
        expect((await empty.get('/health/live')).status).toBe(200);
        expectProblem(await empty.get('/v1/customers', await empty.token(['admin'])), 503, 'no_snapshot');
      } finally {
        await empty.close();
      }
    });
  });

  describe('OpenAPI', () => {
    let document: OpenApi;
    beforeAll(async () => {
      const response = await t.get<OpenApi>('/openapi.json');
      expect(response.status).toBe(200);
      document = response.body;
    });

    it('is an OpenAPI 3 document titled c360 with servers and a bearer scheme', () => {
      expect(document.openapi).toMatch(/^3\./);
      expect(document.info.title).toBe('c360');
      expect(document.servers.length).toBeGreaterThan(0);
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('documents the customers, admin and health routes', () => {
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining([
          '/v1/customers',
          '/v1/customers/{id}',
          '/v1/admin/runs',
          '/v1/admin/runs/{id}',
          '/v1/admin/runs/{id}/cancel',
          '/health/live',
          '/health/ready',
        ]),
      );
      const list = document.paths['/v1/customers'].get;
      expect(list.security).toEqual([{ bearer: [] }]);
      expect(list.parameters?.map((p) => p.name)).toEqual(
        expect.arrayContaining([
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
        ]),
      );
      expect(Object.keys(list.responses['400'].content ?? {})).toEqual(['application/problem+json']);
      expect(document.paths['/health/live'].get.security).toBeUndefined();
    });

    it('names the sort and segment enums', () => {
      expect(document.components.schemas.CustomerSort.enum).toEqual([
        'customer_id',
        '-lifetime_value',
        '-last_order_at',
        'recency_days',
      ]);
      expect(document.components.schemas.Segment.enum).toContain('prospects');
      expect(document.components.schemas.CustomerDto).toBeDefined();
      expect(document.components.schemas.ProblemDto).toBeDefined();
    });

    it('serves Swagger UI at /docs', async () => {
      const page = await t.get('/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(String(page.body)).toContain('swagger-ui');
      expect((await t.get('/docs/swagger-ui-bundle.js')).status).toBe(200);
      expect((await t.get('/docs/init.js')).body).toContain('/openapi.json');
      expectProblem(await t.get('/docs/..%2Fpackage.json'), 404, 'not_found');
    });
  });

  describe('request ids', () => {
    it('generates one when none is sent', async () => {
      const response = await t.get('/health/live');
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('keeps a well-formed incoming id and replaces a bad one', async () => {
      const kept = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'edge-1234.abc' } });
      expect(kept.headers.get('x-request-id')).toBe('edge-1234.abc');
      const replaced = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'a b<script>' } });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('puts the id on error responses too', async () => {
      const response = await t.request('GET', '/v1/customers', {
        headers: { 'x-request-id': 'req-err-0001' },
      });
      expect(response.headers.get('x-request-id')).toBe('req-err-0001');
      expect(expectProblem(response, 401, 'unauthenticated').request_id).toBe('req-err-0001');
    });
  });

  describe('access log', () => {
    it('writes one line per request with the route pattern, status, duration and sub, and no PII or token', async () => {
      const logs = await captureLogs(async () => {
        await t.request('GET', '/v1/customers?email=alice@example.com&limit=5', {
          token: admin,
          headers: { 'x-request-id': 'log-test-0001' },
        });
        await t.request('GET', '/v1/customers/C001', {
          token: admin,
          headers: { 'x-request-id': 'log-test-0002' },
        });
        await t.request('GET', '/nowhere?email=alice@example.com', {
          headers: { 'x-request-id': 'log-test-0003' },
        });
      });
      const access = logs.filter((line) => line.msg === 'request');
      expect(access).toHaveLength(3);
      expect(access[0]).toMatchObject({
        request_id: 'log-test-0001',
        method: 'GET',
        route: '/v1/customers',
        status: 200,
        sub: 'ops-admin',
        duration_ms: expect.any(Number),
      });
      expect(access[1]).toMatchObject({
        request_id: 'log-test-0002',
        route: '/v1/customers/:id',
        status: 200,
      });
      expect(access[2]).toMatchObject({ request_id: 'log-test-0003', route: null, status: 404, sub: null });
      const text = JSON.stringify(logs);
      expect(text).not.toContain('alice');
      expect(text).not.toContain('C001');
      expect(text).not.toContain(admin);
      expect(text).not.toContain(t.config.requireJwtSecret());
    });
  });

  describe('framework errors as problem+json', () => {
    it('404 for an unknown route, without echoing the URL', async () => {
      const problem = expectProblem(
        await t.get('/v1/unknown?email=alice@example.com', admin),
        404,
        'not_found',
      );
      expect(JSON.stringify(problem)).not.toContain('alice');
    });

    it('413 for a body over the limit', async () => {
      const body = JSON.stringify({ mode: 'full', padding: 'x'.repeat(1_100_000) });
      const response = await t.request('POST', '/v1/admin/runs', {
        token: admin,
        body,
        headers: { 'x-request-id': 'req-413-0001' },
      });
      expectProblem(response, 413, 'payload_too_large');
      expect(response.headers.get('x-request-id')).toBe('req-413-0001');
    });

    it('415 unsupported_media_type for an unsupported content type', async () => {
      const response = await t.request('POST', '/v1/admin/runs', {
        token: admin,
        body: '<mode>full</mode>',
        headers: { 'content-type': 'application/xml' },
      });
      expectProblem(response, 415, 'unsupported_media_type');
    });

    it('400 for malformed JSON, without echoing it', async () => {
      const response = await t.request('POST', '/v1/admin/runs', {
        token: admin,
        body: '{"mode": "alice@example.com',
      });
      const problem = expectProblem(response, 400, 'invalid_body');
      expect(JSON.stringify(problem)).not.toContain('alice');
    });
  });

  describe('admin runs', () => {
    it('requires the admin permission', async () => {
      const analyst = await t.token(['analyst']);
      expectProblem(
        await t.request('POST', '/v1/admin/runs', { token: analyst, body: { mode: 'full' } }),
        403,
        'forbidden',
      );
      expectProblem(await t.get('/v1/admin/runs', analyst), 403, 'forbidden');
      expectProblem(await t.get('/v1/admin/runs/r1', analyst), 403, 'forbidden');
      expectProblem(
        await t.request('POST', '/v1/admin/runs/r1/cancel', { token: analyst }),
        403,
        'forbidden',
      );
      expectProblem(
        await t.request('POST', '/v1/admin/runs', { body: { mode: 'full' } }),
        401,
        'unauthenticated',
      );
    });

    it.each([
      [{ mode: 'partial' }, 'mode'],
      [{ mode: 'full', force: true }, 'force'],
    ])('answers 400 for the body %j', async (body, parameter) => {
      const problem = expectProblem(
        await t.request('POST', '/v1/admin/runs', { token: admin, body }),
        400,
        'invalid_parameter',
      );
      expect(problem.parameter).toBe(parameter);
    });

    it('answers 400 for a body that is not an object', async () => {
      expectProblem(
        await t.request('POST', '/v1/admin/runs', { token: admin, body: '[1, 2]' }),
        400,
        'invalid_parameter',
      );
    });

    it('lists runs newest first as { data }', async () => {
      const response = await t.get<{ data: unknown[] }>('/v1/admin/runs?limit=5', admin);
      expect(response.status).toBe(200);
      expect(Array.isArray(response.body.data)).toBe(true);
      expectProblem(await t.get('/v1/admin/runs?limit=0', admin), 400, 'invalid_parameter');
    });

    it('answers 404 for an unknown run', async () => {
      expectProblem(await t.get('/v1/admin/runs/r20990101T000000000Z-nope00', admin), 404, 'not_found');
      expectProblem(
        await t.request('POST', '/v1/admin/runs/r20990101T000000000Z-nope00/cancel', { token: admin }),
        404,
        'not_found',
      );
    });
  });
});
