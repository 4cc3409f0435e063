// What goes into a downloaded ZIP, in the order it goes in, and the selections that
// become short download URLs.
//   listAlbumZipItems(db, albumId, { sort, tz, onlyIds? }) → an album's items in its order
//   listLibraryZipItems(db, ids, { tz })                   → library items, newest first
//   upsertSelection / findSelection / trimLinkSelections   → download_selections
import { sql, type RawBuilder } from 'kysely';
import type { AlbumSortOrder, DownloadSelection } from '../db/schema.ts';
import type { Patch } from '../media/location-patches.ts';
import { albumOrder, takenKey } from './albums.ts';
import type { Db } from './users.ts';

export interface ZipItemRow {
  id: string;
  original_filename: string;
  file_hash: string;
  file_size: number;
  crc32: number;
  location_crc32: number | null;
  location_check: string | null;
  /** Selected only when asked for (`withPatches`): they can be long. */
  location_patches?: Patch[] | null;
  storage_path: string;
  format: string;
  /** When it was taken (else uploaded): the entry's extended timestamp. */
  instant: Date;
  /** The wall clock 'YYYY-MM-DDTHH:mm:ss' where it was taken: the entry's DOS time. */
  local: string;
}

interface ItemOptions {
  tz: string;
  withPatches?: boolean;
}

const itemColumns = (o: ItemOptions & { entry?: boolean }) => sql`
  a.id, ${o.entry ? sql`coalesce(aa.entry_filename, a.original_filename)` : sql`a.original_filename`} AS original_filename, a.file_hash, a.file_size, a.crc32, a.location_crc32, a.location_check, a.storage_path, a.format,
  ${o.withPatches ? sql`a.location_patches,` : sql``}
  ${takenKey('a')} AS instant,
  coalesce(a.taken_at_local, to_char(${takenKey('a')} AT TIME ZONE ${o.tz}, 'YYYY-MM-DD"T"HH24:MI:SS')) AS local`;

const uuidArray = (ids: string[]) => sql`string_to_array(${ids.join(',')}, ',')::uuid[]`;

/** The album's items in its order; only those among `onlyIds` when given. */
export async function listAlbumZipItems(
  db: Db,
  albumId: string,
  options: ItemOptions & { sort: AlbumSortOrder; onlyIds?: string[] },
): Promise<ZipItemRow[]> {
  const only: RawBuilder<unknown> = options.onlyIds ? sql`AND aa.asset_id = ANY(${uuidArray(options.onlyIds)})` : sql``;
  const { rows } = await sql<ZipItemRow>`
    SELECT ${itemColumns({ ...options, entry: true })}
    FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
    WHERE aa.album_id = ${albumId} ${only}
    ORDER BY ${albumOrder(options.sort)}`.execute(db);
  return rows;
}

/** Library items among `ids` (not in the trash), newest first as the library lists them. */
export async function listLibraryZipItems(db: Db, ids: string[], options: ItemOptions): Promise<ZipItemRow[]> {
  if (!ids.length) return [];
  const { rows } = await sql<ZipItemRow>`
    SELECT ${itemColumns(options)}
    FROM assets a
    WHERE a.id = ANY(${uuidArray(ids)}) AND a.deleted_at IS NULL
    ORDER BY ${takenKey('a')} DESC, a.id DESC`.execute(db);
  return rows;
}

/** Stores the selection, or gives the same one (same id) a new expiry. */
export async function upsertSelection(
  db: Db,
  row: { id: string; albumId: string | null; linkId: string | null; assetIds: string[]; expiresAt: Date },
): Promise<void> {
  await sql`
    INSERT INTO download_selections (id, album_id, link_id, asset_ids, expires_at)
    VALUES (${row.id}, ${row.albumId}, ${row.linkId}, ${uuidArray(row.assetIds)}, ${row.expiresAt})
    ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`.execute(db);
}

/** Keeps a link's newest `keep` selections (by when they were made) and drops the rest. */
export async function trimLinkSelections(db: Db, linkId: string, keep: number): Promise<void> {
  await sql`
    DELETE FROM download_selections WHERE link_id = ${linkId} AND id NOT IN (
      SELECT id FROM download_selections WHERE link_id = ${linkId} ORDER BY created_at DESC, id LIMIT ${keep})`.execute(db);
}

/** The selection while it is valid. */
export function findSelection(db: Db, id: string): Promise<DownloadSelection | undefined> {
  return db.selectFrom('download_selections').selectAll().where('id', '=', id).where('expires_at', '>', sql<Date>`now()`).executeTakeFirst();
}

export async function deleteExpiredSelections(db: Db): Promise<void> {
  await db.deleteFrom('download_selections').where('expires_at', '<=', sql<Date>`now()`).execute();
}
