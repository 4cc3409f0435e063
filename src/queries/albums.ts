// Albums: the list with counts, dates and covers; one album; its items in the album's
// order, a page at a time; membership and manual order.
//
// Order: 'taken_asc' / 'taken_desc' sort by the instant taken (upload time when unknown),
// ties by id; 'manual' by album_assets.position, ties by id. A page continues after an
// asset id (keyset), so pages never repeat or skip items when rows are added meanwhile.
// Days are the wall-clock date where the item was taken (taken_at_local), else the
// instant's date in DEFAULT_TZ.
import { sql, type RawBuilder } from 'kysely';
import type { Album, AlbumGrouping, AlbumSortOrder, AssetKind, AssetStatus, VideoPlayback } from '../db/schema.ts';
import type { Db } from './users.ts';

export interface AlbumSummary extends Album {
  item_count: number;
  photo_count: number;
  video_count: number;
  /** The originals' bytes together (what a ZIP of the album holds, less its headers). */
  byte_count: number;
  /** 'YYYY-MM-DD' of the earliest and latest item, null when empty. */
  first_day: string | null;
  last_day: string | null;
  /** The explicit cover, else the newest well-sized photo (see selectSummaries); null when empty. */
  cover: { id: string; width: number | null; height: number | null; thumbhash: string | null; status: AssetStatus } | null;
}

/** What the grid needs of one item. */
export interface GridAssetRow {
  id: string;
  width: number | null;
  height: number | null;
  kind: AssetKind;
  status: AssetStatus;
  thumbhash: string | null;
  duration_seconds: number | null;
  processing_error: string | null;
  original_filename: string;
  mime_type: string;
  file_size: number;
  taken_at: Date | null;
  taken_at_local: string | null;
  /** 'YYYY-MM-DD', see the header. */
  day: string;
  /** Whether "strip location" links may serve its original: 'clean', why not, or null (not checked yet). */
  location_check: string | null;
  /** How a video plays (original, its copy, a copy in the making, or no way that works everywhere). */
  playback: VideoPlayback | null;
  /** A Live Photo's video (its motion clip) and how that plays; null for everything else. */
  live_clip_id: string | null;
  live_clip_playback: VideoPlayback | null;
  /** A motion photo's clip inside the original: its length (null for other files). */
  motion_length: number | null;
}

export interface AlbumAssetRow extends GridAssetRow {
  position: number;
  /** Added by a guest through a share link, under this name. */
  added_by_name: string | null;
}

/** The instant an asset sorts by: when it was taken, else when it was uploaded. */
export const takenKey = (a: string) => sql.raw(`coalesce(${a}.taken_at, ${a}.created_at)`);
const dayOf = (a: string, tz: string) =>
  sql<string>`coalesce(left(${sql.raw(a)}.taken_at_local, 10), to_char(${takenKey(a)} AT TIME ZONE ${tz}, 'YYYY-MM-DD'))`;

/** The select list of a GridAssetRow from assets aliased `a` (in an album, `aa` its entry: the name the entry carries). */
export const gridAssetColumns = (tz: string, o: { entry?: boolean } = {}) => sql`
  a.id, a.width, a.height, a.kind, a.status, a.thumbhash, a.duration_seconds, a.processing_error,
  ${o.entry ? sql`coalesce(aa.entry_filename, a.original_filename)` : sql`a.original_filename`} AS original_filename,
  a.mime_type, a.file_size, a.taken_at, a.taken_at_local, a.location_check, a.playback, ${dayOf('a', tz)} AS day,
  ${liveClip('id')} AS live_clip_id, ${liveClip('playback')} AS live_clip_playback, a.motion_length`;

/** A column of the photo `a`'s Live Photo clip (one index probe; null for all but Live Photos). */
const liveClip = (column: 'id' | 'playback') =>
  sql`(SELECT ${sql.ref(`v.${column}`)} FROM assets v WHERE v.live_photo_id = a.id AND v.deleted_at IS NULL ORDER BY v.created_at LIMIT 1)`;

type SummaryRow = Album & Omit<AlbumSummary, 'cover'> & {
  cover_id: string | null;
  cover_width: number | null;
  cover_height: number | null;
  cover_thumbhash: string | null;
  cover_status: AssetStatus | null;
};

/** Who an album is summed up for: guests are not shown items whose processing failed. */
export interface AudienceOptions {
  forGuests?: boolean;
}

/** Whether asset `a` is in what guests are shown (a failed item would be a blank tile). */
export const shownToGuests = (a: string) => sql`${sql.ref(`${a}.status`)} <> 'failed'`;

