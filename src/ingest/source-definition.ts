import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENTITY_SPECS } from '../pipeline/entities';

/** Kinds a source YAML may declare (SPEC §3). */
export const SOURCE_KINDS = ['file', 's3', 'postgres', 'mysql', 'debezium', 'events'] as const;
export type DeclaredSourceKind = (typeof SOURCE_KINDS)[number];
/** `staging`: a source produced by an `ingest/staging/<name>.sql` model over another source's bronze. */
export type SourceKind = DeclaredSourceKind | 'staging';
export const FORMATS = ['csv', 'ndjson', 'parquet'] as const;
export type SourceFormat = (typeof FORMATS)[number];
export const COMPRESSIONS = ['auto', 'gzip', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
export const COLUMN_TYPES = ['string', 'integer', 'decimal', 'boolean', 'timestamp', 'date'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const PII_CLASSES = ['email', 'phone', 'name', 'address', 'birth_date', 'none'] as const;
export type PiiClass = (typeof PII_CLASSES)[number];
export const EVOLUTION_MODES = ['strict', 'add_columns', 'ignore'] as const;
export type EvolutionMode = (typeof EVOLUTION_MODES)[number];
export const ENTITIES = ['customers', 'products', 'orders', 'order_items', 'events'] as const;
export type Entity = (typeof ENTITIES)[number];

/** Where the HTTP ingest routes spool accepted lines, relative to the landing zone. */
export const EVENTS_SPOOL_GLOB = '_ingest/events/*.ndjson';
export const cdcSpoolGlob = (source: string): string => `_ingest/cdc/${source}/*.ndjson`;

export interface ColumnContract {
  name: string;
  type: ColumnType;
  required: boolean;
  pattern: string | null;
  enum: string[] | null;
  min: number | null;
  pii: PiiClass;
  normalize: 'lower' | 'upper' | null;
  /** Value used when the field is empty (e.g. discount 0). */
  default: string | null;
  /** Column whose value is used when this one is empty (e.g. updated_at ← order_ts). */
  defaultFrom: string | null;
}

export interface CsvOptions {
  delimiter: string;
  quote: string;
  header: boolean;
}

/** Object storage location of an `s3` source. */
export interface S3Location {
  bucket: string;
  prefix: string;
  /** Glob on the object name after the prefix (`*` = everything under it). */
  pattern: string;
  region: string | null;
  /** Environment variable holding an endpoint URL (MinIO, a local S3-compatible server). */
  endpointEnv: string | null;
  forcePathStyle: boolean;
}

/** A `postgres` (also Redshift) or `mysql` source. */
export interface DatabaseLocation {
  /** Environment variable holding the connection URL; a URL never appears in YAML. */
  urlEnv: string;
  /** `schema.table` (validated identifiers) or null when `query` is given. */
  table: string[] | null;
  query: string | null;
  pageSize: number;
  connectTimeoutMs: number;
}

export interface RetryPolicy {
  /** Further attempts after the first one fails with a transient error. */
  retries: number;
  /** First back-off; doubled on each attempt. */
  backoffMs: number;
}

/** `ingest/staging/<name>.sql`: one SELECT over a source's bronze mapping it onto an entity. */
export interface StagingModel {
  /** The source whose bronze the SELECT reads (as `bronze_<input>`). */
  input: string;
  sql: string;
  file: string;
}

/** What every kind of source shares; sources without an entity only feed staging models. */
export interface ExtractableSource {
  name: string;
  kind: SourceKind;
  /** Glob (relative to the landing zone unless absolute); the spool glob for `events`. */
  path: string;
  format: SourceFormat;
  compression: Compression;
  csv: CsvOptions;
  /** Source column name → contract column name. */
  rename: Record<string, string>;
  primaryKey: string[];
  watermark: string | null;
  evolution: EvolutionMode;
  columns: ColumnContract[];
  s3: S3Location | null;
  database: DatabaseLocation | null;
  retry: RetryPolicy;
  /** The YAML file it came from, for error messages. */
  file: string;
}

export interface SourceDefinition extends ExtractableSource {
  entity: Entity;
  /** Set for sources produced by a staging model. */
  staging: StagingModel | null;
}

/** A declared source without an `entity`: extracted only for the staging models that read it. */
export type RawSourceDefinition = ExtractableSource;

export interface SourceCatalog {
  /** Sources feeding entities: declared ones, then staging models. */
  sources: SourceDefinition[];
  /** Declared sources without an entity. */
  raw: RawSourceDefinition[];
}

export class SourceDefinitionError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const NAME = /^[a-z][a-z0-9_]*$/;
const COLUMN = /^[a-z_][a-z0-9_]*$/;
const DB_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

function oneOf<V extends string>(file: string, field: string, value: unknown, allowed: readonly V[]): V {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SourceDefinitionError(file, `${field} must be one of ${allowed.join(', ')}`);
  }
  return value as V;
}

function integerField(
  file: string,
  field: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SourceDefinitionError(file, `${field} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function stringField(file: string, field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value === '')
    throw new SourceDefinitionError(file, `${field} must be a string`);
  return value;
}

function envField(file: string, field: string, value: unknown): string | null {
  const name = stringField(file, field, value);
  if (name !== null && !ENV_NAME.test(name)) {
    throw new SourceDefinitionError(file, `${field} must name an environment variable (A-Z, 0-9, _)`);
  }
  return name;
}

function parseColumn(file: string, name: string, raw: unknown): ColumnContract {
  if (!COLUMN.test(name)) throw new SourceDefinitionError(file, `bad column name "${name}"`);
  if (!isRecord(raw)) throw new SourceDefinitionError(file, `contract.${name} must be a mapping`);
  const pattern = raw.pattern === undefined ? null : String(raw.pattern);
  if (pattern !== null) {
    try {
      new RegExp(pattern);
    } catch {
      throw new SourceDefinitionError(file, `contract.${name}.pattern is not a valid regular expression`);
    }
  }
  const enumValues = raw.enum === undefined ? null : raw.enum;
  if (enumValues !== null && (!Array.isArray(enumValues) || enumValues.some((v) => typeof v !== 'string'))) {
    throw new SourceDefinitionError(file, `contract.${name}.enum must be a list of strings`);
  }
  const min = raw.min === undefined ? null : Number(raw.min);
  if (min !== null && !Number.isFinite(min))
    throw new SourceDefinitionError(file, `contract.${name}.min must be a number`);
  return {
    name,
    type: oneOf(file, `contract.${name}.type`, raw.type ?? 'string', COLUMN_TYPES),
    required: raw.required === true,
    pattern,
    enum: enumValues as string[] | null,
    min,
    pii: oneOf(file, `contract.${name}.pii`, raw.pii ?? 'none', PII_CLASSES),
    normalize:
      raw.normalize === undefined
        ? null
        : oneOf(file, `contract.${name}.normalize`, raw.normalize, ['lower', 'upper'] as const),
    default: raw.default === undefined ? null : String(raw.default),
    defaultFrom: raw.default_from === undefined ? null : String(raw.default_from),
  };
}

function parseContract(file: string, raw: unknown): ColumnContract[] {
  if (!isRecord(raw)) throw new SourceDefinitionError(file, 'contract must map column names to rules');
  const columns = Object.entries(raw).map(([name, rules]) => parseColumn(file, name, rules));
  for (const column of columns) {
    if (column.defaultFrom && !columns.some((c) => c.name === column.defaultFrom)) {
      throw new SourceDefinitionError(file, `contract.${column.name}.default_from names an unknown column`);
    }
  }
  return columns;
}

function parseRename(file: string, raw: unknown, columns: ColumnContract[]): Record<string, string> {
  if (raw === undefined) return {};
  if (!isRecord(raw))
    throw new SourceDefinitionError(file, 'rename must map source column names to contract names');
  const rename: Record<string, string> = {};
  for (const [from, to] of Object.entries(raw)) {
    if (typeof to !== 'string' || !columns.some((c) => c.name === to)) {
      throw new SourceDefinitionError(file, `rename.${from} must name a contract column`);
    }
    rename[from] = to;
  }
  return rename;
}

function parseS3(file: string, raw: Raw): S3Location {
  const bucket = stringField(file, 'bucket', raw.bucket);
  if (!bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new SourceDefinitionError(file, 'bucket is required for s3 sources (a valid bucket name)');
  }
  const prefix = raw.prefix === undefined ? '' : String(raw.prefix);
  const endpointEnv = envField(file, 'endpoint_env', raw.endpoint_env);
  return {
    bucket,
    prefix,
    pattern: stringField(file, 'pattern', raw.pattern) ?? '*',
    region: stringField(file, 'region', raw.region),
    endpointEnv,
    forcePathStyle: raw.force_path_style === undefined ? endpointEnv !== null : raw.force_path_style === true,
  };
}

function parseDatabase(file: string, raw: Raw): DatabaseLocation {
  const urlEnv = envField(file, 'url_env', raw.url_env);
  if (!urlEnv) {
    throw new SourceDefinitionError(
      file,
      'url_env is required: the name of the environment variable holding the connection URL',
    );
  }
  if (raw.url !== undefined) {
    throw new SourceDefinitionError(
      file,
      'a connection URL never goes in YAML; name its variable in url_env',
    );
  }
  const tableText = stringField(file, 'table', raw.table);
  const query = stringField(file, 'query', raw.query);
  if ((tableText === null) === (query === null)) {
    throw new SourceDefinitionError(file, 'give exactly one of table or query');
  }
  const table = tableText === null ? null : tableText.split('.');
  if (table && (table.length > 2 || table.some((part) => !DB_IDENTIFIER.test(part)))) {
    throw new SourceDefinitionError(file, 'table must be "name" or "schema.name" (letters, digits, _ and $)');
  }
  if (query !== null && statementSeparators(query.trim().replace(/;$/, '')) > 0) {
    throw new SourceDefinitionError(file, 'query must be a single SELECT statement');
  }
  return {
    urlEnv,
    table,
    query: query === null ? null : query.trim().replace(/;\s*$/, ''),
    pageSize: integerField(file, 'page_size', raw.page_size, 10_000, 1, 1_000_000),
    connectTimeoutMs: integerField(file, 'connect_timeout_ms', raw.connect_timeout_ms, 10_000, 100, 600_000),
  };
}

/** Canonical PII of customer attributes: staging models inherit it so served fields stay masked. */
const CANONICAL_PII: Record<string, PiiClass> = {
  email: 'email',
  phone: 'phone',
  first_name: 'name',
  last_name: 'name',
  birth_date: 'birth_date',
  street: 'address',
  city: 'address',
  state: 'address',
  postal_code: 'address',
};

/** The canonical columns of an entity as a contract (types only; staging output is not re-validated). */
export function canonicalColumns(entity: Entity, types: Record<string, string>): ColumnContract[] {
  const typeOf = (sqlType: string): ColumnType => {
    if (sqlType === 'BIGINT' || sqlType === 'INTEGER') return 'integer';
    if (sqlType.startsWith('DECIMAL')) return 'decimal';
    if (sqlType === 'BOOLEAN') return 'boolean';
    if (sqlType === 'TIMESTAMP') return 'timestamp';
    if (sqlType === 'DATE') return 'date';
    return 'string';
  };
  return Object.entries(types).map(([name, sqlType]) => ({
    name,
    type: typeOf(sqlType),
    required: false,
    pattern: null,
    enum: null,
    min: null,
    pii: entity === 'customers' ? (CANONICAL_PII[name] ?? 'none') : 'none',
    normalize: null,
    default: null,
    defaultFrom: null,
  }));
}

interface ParsedYaml {
  file: string;
  raw: Raw;
}

function readYamlSources(configDir: string): Map<string, ParsedYaml> {
  const dir = join(configDir, 'ingest', 'sources');
  const raws = new Map<string, ParsedYaml>();
  if (!existsSync(dir)) return raws;
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  for (const name of files) {
    const file = join('ingest', 'sources', name);
    let raw: unknown;
    try {
      raw = parse(readFileSync(join(dir, name), 'utf8'));
    } catch (error) {
      throw new SourceDefinitionError(file, `invalid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    if (!isRecord(raw)) throw new SourceDefinitionError(file, 'must be a mapping');
    const sourceName = String(raw.name ?? name.replace(/\.ya?ml$/, ''));
    if (!NAME.test(sourceName)) throw new SourceDefinitionError(file, `bad source name "${sourceName}"`);
    if (raws.has(sourceName)) throw new SourceDefinitionError(file, `duplicate source name "${sourceName}"`);
    raws.set(sourceName, { file, raw });
  }
  return raws;
}

function parseSource(name: string, { file, raw }: ParsedYaml, raws: Map<string, ParsedYaml>) {
  let contractRaw = raw.contract;
  if (raw.contract_from !== undefined) {
    const base = raws.get(String(raw.contract_from));
    if (!base)
      throw new SourceDefinitionError(file, `contract_from names unknown source "${raw.contract_from}"`);
    contractRaw = base.raw.contract;
  }
  const kind = oneOf(file, 'kind', raw.kind, SOURCE_KINDS);
  const columns = parseContract(file, contractRaw);
  const primaryKey = Array.isArray(raw.primary_key)
    ? raw.primary_key.map(String)
    : [String(raw.primary_key ?? '')];
  for (const key of primaryKey) {
    if (!columns.some((c) => c.name === key))
      throw new SourceDefinitionError(file, `primary_key "${key}" is not in the contract`);
  }
  const csv = isRecord(raw.csv) ? raw.csv : {};
  const watermark = raw.watermark === undefined ? null : String(raw.watermark);
  if (watermark && !columns.some((c) => c.name === watermark)) {
    throw new SourceDefinitionError(file, `watermark "${watermark}" is not in the contract`);
  }
  const isDatabase = kind === 'postgres' || kind === 'mysql';
  if (isDatabase && !watermark) {
    throw new SourceDefinitionError(file, `${kind} sources need a watermark column (incremental reads)`);
  }
  let path: string;
  if (kind === 'events')
    path = typeof raw.path === 'string' && raw.path !== '' ? raw.path : EVENTS_SPOOL_GLOB;
  else if (kind === 'debezium') path = typeof raw.path === 'string' ? raw.path : '';
  else if (kind === 'file') {
    if (typeof raw.path !== 'string' || raw.path === '')
      throw new SourceDefinitionError(file, 'path is required');
    path = raw.path;
  } else path = '';
  const delimiter = String(csv.delimiter ?? ',');
  const quote = String(csv.quote ?? '"');
  if (delimiter.length !== 1 || quote.length > 1) {
    throw new SourceDefinitionError(file, 'csv.delimiter must be one character and csv.quote at most one');
  }
  const format =
    kind === 'debezium' || kind === 'events'
      ? 'ndjson'
      : isDatabase
        ? 'csv'
        : oneOf(file, 'format', raw.format ?? 'csv', FORMATS);
  const source: ExtractableSource = {
    name,
    kind,
    path,
    format,
    compression: oneOf(file, 'compression', raw.compression ?? 'auto', COMPRESSIONS),
    csv: { delimiter, quote, header: csv.header !== false },
    rename: parseRename(file, raw.rename, columns),
    primaryKey,
    watermark,
    evolution: oneOf(file, 'evolution', raw.evolution ?? 'strict', EVOLUTION_MODES),
    columns,
    s3: kind === 's3' ? parseS3(file, raw) : null,
    database: isDatabase ? parseDatabase(file, raw) : null,
    retry: {
      retries: integerField(file, 'retries', raw.retries, 3, 0, 20),
      backoffMs: integerField(file, 'retry_backoff_ms', raw.retry_backoff_ms, 500, 0, 60_000),
    },
    file,
  };
  return { source, entity: raw.entity === undefined ? null : oneOf(file, 'entity', raw.entity, ENTITIES) };
}

/** Semicolons outside strings, quoted identifiers and comments. */
function statementSeparators(sql: string): number {
  let count = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? sql.length : end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === ';') count++;
  }
  return count;
}

