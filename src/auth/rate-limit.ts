// One in-process limiter for anything keyed by a string (IP, account, link): a sliding
// 60-second-style window made of two fixed windows weighted by overlap. Memory is bounded
// by sweeping keys whose windows have passed.
export interface Verdict {
  allowed: boolean;
  /** Seconds until one more hit would be allowed (0 when allowed). */
  retryAfter: number;
}

interface Counter {
  windowStart: number;
  current: number;
  previous: number;
}

export class RateLimiter {
  private counters = new Map<string, Counter>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number = 60_000,
  ) {}

  private counter(key: string, now: number): Counter {
    let c = this.counters.get(key);
    const windowStart = now - (now % this.windowMs);
    if (!c) {
      c = { windowStart, current: 0, previous: 0 };
      this.counters.set(key, c);
    } else if (c.windowStart !== windowStart) {
      c.previous = windowStart - c.windowStart === this.windowMs ? c.current : 0;
      c.current = 0;
      c.windowStart = windowStart;
    }
    return c;
  }

  private estimate(c: Counter, now: number): number {
    const elapsed = (now - c.windowStart) / this.windowMs;
    return c.previous * (1 - elapsed) + c.current;
  }

  /** Would one more hit be allowed? Does not count. */
  check(key: string, now = Date.now()): Verdict {
    this.sweep(now);
    const c = this.counter(key, now);
    if (this.estimate(c, now) + 1 <= this.limit) return { allowed: true, retryAfter: 0 };
    // Wait until the weighted previous window has decayed enough, or the window turns.
    const untilNextWindow = c.windowStart + this.windowMs - now;
    let wait = untilNextWindow;
    if (c.current + 1 <= this.limit && c.previous > 0) {
      const needed = 1 - (this.limit - c.current - 1) / c.previous; // elapsed fraction needed
      wait = Math.min(untilNextWindow, Math.max(0, needed * this.windowMs - (now - c.windowStart)));
    }
    return { allowed: false, retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
  }

  /** The hits counted against the key in the (sliding) window. */
  count(key: string, now = Date.now()): number {
    const c = this.counters.get(key);
    return c ? this.estimate(this.counter(key, now), now) : 0;
  }

  /** Counts one hit (an attempt, a failure) against the key. */
  hit(key: string, now = Date.now()): void {
    this.counter(key, now).current += 1;
  }

  /** Checks, and counts the hit when allowed. */
  consume(key: string, now = Date.now()): Verdict {
    const verdict = this.check(key, now);
    if (verdict.allowed) this.hit(key, now);
    return verdict;
  }

  /** How many keys are counted. */
  get size(): number {
    return this.counters.size;
  }

  reset(key: string): void {
    this.counters.delete(key);
  }

  clear(): void {
    this.counters.clear();
  }

  private sweep(now: number) {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, c] of this.counters) {
      if (now - c.windowStart >= 2 * this.windowMs) this.counters.delete(key);
    }
  }
}
