import { retryDelay } from './database-source';

describe('retryDelay (bounded exponential back-off with equal jitter)', () => {
  it('waits between half and all of backoff·2^(attempt-1)', () => {
    expect(retryDelay(200, 1, () => 0)).toBe(100);
    expect(retryDelay(200, 1, () => 1)).toBe(200);
    expect(retryDelay(200, 3, () => 0)).toBe(400);
    expect(retryDelay(200, 3, () => 1)).toBe(800);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const delay = retryDelay(500, attempt);
      expect(delay).toBeGreaterThanOrEqual(250 * 2 ** (attempt - 1));
      expect(delay).toBeLessThanOrEqual(500 * 2 ** (attempt - 1));
    }
  });

  it('never waits more than a minute, whatever the settings', () => {
    expect(retryDelay(60_000, 20, () => 1)).toBe(60_000);
    expect(retryDelay(60_000, 20, () => 0)).toBe(30_000);
    expect(retryDelay(0, 5)).toBe(0);
  });
});
