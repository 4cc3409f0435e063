// The trash. Moving an asset there sets assets.deleted_at and moves its album memberships
// from album_assets to trashed_album_assets (with whether it was the album's cover), so
// everything that reads albums — pages, counts, covers, date ranges, share links — cannot
// see it without a filter of its own. Restoring moves the memberships back at their old
// positions. Purging deletes the rows and notes the files in purged_files, in one
// transaction; src/jobs/purge-trash.ts removes the files afterwards.
//
// Positions: an album's positions are not renumbered when items leave, so a trashed item's
// position still says where it stood among the others. Restoring puts it back before
// whatever now holds its position (and shifts those after it, and the album's other trashed
// items, one up), so several items trashed at different times come back in their old order.
import { sql } from 'kysely';
import type { AssetStatus } from '../db/schema.ts';
import { gridAssetColumns, type GridAssetRow } from './albums.ts';
import type { Db } from './users.ts';

/** How long an item stays in the trash before it is purged. */
export const TRASH_DAYS = 30;

export interface TrashedAssetRow extends GridAssetRow {
  deleted_at: Date;
}

export interface PurgedFile {
  storage_path: string;
  file_hash: string;
}

const idList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}::uuid`));

/**
 * Moves live assets to the trash; ids already there or unknown are skipped. Returns the ids
 * moved and how many albums held them.
 */
export async function trashAssets(db: Db, ids: string[], now = new Date()): Promise<{ trashed: string[]; albums: number }> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return { trashed: [], albums: 0 };
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string }>`
      UPDATE assets SET deleted_at = ${now} WHERE id IN (${idList(wanted)}) AND deleted_at IS NULL RETURNING id`.execute(trx);
    const trashed = rows.map((r) => r.id);
    if (!trashed.length) return { trashed, albums: 0 };
    const moved = await sql<{ album_id: string }>`
      WITH gone AS (
        DELETE FROM album_assets WHERE asset_id IN (${idList(trashed)})
        RETURNING album_id, asset_id, position, added_at, added_by_link, added_by_name, added_by_user, entry_filename
      )
      INSERT INTO trashed_album_assets (album_id, asset_id, position, added_at, was_cover, added_by_link, added_by_name, added_by_user, entry_filename)
      SELECT g.album_id, g.asset_id, g.position, g.added_at, coalesce(al.cover_asset_id = g.asset_id, false), g.added_by_link, g.added_by_name, g.added_by_user, g.entry_filename
      FROM gone g JOIN albums al ON al.id = g.album_id
      RETURNING album_id`.execute(trx);
    await sql`UPDATE albums SET cover_asset_id = NULL WHERE cover_asset_id IN (${idList(trashed)})`.execute(trx);
    return { trashed, albums: new Set(moved.rows.map((r) => r.album_id)).size };
  });
}

/** Takes assets out of the trash and puts them back in their albums, where they were. Returns the ids restored. */
export async function restoreAssets(db: Db, ids: string[]): Promise<string[]> {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return [];
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string }>`
      UPDATE assets SET deleted_at = NULL WHERE id IN (${idList(wanted)}) AND deleted_at IS NOT NULL RETURNING id`.execute(trx);
    const restored = rows.map((r) => r.id);
    if (!restored.length) return restored;
    const back = sql`(SELECT album_id, asset_id, position FROM trashed_album_assets WHERE asset_id IN (${idList(restored)}))`;
    // Serialise with appends and reorders of the same albums (see albums.ts lockAlbum).
    await sql`
      SELECT 1 FROM albums WHERE id IN (SELECT album_id FROM trashed_album_assets WHERE asset_id IN (${idList(restored)}))
      ORDER BY id FOR UPDATE`.execute(trx);
    await sql`
      UPDATE album_assets aa
      SET position = aa.position + (SELECT count(*) FROM ${back} r WHERE r.album_id = aa.album_id AND r.position <= aa.position)::int
      WHERE aa.album_id IN (SELECT album_id FROM ${back} b)`.execute(trx);
    await sql`
      UPDATE trashed_album_assets t
      SET position = t.position + (SELECT count(*) FROM ${back} r WHERE r.album_id = t.album_id AND r.position <= t.position)::int
      WHERE t.album_id IN (SELECT album_id FROM ${back} b) AND t.asset_id NOT IN (${idList(restored)})`.execute(trx);
    await sql`
      INSERT INTO album_assets (album_id, asset_id, position, added_at, added_by_link, added_by_name, added_by_user, entry_filename)
      SELECT album_id, asset_id,
             position + (row_number() OVER (PARTITION BY album_id ORDER BY position, asset_id))::int - 1,
             added_at, added_by_link, added_by_name, added_by_user, entry_filename
      FROM trashed_album_assets WHERE asset_id IN (${idList(restored)})
      ON CONFLICT (album_id, asset_id) DO NOTHING`.execute(trx);
    await sql`
      UPDATE albums al SET cover_asset_id = c.asset_id
      FROM (
        SELECT DISTINCT ON (album_id) album_id, asset_id FROM trashed_album_assets
        WHERE was_cover AND asset_id IN (${idList(restored)}) ORDER BY album_id, asset_id
      ) c
      WHERE al.id = c.album_id AND al.cover_asset_id IS NULL`.execute(trx);
    await sql`DELETE FROM trashed_album_assets WHERE asset_id IN (${idList(restored)})`.execute(trx);
    return restored;
  });
}

/**
 * Takes an asset out of the trash into no album: for a guest or an uploader who sent its
 * bytes again (the upload then adds it to their album alone). Its old memberships are
 * dropped, never restored: the owner removed it from those. False when it was not in the trash.
 */
export async function takeOutOfTrashAlone(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string }>`UPDATE assets SET deleted_at = NULL WHERE id = ${id} AND deleted_at IS NOT NULL RETURNING id`.execute(trx);
    if (!rows.length) return false;
    await sql`DELETE FROM trashed_album_assets WHERE asset_id = ${id}`.execute(trx);
    return true;
  });
}

/** Everything in the trash, most recently deleted first. */
export async function listTrash(db: Db, options: { tz: string }): Promise<TrashedAssetRow[]> {
  const { rows } = await sql<TrashedAssetRow>`
    SELECT ${gridAssetColumns(options.tz)}, a.deleted_at
    FROM assets a
    WHERE a.deleted_at IS NOT NULL
    ORDER BY a.deleted_at DESC, a.id DESC`.execute(db);
  return rows;
}

export async function countTrash(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM assets WHERE deleted_at IS NOT NULL`.execute(db);
  return rows[0]!.n;
}

