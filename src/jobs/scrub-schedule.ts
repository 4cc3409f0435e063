// Plans the integrity scrub: at start and every hour, a 24th of SCRUB_BYTES_PER_DAY of the
// least recently checked originals is queued for the worker (jobs/scrub-original.ts), so the
// day's budget is spread over the day rather than taken in one burst.
import type { Logger } from '../log.ts';
import { planScrub } from '../queries/integrity.ts';
import type { Db } from '../queries/users.ts';

const HOUR = 3600_000;

export interface ScrubSchedule {
  stop(): void;
}

export function startScrubSchedule(deps: { db: Db; log: Logger; bytesPerDay: number; wake(): void }, intervalMs = HOUR): ScrubSchedule {
  if (deps.bytesPerDay <= 0) return { stop() {} };
  const budget = Math.max(1, Math.floor(deps.bytesPerDay / 24));
  const plan = async () => {
    try {
      const queued = await planScrub(deps.db, budget);
      if (queued) {
        deps.log.debug('integrity check planned', { originals: queued });
        deps.wake();
      }
    } catch (err) {
      deps.log.error('integrity check could not be planned', { error: (err as Error).message });
    }
  };
  void plan();
  const timer = setInterval(plan, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
