import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/auth/rate-limit.ts';

describe('RateLimiter', () => {
  it('allows the limit within a window, then refuses with Retry-After', () => {
    const limiter = new RateLimiter(10, 60_000);
    const t0 = 1_000_000_000_000; // on a window boundary
    for (let i = 0; i < 10; i++) expect(limiter.consume('ip', t0 + i).allowed).toBe(true);
    const refused = limiter.consume('ip', t0 + 100);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
    expect(limiter.consume('other', t0 + 100).allowed).toBe(true);
  });

  it('slides: the previous window still counts in proportion', () => {
    const limiter = new RateLimiter(10, 60_000);
    const t0 = 1_000_000_000_000;
    for (let i = 0; i < 10; i++) limiter.hit('k', t0 + 59_000);
    // 1 s into the next window ~98% of the previous 10 still weigh.
    expect(limiter.check('k', t0 + 61_000).allowed).toBe(false);
    // Two windows later everything has passed.
    expect(limiter.check('k', t0 + 121_000).allowed).toBe(true);
  });

  it('counts failures only when asked (check does not count)', () => {
    const limiter = new RateLimiter(2, 60_000);
    for (let i = 0; i < 5; i++) expect(limiter.check('a').allowed).toBe(true);
    limiter.hit('a');
    limiter.hit('a');
    expect(limiter.check('a').allowed).toBe(false);
    limiter.reset('a');
    expect(limiter.check('a').allowed).toBe(true);
  });
});