/** The albums that hold any of these assets, with how many of them each holds. */
export async function albumsHolding(db: Db, ids: string[]): Promise<{ id: string; title: string; items: number }[]> {
  if (!ids.length) return [];
  const { rows } = await sql<{ id: string; title: string; items: number }>`
    SELECT al.id, al.title, count(*)::int AS items
    FROM album_assets aa JOIN albums al ON al.id = aa.album_id
    WHERE aa.asset_id IN (${idList([...new Set(ids)])})
    GROUP BY al.id, al.title
    ORDER BY al.title, al.id`.execute(db);
  return rows;
}

/** The trash status of these assets (unknown ids are left out). */
export async function trashStates(db: Db, ids: string[]): Promise<{ id: string; deleted_at: Date | null; status: AssetStatus }[]> {
  if (!ids.length) return [];
  return db.selectFrom('assets').select(['id', 'deleted_at', 'status']).where('id', 'in', ids).execute();
}

export type PurgeScope = { ids: string[] } | { deletedBefore: Date } | { everything: true };

/**
 * Deletes up to `limit` trashed assets in scope (never a live one) and notes their files in
 * purged_files, in one transaction. Returns the files to remove.
 */
export async function deleteTrashedAssets(db: Db, scope: PurgeScope, limit: number): Promise<PurgedFile[]> {
  if ('ids' in scope && !scope.ids.length) return [];
  const where =
    'ids' in scope
      ? sql`id IN (${idList([...new Set(scope.ids)])})`
      : 'deletedBefore' in scope
        ? sql`deleted_at < ${scope.deletedBefore}`
        : sql`true`;
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<PurgedFile>`
      DELETE FROM assets WHERE id IN (
        SELECT id FROM assets WHERE deleted_at IS NOT NULL AND ${where} ORDER BY deleted_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED
      )
      RETURNING storage_path, file_hash`.execute(trx);
    if (rows.length) {
      await trx
        .insertInto('purged_files')
        .values(rows.map((r) => ({ storage_path: r.storage_path, file_hash: r.file_hash })))
        .onConflict((oc) => oc.column('storage_path').doNothing())
        .execute();
    }
    return rows;
  });
}

/** Files of purged assets still on disk (or not yet confirmed gone). */
export function listPurgedFiles(db: Db, limit = 1000): Promise<PurgedFile[]> {
  return db.selectFrom('purged_files').select(['storage_path', 'file_hash']).orderBy('purged_at').limit(limit).execute();
}

/** Whether any asset (live or trashed) still uses this original or these bytes. */
export async function isFileInUse(db: Db, file: PurgedFile): Promise<boolean> {
  const row = await db
    .selectFrom('assets')
    .select('id')
    .where((eb) => eb.or([eb('file_hash', '=', file.file_hash), eb('storage_path', '=', file.storage_path)]))
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether an original is noted for removal by a purge. */
export async function isBeingPurged(db: Db, storagePath: string): Promise<boolean> {
  return (await db.selectFrom('purged_files').select('storage_path').where('storage_path', '=', storagePath).executeTakeFirst()) !== undefined;
}

export async function forgetPurgedFile(db: Db, storagePath: string): Promise<void> {
  await db.deleteFrom('purged_files').where('storage_path', '=', storagePath).execute();
}
