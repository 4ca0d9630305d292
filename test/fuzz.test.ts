import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateSources } from '../src/generate/generator';
import { PipelineHarness } from './support/pipeline-harness';
import { serve, Served } from './support/http';

/** Values that must never crash a route or reach SQL: metacharacters, overlong, wrong types, unicode. */
const BAD_VALUES = [
  "' OR 1=1 --",
  '"; DROP TABLE customer_360; --',
  "C00000001' UNION SELECT email FROM customer_360 --",
  '$1',
  '?',
  '%',
  '_',
  '*',
  '\\',
  "'",
  '\u0000',
  '%00',
  '😀',
  'Zoë',
  '\u202e',
  'a'.repeat(5000),
  '-1',
  '0',
  '1e309',
  'NaN',
  '99999999999999999999999',
  '[]',
  '{}',
  'null',
  'true',
  '2024-13-45',
  '2024-02-30T25:61:00Z',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  ' ',
  '',
];

const BAD_BODIES = [
  '{',
  '[]',
  '"text"',
  'null',
  '12',
  '{"mode": 1}',
  '{"mode": "fast"}',
  '{"from": "yesterday", "to": 5}',
  `{"x": "${'a'.repeat(10000)}"}`,
  '{"__proto__": {"admin": true}}',
  'not json at all',
  '{"event_id": }',
];

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>
  >;
}

function operations(document: OpenApiDocument): Operation[] {
  const result: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? [];
      result.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: method === 'post' || method === 'put' || method === 'patch',
      });
    }
  }
  return result;
}

/** Everything that must stay unchanged: files under the data directory (but logs, and the audit
 *  log, which records the refused admin calls) and runs. */
function fingerprint(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!path.includes(`${join('state', 'tmp')}`) && !path.includes(join('state', 'audit')))
        files.push(`${relative(root, path)}:${statSync(path).size}`);
    }
  };
  walk(root);
  return files;
}

describe('fuzz: malformed input on every route', () => {
  let harness: PipelineHarness;
  let served: Served;

  beforeAll(async () => {
    harness = new PipelineHarness({ C360_AS_OF: '2025-01-01T00:00:00Z' });
    await generateSources({ outDir: harness.dirs.landing, scale: 0.005, seed: 17, changes: false, dirty: 0 });
    expect((await harness.build({ mode: 'full' })).status).toBe('published');
    served = await serve(harness.config);
  });
  afterAll(async () => {
    await served.close();
    harness.cleanup();
  });

  it('answers every malformed parameter and body without a 5xx and changes nothing', async () => {
    const document = (await (await fetch(`${served.base}/openapi.json`)).json()) as OpenApiDocument;
    const before = fingerprint(harness.root);
    const activeBefore = harness.snapshots.readActive()?.snapshot_id;
    const serverErrors: string[] = [];
    const notProblems: string[] = [];
    const leaks: string[] = [];
    let sent = 0;

    const send = async (method: string, url: string, role: string, body?: string): Promise<void> => {
      const headers: Record<string, string> = { authorization: `Bearer ${served.tokens[role]}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${served.base}${url}`, { method, headers, body });
      const text = await response.text();
      sent++;
      if (response.status >= 500)
        serverErrors.push(`${method} ${url.slice(0, 120)} → ${response.status} ${text.slice(0, 200)}`);
      if (
        response.status >= 400 &&
        !(response.headers.get('content-type') ?? '').includes('application/problem+json')
      ) {
        notProblems.push(`${method} ${url.slice(0, 120)} → ${response.status} ${text.slice(0, 120)}`);
      }
      // no stack traces or SQL in errors
      if (
        response.status >= 400 &&
        /\bat \S+ \(|SELECT |select .* from|Binder Error|Parser Error/.test(text)
      ) {
        leaks.push(`${method} ${url.slice(0, 120)} → ${text.slice(0, 200)}`);
      }
    };

    const fill = (op: Operation, value?: { name: string; value: string }): string =>
      op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(value?.name === name ? value.value : name === 'id' ? 'C00000001' : 'x'),
      );

    for (const op of operations(document)) {
      if (op.path.startsWith('/health') || op.path === '/metrics' || op.path === '/openapi.json') continue;
      const roles = op.path.startsWith('/v1/admin')
        ? ['admin']
        : op.path.startsWith('/v1/ingest')
          ? ['ingest', 'admin']
          : ['admin', 'analyst'];
      for (const role of roles) {
        for (const bad of BAD_VALUES) {
          for (const name of op.pathParams)
            await send(op.method, fill(op, { name, value: bad }), role, op.hasBody ? '{}' : undefined);
          for (const name of op.queryParams) {
            const query = new URLSearchParams({ [name]: bad }).toString();
            // a malformed query on a mutating route must not mutate either
            await send(op.method, `${fill(op)}?${query}`, role, op.hasBody ? '{"mode":"nope"}' : undefined);
          }
        }
        if (op.hasBody) for (const body of BAD_BODIES) await send(op.method, fill(op), role, body);
      }
    }

    expect(serverErrors).toEqual([]);
    expect(notProblems).toEqual([]);
    expect(leaks).toEqual([]);
    expect(sent).toBeGreaterThan(300);
    expect(harness.snapshots.readActive()?.snapshot_id).toBe(activeBefore);
    expect(fingerprint(harness.root)).toEqual(before);
  });
});
