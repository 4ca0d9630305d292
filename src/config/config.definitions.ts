import { CronTime } from 'cron';

/** One environment variable: its default, how it is coerced and checked, and whether it is secret. */
export interface ConfigVariable<T> {
  readonly env: string;
  readonly description: string;
  readonly defaultText: string;
  readonly secret: boolean;
  parse(raw: string | undefined): T;
}

export class ConfigValueError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

type Parser<T> = (raw: string) => T;

function variable<T>(
  env: string,
  description: string,
  defaultText: string,
  fallback: (() => T) | undefined,
  parse: Parser<T>,
  secret = false,
): ConfigVariable<T> {
  return {
    env,
    description,
    defaultText,
    secret,
    parse(raw: string | undefined): T {
      if (raw === undefined || raw.trim() === '') {
        if (fallback) return fallback();
        throw new ConfigValueError(env, 'is required');
      }
      try {
        return parse(raw.trim());
      } catch (error) {
        if (error instanceof ConfigValueError) throw error;
        throw new ConfigValueError(env, (error as Error).message);
      }
    },
  };
}

const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw)) throw new Error(`must be an integer between ${min} and ${max}, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new Error(`must be between ${min} and ${max}, got ${value}`);
    return value;
  };

const url: Parser<string> = (raw) => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error('must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('must be an http(s) URL');
  return raw;
};

const timestamp: Parser<Date> = (raw) => {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(raw)) {
    throw new Error(`must be an ISO-8601 timestamp such as 2025-01-01T00:00:00Z, got "${raw}"`);
  }
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(raw);
  const value = new Date(raw.length === 10 ? `${raw}T00:00:00Z` : hasZone ? raw : `${raw}Z`);
  if (Number.isNaN(value.getTime())) throw new Error(`is not a valid timestamp: "${raw}"`);
  return value;
};

const schedule: Parser<string | null> = (raw) => {
  if (raw.toLowerCase() === 'off') return null;
  try {
    new CronTime(raw);
  } catch {
    throw new Error(`must be a cron expression (e.g. "0 * * * *") or "off", got "${raw}"`);
  }
  return raw;
};

const oneOf =
  <V extends string>(values: readonly V[]): Parser<V> =>
  (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as V;
  };

const secretKey: Parser<string> = (raw) => {
  if (raw.length < 16) throw new Error('must be at least 16 characters long');
  return raw;
};

const text: Parser<string> = (raw) => raw;

/** `90s`, `30m`, `2h`, `1d` → seconds. */
const duration: Parser<number> = (raw) => {
  const match = /^(\d+)\s*([smhd])$/.exec(raw);
  if (!match) throw new Error(`must be a duration such as 30m, 2h or 1d, got "${raw}"`);
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  if (seconds <= 0) throw new Error('must be positive');
  return seconds;
};
const boolean: Parser<boolean> = (raw) => {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new Error(`must be true or false, got "${raw}"`);
};

/** `off`, `*` or a comma-separated list of origins (`scheme://host[:port]`). */
const corsOrigins: Parser<string[] | null> = (raw) => {
  if (raw.toLowerCase() === 'off') return null;
  const origins = raw.split(',').map((origin) => origin.trim());
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
      throw new Error(`must be off, * or origins such as https://bi.example.com, got "${origin}"`);
    }
  }
  return origins;
};

