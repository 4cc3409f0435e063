// The trash over real HTTP on each database backend: deleting takes items out of every
// album (pages, counts, covers, date ranges, the library, the API) and into /trash;
// restoring puts them back in their albums at their positions (and as cover); deleting
// forever, emptying and the 30-day purge remove rows first, then files, and never a file
// another row still uses; uploading the bytes of a trashed item takes it out of the trash.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset, User } from '../../src/db/schema.ts';
import { purgeExpiredTrash, removePurgedFiles, startTrashPurge } from '../../src/jobs/purge-trash.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { appendAssetsToAlbum } from '../../src/queries/albums.ts';
import { deleteTrashedAssets } from '../../src/queries/trash.ts';
import { withHashLock } from '../../src/db/hash-lock.ts';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { derivedRelPaths } from '../../src/storage/layout.ts';
import { backends } from '../helpers/database.ts';
import { newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { dayOf, insertAssets, seedAlbum } from './fixtures.ts';

const DAY = 24 * 3600_000;

describe.each(backends())('trash on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let cookie: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, log: process.env.DEBUG_LOG ? createLogger('debug') : undefined });
    owner = await newUser(server.database.db, { role: 'owner' });
    cookie = await sessionCookie(server.database.db, owner);
  });
  afterAll(() => server.close());

  const db = () => server.database.db;
  const root = () => server.deps.dataDir.root;
  function api(method: string, path: string, body?: unknown, as = cookie) {
    const headers: Record<string, string> = { cookie: as, origin: server.url };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return server.fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }
  async function json(res: Response, status = 200) {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text);
  }
  const page = async (path: string) => {
    const res = await api('GET', path);
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return text;
  };
  const albumItems = async (albumId: string) => (await json(await api('GET', `/api/albums/${albumId}`))).assets.map((a: { id: string }) => a.id) as string[];
  const album = async (albumId: string) => (await json(await api('GET', `/api/albums/${albumId}`))).album;
  const trashIds = async () => (await json(await api('GET', '/api/trash'))).assets.map((a: { id: string }) => a.id) as string[];
  const positions = (albumId: string) =>
    db().selectFrom('album_assets').select(['asset_id', 'position']).where('album_id', '=', albumId).orderBy('position').orderBy('asset_id').execute();
  const setManual = async (albumId: string) => json(await api('PATCH', `/api/albums/${albumId}`, { sortOrder: 'manual' }));

  /** Writes an original and every derived file for the asset, so purges have files to remove. */
  function writeFiles(a: Pick<Asset, 'storage_path' | 'file_hash'>): string[] {
    const paths = [a.storage_path, ...derivedRelPaths(a.file_hash)].map((rel) => join(root(), rel));
    for (const p of paths) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, 'bytes');
    }
    return paths;
  }

  it('moving to the trash takes items out of every album, its counts, dates and cover, the library and the API', async () => {
    const trip = await seedAlbum(db(), owner.id, [...dayOf('2024-07-12', 2), ...dayOf('2024-07-13', 2), ...dayOf('2024-07-19', 1)], 'Trip');
    const [a, b, c, d, e] = trip.assets.map((x) => x.id) as [string, string, string, string, string];
    const best = await seedAlbum(db(), owner.id, [], 'Best of');
    await appendAssetsToAlbum(db(), best.albumId, [e, a]);
    await json(await api('PATCH', `/api/albums/${trip.albumId}`, { coverAssetId: e }));
    expect(await album(trip.albumId)).toMatchObject({ itemCount: 5, lastDay: '2024-07-19', coverAssetId: e, cover: { id: e } });

    // The confirm names the albums that hold them.
    const holding = await json(await api('POST', '/api/assets/albums', { ids: [e, d] }));
    expect(holding.albums.map((x: { title: string; items: number }) => [x.title, x.items])).toEqual([
      ['Best of', 1],
      ['Trip', 2],
    ]);

    const res = await json(await api('POST', '/api/assets/delete', { ids: [e, d, e] }));
    expect(res).toMatchObject({ trashed: 2, albums: 2, days: 30 });
    expect(new Set(res.ids)).toEqual(new Set([e, d]));

    expect(await albumItems(trip.albumId)).toEqual([a, b, c]);
    // The cover falls back to the newest photo left.
    expect(await album(trip.albumId)).toMatchObject({ itemCount: 3, photoCount: 3, lastDay: '2024-07-13', coverAssetId: null, cover: { id: c } });
    expect(await albumItems(best.albumId)).toEqual([a]);
    const list = (await json(await api('GET', '/api/albums'))).albums as { id: string; itemCount: number; cover: { id: string } | null }[];
    expect(list.find((x) => x.id === best.albumId)).toMatchObject({ itemCount: 1, cover: { id: a } });
    for (const path of [`/albums/${trip.albumId}`, '/library', '/library?filter=unsorted', '/']) {
      const html = await page(path);
      expect(html, path).not.toContain(e);
      expect(html, path).not.toContain(d);
    }
    expect(await page('/library')).toContain(a);

    // Trashed items cannot be put back into an album by the albums API.
    const add = await json(await api('POST', `/api/albums/${best.albumId}/assets`, { assetIds: [e] }), 400);
    expect(add.missing).toEqual([e]);
    expect(await appendAssetsToAlbum(db(), best.albumId, [e])).toEqual([]);
    await json(await api('PUT', `/api/albums/${trip.albumId}/order`, { assetIds: [e, a] }), 400);
    await json(await api('PATCH', `/api/albums/${trip.albumId}`, { coverAssetId: e }), 400);

    // The owner still reads it (the trash page), with when it went.
    const asset = (await json(await api('GET', `/api/assets/${e}`))).asset;
    expect(asset.trashedAt).toEqual(expect.any(String));
    const trash = await json(await api('GET', '/api/trash'));
    expect(trash.assets.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([e, d]));
    const item = trash.assets.find((x: { id: string }) => x.id === e);
    expect(new Date(item.purgeAt).getTime() - new Date(item.trashedAt).getTime()).toBe(30 * DAY);
    const html = await page('/trash');
    expect(html).toContain(e);
    expect(html).toContain('30 days left');
    expect(html).not.toContain(`data-id="${a}"`);

    // Deleting again is a no-op; unknown ids are skipped.
    expect(await json(await api('POST', '/api/assets/delete', { ids: [e, '00000000-0000-4000-8000-000000000000'] }))).toMatchObject({ trashed: 0, albums: 0 });
  });

  it('restoring puts items back in each album at their positions, and as its cover', async () => {
    const trip = await seedAlbum(db(), owner.id, dayOf('2024-08-01', 5), 'Positions');
    const [a, b, c, d, e] = trip.assets.map((x) => x.id) as [string, string, string, string, string];
    await setManual(trip.albumId);
    await json(await api('PUT', `/api/albums/${trip.albumId}/order`, { assetIds: [e, d, c, b, a] }));
    await json(await api('PATCH', `/api/albums/${trip.albumId}`, { coverAssetId: c }));
    const other = await seedAlbum(db(), owner.id, [], 'Other');
    await appendAssetsToAlbum(db(), other.albumId, [c, a]);

    // Trashed at different times; something new arrives at the end meanwhile.
    await json(await api('POST', '/api/assets/delete', { ids: [d] }));
    await json(await api('POST', '/api/assets/delete', { ids: [c, a] }));
    expect(await albumItems(trip.albumId)).toEqual([e, b]);
    const [f] = await insertAssets(db(), dayOf('2024-08-02', 1));
    await appendAssetsToAlbum(db(), trip.albumId, [f!.id]);
    expect(await albumItems(trip.albumId)).toEqual([e, b, f!.id]);

    // Back one at a time, out of order: each lands where it was.
    expect(await json(await api('POST', '/api/trash/restore', { ids: [a] }))).toMatchObject({ restored: 1, ids: [a] });
    expect(await albumItems(trip.albumId)).toEqual([e, b, a, f!.id]);
    expect(await albumItems(other.albumId)).toEqual([a]);
    expect(await json(await api('POST', '/api/trash/restore', { ids: [c, d, c] }))).toMatchObject({ restored: 2 });
    expect(await albumItems(trip.albumId)).toEqual([e, d, c, b, a, f!.id]);
    expect((await positions(other.albumId)).map((r) => r.asset_id)).toEqual([c, a]);
    expect(await album(trip.albumId)).toMatchObject({ coverAssetId: c, cover: { id: c }, itemCount: 6 });
    const pos = (await positions(trip.albumId)).map((r) => r.position);
    expect(new Set(pos).size).toBe(pos.length);

    // Nothing left behind; restoring what is not in the trash does nothing.
    expect(await db().selectFrom('trashed_album_assets').selectAll().where('asset_id', 'in', [a, c, d]).execute()).toEqual([]);
    expect(await json(await api('POST', '/api/trash/restore', { ids: [a] }))).toMatchObject({ restored: 0 });
    expect(await trashIds()).not.toContain(a);
  });

  it('restoring in one call keeps the order of items trashed together, in albums sorted by date too', async () => {
    const trip = await seedAlbum(db(), owner.id, dayOf('2024-09-01', 6), 'Together');
    const ids = trip.assets.map((x) => x.id);
    await json(await api('POST', '/api/assets/delete', { ids: [ids[1], ids[2], ids[4]] }));
    expect(await albumItems(trip.albumId)).toEqual([ids[0], ids[3], ids[5]]);
    await json(await api('POST', '/api/trash/restore', { ids: [ids[4], ids[1], ids[2]] }));
    expect((await positions(trip.albumId)).map((r) => r.asset_id)).toEqual(ids);
    expect(await albumItems(trip.albumId)).toEqual(ids);
  });

  it('deleting forever removes the rows, then the files; never a live item', async () => {
    const trip = await seedAlbum(db(), owner.id, dayOf('2024-10-01', 3), 'Forever');
    const [a, b, c] = trip.assets;
    const files = Object.fromEntries(trip.assets.map((x) => [x.id, writeFiles(x)]));
    await json(await api('POST', '/api/assets/delete', { ids: [a!.id, b!.id] }));

    // A live item named in "delete forever" stays.
    expect(await json(await api('POST', '/api/trash/delete', { ids: [a!.id, c!.id] }))).toEqual({ deleted: 1 });
    expect(await db().selectFrom('assets').select('id').where('id', 'in', [a!.id, b!.id, c!.id]).execute()).toHaveLength(2);
    for (const p of files[a!.id]!) expect(existsSync(p), p).toBe(false);
    for (const p of [...files[b!.id]!, ...files[c!.id]!]) expect(existsSync(p), p).toBe(true);
    expect(await db().selectFrom('trashed_album_assets').selectAll().where('asset_id', '=', a!.id).execute()).toEqual([]);
    expect(await db().selectFrom('purged_files').selectAll().execute()).toEqual([]);
    expect(await albumItems(trip.albumId)).toEqual([c!.id]);
  });

  it('deleting forever takes every item named, past one batch of 500', async () => {
    const many = await insertAssets(db(), dayOf('2024-12-01', 600));
    const ids = many.map((a) => a.id);
    await json(await api('POST', '/api/assets/delete', { ids }));
    expect(await json(await api('POST', '/api/trash/delete', { ids }))).toEqual({ deleted: 600 });
    expect(await db().selectFrom('assets').select('id').where('id', 'in', ids).execute()).toEqual([]);
  });

  it('a purge waits for the lock of the bytes it is about to delete, and keeps a file an upload gave a row meanwhile', async () => {
    const [x] = await insertAssets(db(), dayOf('2024-12-02', 1));
    const files = writeFiles(x!);
    await json(await api('POST', '/api/assets/delete', { ids: [x!.id] }));
    await deleteTrashedAssets(db(), { ids: [x!.id] }, 10); // the row goes; the files are noted
    // An upload of the same bytes holds their lock between its rename and its row.
    let purging: Promise<number> | undefined;
    await withHashLock(db(), x!.file_hash, async () => {
      purging = removePurgedFiles({ db: db(), dataRoot: root() });
      await new Promise((r) => setTimeout(r, 200));
      expect(existsSync(files[0]!)).toBe(true); // the purge waits
      await newAsset(db(), { file_hash: x!.file_hash, storage_path: x!.storage_path });
    });
    expect(await purging).toBe(0);
    expect(existsSync(files[0]!)).toBe(true); // in use again: kept
    expect(await db().selectFrom('purged_files').selectAll().where('file_hash', '=', x!.file_hash).execute()).toEqual([]);
  });

  it('emptying the trash removes every trashed row and file; files another row still uses stay', async () => {
    const [x, y] = await insertAssets(db(), dayOf('2024-11-01', 2));
    const xFiles = writeFiles(x!);
    const yFiles = writeFiles(y!);
    // A live asset that points at y's original (it must never lose its file).
    const twin = await newAsset(db(), { storage_path: y!.storage_path });
    await json(await api('POST', '/api/assets/delete', { ids: [x!.id, y!.id] }));
    const before = (await trashIds()).length;
    expect(before).toBeGreaterThanOrEqual(2);

    expect((await json(await api('POST', '/api/trash/empty'))).deleted).toBe(before);
    expect(await trashIds()).toEqual([]);
    expect(await db().selectFrom('assets').select('id').where('deleted_at', 'is not', null).execute()).toEqual([]);
    expect(await db().selectFrom('trashed_album_assets').selectAll().execute()).toEqual([]);
    expect(await db().selectFrom('purged_files').selectAll().execute()).toEqual([]);
    for (const p of xFiles) expect(existsSync(p), p).toBe(false);
    expect(existsSync(yFiles[0]!)).toBe(true);
    expect(await db().selectFrom('assets').select('id').where('id', '=', twin.id).execute()).toHaveLength(1);
    expect(await page('/trash')).toContain('The trash is empty');

    // The page's form does the same (and answers with the page).
    await json(await api('POST', '/api/assets/delete', { ids: [twin.id] }));
    const form = await server.fetch('/trash/empty', { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/trash');
    expect(await trashIds()).toEqual([]);
  });

  it('purges what has been in the trash for 30 days, at start and on its schedule, and finishes a purge cut short', async () => {
    const [old, fresh, live] = await insertAssets(db(), dayOf('2024-12-01', 3));
    const oldFiles = writeFiles(old!);
    const freshFiles = writeFiles(fresh!);
    writeFiles(live!);
    await json(await api('POST', '/api/assets/delete', { ids: [old!.id, fresh!.id] }));
    await db().updateTable('assets').set({ deleted_at: new Date(Date.now() - 30 * DAY - 60_000) }).where('id', '=', old!.id).execute();
    await db().updateTable('assets').set({ deleted_at: new Date(Date.now() - 29 * DAY) }).where('id', '=', fresh!.id).execute();
    expect(await page('/trash')).toContain('1 day left');

    const deps = { db: db(), dataRoot: root(), log: silentLogger };
    const purger = startTrashPurge(deps, 60_000);
    await purger.run(); // the run at start is in flight or done; this one waits for it
    await purger.stop();
    const left = await db().selectFrom('assets').select('id').where('id', 'in', [old!.id, fresh!.id, live!.id]).execute();
    expect(left.map((r) => r.id).sort()).toEqual([fresh!.id, live!.id].sort());
    for (const p of oldFiles) expect(existsSync(p), p).toBe(false);
    for (const p of freshFiles) expect(existsSync(p), p).toBe(true);
    expect(await purgeExpiredTrash(deps, new Date(Date.now() + DAY + 60_000))).toBe(1);
    for (const p of freshFiles) expect(existsSync(p), p).toBe(false);

    // Rows deleted, then the process died: the note finishes the job (the server does this before recovery).
    const [cut] = await insertAssets(db(), dayOf('2024-12-02', 1));
    const cutFiles = writeFiles(cut!);
    await json(await api('POST', '/api/assets/delete', { ids: [cut!.id] }));
    expect(await deleteTrashedAssets(db(), { ids: [cut!.id] }, 10)).toEqual([{ storage_path: cut!.storage_path, file_hash: cut!.file_hash }]);
    for (const p of cutFiles) expect(existsSync(p), p).toBe(true);
    expect(await removePurgedFiles(deps)).toBe(1);
    for (const p of cutFiles) expect(existsSync(p), p).toBe(false);
    expect(await db().selectFrom('purged_files').selectAll().execute()).toEqual([]);
  });

  it('uploading the bytes of a trashed item takes it out of the trash, back into its albums', async () => {
    const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: (Date.now() % 200) + backend.length } } })
      .jpeg()
      .toBuffer();
    const form = (name: string, albumId?: string) => {
      const body = new FormData();
      if (albumId) body.append('albumId', albumId);
      body.append('file', new Blob([bytes]), name);
      return body;
    };
    const first = await server.fetch('/api/assets/upload', { method: 'POST', headers: { cookie, origin: server.url }, body: form('first.jpg') });
    expect(first.status).toBe(201);
    const id = (await first.json()).assets[0].id as string;
    const { albumId } = await seedAlbum(db(), owner.id, dayOf('2025-01-01', 2), 'Re-upload');
    await appendAssetsToAlbum(db(), albumId, [id]);
    const hash = (await db().selectFrom('assets').select('file_hash').where('id', '=', id).executeTakeFirstOrThrow()).file_hash;
    await json(await api('POST', '/api/assets/delete', { ids: [id] }));

    // The check says "not stored", so clients send the file.
    expect((await json(await api('POST', '/api/assets/check', { hashes: [hash] }))).existing).toEqual([]);

    const other = await seedAlbum(db(), owner.id, [], 'Upload target');
    const res = await server.fetch('/api/assets/upload', { method: 'POST', headers: { cookie, origin: server.url }, body: form('again.jpg', other.albumId) });
    expect(res.status).toBe(201);
    expect((await res.json()).assets).toEqual([{ id, status: 'created', originalFilename: 'again.jpg', restoredFromTrash: true }]);
    expect(await trashIds()).not.toContain(id);
    expect((await albumItems(albumId)).at(-1)).toBe(id);
    expect(await albumItems(other.albumId)).toEqual([id]);
    expect(await db().selectFrom('assets').select('id').where('file_hash', '=', hash).execute()).toHaveLength(1);
  });

  it('is the owner’s only: an uploader gets 403, whatever albums they were given', async () => {
    const uploader = await newUser(db(), { role: 'uploader' });
    const { albumId, assets } = await seedAlbum(db(), owner.id, dayOf('2025-02-01', 1), 'Shared with uploader');
    await setUploaderAlbums(db(), uploader.id, [albumId]);
    const as = await sessionCookie(db(), uploader);
    const ids = [assets[0]!.id];
    for (const [method, path, body] of [
      ['POST', '/api/assets/delete', { ids }],
      ['POST', '/api/assets/albums', { ids }],
      ['GET', '/api/trash', undefined],
      ['POST', '/api/trash/restore', { ids }],
      ['POST', '/api/trash/delete', { ids }],
      ['POST', '/api/trash/empty', undefined],
      ['GET', '/trash', undefined],
    ] as const) {
      expect((await api(method, path, body, as)).status, `${method} ${path}`).toBe(403);
    }
    expect(await albumItems(albumId)).toEqual(ids);
  });

  it('refuses bad input with a 400 that says what is wrong', async () => {
    expect((await json(await api('POST', '/api/assets/delete', {}), 400)).error).toMatch(/ids/);
    expect((await json(await api('POST', '/api/assets/delete', { ids: [] }), 400)).error).toMatch(/at least one/);
    expect((await json(await api('POST', '/api/trash/restore', { ids: ['nope'] }), 400)).error).toMatch(/ids/);
  });
});
