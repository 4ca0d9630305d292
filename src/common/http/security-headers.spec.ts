import Fastify, { FastifyInstance } from 'fastify';
import { API_CSP, DOCS_CSP, registerSecurityHeaders, SecurityHeaderOptions } from './security-headers';

async function server(options: Partial<SecurityHeaderOptions>): Promise<FastifyInstance> {
  const app = Fastify();
  registerSecurityHeaders(app, { corsOrigins: null, hstsMaxAge: 0, docsPath: '/docs', ...options });
  app.get('/v1/thing', async () => ({ ok: true }));
  app.get('/v1/cached', async (_request, reply) =>
    reply.header('cache-control', 'private, no-cache').send({}),
  );
  app.get('/docs', async (_request, reply) => reply.type('text/html').send('<html></html>'));
  await app.ready();
  return app;
}

describe('security headers and CORS', () => {
  it('sets the hardening headers on every response, errors included', async () => {
    const app = await server({});
    for (const url of ['/v1/thing', '/nope']) {
      const response = await app.inject({ url });
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'content-security-policy': API_CSP,
        'cache-control': 'no-store',
      });
      expect(response.headers['strict-transport-security']).toBeUndefined();
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect((await app.inject({ url: '/v1/cached' })).headers['cache-control']).toBe('private, no-cache');
    expect((await app.inject({ url: '/docs' })).headers['content-security-policy']).toBe(DOCS_CSP);
    await app.close();
  });

  it('sends HSTS when configured', async () => {
    const app = await server({ hstsMaxAge: 31536000 });
    expect((await app.inject({ url: '/v1/thing' })).headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
    await app.close();
  });

  it('answers preflights and echoes only allowed origins, never with credentials', async () => {
    const app = await server({ corsOrigins: ['https://bi.example.com'] });
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v1/thing',
      headers: { origin: 'https://bi.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://bi.example.com',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      vary: 'Origin',
    });
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const other = await app.inject({
      method: 'OPTIONS',
      url: '/v1/thing',
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'GET' },
    });
    expect(other.statusCode).toBe(204);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const get = await app.inject({ url: '/v1/thing', headers: { origin: 'https://bi.example.com' } });
    expect(get.headers['access-control-allow-origin']).toBe('https://bi.example.com');
    expect(get.headers['access-control-expose-headers']).toContain('x-c360-snapshot');
    await app.close();
  });

  it('with *, allows any origin without credentials and without Vary', async () => {
    const app = await server({ corsOrigins: ['*'] });
    const get = await app.inject({ url: '/v1/thing', headers: { origin: 'https://any.example.org' } });
    expect(get.headers['access-control-allow-origin']).toBe('*');
    expect(get.headers['access-control-allow-credentials']).toBeUndefined();
    await app.close();
  });
});
