// An album's counts and date range are kept by triggers (migrations/0013_album_stats.sql)
// instead of counted on every view. After every kind of change (append, remove, trash,
// restore, delete forever, delete the album, an asset's date changed), and after parallel
// appends to one album, what findAlbum says equals a count made from the items.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { appendAssetsToAlbum, deleteAlbum, findAlbum, removeAssetsFromAlbum } from '../../src/queries/albums.ts';
import { deleteTrashedAssets, restoreAssets, trashAssets } from '../../src/queries/trash.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { newAlbum, newAsset, newUser } from '../helpers/factories.ts';

const TZ = 'America/Los_Angeles';

/** What the stats must say, counted from the items as the page did before there were stats. */
async function recount(db: TestDatabase['db'], albumId: string) {
  const { rows } = await sql<{ item_count: number; photo_count: number; video_count: number; byte_count: number; first_day: string | null; last_day: string | null }>`
    SELECT count(*)::int AS item_count,
           (count(*) FILTER (WHERE a.kind <> 'video'))::int AS photo_count,
           (count(*) FILTER (WHERE a.kind = 'video'))::int AS video_count,
           coalesce(sum(a.file_size), 0)::bigint AS byte_count,
           min(coalesce(left(a.taken_at_local, 10), to_char(coalesce(a.taken_at, a.created_at) AT TIME ZONE ${TZ}, 'YYYY-MM-DD'))) AS first_day,
           max(coalesce(left(a.taken_at_local, 10), to_char(coalesce(a.taken_at, a.created_at) AT TIME ZONE ${TZ}, 'YYYY-MM-DD'))) AS last_day
    FROM album_assets aa JOIN assets a ON a.id = aa.asset_id WHERE aa.album_id = ${albumId}`.execute(db);
  return rows[0]!;
}

async function expectStats(db: TestDatabase['db'], albumId: string, label: string) {
  const album = await findAlbum(db, albumId, { tz: TZ });
  const counted = await recount(db, albumId);
  expect(
    { item_count: album!.item_count, photo_count: album!.photo_count, video_count: album!.video_count, byte_count: Number(album!.byte_count), first_day: album!.first_day, last_day: album!.last_day },
    label,
  ).toEqual({ ...counted, byte_count: Number(counted.byte_count) });
}

describe.each(backends())('album stats on %s', (backend) => {
  let database: TestDatabase;
  let owner: User;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    owner = await newUser(database.db, { role: 'owner' });
  });
  afterAll(() => database.close());

  it('match a count of the items after every kind of change', async () => {
    const db = database.db;
    const album = await newAlbum(db, owner.id);
    const other = await newAlbum(db, owner.id);
    await expectStats(db, album.id, 'empty');
    expect((await findAlbum(db, album.id, { tz: TZ }))!.first_day).toBeNull();

    // Items with a local time, items with only an instant (their day depends on the zone:
    // 03:00 UTC is the evening before in Los Angeles), photos and videos, one of 5 GB.
    const assets = [
      await newAsset(db, { taken_at: new Date('2024-03-01T03:00:00Z'), taken_at_local: null }),
      await newAsset(db, { taken_at: new Date('2024-03-05T12:00:00Z'), taken_at_local: '2024-03-05T14:00:00' }),
      await newAsset(db, { kind: 'video', file_size: 5 * 1024 ** 3, taken_at: new Date('2024-02-20T12:00:00Z'), taken_at_local: '2024-02-20T13:00:00' }),
      await newAsset(db, { taken_at: null, taken_at_local: null }),
      await newAsset(db, { taken_at: new Date('2025-01-01T07:59:00Z'), taken_at_local: null }),
    ];
    const ids = assets.map((a) => a.id);
    await appendAssetsToAlbum(db, album.id, ids.slice(0, 3));
    await expectStats(db, album.id, 'three appended');
    expect((await findAlbum(db, album.id, { tz: TZ }))!).toMatchObject({ item_count: 3, video_count: 1, first_day: '2024-02-20', last_day: '2024-03-05' });
    await appendAssetsToAlbum(db, album.id, ids.slice(3));
    await appendAssetsToAlbum(db, other.id, ids.slice(1, 4));
    await expectStats(db, album.id, 'all appended');
    await expectStats(db, other.id, 'the other album');

    await removeAssetsFromAlbum(db, album.id, [ids[2]!]);
    await expectStats(db, album.id, 'the video removed');
    await trashAssets(db, [ids[1]!, ids[4]!]);
    await expectStats(db, album.id, 'two trashed');
    await expectStats(db, other.id, 'two trashed, other album');
    await restoreAssets(db, [ids[1]!]);
    await expectStats(db, album.id, 'one restored');
    await deleteTrashedAssets(db, { ids: [ids[4]!] }, 100);
    await expectStats(db, album.id, 'one deleted forever');

    await db.updateTable('assets').set({ taken_at: new Date('2019-06-01T12:00:00Z'), taken_at_local: '2019-06-01T14:00:00' }).where('id', '=', ids[0]!).execute();
    await expectStats(db, album.id, 'a date changed');
    expect((await findAlbum(db, album.id, { tz: TZ }))!.first_day).toBe('2019-06-01');

    // An item failing processing (and being made ready again) counts again: guests are not shown it.
    const asGuests = async () => {
      const a = (await findAlbum(db, album.id, { tz: TZ, forGuests: true }))!;
      return { items: a.item_count, photos: a.photo_count, videos: a.video_count, bytes: Number(a.byte_count) };
    };
    const whole = (await findAlbum(db, album.id, { tz: TZ }))!;
    expect(await asGuests()).toEqual({ items: whole.item_count, photos: whole.photo_count, videos: whole.video_count, bytes: Number(whole.byte_count) });
    const failing = await newAsset(db, { kind: 'video', file_size: 777 });
    await appendAssetsToAlbum(db, album.id, [failing.id]);
    await db.updateTable('assets').set({ status: 'failed' }).where('id', '=', failing.id).execute();
    await expectStats(db, album.id, 'an item failed');
    expect(await asGuests()).toEqual({ items: whole.item_count, photos: whole.photo_count, videos: whole.video_count, bytes: Number(whole.byte_count) });
    await db.updateTable('assets').set({ status: 'ready' }).where('id', '=', failing.id).execute();
    expect(await asGuests()).toEqual({ items: whole.item_count + 1, photos: whole.photo_count, videos: whole.video_count + 1, bytes: Number(whole.byte_count) + 777 });

    await deleteAlbum(db, other.id);
    expect(await db.selectFrom('album_stats').select('album_id').where('album_id', '=', other.id).execute()).toEqual([]);
  });

  it('hold when several requests add to one album at once', async () => {
    const db = database.db;
    const album = await newAlbum(db, owner.id);
    const batches = await Promise.all(
      Array.from({ length: 8 }, async () => Promise.all(Array.from({ length: 25 }, () => newAsset(db, { file_size: 1000 })))),
    );
    // Each batch its own transaction: on Postgres they run on separate connections at once.
    await Promise.all(batches.map((batch) => appendAssetsToAlbum(db, album.id, batch.map((a) => a.id))));
    await expectStats(db, album.id, 'parallel appends');
    expect((await findAlbum(db, album.id, { tz: TZ }))!).toMatchObject({ item_count: 200, byte_count: 200_000 });
    // And parallel removals of what the others added.
    await Promise.all(batches.slice(0, 4).map((batch) => removeAssetsFromAlbum(db, album.id, batch.map((a) => a.id))));
    await expectStats(db, album.id, 'parallel removals');
    expect((await findAlbum(db, album.id, { tz: TZ }))!.item_count).toBe(100);
  });
});
