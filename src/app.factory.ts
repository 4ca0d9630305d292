import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { registerConditionalGet } from './common/http/conditional-get';
import { registerDocsUi } from './common/http/docs-ui';
import { BEARER_SCHEME } from './common/http/endpoint.decorator';
import { registerRequestHooks, requestIdOf } from './common/http/request-hooks';
import { registerSecurityHeaders } from './common/http/security-headers';
import { JsonLogger } from './common/logger';
import { errorForStatus, PROBLEM_CONTENT_TYPE, toProblem } from './common/problem';
import { C360Config, PACKAGE_ROOT } from './config/config';
import { GraphqlCacheHook } from './graphql/graphql-cache.hook';
import { ReadLane } from './serving/read-lane';
import { SnapshotReaderService } from './serving/snapshot-reader.service';

/** Largest request body accepted (admin and read routes take tiny bodies). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const OPENAPI_PATH = 'openapi.json';
export const DOCS_PATH = 'docs';

export interface CreateAppOptions {
  /** Nest's own logs (JSON through pino); default true. */
  logger?: boolean;
  bodyLimit?: number;
}

/**
 * Builds the API application, initialised and serving the active snapshot, but not listening:
 * the caller does `app.listen(port, host)`. Throws a plain Error naming the problem on bad
 * configuration or a bad policy file.
 */
export async function createApp(
  config: C360Config,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  config.assertServable();
  const adapter = new FastifyAdapter({
    trustProxy: true,
    // Draining answers with a problem+json 503 (src/lifecycle), not fastify's plain one.
    return503OnClosing: false,
    // Long path parameters reach our validators (a 400 problem naming the parameter) instead of
    // the router's plain 414, which would echo the path.
    routerOptions: { maxParamLength: 8192 },
    // Errors raised by fastify itself before routing (bad URL encoding …) as problems too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const problem = toProblem(
        errorForStatus(error.statusCode ?? 400, 'The request could not be parsed.'),
        `urn:c360:request:${request.id}`,
      );
      void reply.code(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
    },
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logger: false,
    requestIdHeader: false,
    genReqId: requestIdOf,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: options.logger === false ? false : new JsonLogger(),
    // Nest would otherwise abort the process on a start-up error instead of throwing it.
    abortOnError: false,
  });
  // Nest pins its own fastify copy; the hooks are typed against ours (with `request.principal`).
  const fastify = adapter.getInstance<FastifyInstance>();
  registerRequestHooks(fastify);
  registerConditionalGet(fastify);
  registerSecurityHeaders(fastify, {
    corsOrigins: config.get('corsOrigins'),
    hstsMaxAge: config.get('hstsMaxAge'),
    docsPath: `/${DOCS_PATH}`,
  });
  // Both public: plain fastify routes, outside the Nest guard.
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_PATH,
    raw: ['json'],
    ui: false,
  });
  registerDocsUi(fastify, `/${DOCS_PATH}`, `/${OPENAPI_PATH}`);
  const lane = app.get(ReadLane);
  lane.install(fastify.server);
  app.get(GraphqlCacheHook).install(fastify);
  await app.init();
  lane.verify(fastify);
  await app.get(SnapshotReaderService).start();
  return app;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

/** The OpenAPI 3 document of the REST API (served at /openapi.json; `docs/openapi.json` is
 *  written from it). */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = app.get(C360Config);
  const document = new DocumentBuilder()
    .setTitle('c360')
    .setDescription(
      'Customer-360 BI API. Errors are application/problem+json (RFC 9457). PII fields are masked per the ' +
        "caller's role; a `countries` token claim limits every read to those countries.",
    )
    .setVersion(packageVersion())
    .addServer('/', 'This server')
    .addServer(`http://localhost:${config.port}`, 'Local')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, document, {
    operationIdFactory: (_controller, method) => method,
  });
}
