import { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { notFound } from '../errors';

/** Swagger UI files served under the docs path, with their content types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** The swagger-ui-dist copy @nestjs/swagger itself depends on. */
function swaggerUiDirectory(): string {
  const swagger = dirname(require.resolve('@nestjs/swagger/package.json'));
  return dirname(require.resolve('swagger-ui-dist/package.json', { paths: [swagger] }));
}

const page = (path: string): string => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>c360 API</title>
    <link rel="stylesheet" href="${path}/swagger-ui.css" />
    <link rel="stylesheet" href="${path}/index.css" />
    <link rel="icon" type="image/png" href="${path}/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${path}/swagger-ui-bundle.js"></script>
    <script src="${path}/swagger-ui-standalone-preset.js"></script>
    <script src="${path}/init.js"></script>
  </body>
</html>
`;

const init = (specUrl: string): string =>
  `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', ` +
  `presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout', ` +
  `persistAuthorization: true });\n`;

/**
 * Swagger UI at `path` (public), reading the document from `specUrl`. Served by plain routes
 * rather than @fastify/static, which pulls an ES-module-only dependency the test runner cannot load.
 */
export function registerDocsUi(fastify: FastifyInstance, path: string, specUrl: string): void {
  const directory = swaggerUiDirectory();
  const cache = new Map<string, Buffer>();
  const html = page(path);
  const script = init(specUrl);
  fastify.get(path, (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  fastify.get(`${path}/`, (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  fastify.get(`${path}/init.js`, (_request, reply) =>
    reply.type(ASSETS['swagger-ui-bundle.js']).send(script),
  );
  fastify.get<{ Params: { asset: string } }>(`${path}/:asset`, (request, reply) => {
    const { asset } = request.params;
    const type = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : undefined;
    if (!type) throw notFound('No such documentation file.');
    let content = cache.get(asset);
    if (!content) {
      content = readFileSync(join(directory, asset));
      cache.set(asset, content);
    }
    return reply.type(type).header('cache-control', 'public, max-age=86400').send(content);
  });
}