async function selectSummaries(db: Db, tz: string, where: RawBuilder<unknown>, o: AudienceOptions = {}): Promise<AlbumSummary[]> {
  // Counts and dates from album_stats (kept by triggers, migrations/0013 and 0017); the cover
  // by an index: the explicit one while it is in the album, else the newest well-sized photo
  // (neither tiny nor a panorama strip), else the newest ready item, else the first in the
  // album's order.
  const shown = (a: string) => (o.forGuests ? sql`AND ${shownToGuests(a)}` : sql``);
  const newest = (well: RawBuilder<unknown>) => sql`(
    SELECT a2.id FROM album_assets aa2 JOIN assets a2 ON a2.id = aa2.asset_id
    WHERE aa2.album_id = al.id AND a2.status = 'ready' AND ${well}
    ORDER BY ${takenKey('a2')} DESC, a2.id DESC LIMIT 1)`;
  const wellSized = sql`a2.kind <> 'video' AND least(a2.width, a2.height) >= ${COVER_MIN_SIDE} AND greatest(a2.width, a2.height) <= 3 * least(a2.width, a2.height)`;
  const firstOf = (dir: 'ASC' | 'DESC') => sql`(
    SELECT a2.id FROM album_assets aa2 JOIN assets a2 ON a2.id = aa2.asset_id
    WHERE aa2.album_id = al.id ${shown('a2')} ORDER BY ${takenKey('a2')} ${sql.raw(dir)}, a2.id ${sql.raw(dir)} LIMIT 1)`;
  const dayIn = (instant: string) => sql<string>`to_char(${sql.ref(instant)} AT TIME ZONE ${tz}, 'YYYY-MM-DD')`;
  // What guests are not shown is taken off the counts for them.
  const counts = o.forGuests
    ? sql`st.item_count - st.failed_count AS item_count, st.photo_count - (st.failed_count - st.failed_video_count) AS photo_count,
          st.video_count - st.failed_video_count AS video_count, st.byte_count - st.failed_byte_count AS byte_count`
    : sql`st.item_count, st.photo_count, st.video_count, st.byte_count`;
  const { rows } = await sql<SummaryRow>`
    SELECT al.*,
           coalesce(counted.item_count, 0) AS item_count, coalesce(counted.photo_count, 0) AS photo_count,
           coalesce(counted.video_count, 0) AS video_count, coalesce(counted.byte_count, 0)::bigint AS byte_count,
           least(st.first_local_day, ${dayIn('st.first_instant')}) AS first_day,
           greatest(st.last_local_day, ${dayIn('st.last_instant')}) AS last_day,
           cover.id AS cover_id, cover.width AS cover_width, cover.height AS cover_height,
           cover.thumbhash AS cover_thumbhash, cover.status AS cover_status
    FROM albums al
    LEFT JOIN album_stats st ON st.album_id = al.id
    LEFT JOIN LATERAL (SELECT ${counts}) counted ON true
    LEFT JOIN LATERAL (
      SELECT a.id, a.width, a.height, a.thumbhash, a.status
      FROM assets a
      WHERE a.id = coalesce(
        (SELECT aa.asset_id FROM album_assets aa JOIN assets c ON c.id = aa.asset_id
         WHERE aa.album_id = al.id AND aa.asset_id = al.cover_asset_id ${shown('c')}),
        ${newest(wellSized)},
        ${newest(sql`true`)},
        CASE al.sort_order
          WHEN 'manual' THEN (SELECT aa.asset_id FROM album_assets aa JOIN assets a2 ON a2.id = aa.asset_id
                              WHERE aa.album_id = al.id ${shown('a2')} ORDER BY aa.position, aa.asset_id LIMIT 1)
          WHEN 'taken_desc' THEN ${firstOf('DESC')}
          ELSE ${firstOf('ASC')}
        END)
    ) cover ON true
    WHERE ${where}
    ORDER BY al.created_at DESC, al.id`.execute(db);
  return rows.map(({ cover_id, cover_width, cover_height, cover_thumbhash, cover_status, ...album }) => ({
    ...album,
    cover: cover_id ? { id: cover_id, width: cover_width, height: cover_height, thumbhash: cover_thumbhash, status: cover_status! } : null,
  }));
}

/** The shorter side, in pixels, a photo needs to be an album's automatic cover. */
const COVER_MIN_SIDE = 600;

/** Newest first; an uploader's list holds only the albums granted to them. */
export function listAlbums(db: Db, options: { tz: string; uploaderId?: string }): Promise<AlbumSummary[]> {
  const where = options.uploaderId
    ? sql`al.id IN (SELECT album_id FROM album_uploaders WHERE user_id = ${options.uploaderId})`
    : sql`true`;
  return selectSummaries(db, options.tz, where);
}

