// Assets: insert-if-new (the unique file_hash decides duplicates), lookups, and the
// outcome of the derive work (queries/jobs.ts holds the queue).
import { sql, type Insertable } from 'kysely';
import type { Asset, AssetsTable, VideoPlayback } from '../db/schema.ts';
import type { TakenAt } from '../media/taken-at.ts';
import type { Db } from './users.ts';

export type NewAsset = Insertable<AssetsTable>;

/** The new row, or undefined when an asset with these bytes already exists. */
export function insertAssetIfNew(db: Db, values: NewAsset): Promise<Asset | undefined> {
  return db
    .insertInto('assets')
    .values(values)
    .onConflict((oc) => oc.column('file_hash').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findAsset(db: Db, id: string): Promise<Asset | undefined> {
  return db.selectFrom('assets').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findAssetByHash(db: Db, hash: string): Promise<Asset | undefined> {
  return db.selectFrom('assets').selectAll().where('file_hash', '=', hash).executeTakeFirst();
}

/**
 * Which of these SHA-256 hashes are stored, with their asset ids. Trashed assets count as
 * not stored: the client sends the file, and the upload takes it out of the trash.
 */
/** Hash → id of the stored assets among `hashes`; with `uploaderId`, only those that uploader can see. */
export async function findExistingHashes(db: Db, hashes: string[], uploaderId?: string): Promise<Map<string, string>> {
  if (!hashes.length) return new Map();
  let q = db.selectFrom('assets as a').select(['a.id', 'a.file_hash']).where('a.file_hash', 'in', hashes).where('a.deleted_at', 'is', null);
  if (uploaderId) {
    q = q.where((eb) =>
      eb.or([
        eb('a.uploaded_by', '=', uploaderId),
        eb.exists(
          eb
            .selectFrom('album_assets as aa')
            .innerJoin('album_uploaders as u', 'u.album_id', 'aa.album_id')
            .select('aa.asset_id')
            .whereRef('aa.asset_id', '=', 'a.id')
            .where('u.user_id', '=', uploaderId),
        ),
      ]),
    );
  }
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.file_hash, r.id]));
}

export function listAllAssetFiles(db: Db): Promise<Pick<Asset, 'id' | 'file_hash' | 'storage_path' | 'status' | 'kind' | 'file_size'>[]> {
  return db.selectFrom('assets').select(['id', 'file_hash', 'storage_path', 'status', 'kind', 'file_size']).execute();
}

export async function markAssetReady(
  db: Db,
  id: string,
  values: {
    thumbhash: string;
    width: number;
    height: number;
    derivedSource: string;
    warning: string | null;
    playback: VideoPlayback | null;
    motionClip: { offset: number; length: number } | null;
  },
): Promise<void> {
  await db
    .updateTable('assets')
    .set({
      status: 'ready',
      thumbhash: values.thumbhash,
      derived_source: values.derivedSource,
      processing_warning: values.warning,
      processing_error: null,
      playback: values.playback,
      motion_offset: values.motionClip?.offset ?? null,
      motion_length: values.motionClip?.length ?? null,
      // Metadata may have lacked the size (a RAW without dimensions, a video mediainfo could not read).
      width: sql`coalesce(width, ${values.width})`,
      height: sql`coalesce(height, ${values.height})`,
    })
    .where('id', '=', id)
    .execute();
}

export async function markAssetFailed(db: Db, id: string, error: string): Promise<void> {
  await db.updateTable('assets').set({ status: 'failed', processing_error: error }).where('id', '=', id).execute();
}

/** Requeues derived-file work: all assets, or only these (their derive jobs queued again, due now). */
export async function requeueAssets(db: Db, ids?: string[]): Promise<number> {
  if (ids && !ids.length) return 0;
  const chosen = ids ? sql`id IN (${sql.join(ids)})` : sql`true`;
  return db.transaction().execute(async (trx) => {
    // An asset that was not pending gets its job from the trigger (migrations/0014_jobs.sql);
    // one already pending may wait for a postponed retry: that job is made due now.
    const { rows } = await sql<{ id: string }>`UPDATE assets SET status = 'pending', processing_error = NULL WHERE ${chosen} RETURNING id`.execute(trx);
    await sql`
      INSERT INTO jobs (kind, asset_id) SELECT 'derive', id FROM assets WHERE ${chosen}
      ON CONFLICT (kind, asset_id) DO UPDATE
        SET status = 'queued', attempts = 0, next_attempt_at = now(), locked_at = NULL, progress = NULL, error = NULL, finished_at = NULL`.execute(trx);
    return rows.length;
  });
}

export async function countAssetsByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db.selectFrom('assets').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** How a video plays now (its copy made, failed, cancelled). */
export async function setPlayback(db: Db, id: string, playback: VideoPlayback): Promise<void> {
  await db.updateTable('assets').set({ playback }).where('id', '=', id).execute();
}

/** The owner's correction of when an item was taken (and of its Live Photo clip, which goes with it). */
export async function setTakenAt(db: Db, id: string, takenAt: TakenAt): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    UPDATE assets SET taken_at = ${takenAt.instant}, taken_at_local = ${takenAt.local}, taken_at_offset = ${takenAt.offset},
           metadata = metadata || '{"takenAtSource": "edited"}'::jsonb
    WHERE (id = ${id} OR live_photo_id = ${id}) AND deleted_at IS NULL
    RETURNING id`.execute(db);
  return rows.some((r) => r.id === id);
}

/**
 * Moves when these items were taken by `minutes` (a camera clock that was off): the instant
 * and the wall clock alike, the offset kept; their Live Photo clips with them. Returns how
 * many of the ids were moved.
 */
export async function shiftTakenAt(db: Db, ids: string[], minutes: number): Promise<number> {
  if (!ids.length) return 0;
  const { rows } = await sql<{ id: string }>`
    UPDATE assets SET taken_at = coalesce(taken_at, created_at) + make_interval(mins => ${minutes}),
           taken_at_local = to_char(taken_at_local::timestamp + make_interval(mins => ${minutes}), 'YYYY-MM-DD"T"HH24:MI:SS'),
           metadata = metadata || '{"takenAtSource": "edited"}'::jsonb
    WHERE (id IN (${sql.join(ids)}) OR live_photo_id IN (${sql.join(ids)})) AND deleted_at IS NULL
    RETURNING id`.execute(db);
  const chosen = new Set(ids);
  return rows.filter((r) => chosen.has(r.id)).length;
}

export interface EntryAttributionRow {
  album_title: string;
  /** The name a guest gave through a share link, or the uploader's email. */
  name: string;
  via: 'link' | 'uploader';
}

/** Who added the asset to which album, where someone other than the owner did. */
export async function listEntryAttributions(db: Db, assetId: string): Promise<EntryAttributionRow[]> {
  const { rows } = await sql<EntryAttributionRow>`
    SELECT al.title AS album_title, coalesce(aa.added_by_name, u.email) AS name,
           CASE WHEN aa.added_by_link IS NOT NULL OR aa.added_by_user IS NULL THEN 'link' ELSE 'uploader' END AS via
    FROM album_assets aa JOIN albums al ON al.id = aa.album_id LEFT JOIN users u ON u.id = aa.added_by_user
    WHERE aa.asset_id = ${assetId} AND coalesce(aa.added_by_name, u.email) IS NOT NULL
    ORDER BY al.title`.execute(db);
  return rows;
}
