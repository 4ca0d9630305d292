import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/config';

/** The shipped contract of one default source, to reuse under another kind. */
export const CUSTOMERS_CONTRACT = `contract:
  customer_id: { type: string, required: true }
  email: { type: string, required: true, normalize: lower, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', pii: email }
  phone: { type: string, pii: phone }
  first_name: { type: string, pii: name }
  last_name: { type: string, pii: name }
  birth_date: { type: date, pii: birth_date }
  street: { type: string, pii: address }
  city: { type: string, pii: address }
  state: { type: string, pii: address }
  postal_code: { type: string, pii: address }
  country: { type: string, required: true, normalize: upper, pattern: '^[A-Z]{2}$' }
  signup_at: { type: timestamp }
  marketing_opt_in: { type: boolean }
  updated_at: { type: timestamp, required: true }`;

export const ORDERS_CONTRACT = `contract:
  order_id: { type: string, required: true }
  customer_id: { type: string, required: true }
  order_ts: { type: timestamp, required: true }
  status: { type: string, normalize: lower, enum: [placed, shipped, delivered, cancelled, returned] }
  channel: { type: string }
  currency: { type: string }
  updated_at: { type: timestamp, default_from: order_ts }`;

/**
 * A configuration directory of its own (C360_CONFIG_DIR): the shipped gold models, checks and
 * policy, with the sources (and staging models) a test declares.
 */
export class IngestConfig {
  readonly dir: string;

  constructor(
    sources: Record<string, string>,
    options: { staging?: Record<string, string>; policy?: string; copyDefaults?: boolean } = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'c360-config-'));
    symlinkSync(join(PACKAGE_ROOT, 'gold'), join(this.dir, 'gold'));
    if (options.policy) writeFileSync(join(this.dir, 'c360.policy.yaml'), options.policy);
    else cpSync(join(PACKAGE_ROOT, 'c360.policy.yaml'), join(this.dir, 'c360.policy.yaml'));
    const sourcesDir = join(this.dir, 'ingest', 'sources');
    mkdirSync(sourcesDir, { recursive: true });
    if (options.copyDefaults)
      cpSync(join(PACKAGE_ROOT, 'ingest', 'sources'), sourcesDir, { recursive: true });
    this.setSources(sources);
    if (options.staging) {
      mkdirSync(join(this.dir, 'ingest', 'staging'), { recursive: true });
      for (const [name, sql] of Object.entries(options.staging)) {
        writeFileSync(join(this.dir, 'ingest', 'staging', `${name}.sql`), sql);
      }
    }
  }

  /** Writes (or replaces) source YAML files. */
  setSources(sources: Record<string, string>): void {
    for (const [name, yaml] of Object.entries(sources)) {
      writeFileSync(join(this.dir, 'ingest', 'sources', `${name}.yaml`), yaml);
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
