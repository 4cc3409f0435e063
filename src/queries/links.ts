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

/** Links newest first, with their album's title; one album's when `albumId` is given. */
export function listLinks(db: Kysely<DB>, albumId?: string): Promise<LinkWithAlbum[]> {
  let q = db
    .selectFrom('shared_links as l')
    .innerJoin('albums as al', 'al.id', 'l.album_id')
    .selectAll('l')
    .select('al.title as album_title')
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

export async function countViews(db: Kysely<DB>, id: string, views: number): Promise<void> {
  await db
    .updateTable('shared_links')
    .set({ view_count: sql`view_count + ${views}`, last_opened_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function countDownload(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('shared_links').set({ download_count: sql`download_count + 1` }).where('id', '=', id).execute();
}

/** The asset, when the album holds it right now (guests reach nothing else; a Live Photo's video comes with its photo), under the name its entry carries. */
export async function findAssetInAlbum(db: Kysely<DB>, albumId: string, assetId: string): Promise<Asset | undefined> {
  const row = await db
    .selectFrom('album_assets as aa')
    .innerJoin('assets', 'assets.id', 'aa.asset_id')
    .selectAll('assets')
    .select('aa.entry_filename')
    .where('aa.album_id', '=', albumId)
    .where('aa.asset_id', '=', assetId)
    .executeTakeFirst();
  if (!row) {
    // A Live Photo's video is in the album through its photo.
    return db
      .selectFrom('assets as v')
      .innerJoin('album_assets as aa', 'aa.asset_id', 'v.live_photo_id')
      .selectAll('v')
      .where('aa.album_id', '=', albumId)
      .where('v.id', '=', assetId)
      .where('v.deleted_at', 'is', null)
      .executeTakeFirst();
  }
  const { entry_filename, ...asset } = row;
  return entry_filename ? { ...asset, original_filename: entry_filename } : asset;
}
