import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_VARIABLES, ConfigValueError, ConfigValues } from './config.definitions';

export { ConfigValueError } from './config.definitions';

/** Repository root: where the shipped `ingest/`, `gold/` and `c360.policy.yaml` live. */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** Validated, typed configuration. Built once at start-up from the environment. */
export class C360Config {
  private constructor(private readonly values: ConfigValues) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): C360Config {
    const values = {} as Record<string, unknown>;
    for (const [key, definition] of Object.entries(CONFIG_VARIABLES)) {
      values[key] = definition.parse(env[definition.env]);
    }
    return new C360Config(values as ConfigValues);
  }

  /** Loads `.env` from the working directory when present; variables already set win. */
  static loadDotEnv(cwd = process.cwd()): void {
    const file = resolve(cwd, '.env');
    if (existsSync(file)) process.loadEnvFile(file);
  }

  get<K extends keyof ConfigValues>(key: K): ConfigValues[K] {
    return this.values[key];
  }

  get port(): number {
    return this.values.port;
  }
  get dataDir(): string {
    return resolve(this.values.dataDir);
  }
  get configDir(): string {
    return this.values.configDir ? resolve(this.values.configDir) : PACKAGE_ROOT;
  }

  /** The HS256 secret; commands that sign or verify tokens call this and get a clear error when unset. */
  requireJwtSecret(): string {
    const secret = this.values.jwtSecret;
    if (!secret) throw new ConfigValueError('AUTH_JWT_SECRET', 'is required (or set AUTH_JWKS_URL)');
    return secret;
  }

  /** Key for the `hash` masking strategy; derived from the JWT secret when not given. */
  get maskingKey(): string {
    if (this.values.maskingKey) return this.values.maskingKey;
    const base = this.values.jwtSecret ?? this.values.jwksUrl ?? 'c360';
    return createHmac('sha256', base).update('c360-masking-key').digest('hex');
  }

  /** Validates the combination of variables a serving process needs. */
  assertServable(): void {
    if (!this.values.jwtSecret && !this.values.jwksUrl) {
      throw new ConfigValueError('AUTH_JWT_SECRET', 'is required to serve the API (or set AUTH_JWKS_URL)');
    }
    if (this.values.engine !== 'duckdb') {
      for (const key of ['athenaDatabase', 'athenaOutputLocation', 'awsRegion'] as const) {
        if (!this.values[key])
          throw new ConfigValueError(CONFIG_VARIABLES[key].env, 'is required when C360_ENGINE=athena');
      }
      if (!/^s3:\/\/[^/]+/.test(this.values.athenaOutputLocation ?? '')) {
        throw new ConfigValueError('ATHENA_OUTPUT_LOCATION', 'must be an s3://bucket/prefix URI');
      }
    }
  }

  withOverrides(overrides: Partial<ConfigValues>): C360Config {
    return new C360Config({ ...this.values, ...overrides });
  }
}
