import { C360Error, ErrorCode } from '../common/errors';
import { RateLimiter } from './rate-limiter';

const refused = (limiter: RateLimiter, key: string, now: number): C360Error | null => {
  try {
    limiter.take(key, now);
    return null;
  } catch (error) {
    return error as C360Error;
  }
};

describe('RateLimiter', () => {
  it('allows a burst, then the sustained rate, per key', () => {
    const limiter = new RateLimiter(2, 3);
    for (let i = 0; i < 3; i++) expect(refused(limiter, 'a', 0)).toBeNull();
    const error = refused(limiter, 'a', 0);
    expect(error?.code).toBe(ErrorCode.RateLimited);
    expect(error?.extensions).toEqual({ retry_after: 1 });
    expect(refused(limiter, 'b', 0)).toBeNull();
    // 2 per second: one more after half a second
    expect(refused(limiter, 'a', 500)).toBeNull();
    expect(refused(limiter, 'a', 500)?.code).toBe(ErrorCode.RateLimited);
  });

  it('is off with a rate of 0', () => {
    const limiter = new RateLimiter(0, 1);
    for (let i = 0; i < 100; i++) expect(refused(limiter, 'a', 0)).toBeNull();
  });
});