/** `-- key: value` header lines of a staging model. */
function stagingHeader(sql: string): Map<string, string> {
  const header = new Map<string, string>();
  for (const line of sql.split('\n')) {
    const match = /^\s*--\s*([a-z_]+)\s*:\s*(.+?)\s*$/.exec(line);
    if (match) header.set(match[1], match[2]);
    else if (line.trim() !== '' && !line.trim().startsWith('--')) break;
  }
  return header;
}

function loadStagingModels(configDir: string, declared: Map<string, ExtractableSource>): SourceDefinition[] {
  const dir = join(configDir, 'ingest', 'staging');
  if (!existsSync(dir)) return [];
  const models: SourceDefinition[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.sql'))
    .sort()) {
    const file = join('ingest', 'staging', name);
    const modelName = name.replace(/\.sql$/, '');
    if (!NAME.test(modelName)) throw new SourceDefinitionError(file, `bad staging model name "${modelName}"`);
    if (declared.has(modelName)) {
      throw new SourceDefinitionError(file, `staging model "${modelName}" has the name of a source`);
    }
    const sql = readFileSync(join(dir, name), 'utf8');
    const header = stagingHeader(sql);
    const entity = oneOf(file, '-- entity:', header.get('entity'), ENTITIES);
    const input = header.get('from');
    if (!input || !declared.has(input)) {
      throw new SourceDefinitionError(file, '"-- from: <source>" must name a source of ingest/sources');
    }
    const body = sql.trim().replace(/;$/, '');
    if (statementSeparators(body) > 0) {
      throw new SourceDefinitionError(file, 'a staging model is one SELECT statement');
    }
    const columns = canonicalColumns(entity, ENTITY_SPECS[entity].columns);
    const spec = ENTITY_SPECS[entity];
    models.push({
      name: modelName,
      kind: 'staging',
      entity,
      path: '',
      format: 'parquet',
      compression: 'none',
      csv: { delimiter: ',', quote: '"', header: true },
      rename: {},
      primaryKey: spec.key,
      watermark: spec.watermark,
      evolution: 'strict',
      columns,
      s3: null,
      database: null,
      retry: { retries: 0, backoffMs: 0 },
      file,
      staging: { input, sql: body, file },
    });
  }
  return models;
}

