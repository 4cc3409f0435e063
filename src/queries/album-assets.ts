// Album membership as ingest needs it: append at the end, ignoring what is already there.
import { sql } from 'kysely';
import type { Db } from './users.ts';

export async function appendAssetsToAlbum(db: Db, albumId: string, assetIds: string[]): Promise<void> {
  if (!assetIds.length) return;
  await db.transaction().execute(async (trx) => {
    // Serialise appends to one album so positions stay unique and in arrival order.
    await sql`SELECT 1 FROM albums WHERE id = ${albumId} FOR UPDATE`.execute(trx);
    const { max } = await trx
      .selectFrom('album_assets')
      .select((eb) => eb.fn.coalesce(eb.fn.max('position'), sql<number>`-1`).as('max'))
      .where('album_id', '=', albumId)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('album_assets')
      .values(assetIds.map((asset_id, i) => ({ album_id: albumId, asset_id, position: Number(max) + 1 + i })))
      .onConflict((oc) => oc.columns(['album_id', 'asset_id']).doNothing())
      .execute();
  });
}

export async function albumExists(db: Db, albumId: string): Promise<boolean> {
  return (await db.selectFrom('albums').select('id').where('id', '=', albumId).executeTakeFirst()) !== undefined;
}
