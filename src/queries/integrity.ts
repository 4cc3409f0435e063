// The integrity scrub's rows: which originals to re-hash next, what each check found, and the
// problems to show the owner (with the albums each damaged original belongs to).
import { sql } from 'kysely';
import type { IntegrityState } from '../db/schema.ts';
import type { Db } from './users.ts';

/** An original found sound this recently is not checked again, however large the day's budget
 *  (one found damaged or missing is, every round, so that a file put back clears its report). */
export const RECHECK_AFTER_DAYS = 7;
/** One process plans each round, however many share the database. */
const PLAN_EVERY = '50 minutes';

/**
 * Queues scrub jobs for the least recently checked originals, up to `budgetBytes` (always at
 * least one, so an original larger than the budget is checked too). Returns how many were
 * queued, or null when another process planned this round already.
 */
export async function planScrub(db: Db, budgetBytes: number): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    const claimed = await sql`UPDATE scrub_plan SET planned_at = now() WHERE planned_at < now() - ${PLAN_EVERY}::interval RETURNING 1`.execute(trx);
    if (!claimed.rows.length) return null;
    const { rows } = await sql<{ n: number }>`
      WITH candidates AS (
        SELECT a.id, sum(a.file_size) OVER (ORDER BY a.checked_at NULLS FIRST, a.id) - a.file_size AS before
        FROM assets a
        WHERE (a.checked_at IS NULL OR a.checked_at < now() - make_interval(days => ${RECHECK_AFTER_DAYS}) OR a.integrity <> 'ok')
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'scrub' AND j.asset_id = a.id AND j.status IN ('queued', 'running'))
      ), queued AS (
        INSERT INTO jobs (kind, asset_id)
        SELECT 'scrub', id FROM candidates WHERE before < ${budgetBytes}
        ON CONFLICT (kind, asset_id) DO UPDATE
          SET status = 'queued', attempts = 0, next_attempt_at = now(), locked_at = NULL, progress = NULL, error = NULL, finished_at = NULL
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM queued`.execute(trx);
    return rows[0]!.n;
  });
}

/** Lets the next planScrub run at once (tests, and a server that starts after a long stop). */
export async function resetScrubPlan(db: Db): Promise<void> {
  await sql`UPDATE scrub_plan SET planned_at = '-infinity'`.execute(db);
}

export async function recordCheck(db: Db, assetId: string, state: IntegrityState, detail: string | null): Promise<void> {
  await db.updateTable('assets').set({ checked_at: new Date(), integrity: state, integrity_detail: detail }).where('id', '=', assetId).execute();
}

export interface IntegrityProblem {
  id: string;
  original_filename: string;
  storage_path: string;
  integrity: Exclude<IntegrityState, 'ok'>;
  integrity_detail: string | null;
  checked_at: Date;
  albums: string[];
}

export async function albumTitlesOf(db: Db, assetId: string): Promise<string[]> {
  const rows = await db.selectFrom('album_assets as aa').innerJoin('albums as al', 'al.id', 'aa.album_id').select('al.title').where('aa.asset_id', '=', assetId).orderBy('al.title').execute();
  return rows.map((r) => r.title);
}

export async function listIntegrityProblems(db: Db, limit = 200): Promise<IntegrityProblem[]> {
  const { rows } = await sql<IntegrityProblem>`
    SELECT a.id, a.original_filename, a.storage_path, a.integrity, a.integrity_detail, a.checked_at,
           coalesce(array_agg(al.title ORDER BY al.title) FILTER (WHERE al.id IS NOT NULL), '{}') AS albums
    FROM assets a
    LEFT JOIN album_assets aa ON aa.asset_id = a.id
    LEFT JOIN albums al ON al.id = aa.album_id
    WHERE a.integrity <> 'ok'
    GROUP BY a.id
    ORDER BY a.checked_at DESC, a.id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ ...r, checked_at: new Date(r.checked_at) }));
}

export async function countIntegrityProblems(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM assets WHERE integrity <> 'ok'`.execute(db);
  return rows[0]!.n;
}

export interface IntegritySummary {
  originals: number;
  bytes: number;
  /** Originals checked at least once, and their bytes. */
  checkedEver: number;
  checkedBytes: number;
  problems: number;
  lastCheckedAt: Date | null;
}

export async function integritySummary(db: Db): Promise<IntegritySummary> {
  const { rows } = await sql<{ originals: number; bytes: string | number; checked_ever: number; checked_bytes: string | number; problems: number; last: Date | string | null }>`
    SELECT count(*)::int AS originals,
           coalesce(sum(file_size), 0) AS bytes,
           count(checked_at)::int AS checked_ever,
           coalesce(sum(file_size) FILTER (WHERE checked_at IS NOT NULL), 0) AS checked_bytes,
           count(*) FILTER (WHERE integrity <> 'ok')::int AS problems,
           max(checked_at) AS last
    FROM assets`.execute(db);
  const r = rows[0]!;
  return {
    originals: r.originals,
    bytes: Number(r.bytes),
    checkedEver: r.checked_ever,
    checkedBytes: Number(r.checked_bytes),
    problems: r.problems,
    lastCheckedAt: r.last ? new Date(r.last) : null,
  };
}
