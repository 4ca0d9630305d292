import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const SOURCE_KINDS = ['file', 's3', 'postgres', 'mysql', 'debezium', 'events'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const FORMATS = ['csv', 'ndjson', 'parquet'] as const;
export type SourceFormat = (typeof FORMATS)[number];
export const COLUMN_TYPES = ['string', 'integer', 'decimal', 'boolean', 'timestamp', 'date'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const PII_CLASSES = ['email', 'phone', 'name', 'address', 'birth_date', 'none'] as const;
export type PiiClass = (typeof PII_CLASSES)[number];
export const EVOLUTION_MODES = ['strict', 'add_columns', 'ignore'] as const;
export type EvolutionMode = (typeof EVOLUTION_MODES)[number];
export const ENTITIES = ['customers', 'products', 'orders', 'order_items', 'events'] as const;
export type Entity = (typeof ENTITIES)[number];

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

export interface SourceDefinition {
  name: string;
  kind: SourceKind;
  entity: Entity;
  path: string;
  format: SourceFormat;
  csv: CsvOptions;
  primaryKey: string[];
  watermark: string | null;
  evolution: EvolutionMode;
  columns: ColumnContract[];
  /** The YAML file it came from, for error messages. */
  file: string;
}

export class SourceDefinitionError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function oneOf<V extends string>(file: string, field: string, value: unknown, allowed: readonly V[]): V {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SourceDefinitionError(file, `${field} must be one of ${allowed.join(', ')}`);
  }
  return value as V;
}

function parseColumn(file: string, name: string, raw: unknown): ColumnContract {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new SourceDefinitionError(file, `bad column name "${name}"`);
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
  return Object.entries(raw).map(([name, rules]) => parseColumn(file, name, rules));
}

/** Reads and validates every `ingest/sources/*.yaml`. A bad file stops with a message naming it. */
export function loadSourceDefinitions(configDir: string): SourceDefinition[] {
  const dir = join(configDir, 'ingest', 'sources');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  const raws = new Map<string, { file: string; raw: Raw }>();
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
    if (!/^[a-z][a-z0-9_]*$/.test(sourceName))
      throw new SourceDefinitionError(file, `bad source name "${sourceName}"`);
    if (raws.has(sourceName)) throw new SourceDefinitionError(file, `duplicate source name "${sourceName}"`);
    raws.set(sourceName, { file, raw });
  }
  const definitions: SourceDefinition[] = [];
  for (const [name, { file, raw }] of raws) {
    let contractRaw = raw.contract;
    if (raw.contract_from !== undefined) {
      const base = raws.get(String(raw.contract_from));
      if (!base)
        throw new SourceDefinitionError(file, `contract_from names unknown source "${raw.contract_from}"`);
      contractRaw = base.raw.contract;
    }
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
    if (typeof raw.path !== 'string' || raw.path === '')
      throw new SourceDefinitionError(file, 'path is required');
    definitions.push({
      name,
      kind: oneOf(file, 'kind', raw.kind, SOURCE_KINDS),
      entity: oneOf(file, 'entity', raw.entity, ENTITIES),
      path: raw.path,
      format: oneOf(file, 'format', raw.format ?? 'csv', FORMATS),
      csv: {
        delimiter: String(csv.delimiter ?? ','),
        quote: String(csv.quote ?? '"'),
        header: csv.header !== false,
      },
      primaryKey,
      watermark,
      evolution: oneOf(file, 'evolution', raw.evolution ?? 'strict', EVOLUTION_MODES),
      columns,
      file,
    });
  }
  return definitions;
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
