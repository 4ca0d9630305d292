import { FastifyInstance } from 'fastify';

export const INGEST_ROUTE_PREFIX = '/v1/ingest/';
export const NDJSON_CONTENT_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/**
 * Ingest bodies are larger than the API's default limit: routes under /v1/ingest/ get their own
 * (`C360_INGEST_MAX_BYTES`, a 413 above it), and NDJSON bodies are read as text. Registered while
 * the application is created, before Nest adds its routes.
 */
export function registerIngestBodies(fastify: FastifyInstance, maxBytes: number): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith(INGEST_ROUTE_PREFIX)) route.bodyLimit = maxBytes;
  });
  fastify.addContentTypeParser(NDJSON_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
}
