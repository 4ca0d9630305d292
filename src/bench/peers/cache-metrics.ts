import { httpJson } from './proc';

/** c360's response-cache counters (from /metrics), or null when the server does not expose them. */
export interface CacheCounters {
  hits: number;
  misses: number;
}

export async function readCacheCounters(base: string): Promise<CacheCounters | null> {
  try {
    const { status, text } = await httpJson(`${base}/metrics`, { timeoutMs: 10_000 });
    if (status !== 200) return null;
    const value = (name: string): number | null => {
      const match = new RegExp(`^c360_response_cache_${name}_total (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
      return match ? Number(match[1]) : null;
    };
    const hits = value('hits');
    const misses = value('misses');
    return hits === null || misses === null ? null : { hits, misses };
  } catch {
    return null;
  }
}

/** Share of the cacheable requests between two readings answered from the cache (null: unknown or
 *  none counted). */
export function hitShare(before: CacheCounters | null, after: CacheCounters | null): number | null {
  if (!before || !after) return null;
  const hits = after.hits - before.hits;
  const total = hits + (after.misses - before.misses);
  return total > 0 ? hits / total : null;
}

export const percent = (share: number | null): string =>
  share === null ? 'n/a' : `${(share * 100).toFixed(share > 0 && share < 0.01 ? 1 : 0)}%`;
