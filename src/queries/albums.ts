// Albums.
import type { Db } from './users.ts';

export function listAlbumTitles(db: Db): Promise<{ id: string; title: string }[]> {
  return db.selectFrom('albums').select(['id', 'title']).orderBy('created_at', 'desc').execute();
}

export async function existingAlbumIds(db: Db, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('albums').select('id').where('id', 'in', ids).execute();
  return rows.map((r) => r.id);
}
