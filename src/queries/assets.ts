// Assets: insert-if-new (the unique file_hash decides duplicates), lookups, and the
// worker's queue (claim with FOR UPDATE SKIP LOCKED, finish, retry).
import { sql, type Insertable } from 'kysely';
import type { Asset, AssetsTable } from '../db/schema.ts';
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

/** Takes up to `limit` due pending assets for this worker; concurrent workers never get the same one. */
export async function claimPendingAssets(db: Db, limit: number): Promise<Asset[]> {
  return db
    .updateTable('assets')
    .set({ status: 'processing', locked_at: new Date(), attempts: sql`attempts + 1` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('assets')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', new Date())
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

/** Keeps a running job's lease fresh so others don't take it over. */
export async function renewLeases(db: Db, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('assets').set({ locked_at: new Date() }).where('id', 'in', ids).where('status', '=', 'processing').execute();
}

/** Jobs whose worker died (no lease renewal since `staleBefore`) go back to the queue. */
export async function releaseStaleJobs(db: Db, staleBefore: Date): Promise<number> {
  const result = await db
    .updateTable('assets')
    .set({ status: 'pending', locked_at: null })
    .where('status', '=', 'processing')
    .where((eb) => eb.or([eb('locked_at', '<', staleBefore), eb('locked_at', 'is', null)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function markAssetReady(
  db: Db,
  id: string,
  values: { thumbhash: string; width: number; height: number; derivedSource: string; warning: string | null },
): Promise<void> {
  await db
    .updateTable('assets')
    .set({
      status: 'ready',
      locked_at: null,
      thumbhash: values.thumbhash,
      derived_source: values.derivedSource,
      processing_warning: values.warning,
      processing_error: null,
      // Metadata may have lacked the size (a RAW without dimensions, a video mediainfo could not read).
      width: sql`coalesce(width, ${values.width})`,
      height: sql`coalesce(height, ${values.height})`,
    })
    .where('id', '=', id)
    .execute();
}

export async function markAssetRetry(db: Db, id: string, error: string, retryAt: Date): Promise<void> {
  await db
    .updateTable('assets')
    .set({ status: 'pending', locked_at: null, processing_error: error, next_attempt_at: retryAt })
    .where('id', '=', id)
    .execute();
}

export async function markAssetFailed(db: Db, id: string, error: string): Promise<void> {
  await db.updateTable('assets').set({ status: 'failed', locked_at: null, processing_error: error }).where('id', '=', id).execute();
}

/** Requeues derived-file work: all assets, or only these. */
export async function requeueAssets(db: Db, ids?: string[]): Promise<number> {
  let query = db
    .updateTable('assets')
    .set({ status: 'pending', attempts: 0, next_attempt_at: new Date(), processing_error: null, locked_at: null });
  if (ids) {
    if (!ids.length) return 0;
    query = query.where('id', 'in', ids);
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function countAssetsByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db.selectFrom('assets').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
