import { FastifyInstance } from 'fastify';

/** Whether an If-None-Match header value matches `etag` (weak comparison, RFC 9110 §13.1.2). */
export function ifNoneMatchMatches(header: string, etag: string): boolean {
  const strip = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);
  const wanted = strip(etag);
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || strip(tag) === wanted;
  });
}

/**
 * Conditional GET: a successful GET or HEAD whose ETag matches the request's If-None-Match is
 * answered 304 Not Modified without a body (the ETag, snapshot and cache headers stay).
 */
export function registerConditionalGet(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const header = request.headers['if-none-match'];
    const etag = reply.getHeader('etag');
    if (
      typeof header === 'string' &&
      typeof etag === 'string' &&
      reply.statusCode === 200 &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      ifNoneMatchMatches(header, etag)
    ) {
      void reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      done(null, '');
      return;
    }
    done(null, payload);
  });
}