/**
 * Reads and validates every `ingest/sources/*.yaml` and `ingest/staging/*.sql`. A bad file stops
 * with a message naming it.
 */
export function loadSourceCatalog(configDir: string): SourceCatalog {
  const raws = readYamlSources(configDir);
  const declared = new Map<string, ExtractableSource>();
  const sources: SourceDefinition[] = [];
  const raw: RawSourceDefinition[] = [];
  for (const [name, yaml] of raws) {
    const parsed = parseSource(name, yaml, raws);
    declared.set(name, parsed.source);
    if (parsed.entity) sources.push({ ...parsed.source, entity: parsed.entity, staging: null });
    else raw.push(parsed.source);
  }
  sources.push(...loadStagingModels(configDir, declared));
  return { sources, raw };
}

/** Sources that feed entities (declared ones and staging models). */
export function loadSourceDefinitions(configDir: string): SourceDefinition[] {
  return loadSourceCatalog(configDir).sources;
}

/** PII class of each customer attribute, as the customers contracts declare it. Serving masks
 *  fields by these classes. */
export function customerPiiClasses(definitions: SourceDefinition[]): Map<string, PiiClass> {
  const classes = new Map<string, PiiClass>();
  for (const definition of definitions.filter((d) => d.entity === 'customers')) {
    for (const column of definition.columns) {
      if (column.pii !== 'none') classes.set(column.name, column.pii);
    }
  }
  return classes;
}
