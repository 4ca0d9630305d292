import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_SPOOL_GLOB, loadSourceCatalog, SourceDefinitionError } from './source-definition';

const CONTRACT = `contract:
  order_id: { type: string, required: true }
  customer_id: { type: string }
  updated_at: { type: timestamp, required: true }`;

describe('source definitions', () => {
  let dir: string;

  const write = (files: Record<string, string>, staging: Record<string, string> = {}): void => {
    mkdirSync(join(dir, 'ingest', 'sources'), { recursive: true });
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(dir, 'ingest', 'sources', name), text);
    if (Object.keys(staging).length > 0) mkdirSync(join(dir, 'ingest', 'staging'), { recursive: true });
    for (const [name, text] of Object.entries(staging))
      writeFileSync(join(dir, 'ingest', 'staging', name), text);
  };
  const fails = (message: string): void => {
    expect(() => loadSourceCatalog(dir)).toThrow(SourceDefinitionError);
    expect(() => loadSourceCatalog(dir)).toThrow(message);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'c360-sources-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a database source: the URL from the variable url_env names, table or query, paging, retries', () => {
    write({
      'db.yaml': `kind: postgres\nentity: orders\nurl_env: SHOP_DB_URL\ntable: public.orders\npage_size: 500\nretries: 2\nprimary_key: [order_id]\nwatermark: updated_at\n${CONTRACT}`,
    });
    const [source] = loadSourceCatalog(dir).sources;
    expect(source).toMatchObject({
      name: 'db',
      kind: 'postgres',
      database: { urlEnv: 'SHOP_DB_URL', table: ['public', 'orders'], query: null, pageSize: 500 },
      retry: { retries: 2, backoffMs: 500 },
    });
  });

  it('refuses a URL in YAML, table and query together, a database source without a watermark, bad identifiers', () => {
    const base = `kind: mysql\nentity: orders\nprimary_key: [order_id]\n${CONTRACT}\n`;
    write({
      'a.yaml': `${base}url_env: DB\nurl: mysql://root:secret@db/shop\ntable: orders\nwatermark: updated_at`,
    });
    fails('a connection URL never goes in YAML');
    write({ 'a.yaml': `${base}url_env: DB\ntable: orders\nquery: select 1\nwatermark: updated_at` });
    fails('give exactly one of table or query');
    write({ 'a.yaml': `${base}url_env: DB\ntable: orders` });
    fails('need a watermark column');
    write({ 'a.yaml': `${base}url_env: DB\ntable: orders; drop table x\nwatermark: updated_at` });
    fails('table must be');
    write({ 'a.yaml': `${base}url_env: DB\nquery: select 1; select 2\nwatermark: updated_at` });
    fails('a single SELECT');
    write({ 'a.yaml': `${base}url_env: db-url\ntable: orders\nwatermark: updated_at` });
    fails('url_env must name an environment variable');
  });

  it('reads s3 and events sources with their defaults', () => {
    write({
      's3.yaml': `kind: s3\nentity: orders\nbucket: my-exports\nprefix: orders/\nendpoint_env: S3_URL\nformat: parquet\nprimary_key: [order_id]\n${CONTRACT}`,
      'ev.yaml': `kind: events\nentity: events\nprimary_key: [event_id]\ncontract:\n  event_id: { type: string, required: true }`,
    });
    const { sources } = loadSourceCatalog(dir);
    expect(sources.find((s) => s.name === 's3')?.s3).toEqual({
      bucket: 'my-exports',
      prefix: 'orders/',
      pattern: '*',
      region: null,
      endpointEnv: 'S3_URL',
      forcePathStyle: true,
    });
    expect(sources.find((s) => s.name === 'ev')).toMatchObject({ path: EVENTS_SPOOL_GLOB, format: 'ndjson' });
  });

  it('keeps sources without an entity apart and turns staging models into sources of their entity', () => {
    write(
      {
        'flat.yaml': `kind: file\npath: flat*.csv\nprimary_key: [order_id]\n${CONTRACT}`,
      },
      {
        'flat_orders.sql':
          '-- entity: orders\n-- from: flat\n-- grain: one row per line; silver keeps one\nselect order_id, _source_file, _batch, _line from bronze_flat;\n',
      },
    );
    const catalog = loadSourceCatalog(dir);
    expect(catalog.raw.map((s) => s.name)).toEqual(['flat']);
    expect(catalog.sources).toHaveLength(1);
    expect(catalog.sources[0]).toMatchObject({
      name: 'flat_orders',
      kind: 'staging',
      entity: 'orders',
      primaryKey: ['order_id'],
      watermark: 'updated_at',
      staging: { input: 'flat' },
    });
  });

  it('refuses staging models that read an unknown source or hold several statements', () => {
    write(
      { 'flat.yaml': `kind: file\npath: flat*.csv\nprimary_key: [order_id]\n${CONTRACT}` },
      { 'm.sql': '-- entity: orders\n-- from: nowhere\nselect 1' },
    );
    fails('"-- from: <source>" must name a source');
    rmSync(join(dir, 'ingest', 'staging', 'm.sql'));
    write({}, { 'm.sql': '-- entity: orders\n-- from: flat\nselect 1; select 2' });
    fails('one SELECT statement');
  });
});
