import { C360Error, ErrorCode } from '../common/errors';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

const MAX_BUCKETS = 100_000;

/**
 * Token buckets per bearer token: `rate` requests per second on average, up to `burst` at once.
 * One instance serves REST and GraphQL, so a caller cannot double its budget by switching.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    /** Requests per second; 0 turns limiting off. */
    readonly rate: number,
    readonly burst: number,
  ) {}

  get enabled(): boolean {
    return this.rate > 0;
  }

  /** Takes one request from `key`'s bucket; throws RateLimited (with `retry_after` seconds) when
   *  it is empty. */
  take(key: string, nowMs = Date.now()): void {
    if (!this.enabled) return;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(nowMs);
      bucket = { tokens: this.burst, updatedMs: nowMs };
      this.buckets.set(key, bucket);
    } else {
      const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
      bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.rate);
      bucket.updatedMs = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
    throw new C360Error(
      ErrorCode.RateLimited,
      `Too many requests for this token; retry in ${retryAfter} s.`,
      {
        retry_after: retryAfter,
      },
    );
  }

  /** Forgets buckets that have refilled (they would start full again anyway). */
  private sweep(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      const tokens = bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / 1000) * this.rate;
      if (tokens >= this.burst) this.buckets.delete(key);
    }
    // Everyone is mid-burst: start over rather than grow without bound.
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
  }
}
