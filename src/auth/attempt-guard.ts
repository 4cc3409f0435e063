// Password attempts (the owner's sign-in, a share link's password), limited two ways:
// - per client: at most 10 attempts a minute from one address (an IPv6 client by its /64),
//   each counted BEFORE its password is checked, so 100 parallel guesses get 10 checks;
//   past that, 429 with Retry-After and nothing is checked at all;
// - per target (an account, a link): failures never lock it, or anyone who knows a link
//   could keep its guests out; past 10 recent failures each further check waits its turn,
//   1 s after the one before, then 2 s, 4 s… at most 10 s, so guessing from many addresses
//   stays slow while the right password still gets in.
import { RateLimiter, type Verdict } from './rate-limit.ts';

export interface GuardOptions {
  perClient?: number;
  windowMs?: number;
  /** Failures per target before checks are spaced out. */
  freeFailures?: number;
  maxDelayMs?: number;
}

export interface Attempt {
  /** The password was wrong: the target's failures grow. */
  failed(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class AttemptGuard {
  private readonly clients: RateLimiter;
  private readonly failures: RateLimiter;
  /** When each slowed target may next be checked. */
  private readonly nextCheck = new Map<string, number>();
  private readonly freeFailures: number;
  private readonly maxDelayMs: number;

  constructor(o: GuardOptions = {}) {
    const windowMs = o.windowMs ?? 60_000;
    this.clients = new RateLimiter(o.perClient ?? 10, windowMs);
    // Failures are remembered for an hour: a slow guesser stays slowed.
    this.failures = new RateLimiter(Number.MAX_SAFE_INTEGER, 60 * windowMs);
    this.freeFailures = o.freeFailures ?? 10;
    this.maxDelayMs = o.maxDelayMs ?? 10_000;
  }

  /**
   * Counts the attempt for the client, or refuses it (no check may follow); then waits the
   * target's turn when it has failed too often. Resolves once the password may be checked.
   */
  async enter(clientKey: string, targetKey: string): Promise<{ refused: Verdict } | Attempt> {
    const verdict = this.clients.consume(clientKey);
    if (!verdict.allowed) return { refused: verdict };
    const over = this.failures.count(targetKey) - this.freeFailures;
    if (over >= 0) {
      const now = Date.now();
      const at = Math.max(now, this.nextCheck.get(targetKey) ?? 0);
      this.nextCheck.set(targetKey, at + Math.min(this.maxDelayMs, 1000 * 2 ** over));
      if (this.nextCheck.size > 10_000) this.nextCheck.clear(); // bounded; it only ever slows
      if (at > now) await sleep(at - now);
    }
    return {
      failed: () => {
        if (this.failures.size > 100_000) this.failures.clear(); // made-up account names cannot grow it without end
        this.failures.hit(targetKey);
      },
    };
  }

  clear(): void {
    this.clients.clear();
    this.failures.clear();
    this.nextCheck.clear();
  }
}
