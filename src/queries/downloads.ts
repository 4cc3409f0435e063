// What goes into a downloaded ZIP, in the order it goes in (a Live Photo's video right
// after its photo), and the selections that become short download URLs.
//   listAlbumZipItems(db, albumId, { sort, tz, onlyIds?, forGuests? }) → an album's items in its order
//   listLibraryZipItems(db, ids, { tz })                   → library items, newest first
//   upsertSelection / findSelection / trimLinkSelections   → download_selections
import { sql, type RawBuilder } from 'kysely';
import type { AlbumSortOrder, DownloadSelection } from '../db/schema.ts';
import type { Patch } from '../media/location-patches.ts';
import { albumOrder, shownToGuests, takenKey, type AudienceOptions } from './albums.ts';
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

/** The columns of a ZipItemRow from assets aliased `x` (`a` unless told), its name given. */
const itemColumns = (o: ItemOptions & { name: RawBuilder<unknown>; x?: string }) => {
  const x = (column: string) => sql.ref(`${o.x ?? 'a'}.${column}`);
  return sql`
  ${x('id')} AS id, ${o.name} AS original_filename, ${x('file_hash')} AS file_hash, ${x('file_size')} AS file_size, ${x('crc32')} AS crc32,
  ${x('location_crc32')} AS location_crc32, ${x('location_check')} AS location_check, ${x('storage_path')} AS storage_path, ${x('format')} AS format,
  ${o.withPatches ? sql`${x('location_patches')} AS location_patches,` : sql``}
  ${takenKey(o.x ?? 'a')} AS instant,
  coalesce(${x('taken_at_local')}, to_char(${takenKey(o.x ?? 'a')} AT TIME ZONE ${o.tz}, 'YYYY-MM-DD"T"HH24:MI:SS')) AS local`;
};

/**
 * The items `a` the query selects, in `order`, each followed by its Live Photo clip `v`
 * when it has one: under the photo's name with the clip's extension (IMG_0001.HEIC,
 * IMG_0001.MOV).
 */
function withLiveClips(o: ItemOptions, photoName: RawBuilder<unknown>, from: RawBuilder<unknown>, order: RawBuilder<unknown>) {
  const columns = sql`id, original_filename, file_hash, file_size, crc32, location_crc32, location_check, storage_path, format, ${o.withPatches ? sql`location_patches,` : sql``} instant, local`;
  const clipName = sql`regexp_replace(items.original_filename, '\.[^./]*$', '') || coalesce(substring(v.original_filename from '\.[^./]*$'), '.mov')`;
  return sql<ZipItemRow>`
    WITH items AS (SELECT ${itemColumns({ ...o, name: photoName })}, row_number() OVER (ORDER BY ${order}) AS item_order ${from})
    SELECT ${columns} FROM (
      SELECT ${columns}, item_order, 0 AS part FROM items
      UNION ALL
      SELECT ${itemColumns({ ...o, name: clipName, x: 'v' })}, items.item_order, 1 AS part
      FROM items JOIN assets v ON v.live_photo_id = items.id AND v.deleted_at IS NULL
    ) entries
    ORDER BY item_order, part`;
}

const uuidArray = (ids: string[]) => sql`string_to_array(${ids.join(',')}, ',')::uuid[]`;

/** The album's items in its order; only those among `onlyIds` when given. */
export async function listAlbumZipItems(
  db: Db,
  albumId: string,
  options: ItemOptions & AudienceOptions & { sort: AlbumSortOrder; onlyIds?: string[] },
): Promise<ZipItemRow[]> {
  const only: RawBuilder<unknown> = options.onlyIds ? sql`AND aa.asset_id = ANY(${uuidArray(options.onlyIds)})` : sql``;
  const shown = options.forGuests ? sql`AND ${shownToGuests('a')}` : sql``;
  const from = sql`FROM album_assets aa JOIN assets a ON a.id = aa.asset_id WHERE aa.album_id = ${albumId} ${only} ${shown}`;
  const order = albumOrder(options.sort);
  const { rows } = await withLiveClips(options, sql`coalesce(aa.entry_filename, a.original_filename)`, from, order).execute(db);
  return rows;
}

/** Library items among `ids` (not in the trash), newest first as the library lists them. */
export async function listLibraryZipItems(db: Db, ids: string[], options: ItemOptions): Promise<ZipItemRow[]> {
  if (!ids.length) return [];
  const from = sql`FROM assets a WHERE a.id = ANY(${uuidArray(ids)}) AND a.deleted_at IS NULL`;
  const order = sql`${takenKey('a')} DESC, a.id DESC`;
  const { rows } = await withLiveClips(options, sql`a.original_filename`, from, order).execute(db);
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