export async function findAlbum(db: Db, id: string, options: { tz: string } & AudienceOptions): Promise<AlbumSummary | undefined> {
  return (await selectSummaries(db, options.tz, sql`al.id = ${id}`, options))[0];
}

export function listAlbumTitles(db: Db): Promise<{ id: string; title: string }[]> {
  return db.selectFrom('albums').select(['id', 'title']).orderBy('created_at', 'desc').execute();
}

export async function albumExists(db: Db, albumId: string): Promise<boolean> {
  return (await db.selectFrom('albums').select('id').where('id', '=', albumId).executeTakeFirst()) !== undefined;
}

export async function existingAlbumIds(db: Db, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('albums').select('id').where('id', 'in', ids).execute();
  return rows.map((r) => r.id);
}

export function insertAlbum(db: Db, values: { ownerId: string; title: string; description?: string }): Promise<Album> {
  return db
    .insertInto('albums')
    .values({ owner_id: values.ownerId, title: values.title, description: values.description ?? '' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface AlbumChanges {
  title?: string;
  description?: string;
  cover_asset_id?: string | null;
  sort_order?: AlbumSortOrder;
  group_by?: AlbumGrouping;
}

/** Undefined when there is no such album. */
export function updateAlbum(db: Db, id: string, changes: AlbumChanges): Promise<Album | undefined> {
  if (!Object.keys(changes).length) return db.selectFrom('albums').selectAll().where('id', '=', id).executeTakeFirst();
  return db.updateTable('albums').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}

/** The album, its memberships, links and grants go; the assets stay in the library. */
export async function deleteAlbum(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('albums').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Of these ids, the ones that are no asset (or one in the trash). */
export async function missingAssetIds(db: Db, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const found = new Set((await db.selectFrom('assets').select('id').where('id', 'in', ids).where('deleted_at', 'is', null).execute()).map((r) => r.id));
  return ids.filter((id) => !found.has(id));
}

/** Of these ids, the ones that are not in the album. */
export async function assetIdsNotInAlbum(db: Db, albumId: string, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('album_assets').select('asset_id').where('album_id', '=', albumId).where('asset_id', 'in', ids).execute();
  const found = new Set(rows.map((r) => r.asset_id));
  return ids.filter((id) => !found.has(id));
}

// Serialises changes to one album's order (appends, reorders) so positions stay distinct.
const lockAlbum = (db: Db, albumId: string) => sql`SELECT 1 FROM albums WHERE id = ${albumId} FOR UPDATE`.execute(db);

/**
 * Adds the assets at the end of the album in the order given (positions max+1, max+2, …);
 * those already in it keep their place, those in the trash are left out. Returns the ids
 * that were added.
 */
/** Who added entries other than the owner: a guest through a link (under the name they gave) or an uploader; and the file names their entries carry. */
export interface EntryAttribution {
  linkId?: string;
  name?: string;
  userId?: string;
  /** The caller's file name per asset id. */
  entryNames?: Map<string, string>;
}

export async function appendAssetsToAlbum(db: Db, albumId: string, assetIds: string[], addedBy?: EntryAttribution): Promise<string[]> {
  const wanted = [...new Set(assetIds)];
  if (!wanted.length) return [];
  return db.transaction().execute(async (trx) => {
    await lockAlbum(trx, albumId);
    const present = new Set(
      (await trx.selectFrom('album_assets').select('asset_id').where('album_id', '=', albumId).where('asset_id', 'in', wanted).execute()).map(
        (r) => r.asset_id,
      ),
    );
    // FOR SHARE: waits for a concurrent move to the trash, then sees it (trash.ts).
    const live = new Set(
      (await sql<{ id: string }>`SELECT id FROM assets WHERE id IN (${sql.join(wanted)}) AND deleted_at IS NULL FOR SHARE`.execute(trx)).rows.map((r) => r.id),
    );
    const fresh = wanted.filter((id) => !present.has(id) && live.has(id));
    if (!fresh.length) return [];
    const { max } = await trx
      .selectFrom('album_assets')
      .select((eb) => eb.fn.max('position').as('max'))
      .where('album_id', '=', albumId)
      .executeTakeFirstOrThrow();
    const start = max === null ? 0 : Number(max) + 1;
    const rows = await trx
      .insertInto('album_assets')
      .values(
        fresh.map((asset_id, i) => ({
          album_id: albumId,
          asset_id,
          position: start + i,
          ...(addedBy
            ? {
                added_by_link: addedBy.linkId ?? null,
                added_by_name: addedBy.name ?? null,
                added_by_user: addedBy.userId ?? null,
                entry_filename: addedBy.entryNames?.get(asset_id) ?? null,
              }
            : {}),
        })),
      )
      .onConflict((oc) => oc.columns(['album_id', 'asset_id']).doNothing())
      .returning('asset_id')
      .execute();
    return rows.map((r) => r.asset_id);
  });
}

/** Unlinks the assets from the album (they stay in the library); an explicit cover among them is cleared. */
export async function removeAssetsFromAlbum(db: Db, albumId: string, assetIds: string[]): Promise<number> {
  if (!assetIds.length) return 0;
  return db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('album_assets').where('album_id', '=', albumId).where('asset_id', 'in', assetIds).executeTakeFirst();
    await trx.updateTable('albums').set({ cover_asset_id: null }).where('id', '=', albumId).where('cover_asset_id', 'in', assetIds).execute();
    return Number(result.numDeletedRows);
  });
}

/**
 * Puts the given items (all in the album, no repeats) in this order, in the places they
 * held between them; the others keep theirs. With every id of the album it is the whole
 * new order. Positions are renumbered 0…n-1 and the album switches to manual order.
 */
export async function reorderAlbum(db: Db, albumId: string, assetIds: string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockAlbum(trx, albumId);
    const current = await trx
      .selectFrom('album_assets')
      .select(['asset_id', 'position'])
      .where('album_id', '=', albumId)
      .orderBy('position')
      .orderBy('asset_id')
      .execute();
    const moving = new Set(assetIds);
    let next = 0;
    const changes: { id: string; position: number }[] = [];
    current.forEach((row, i) => {
      const id = moving.has(row.asset_id) ? assetIds[next++]! : row.asset_id;
      if (id !== row.asset_id || row.position !== i) changes.push({ id, position: i });
    });
    for (let i = 0; i < changes.length; i += 5000) {
      const values = changes.slice(i, i + 5000).map((c) => sql`(${c.id}::uuid, ${c.position}::int)`);
      await sql`
        UPDATE album_assets AS aa SET position = v.position
        FROM (VALUES ${sql.join(values)}) AS v (asset_id, position)
        WHERE aa.album_id = ${albumId} AND aa.asset_id = v.asset_id`.execute(trx);
    }
    await trx.updateTable('albums').set({ sort_order: 'manual' }).where('id', '=', albumId).execute();
  });
}

