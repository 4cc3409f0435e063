// Live Photos: the photo and the video an iPhone writes with one content identifier become
// one item, the photo, with the video as its motion clip (migrations/0015_live_photos.sql).
// They may come together or apart, in either order, in one request or in several: after
// every placement the new files' identifiers are looked up, and a photo and its unpaired
// videos are joined. The clip gives its places in albums to the photo (which takes its
// position where it was not in that album already, and its cover) and leaves them.
import { sql } from 'kysely';
import type { Db } from '../queries/users.ts';

/** Pairs the Live Photos these new or newly placed assets complete; the number of clips paired. */
export async function pairLivePhotos(db: Db, assetIds: string[]): Promise<number> {
  if (!assetIds.length) return 0;
  const rows = await db.selectFrom('assets').select('content_id').distinct().where('id', 'in', assetIds).where('content_id', 'is not', null).execute();
  let paired = 0;
  for (const { content_id } of rows) paired += await pairContent(db, content_id!);
  return paired;
}

async function pairContent(db: Db, contentId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Two uploads finishing together must not each pair half.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`live-photo:${contentId}`}))`.execute(trx);
    const photo = await trx
      .selectFrom('assets')
      .select('id')
      .where('content_id', '=', contentId)
      .where('kind', '<>', 'video')
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst();
    if (!photo) return 0;
    const clips = (
      await trx
        .updateTable('assets')
        .set({ live_photo_id: photo.id })
        .where('content_id', '=', contentId)
        .where('kind', '=', 'video')
        // Its clip already: placed into an album again (uploaded there once more), it goes to the photo there too.
        .where((eb) => eb.or([eb('live_photo_id', 'is', null), eb('live_photo_id', '=', photo.id)]))
        .where('deleted_at', 'is', null)
        .returning('id')
        .execute()
    ).map((r) => r.id);
    if (!clips.length) return 0;
    await sql`
      INSERT INTO album_assets (album_id, asset_id, position, added_at, added_by_link, added_by_name, added_by_user)
      SELECT DISTINCT ON (album_id) album_id, ${photo.id}::uuid, position, added_at, added_by_link, added_by_name, added_by_user
      FROM album_assets WHERE asset_id IN (${sql.join(clips)})
      ORDER BY album_id, position
      ON CONFLICT (album_id, asset_id) DO NOTHING`.execute(trx);
    await trx.updateTable('albums').set({ cover_asset_id: photo.id }).where('cover_asset_id', 'in', clips).execute();
    await trx.deleteFrom('album_assets').where('asset_id', 'in', clips).execute();
    return clips.length;
  });
}