export const ENGINES = ['duckdb', 'athena'] as const;
export type Engine = (typeof ENGINES)[number];
export const SERVING_STORES = ['sqlite', 'duckdb'] as const;
export type ServingStoreKind = (typeof SERVING_STORES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every environment variable c360 reads. docs/configuration.md is generated from this table. */
export const CONFIG_VARIABLES = {
  port: variable('PORT', 'HTTP port', '3000', () => 3000, integer(0, 65535)),
  dataDir: variable(
    'C360_DATA_DIR',
    'Landing zone, lake, warehouse, snapshots and state',
    './data',
    () => './data',
    text,
  ),
  configDir: variable(
    'C360_CONFIG_DIR',
    'Where `ingest/`, `gold/` and `c360.policy.yaml` are read from',
    'repository root',
    () => '',
    text,
  ),
  jwtSecret: variable<string | null>(
    'AUTH_JWT_SECRET',
    'HS256 key for bearer tokens (at least 16 characters)',
    'none (the demo generates one and prints it)',
    () => null,
    secretKey,
    true,
  ),
  jwksUrl: variable<string | null>(
    'AUTH_JWKS_URL',
    'When set, RS256/ES256 tokens are verified against this JWKS',
    'unset',
    () => null,
    url,
  ),
  jwtIssuer: variable<string | null>(
    'AUTH_JWT_ISSUER',
    'When set, tokens must carry this `iss` claim (and `c360 token` writes it)',
    'unset',
    () => null,
    text,
  ),
  maskingKey: variable<string | null>(
    'C360_MASKING_KEY',
    'HMAC key for the `hash` masking strategy',
    'derived from AUTH_JWT_SECRET',
    () => null,
    secretKey,
    true,
  ),
  schedule: variable<string | null>(
    'C360_SCHEDULE',
    'Cron for incremental builds; `off` disables',
    '0 * * * *',
    () => '0 * * * *',
    schedule,
  ),
  asOf: variable<Date | null>(
    'C360_AS_OF',
    'Fixes "now" for recency and windows (reproducible builds)',
    'build start time',
    () => null,
    timestamp,
  ),
  engine: variable<Engine>(
    'C360_ENGINE',
    '`duckdb` or `athena` (reads through Athena)',
    'duckdb',
    () => 'duckdb',
    oneOf(ENGINES),
  ),
  servingStore: variable<ServingStoreKind>(
    'C360_SERVING_STORE',
    '`sqlite`: point and keyset reads from serve.sqlite of the served snapshot when it has one; `duckdb`: every read through serve.duckdb',
    'sqlite',
    () => 'sqlite',
    oneOf(SERVING_STORES),
  ),
  readLane: variable(
    'C360_READ_LANE',
    "Whether the hot customer reads (`GET /v1/customers`, `/{id}`, `/history`, `/orders`, `/events`) take the read lane (the same auth, validation, service, masking, cache, audit and ETag as every route, without the per-request cost of Nest's router) and repeated GraphQL queries are answered from the response cache before Apollo; `false` routes both through Nest and Apollo like the rest",
    'true',
    () => true,
    boolean,
  ),
  athenaWorkgroup: variable<string | null>(
    'ATHENA_WORKGROUP',
    'Athena workgroup',
    'primary',
    () => null,
    text,
  ),
  athenaDatabase: variable<string | null>(
    'ATHENA_DATABASE',
    'Athena/Glue database of the gold tables',
    'unset',
    () => null,
    text,
  ),
  athenaOutputLocation: variable<string | null>(
    'ATHENA_OUTPUT_LOCATION',
    'S3 URI for Athena query results',
    'unset',
    () => null,
    text,
  ),
  awsRegion: variable<string | null>('AWS_REGION', 'AWS region for S3 and Athena', 'unset', () => null, text),
  athenaPollMs: variable(
    'ATHENA_POLL_MS',
    'First wait between two Athena query-state polls (ms); doubled after each poll up to ATHENA_POLL_MAX_MS',
    '100',
    () => 100,
    integer(10, 60_000),
  ),
  athenaPollMaxMs: variable(
    'ATHENA_POLL_MAX_MS',
    'Longest wait between two Athena query-state polls (ms)',
    '1000',
    () => 1000,
    integer(10, 60_000),
  ),
  athenaQueryTimeout: variable(
    'ATHENA_QUERY_TIMEOUT',
    'An Athena query still running after this (e.g. 30s) is stopped and answered with a 504',
    '30s',
    () => 30,
    duration,
  ),
  athenaResultReuseMinutes: variable(
    'ATHENA_RESULT_REUSE_MINUTES',
    'Athena query result reuse: an identical query is answered from a result at most this old; 0 disables',
    '0 (off)',
    () => 0,
    integer(0, 10_080),
  ),
  exportPartSizeMb: variable(
    'C360_EXPORT_PART_SIZE_MB',
    'Part size of multipart uploads by `c360 export --target s3://…` (MiB, at least 5); larger files go in parts',
    '16',
    () => 16,
    integer(5, 5120),
  ),
  exportGlueEndpoint: variable<string | null>(
    'C360_EXPORT_GLUE_ENDPOINT',
    'AWS Glue endpoint override for the table registration of `c360 export --target s3://…`',
    'unset (AWS Glue in AWS_REGION)',
    () => null,
    url,
  ),
  exportS3Endpoint: variable<string | null>(
    'C360_EXPORT_S3_ENDPOINT',
    'S3-compatible endpoint for `c360 export --target s3://…` (MinIO, a local server; path-style addressing); credentials come from the standard AWS chain',
    'unset (Amazon S3)',
    () => null,
    url,
  ),
  openLineageUrl: variable<string | null>(
    'OPENLINEAGE_URL',
    'When set, lineage events are also POSTed there',
    'unset',
    () => null,
    url,
  ),
  alertWebhook: variable<string | null>(
    'C360_ALERT_WEBHOOK',
    'Slack-compatible webhook for failed runs, critical DQ and freshness breaches',
    'unset',
    () => null,
    url,
    true,
  ),
  snapshotRetention: variable(
    'C360_SNAPSHOT_RETENTION',
    'How many published snapshots are kept for rollback',
    '5',
    () => 5,
    integer(1, 1000),
  ),
  builderEnabled: variable(
    'C360_BUILDER',
    'Whether this process runs builds (schedule and admin triggers); replicas set false',
    'true',
    () => true,
    boolean,
  ),
  ingestMaxBytes: variable(
    'C360_INGEST_MAX_BYTES',
    'Largest body `POST /v1/ingest/events` and `/v1/ingest/cdc/{source}` accept (bytes); larger is a 413',
    '10485760 (10 MiB)',
    () => 10 * 1024 * 1024,
    integer(1024, 1024 * 1024 * 1024),
  ),
  maxSnapshotAge: variable<number | null>(
    'C360_MAX_SNAPSHOT_AGE',
    'Freshness SLA of the served snapshot (e.g. 2h); older is stale: alert, gauge, /health/ready details',
    'unset (no SLA)',
    () => null,
    duration,
  ),
  responseCacheMb: variable(
    'C360_RESPONSE_CACHE_MB',
    'Memory for cached read responses of the active snapshot (dropped on publish); 0 disables',
    '64',
    () => 64,
    integer(0, 65536),
  ),
  rateLimitRps: variable(
    'C360_RATE_LIMIT_RPS',
    'Requests per second each bearer token may make on average (REST and GraphQL); 0 = no limit',
    '0 (no limit; set it where callers are not trusted to pace themselves)',
    () => 0,
    integer(0, 1_000_000),
  ),
  rateLimitBurst: variable<number | null>(
    'C360_RATE_LIMIT_BURST',
    'Requests a token may make at once before the per-second rate applies',
    'twice C360_RATE_LIMIT_RPS',
    () => null,
    integer(1, 10_000_000),
  ),
  graphqlMaxDepth: variable(
    'C360_GRAPHQL_MAX_DEPTH',
    'Deepest field nesting a GraphQL operation may have (the standard introspection query needs 15)',
    '16',
    () => 16,
    integer(2, 100),
  ),
  graphqlMaxComplexity: variable(
    'C360_GRAPHQL_MAX_COMPLEXITY',
    'Largest estimated cost of a GraphQL operation (each field 1, lists multiplied by `first`)',
    '100000',
    () => 100_000,
    integer(10, 100_000_000),
  ),
  graphqlIntrospection: variable<boolean | null>(
    'C360_GRAPHQL_INTROSPECTION',
    'Whether GraphQL answers introspection queries (`__schema`, `__type`)',
    'false when NODE_ENV=production, true otherwise',
    () => null,
    boolean,
  ),
  corsOrigins: variable<string[] | null>(
    'C360_CORS_ORIGINS',
    'Browser origins allowed to call the API (comma-separated, e.g. https://bi.example.com, or `*`); `off` sends no CORS headers. Credentials are never allowed',
    'off',
    () => null,
    corsOrigins,
  ),
  hstsMaxAge: variable(
    'C360_HSTS_MAX_AGE',
    'Strict-Transport-Security max-age in seconds (set it when clients reach the API over HTTPS); 0 sends no header',
    '0',
    () => 0,
    integer(0, 63_072_000),
  ),
  auditMaxMb: variable(
    'C360_AUDIT_MAX_MB',
    'Disk the audit log (`state/audit/`) may use; the oldest entries are dropped beyond it',
    '256',
    () => 256,
    integer(1, 1_048_576),
  ),
  logLevel: variable<LogLevel>(
    'LOG_LEVEL',
    'Log level of the JSON logs',
    'info',
    () => 'info',
    oneOf(LOG_LEVELS),
  ),
} as const;

type Definitions = typeof CONFIG_VARIABLES;
export type ConfigValues = { [K in keyof Definitions]: ReturnType<Definitions[K]['parse']> };