export interface AlbumPageOptions extends AudienceOptions {
  sort: AlbumSortOrder;
  /** Continue after this asset (the last one of the previous page). */
  after?: string;
  limit: number;
  tz: string;
}

/** The ORDER BY of an album's items (album_assets `aa` joined to assets `a`), see the header. */
export function albumOrder(sort: AlbumSortOrder): RawBuilder<unknown> {
  if (sort === 'manual') return sql`aa.position, aa.asset_id`;
  return sort === 'taken_desc' ? sql`${takenKey('a')} DESC, a.id DESC` : sql`${takenKey('a')}, a.id`;
}

/** One page of the album's items in its order. An `after` id no longer in the album gives an empty page. */
export async function listAlbumAssets(db: Db, albumId: string, options: AlbumPageOptions): Promise<AlbumAssetRow[]> {
  const { sort, after, limit, tz } = options;
  const order = albumOrder(sort);
  const shown = options.forGuests ? sql`AND ${shownToGuests('a')}` : sql``;
  let continueAfter = sql``;
  if (sort === 'manual') {
    if (after) {
      continueAfter = sql`AND (aa.position, aa.asset_id) > (SELECT position, asset_id FROM album_assets WHERE album_id = ${albumId} AND asset_id = ${after})`;
    }
  } else {
    const desc = sort === 'taken_desc';
    if (after) {
      const cmp = sql.raw(desc ? '<' : '>');
      continueAfter = sql`AND (${takenKey('a')}, a.id) ${cmp} (
        SELECT ${takenKey('p')}, p.id FROM album_assets pa JOIN assets p ON p.id = pa.asset_id
        WHERE pa.album_id = ${albumId} AND pa.asset_id = ${after})`;
    }
  }
  const { rows } = await sql<AlbumAssetRow>`
    SELECT ${gridAssetColumns(tz, { entry: true })}, aa.position, aa.added_by_name
    FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
    WHERE aa.album_id = ${albumId} ${continueAfter} ${shown}
    ORDER BY ${order}
    LIMIT ${limit}`.execute(db);
  return rows;
}
