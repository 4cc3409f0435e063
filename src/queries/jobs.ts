// The job queue (migrations/0014_jobs.sql): claim due work with FOR UPDATE SKIP LOCKED, so
// several processes can share it; keep a lease while it runs; finish, retry or fail it.
// A job's `attempts` names the run: a job queued again or cancelled while it runs is not
// finished by the run that was under way (its updates match no row).
import { sql, type Selectable } from 'kysely';
import type { JobKind, JobsTable } from '../db/schema.ts';
import type { Db } from './users.ts';

export type Job = Selectable<JobsTable>;

/** Takes up to `limit` due jobs of this kind; concurrent workers never get the same one. */
export async function claimJobs(db: Db, kind: JobKind, limit: number): Promise<Job[]> {
  if (limit <= 0) return [];
  return db
    .updateTable('jobs')
    .set({ status: 'running', started_at: new Date(), locked_at: new Date(), attempts: sql`attempts + 1`, progress: null })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', kind)
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', new Date())
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

/** Asks for this work on this asset (again): queued now, its earlier outcome forgotten. */
export async function queueJob(db: Db, kind: JobKind, assetId: string, payload: Record<string, unknown> = {}): Promise<void> {
  await db
    .insertInto('jobs')
    .values({ kind, asset_id: assetId, payload })
    .onConflict((oc) =>
      oc.columns(['kind', 'asset_id']).doUpdateSet({
        payload,
        status: 'queued',
        attempts: 0,
        next_attempt_at: new Date(),
        locked_at: null,
        progress: null,
        error: null,
        finished_at: null,
      }),
    )
    .execute();
}

/** Keeps running jobs' leases fresh so others don't take them over. */
export async function renewLeases(db: Db, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('jobs').set({ locked_at: new Date() }).where('id', 'in', ids).where('status', '=', 'running').execute();
}

/** Jobs whose worker died (no lease renewal since `staleBefore`) go back to the queue. */
export async function releaseStaleJobs(db: Db, staleBefore: Date): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'queued', locked_at: null, progress: null })
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('locked_at', '<', staleBefore), eb('locked_at', 'is', null)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Records how far a run is (0..1). False when the job is no longer this run's (cancelled, queued again). */
export async function reportProgress(db: Db, job: Job, progress: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ progress, locked_at: new Date() })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('attempts', '=', job.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends this run: done, failed, or queued again for a later try. False when the run was no longer the job's. */
export async function endRun(db: Db, job: Job, outcome: { status: 'done' } | { status: 'failed'; error: string } | { status: 'retry'; error: string; at: Date }): Promise<boolean> {
  const values =
    outcome.status === 'retry'
      ? { status: 'queued' as const, error: outcome.error, next_attempt_at: outcome.at, locked_at: null, progress: null }
      : { status: outcome.status, error: outcome.status === 'failed' ? outcome.error : null, locked_at: null, progress: null, finished_at: new Date() };
  const result = await db
    .updateTable('jobs')
    .set(values)
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('attempts', '=', job.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Stops this work on this asset where it waits or runs (a running one notices at its next progress report). */
export async function cancelJob(db: Db, kind: JobKind, assetId: string): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'cancelled', locked_at: null, progress: null, finished_at: new Date(), error: 'cancelled by the owner' })
    .where('kind', '=', kind)
    .where('asset_id', '=', assetId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Work waiting or running, all kinds. */
export async function countBacklog(db: Db): Promise<number> {
  // The integrity scrub is upkeep, not work the owner waits for (Settings shows it apart).
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running') AND kind <> 'scrub'`.execute(db);
  return rows[0]!.n;
}

export interface JobCounts {
  queued: number;
  running: number;
  failed: number;
  /** The earliest next_attempt_at of a queued job, or null. */
  nextAttemptAt: Date | null;
}

export async function countJobs(db: Db, kind: JobKind): Promise<JobCounts> {
  const { rows } = await sql<{ queued: number; running: number; failed: number; next: Date | string | null }>`
    SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued,
           count(*) FILTER (WHERE status = 'running')::int AS running,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           min(next_attempt_at) FILTER (WHERE status = 'queued') AS next
    FROM jobs WHERE kind = ${kind}`.execute(db);
  const r = rows[0]!;
  return { queued: r.queued, running: r.running, failed: r.failed, nextAttemptAt: r.next ? new Date(r.next) : null };
}

export interface QueuedWork {
  kind: JobKind;
  asset_id: string;
  original_filename: string;
  status: 'queued' | 'running';
  progress: number | null;
  attempts: number;
  next_attempt_at: Date;
}

/** What runs and what waits, running first, then in the order it will run; at most `limit`. */
export async function listQueuedWork(db: Db, limit: number): Promise<QueuedWork[]> {
  return db
    .selectFrom('jobs as j')
    .innerJoin('assets as a', 'a.id', 'j.asset_id')
    .select(['j.kind', 'j.asset_id', 'a.original_filename', 'j.status', 'j.progress', 'j.attempts', 'j.next_attempt_at'])
    .where('j.status', 'in', ['queued', 'running'])
    .where('j.kind', '<>', 'scrub')
    .orderBy(sql`j.status = 'running'`, 'desc')
    .orderBy('j.next_attempt_at')
    .orderBy('j.id')
    .limit(limit)
    .execute() as Promise<QueuedWork[]>;
}

/** Puts a run stopped by a shutdown back in the queue, as if it had not started (a restart is not a failure). */
export async function giveBackRun(db: Db, job: Job): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'queued', attempts: sql`greatest(attempts - 1, 0)`, locked_at: null, progress: null, next_attempt_at: new Date() })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('attempts', '=', job.attempts)
    .execute();
}

/**
 * Videos that needed a copy while there was no ffmpeg (playback 'none', never tried): queued
 * now that there is one. Those whose transcode failed or was cancelled are left alone.
 */
export async function queueCopiesWithoutFfmpeg(db: Db): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string }>`
      UPDATE assets a SET playback = 'preparing'
      WHERE a.playback = 'none' AND a.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'transcode' AND j.asset_id = a.id)
      RETURNING a.id`.execute(trx);
    for (const { id } of rows) await queueJob(trx, 'transcode', id);
    return rows.length;
  });
}

/** Videos that need a web copy and have none because ffmpeg is missing. */
export async function countCopiesWithoutFfmpeg(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM assets a
    WHERE a.playback = 'none' AND a.deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'transcode' AND j.asset_id = a.id)`.execute(db);
  return rows[0]!.n;
}

/** The jobs of one asset, every kind, as they stand. */
export function listAssetJobs(db: Db, assetId: string): Promise<Job[]> {
  return db.selectFrom('jobs').selectAll().where('asset_id', '=', assetId).orderBy('id').execute();
}
