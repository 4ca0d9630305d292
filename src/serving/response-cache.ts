import { Injectable, Optional } from '@nestjs/common';
import { hash } from 'node:crypto';
import { Counter } from 'prom-client';
import { Principal } from '../auth/principal';
import { C360Config } from '../config/config';
import { METRICS_PREFIX, MetricsService } from '../observability/metrics.service';
import { SnapshotReaderService } from './snapshot-reader.service';

/** A serialised response, ready to send again. */
export interface CachedResponse {
  snapshotId: string;
  body: string;
  /** Strong validator of `body` (quoted, as sent in ETag). */
  etag: string;
  /** The answer before serialisation, where the transport re-serialises it (GraphQL). */
  value?: unknown;
}

const BYTES_PER_MB = 1024 * 1024;
const callerKeys = new WeakMap<Principal, string>();

/** Everything about a caller that can change a response: roles (permissions and masking) and row
 *  scope. Two callers with the same key get byte-identical answers to the same URL. */
export function callerKeyOf(principal: Principal): string {
  let key = callerKeys.get(principal);
  if (key === undefined) {
    const roles = [...principal.roles].sort();
    const countries = principal.countries === null ? null : [...principal.countries].sort();
    key = JSON.stringify([roles, countries]);
    callerKeys.set(principal, key);
  }
  return key;
}

export function serialise(snapshotId: string, body: unknown): CachedResponse {
  const text = JSON.stringify(body);
  // One-shot hash: no Hash object per response (same digest as hashing the parts in turn).
  const etag = `"${hash('sha1', `${snapshotId}\n${text}`, 'base64url')}"`;
  return { snapshotId, body: text, etag };
}

/**
 * Serialised read responses of the active snapshot, keyed by caller key and URL, least recently
 * used evicted first. Dropped whole when another snapshot is published, and an answer computed
 * on any snapshot but the active one is never stored, so the cache cannot serve stale data.
 */
@Injectable()
export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private readonly maxBytes: number;
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    config: C360Config,
    private readonly reader: SnapshotReaderService,
    @Optional() metrics?: MetricsService,
  ) {
    this.maxBytes = config.get('responseCacheMb') * BYTES_PER_MB;
    reader.onPublish(() => this.clear());
    if (metrics) this.register(metrics);
  }

  /** Hits and misses as Prometheus counters (read when scraped; benchmarks report the hit share). */
  private register(metrics: MetricsService): void {
    const count = (outcome: 'hits' | 'misses', help: string): void => {
      const read = (): number => this[outcome];
      new Counter({
        name: `${METRICS_PREFIX}response_cache_${outcome}_total`,
        help,
        registers: [metrics.registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    count('hits', 'Cacheable reads (REST GETs, GraphQL queries) answered from the response cache');
    count('misses', 'Cacheable reads that had to be computed');
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  keyOf(principal: Principal, url: string): string {
    return `${callerKeyOf(principal)}\n${url}`;
  }

  get(key: string): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.snapshotId !== this.reader.snapshot()?.id) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert: the map's order is the eviction order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedResponse): void {
    const size = entry.body.length + key.length;
    if (!this.enabled || size > this.maxBytes / 16) return;
    if (entry.snapshotId !== this.reader.snapshot()?.id) return;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.bytes -= previous.body.length + key.length;
    }
    this.entries.set(key, entry);
    this.bytes += size;
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= old.body.length + oldKey.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
