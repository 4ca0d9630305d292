/**
 * Seeded randomness for the sample-data generator. Never Math.random: the same
 * (seed, stream, index) always yields the same numbers, which is what makes every
 * generated file byte-identical across runs and lets batch n recompute any record
 * of the base population without reading earlier files.
 */

const TWO_POW_32 = 4294967296;

/** murmur3-style 32-bit finaliser: a cheap, well-mixing integer hash. */
export function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashString(text: string): number {
  // FNV-1a, then mixed; only used to turn stream names into keys (never in hot loops).
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/**
 * A 32-bit stream key from the user seed and a list of labels (stream name, batch
 * number, ...). Any safe integer seed is accepted, negative ones included.
 */
export function streamKey(seed: number, ...parts: readonly (string | number)[]): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  let h = mix32(lo ^ mix32(hi + 0x9e3779b9));
  for (const part of parts) {
    const p = typeof part === 'string' ? hashString(part) : mix32((part >>> 0) ^ 0x632be5ab);
    h = mix32(h ^ (p + 0x9e3779b9 + (h << 6) + (h >>> 2)));
  }
  return h;
}

/** A uniform number in [0, 1) derived from (key, index) alone: random access, no state. */
export function unitHash(key: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / TWO_POW_32) >>> 0;
  return mix32(key ^ mix32(lo + mix32(hi ^ 0x68e31da4))) / TWO_POW_32;
}

/** sfc32 (Small Fast Chaotic PRNG, 128-bit state); reseedable in place to avoid allocation. */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(key: number, index = 0) {
    this.reset(key, index);
  }

  /** Reposition on the sub-stream (key, index); index may exceed 2^32. */
  reset(key: number, index: number): this {
    const lo = index >>> 0;
    const hi = Math.floor(index / TWO_POW_32) >>> 0;
    this.a = mix32(key ^ lo) | 0;
    this.b = mix32(this.a ^ hi ^ 0x9e3779b9) | 0;
    this.c = mix32(this.b + lo + 0x6a09e667) | 0;
    this.d = 1;
    for (let i = 0; i < 8; i++) this.nextU32();
    return this;
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index drawn from cumulative weights (last entry = total). */
  weighted(cumulative: ArrayLike<number>): number {
    return searchCumulative(cumulative, this.next() * cumulative[cumulative.length - 1]);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with mean 1. */
  exponential(): number {
    return -Math.log(1 - this.next());
  }
}

/** First index whose cumulative weight exceeds target (binary search). */
export function searchCumulative(cumulative: ArrayLike<number>, target: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Cumulative sums of a weight list, for Rng.weighted. */
export function cumulate(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    out[i] = sum;
  }
  return out;
}
