// What a grid already on screen needs to take in new and newly processed items without a
// reload: those items' tiles with the ids of their neighbours in the grid's order (the page
// puts a tile before the one after it, or after the one before it, whichever it shows, and
// leaves it to a later page when neither is loaded), their processing states, and the
// worker's backlog.
import { sql } from 'kysely';
import type { AlbumSortOrder, AssetStatus, VideoPlayback } from '../db/schema.ts';
import { albumOrder, gridAssetColumns, shownToGuests, takenKey, type AudienceOptions, type GridAssetRow } from './albums.ts';
import type { LibraryFilter } from './library.ts';
import type { Db } from './users.ts';

export interface PlacedRow extends GridAssetRow {
  /** The items before and after this one in the grid's order; null at either end. */
  prev_id: string | null;
  next_id: string | null;
  /** In an album: the guest who added it through a share link. */
  added_by_name?: string | null;
}

/** These items of the album (others are left out), in the album's order, each with its neighbours. */
export async function listPlacedAlbumTiles(
  db: Db,
  albumId: string,
  ids: string[],
  options: { sort: AlbumSortOrder; tz: string } & AudienceOptions,
): Promise<PlacedRow[]> {
  if (!ids.length) return [];
  // One pass over the album's memberships: albums are thousands of items, not millions.
  const { rows } = await sql<PlacedRow>`
    WITH ordered AS (
      SELECT aa.asset_id AS id, aa.added_by_name, lag(aa.asset_id) OVER w AS prev_id, lead(aa.asset_id) OVER w AS next_id, row_number() OVER w AS rank
      FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
      WHERE aa.album_id = ${albumId} ${options.forGuests ? sql`AND ${shownToGuests('a')}` : sql``}
      WINDOW w AS (ORDER BY ${albumOrder(options.sort)})
    )
    SELECT ${gridAssetColumns(options.tz)}, o.prev_id, o.next_id, o.added_by_name
    FROM ordered o JOIN assets a ON a.id = o.id
    WHERE o.id IN (${sql.join(ids)})
    ORDER BY o.rank`.execute(db);
  return rows;
}

/** These items of the library (newest first; 'unsorted': in no album), each with its neighbours. */
export async function listPlacedLibraryTiles(db: Db, ids: string[], options: { filter: LibraryFilter; tz: string }): Promise<PlacedRow[]> {
  if (!ids.length) return [];
  // As the library page lists them (queries/library.ts): none from the trash.
  const listed = (alias: string) => {
    const id = sql.ref(`${alias}.id`);
    const live = sql`${sql.ref(`${alias}.deleted_at`)} IS NULL AND ${sql.ref(`${alias}.live_photo_id`)} IS NULL`;
    return options.filter === 'unsorted' ? sql`${live} AND NOT EXISTS (SELECT 1 FROM album_assets x WHERE x.asset_id = ${id})` : live;
  };
  // Each neighbour is one step along the (taken key, id) index: the library can be large.
  const { rows } = await sql<PlacedRow>`
    SELECT ${gridAssetColumns(options.tz)}, pv.id AS prev_id, nx.id AS next_id
    FROM assets a
    LEFT JOIN LATERAL (
      SELECT b.id FROM assets b
      WHERE (${takenKey('b')}, b.id) > (${takenKey('a')}, a.id) AND ${listed('b')}
      ORDER BY ${takenKey('b')}, b.id
      LIMIT 1
    ) pv ON true
    LEFT JOIN LATERAL (
      SELECT b.id FROM assets b
      WHERE (${takenKey('b')}, b.id) < (${takenKey('a')}, a.id) AND ${listed('b')}
      ORDER BY ${takenKey('b')} DESC, b.id DESC
      LIMIT 1
    ) nx ON true
    WHERE a.id IN (${sql.join(ids)}) AND ${listed('a')}
    ORDER BY ${takenKey('a')} DESC, a.id DESC`.execute(db);
  return rows;
}

export interface AssetState {
  id: string;
  status: AssetStatus;
  processing_error: string | null;
  playback: VideoPlayback | null;
  /** How far its video's web copy is (0..1) while it is made. */
  progress: number | null;
}

/**
 * The processing state of these assets; for an uploader only those in albums granted to them
 * or uploaded by them, for a share link's guest only those in its album.
 */
export async function listAssetStates(db: Db, ids: string[], options: { uploaderId?: string; albumId?: string } = {}): Promise<AssetState[]> {
  if (!ids.length) return [];
  const visible = options.albumId
    ? sql`AND EXISTS (SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id AND aa.album_id = ${options.albumId})`
    : options.uploaderId
      ? sql`AND (a.uploaded_by = ${options.uploaderId} OR EXISTS (
          SELECT 1 FROM album_assets aa JOIN album_uploaders au ON au.album_id = aa.album_id
          WHERE aa.asset_id = a.id AND au.user_id = ${options.uploaderId}))`
      : sql``;
  const { rows } = await sql<AssetState>`
    SELECT a.id, a.status, a.processing_error, a.playback, j.progress FROM assets a
    LEFT JOIN jobs j ON j.asset_id = a.id AND j.kind = 'transcode' AND j.status = 'running'
    WHERE a.id IN (${sql.join(ids)}) ${visible}`.execute(db);
  return rows;
}
