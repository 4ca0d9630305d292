import { FastifyInstance, FastifyReply } from 'fastify';

export interface SecurityHeaderOptions {
  /** Allowed browser origins (`*` = any); null = no CORS headers at all. */
  corsOrigins: readonly string[] | null;
  /** Strict-Transport-Security max-age in seconds; 0 = no header. */
  hstsMaxAge: number;
  /** Path prefix of the Swagger UI page, which needs scripts, styles and images of its own. */
  docsPath: string;
}

/** API responses are data, never documents: nothing may load, frame or submit from them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** The Swagger UI page: its own scripts and styles (it injects inline styles), images as data
 *  URIs, and fetches of /openapi.json from the same origin. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const CORS_METHODS = 'GET, POST, OPTIONS';
const CORS_REQUEST_HEADERS = 'authorization, content-type, if-none-match, x-request-id';
const CORS_EXPOSED_HEADERS = 'etag, x-c360-snapshot, x-request-id, retry-after';
const CORS_MAX_AGE_SECONDS = 600;

/** The headers every response carries (API answers, or the docs page with its own CSP). */
export function securityHeaders(
  options: Pick<SecurityHeaderOptions, 'hstsMaxAge'>,
  docs: boolean,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [
    ['x-content-type-options', 'nosniff'],
    ['referrer-policy', 'no-referrer'],
    ['x-frame-options', 'DENY'],
    ['content-security-policy', docs ? DOCS_CSP : API_CSP],
  ];
  if (options.hstsMaxAge > 0) {
    headers.push(['strict-transport-security', `max-age=${options.hstsMaxAge}; includeSubDomains`]);
  }
  return headers;
}

function addVary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary');
  const values =
    typeof current === 'string'
      ? current
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : [];
  if (!values.some((v) => v.toLowerCase() === name.toLowerCase())) values.push(name);
  void reply.header('vary', values.join(', '));
}

/**
 * Security headers on every response (errors, 304s and the docs included) and CORS without a
 * plugin: a preflight from an allowed origin is answered 204 here; other origins get no CORS
 * headers, so browsers refuse them. Credentials are never allowed (tokens travel in
 * Authorization, which the caller sets explicitly).
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: SecurityHeaderOptions): void {
  const origins = options.corsOrigins;
  const anyOrigin = origins?.includes('*') ?? false;
  const allowedOrigin = (origin: string | undefined): string | null => {
    if (!origins || origin === undefined) return null;
    if (anyOrigin) return '*';
    return origins.includes(origin) ? origin : null;
  };

  if (origins) {
    fastify.addHook('onRequest', (request, reply, done) => {
      const origin = request.headers.origin;
      if (request.method !== 'OPTIONS' || !origin || !request.headers['access-control-request-method']) {
        done();
        return;
      }
      const allowed = allowedOrigin(origin);
      if (allowed) {
        void reply
          .header('access-control-allow-methods', CORS_METHODS)
          .header('access-control-allow-headers', CORS_REQUEST_HEADERS)
          .header('access-control-max-age', String(CORS_MAX_AGE_SECONDS));
      }
      // Answered here either way: a preflight never reaches a route (or its auth).
      void reply.code(204).send();
    });
  }

  const apiHeaders = securityHeaders(options, false);
  const docsHeaders = securityHeaders(options, true);
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const docs = request.url === options.docsPath || request.url.startsWith(`${options.docsPath}/`);
    for (const [name, value] of docs ? docsHeaders : apiHeaders) void reply.header(name, value);
    // Routes that choose their caching (snapshot reads, docs assets) keep it; the rest may hold
    // PII or tokens' answers and is never stored.
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    if (origins) {
      const allowed = allowedOrigin(request.headers.origin);
      if (allowed) {
        void reply
          .header('access-control-allow-origin', allowed)
          .header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
      }
      if (!anyOrigin) addVary(reply, 'Origin');
    }
    done(null, payload);
  });
}
