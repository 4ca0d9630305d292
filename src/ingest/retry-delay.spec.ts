import { retryDelay } from './database-source';

describe('retryDelay (bounded exponential back-off with equal jitter)', () => {
  it('waits between half and all of backoff·2^(attempt-1)', () => {
    expect(retryDelay(200, 1, () => 0)).toBe(100);
    expect(retryDelay(200, 1, () => 1)).toBe(200);
    expect(retryDelay(200, 3, () => 0)).toBe(400);
    expect(retryDelay(200, 3, () => 1)).toBe(800);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const delay = retryDelay(500, attempt);
      // attempt 8 reaches the one-minute cap: 500·2^7 = 64 s
      const ceiling = Math.min(500 * 2 ** (attempt - 1), 60_000);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('never waits more than a minute, whatever the settings', () => {
    expect(retryDelay(60_000, 20, () => 1)).toBe(60_000);
    expect(retryDelay(60_000, 20, () => 0)).toBe(30_000);
    expect(retryDelay(0, 5)).toBe(0);
  });
});
