import { getIntrospectionQuery } from 'graphql';
import { startTestApp, TestApp } from './support/test-app';

/** Hardening switches on the real application: introspection off, CORS for one origin. */
describe('hardening: introspection and CORS configured', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { C360_GRAPHQL_INTROSPECTION: 'false', C360_CORS_ORIGINS: 'https://bi.example.com' },
    });
  });
  afterAll(() => t.close());

  it('refuses introspection when turned off, and still answers queries', async () => {
    const token = await t.token(['analyst']);
    const introspection = await t.graphql(getIntrospectionQuery(), {}, token);
    expect(introspection.body.data ?? null).toBeNull();
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    const type = await t.graphql('{ __type(name: "Customer") { name } }', {}, token);
    expect(type.body.errors?.length).toBeGreaterThan(0);
    const query = await t.graphql<{ customers: { totalCount: number } }>(
      '{ customers { totalCount } }',
      {},
      token,
    );
    expect(query.body.errors).toBeUndefined();
    expect(query.body.data?.customers.totalCount).toBeGreaterThan(0);
  });

  it('answers a preflight from an allowed origin without reaching auth, and no other origin', async () => {
    const preflight = await t.request('OPTIONS', '/v1/customers', {
      headers: {
        origin: 'https://bi.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://bi.example.com');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const read = await t.request('GET', '/v1/customers', {
      token: await t.token(['analyst']),
      headers: { origin: 'https://bi.example.com' },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe('https://bi.example.com');
    expect(read.headers.get('vary')).toMatch(/origin/i);
    const other = await t.request('GET', '/v1/customers', {
      token: await t.token(['analyst']),
      headers: { origin: 'https://evil.example.net' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an invalid CORS setting at start-up, naming the variable', async () => {
    await expect(startTestApp({ env: { C360_CORS_ORIGINS: 'bi.example.com' } })).rejects.toThrow(
      /C360_CORS_ORIGINS/,
    );
  });
});
