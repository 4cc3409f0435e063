// How far the derived-file work is: assets by outcome, derive jobs waiting and running, and
// when the next postponed retry is due (so a CLI waiting for the work knows how long to wait).
import { countAssetsByStatus } from '../queries/assets.ts';
import { countJobs } from '../queries/jobs.ts';
import type { Db } from '../queries/users.ts';

export interface QueueStatus {
  pending: number;
  processing: number;
  ready: number;
  failed: number;
  /** The earliest next_attempt_at of a waiting derive job, ISO; null when nothing waits. */
  nextAttemptAt: string | null;
}

export async function queueStatus(db: Db): Promise<QueueStatus> {
  const [assets, jobs] = await Promise.all([countAssetsByStatus(db), countJobs(db, 'derive')]);
  return {
    pending: jobs.queued,
    processing: jobs.running,
    ready: assets.ready ?? 0,
    failed: assets.failed ?? 0,
    nextAttemptAt: jobs.nextAttemptAt?.toISOString() ?? null,
  };
}
