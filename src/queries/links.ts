// Share links: create, find by token or id, list (one album or all), edit, revoke,
// delete, and the counters guests move (views, downloads, last opened).
import { sql, type Kysely } from 'kysely';
import type { Asset, DB, SharedLink } from '../db/schema.ts';

export interface LinkWithAlbum extends SharedLink {
  album_title: string;
}

export async function insertLink(
  db: Kysely<DB>,
  row: { album_id: string; token: string; label: string; permissions: Record<string, unknown>; password_hash: string | null; expires_at: Date | null },
): Promise<SharedLink> {
  return db
    .insertInto('shared_links')
    .values(row)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findLinkByToken(db: Kysely<DB>, token: string): Promise<SharedLink | undefined> {
  return db.selectFrom('shared_links').selectAll().where('token', '=', token).executeTakeFirst();
}

export function findLinkById(db: Kysely<DB>, id: string): Promise<SharedLink | undefined> {
  return db.selectFrom('shared_links').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Links newest first, turned-off ones below the rest, with their album's title; one album's when `albumId` is given. */
export function listLinks(db: Kysely<DB>, albumId?: string): Promise<LinkWithAlbum[]> {
  let q = db
    .selectFrom('shared_links as l')
    .innerJoin('albums as al', 'al.id', 'l.album_id')
    .selectAll('l')
    .select('al.title as album_title')
    .orderBy('l.revoked')
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id');
  if (albumId) q = q.where('l.album_id', '=', albumId);
  return q.execute();
}

export interface LinkChanges {
  label?: string;
  permissions?: Record<string, unknown>;
  password_hash?: string | null;
  expires_at?: Date | null;
  revoked?: boolean;
  revoked_at?: Date | null;
}

export async function updateLink(db: Kysely<DB>, id: string, changes: LinkChanges): Promise<SharedLink | undefined> {
  return db
    .updateTable('shared_links')
    .set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function revokeLink(db: Kysely<DB>, id: string): Promise<void> {
  await db
    .updateTable('shared_links')
    .set({ revoked: true, revoked_at: sql`coalesce(revoked_at, now())`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function deleteLink(db: Kysely<DB>, id: string): Promise<void> {
  await db.deleteFrom('shared_links').where('id', '=', id).execute();
}

/**
 * Adds views to the link. Committed without waiting for the disk (synchronous_commit off
 * for this transaction alone): every guest page waits for its view's write, and a flush of
 * the WAL behind uploads and downloads took hundreds of milliseconds under load. The count
 * is visible to every reader at once; a crash may lose the last fraction of a second of
 * views, never anything else.
 */
export async function countViews(db: Kysely<DB>, id: string, views: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL synchronous_commit = off`.execute(trx);
    await trx
      .updateTable('shared_links')
      .set({ view_count: sql`view_count + ${views}`, last_opened_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  });
}

export async function countDownload(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('shared_links').set({ download_count: sql`download_count + 1` }).where('id', '=', id).execute();
}

/** The asset, when the album holds it right now (guests reach nothing else; a Live Photo's video comes with its photo), under the name its entry carries. */
export async function findAssetInAlbum(db: Kysely<DB>, albumId: string, assetId: string): Promise<Asset | undefined> {
  // One read, a miss included: the entry of the asset itself, or of the photo whose clip it is.
  const row = await db
    .selectFrom('assets')
    .innerJoin('album_assets as aa', (join) =>
      join
        .on('aa.album_id', '=', albumId)
        .on((eb) => eb.or([eb('aa.asset_id', '=', eb.ref('assets.id')), eb.and([eb('aa.asset_id', '=', eb.ref('assets.live_photo_id')), eb('assets.deleted_at', 'is', null)])])),
    )
    .selectAll('assets')
    .select((eb) => eb.case().when('aa.asset_id', '=', eb.ref('assets.id')).then(eb.ref('aa.entry_filename')).else(null).end().as('entry_filename'))
    .where('assets.id', '=', assetId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { entry_filename, ...asset } = row;
  return entry_filename ? { ...asset, original_filename: entry_filename } : asset;
}
