// The library: every asset, newest first (by when it was taken, else uploaded), a page at
// a time, optionally only those in no album.
import { sql } from 'kysely';
import { gridAssetColumns, takenKey, type GridAssetRow } from './albums.ts';
import type { Db } from './users.ts';

export type LibraryFilter = 'all' | 'unsorted';

// Trashed assets are in no album but not in the library either; nor is a Live Photo's
// video, which is part of its photo's item.
const filterSql = (filter: LibraryFilter) =>
  filter === 'unsorted'
    ? sql`WHERE a.deleted_at IS NULL AND a.live_photo_id IS NULL AND NOT EXISTS (SELECT 1 FROM album_assets aa WHERE aa.asset_id = a.id)`
    : sql`WHERE a.deleted_at IS NULL AND a.live_photo_id IS NULL`;

export async function listLibraryAssets(db: Db, options: { filter: LibraryFilter; offset: number; limit: number; tz: string }): Promise<GridAssetRow[]> {
  const { rows } = await sql<GridAssetRow>`
    SELECT ${gridAssetColumns(options.tz)}
    FROM assets a
    ${filterSql(options.filter)}
    ORDER BY ${takenKey('a')} DESC, a.id DESC
    LIMIT ${options.limit} OFFSET ${options.offset}`.execute(db);
  return rows;
}

export async function countLibraryAssets(db: Db, filter: LibraryFilter): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM assets a ${filterSql(filter)}`.execute(db);
  return rows[0]!.n;
}
