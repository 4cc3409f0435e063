// How far the background worker is: assets by processing state, and when the next
// postponed retry is due (so a CLI waiting for the work knows how long to wait).
import { countAssetsByStatus } from '../queries/assets.ts';
import type { Db } from '../queries/users.ts';

export interface QueueStatus {
  pending: number;
  processing: number;
  ready: number;
  failed: number;
  /** The earliest next_attempt_at of a pending asset, ISO; null when nothing is pending. */
  nextAttemptAt: string | null;
}

export async function queueStatus(db: Db): Promise<QueueStatus> {
  const counts = await countAssetsByStatus(db);
  const next = await db
    .selectFrom('assets')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  const at = next?.at as Date | string | null | undefined;
  return {
    pending: counts.pending ?? 0,
    processing: counts.processing ?? 0,
    ready: counts.ready ?? 0,
    failed: counts.failed ?? 0,
    nextAttemptAt: at ? new Date(at).toISOString() : null,
  };
}
