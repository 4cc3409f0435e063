// The albums JSON API over real HTTP on each database backend: create, list, read with
// pages, add, remove, reorder, edit, delete; what an uploader may see; bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { expectJson, jsonCaller } from '../helpers/api.ts';
import { backends } from '../helpers/database.ts';
import { bearerToken, newAlbum, newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe.each(backends())('albums API on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let cookie: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await newUser(server.database.db, { role: 'owner' });
    cookie = await sessionCookie(server.database.db, owner);
  });
  afterAll(() => server.close());

  const db = () => server.database.db;
  const call = jsonCaller(() => server, () => cookie);
  const api = (method: string, path: string, body?: unknown, as = cookie) => call(method, path, body, { cookie: as });
  const json = expectJson;
  async function createAlbum(title = 'Trip') {
    return (await json(await api('POST', '/api/albums', { title }), 201)).album as { id: string };
  }
  const assetsAt = (...days: string[]) => Promise.all(days.map((d) => newAsset(db(), { taken_at: new Date(d) })));
  const ids = (body: { assets: { id: string }[] }) => body.assets.map((a) => a.id);

  it('creates an album (201) and reads it back', async () => {
    const res = await api('POST', '/api/albums', { title: '  Summer  ', description: 'Lake house' });
    const { album } = await json(res, 201);
    expect(album).toMatchObject({
      title: 'Summer',
      description: 'Lake house',
      sortOrder: 'taken_asc',
      groupBy: 'auto',
      coverAssetId: null,
      cover: null,
      itemCount: 0,
      photoCount: 0,
      videoCount: 0,
      firstDay: null,
      lastDay: null,
    });
    expect(album.id).toMatch(/^[0-9a-f-]{36}$/);
    const got = await json(await api('GET', `/api/albums/${album.id}`), 200);
    expect(got).toEqual({ album, assets: [], nextCursor: null });
  });

  it('refuses a missing or blank title, a too-long one, and a body that is not JSON', async () => {
    expect((await json(await api('POST', '/api/albums', {}), 400)).error).toMatch(/title/);
    expect((await json(await api('POST', '/api/albums', { title: '   ' }), 400)).error).toMatch(/title is required/);
    expect((await json(await api('POST', '/api/albums', { title: 'x'.repeat(201) }), 400)).error).toMatch(/too long/);
    expect((await json(await api('POST', '/api/albums', { title: 'ok', description: 5 }), 400)).error).toMatch(/description/);
    const notJson = await server.fetch('/api/albums', { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'text/plain' }, body: 'title=x' });
    expect(notJson.status).toBe(415);
  });

  it('adds assets at the end in the order given, ignores those already there, and names unknown ids', async () => {
    const album = await createAlbum();
    const [a, b, c] = await assetsAt('2024-07-13T10:00:00Z', '2024-07-12T10:00:00Z', '2024-07-19T10:00:00Z');
    let body = await json(await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [a!.id, b!.id] }), 200);
    expect(body).toMatchObject({ added: 2, alreadyInAlbum: 0, album: { itemCount: 2 } });
    body = await json(await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [b!.id, c!.id, c!.id] }), 200);
    expect(body).toMatchObject({ added: 1, alreadyInAlbum: 1, album: { itemCount: 3, firstDay: '2024-07-12', lastDay: '2024-07-19' } });
    const positions = await db().selectFrom('album_assets').select(['asset_id', 'position']).where('album_id', '=', album.id).orderBy('position').execute();
    expect(positions).toEqual([
      { asset_id: a!.id, position: 0 },
      { asset_id: b!.id, position: 1 },
      { asset_id: c!.id, position: 2 },
    ]);

    const unknown = await json(await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [a!.id, UNKNOWN] }), 400);
    expect(unknown.error).toContain(UNKNOWN);
    expect(unknown.missing).toEqual([UNKNOWN]);
    expect((await json(await api('POST', `/api/albums/${album.id}/assets`, { assetIds: ['not-an-id'] }), 400)).error).toMatch(/assetIds/);
    expect((await json(await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [] }), 400)).error).toMatch(/at least one/);
    expect((await json(await api('POST', `/api/albums/${album.id}/assets`, { ids: [a!.id] }), 400)).error).toMatch(/assetIds/);
    expect((await json(await api('GET', `/api/albums/${album.id}`), 200)).album.itemCount).toBe(3);
  });

  it('lists assets in the album order, a page at a time, with what the grid needs', async () => {
    const album = await createAlbum();
    const [late, early, mid] = await Promise.all([
      newAsset(db(), { taken_at: new Date('2024-07-19T10:00:00Z'), width: 1080, height: 1920 }),
      newAsset(db(), { taken_at: new Date('2024-07-12T10:00:00Z'), kind: 'video', duration_seconds: 7.5 }),
      newAsset(db(), { taken_at: new Date('2024-07-13T23:30:00Z'), taken_at_local: '2024-07-14T01:30:00', status: 'failed', processing_error: 'cannot decode' }),
    ]);
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [late!.id, early!.id, mid!.id] });
    const body = await json(await api('GET', `/api/albums/${album.id}`), 200);
    expect(ids(body)).toEqual([early!.id, mid!.id, late!.id]);
    expect(body.album).toMatchObject({ itemCount: 3, photoCount: 2, videoCount: 1, firstDay: '2024-07-12', lastDay: '2024-07-19', cover: { id: early!.id } });
    expect(body.assets[0]).toMatchObject({ kind: 'video', durationSeconds: 7.5, day: '2024-07-12', width: 4032, height: 3024 });
    // The wall clock where it was taken decides the day, not the UTC date.
    expect(body.assets[1]).toMatchObject({ status: 'failed', processingError: 'cannot decode', day: '2024-07-14', takenAtLocal: '2024-07-14T01:30:00' });
    expect(body.assets[2]).toMatchObject({ width: 1080, height: 1920, position: 0 });

    const first = await json(await api('GET', `/api/albums/${album.id}?limit=2`), 200);
    expect(ids(first)).toEqual([early!.id, mid!.id]);
    expect(first.nextCursor).toBe(mid!.id);
    const second = await json(await api('GET', `/api/albums/${album.id}?limit=2&after=${first.nextCursor}`), 200);
    expect(ids(second)).toEqual([late!.id]);
    expect(second.nextCursor).toBeNull();
    expect((await json(await api('GET', `/api/albums/${album.id}?limit=0`), 400)).error).toMatch(/limit/);
    expect((await json(await api('GET', `/api/albums/${album.id}?after=nope`), 400)).error).toMatch(/after/);
  });

  it('keeps pages apart when items share a time (ties broken by id)', async () => {
    const album = await createAlbum();
    const same = await Promise.all(Array.from({ length: 7 }, () => newAsset(db(), { taken_at: new Date('2024-01-01T00:00:00Z') })));
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: same.map((a) => a.id) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { assets: { id: string }[]; nextCursor: string | null } = await json(await api('GET', `/api/albums/${album.id}?limit=3${cursor ? `&after=${cursor}` : ''}`), 200);
      seen.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(same.map((a) => a.id).sort());
  });

  it('PATCH changes title, description, sort order and cover; a cover must be in the album', async () => {
    const album = await createAlbum('Old');
    const [a, b] = await assetsAt('2024-07-13T10:00:00Z', '2024-07-14T10:00:00Z');
    const stranger = await newAsset(db());
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [a!.id, b!.id] });

    let body = await json(await api('PATCH', `/api/albums/${album.id}`, { title: 'New', description: 'Words' }), 200);
    expect(body.album).toMatchObject({ title: 'New', description: 'Words', sortOrder: 'taken_asc', cover: { id: a!.id } });
    body = await json(await api('PATCH', `/api/albums/${album.id}`, { sortOrder: 'taken_desc' }), 200);
    expect(body.album).toMatchObject({ sortOrder: 'taken_desc', cover: { id: b!.id }, coverAssetId: null });
    expect(ids(await json(await api('GET', `/api/albums/${album.id}`), 200))).toEqual([b!.id, a!.id]);

    body = await json(await api('PATCH', `/api/albums/${album.id}`, { coverAssetId: a!.id }), 200);
    expect(body.album).toMatchObject({ coverAssetId: a!.id, cover: { id: a!.id } });
    const listed = await json(await api('GET', '/api/albums'), 200);
    expect(listed.albums.find((x: { id: string }) => x.id === album.id).cover.id).toBe(a!.id);
    body = await json(await api('PATCH', `/api/albums/${album.id}`, { coverAssetId: null }), 200);
    expect(body.album).toMatchObject({ coverAssetId: null, cover: { id: b!.id } });

    expect((await json(await api('PATCH', `/api/albums/${album.id}`, { coverAssetId: stranger.id }), 400)).error).toMatch(/not in this album/);
    expect((await json(await api('PATCH', `/api/albums/${album.id}`, { sortOrder: 'random' }), 400)).error).toMatch(/sortOrder/);
    expect((await json(await api('PATCH', `/api/albums/${album.id}`, { groupBy: 'year' }), 400)).error).toMatch(/groupBy/);
    expect((await json(await api('PATCH', `/api/albums/${album.id}`, { groupBy: 'month' }), 200)).album.groupBy).toBe('month');
    expect((await json(await api('PATCH', `/api/albums/${album.id}`, { title: '' }), 400)).error).toMatch(/title/);
    expect((await json(await api('PATCH', `/api/albums/${album.id}`, { cover: a!.id }), 400)).error).toMatch(/cover/);
    expect((await json(await api('PATCH', `/api/albums/${album.id}`, {}), 400)).error).toMatch(/nothing to change/);
  });

  it('PUT /order sets the manual order (all ids, or some of them in their own places)', async () => {
    const album = await createAlbum();
    const xs = await assetsAt(...['01', '02', '03', '04', '05'].map((d) => `2024-03-${d}T12:00:00Z`));
    const [a, b, c, d, e] = xs.map((x) => x.id) as [string, string, string, string, string];
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [a, b, c, d, e] });

    let body = await json(await api('PUT', `/api/albums/${album.id}/order`, { assetIds: [e, d, c, b, a] }), 200);
    expect(body.album.sortOrder).toBe('manual');
    expect(ids(await json(await api('GET', `/api/albums/${album.id}`), 200))).toEqual([e, d, c, b, a]);

    // Only b and d named: they swap places, everything else stays put.
    body = await json(await api('PUT', `/api/albums/${album.id}/order`, { assetIds: [b, d] }), 200);
    expect(ids(await json(await api('GET', `/api/albums/${album.id}`), 200))).toEqual([e, b, c, d, a]);
    // Appending after a reorder goes to the end.
    const [f] = await assetsAt('2020-01-01T00:00:00Z');
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [f!.id] });
    expect(ids(await json(await api('GET', `/api/albums/${album.id}`), 200))).toEqual([e, b, c, d, a, f!.id]);
    // Switching back to date order keeps the manual positions for later.
    await api('PATCH', `/api/albums/${album.id}`, { sortOrder: 'taken_asc' });
    expect(ids(await json(await api('GET', `/api/albums/${album.id}`), 200))).toEqual([f!.id, a, b, c, d, e]);
    await api('PATCH', `/api/albums/${album.id}`, { sortOrder: 'manual' });
    expect(ids(await json(await api('GET', `/api/albums/${album.id}`), 200))).toEqual([e, b, c, d, a, f!.id]);

    const outsider = await newAsset(db());
    const bad = await json(await api('PUT', `/api/albums/${album.id}/order`, { assetIds: [a, outsider.id] }), 400);
    expect(bad.error).toContain(outsider.id);
    expect(bad.notInAlbum).toEqual([outsider.id]);
    expect((await json(await api('PUT', `/api/albums/${album.id}/order`, { assetIds: [a, a] }), 400)).error).toMatch(/more than once/);
  });

  it('the automatic cover is the newest well-sized photo that is ready, whatever the order', async () => {
    const album = await createAlbum();
    const at = (day: string, values: Parameters<typeof newAsset>[1] = {}) => newAsset(db(), { taken_at: new Date(day), status: 'ready', ...values });
    const oldBig = await at('2020-01-01T10:00:00Z');
    const items = [
      oldBig,
      await at('2021-01-01T10:00:00Z', { width: 320, height: 240 }), // too small
      await at('2022-01-01T10:00:00Z', { width: 9000, height: 1500 }), // a panorama strip
      await at('2023-01-01T10:00:00Z', { kind: 'video' }),
      await at('2024-01-01T10:00:00Z', { status: 'pending' }), // no thumbnail yet
      await at('2025-01-01T10:00:00Z', { status: 'failed' }),
    ];
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: items.map((a) => a.id) });
    for (const sortOrder of ['taken_asc', 'taken_desc', 'manual']) {
      const body = await json(await api('PATCH', `/api/albums/${album.id}`, { sortOrder }), 200);
      expect(body.album.cover.id, sortOrder).toBe(oldBig.id);
    }
    const newer = await at('2019-06-01T10:00:00Z', { width: 3000, height: 4000 });
    const newest = await at('2026-01-01T10:00:00Z', { width: 3000, height: 4000 });
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [newer.id, newest.id] });
    expect((await json(await api('GET', `/api/albums/${album.id}`), 200)).album.cover.id).toBe(newest.id);
    // With no well-sized photo, the newest ready item (the video's poster).
    await api('DELETE', `/api/albums/${album.id}/assets`, { assetIds: [oldBig.id, newer.id, newest.id] });
    expect((await json(await api('GET', `/api/albums/${album.id}`), 200)).album.cover.id).toBe(items[3]!.id);
  });

  it('DELETE /assets unlinks items (they stay in the library) and clears a cover among them', async () => {
    const album = await createAlbum();
    const [a, b] = await assetsAt('2024-07-13T10:00:00Z', '2024-07-14T10:00:00Z');
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [a!.id, b!.id] });
    await api('PATCH', `/api/albums/${album.id}`, { coverAssetId: b!.id });
    const body = await json(await api('DELETE', `/api/albums/${album.id}/assets`, { assetIds: [b!.id, UNKNOWN] }), 200);
    expect(body).toMatchObject({ removed: 1, album: { itemCount: 1, coverAssetId: null, cover: { id: a!.id } } });
    expect(await db().selectFrom('assets').select('id').where('id', '=', b!.id).executeTakeFirst()).toBeDefined();
    expect((await json(await api('DELETE', `/api/albums/${album.id}/assets`, { assetIds: 'x' }), 400)).error).toMatch(/assetIds/);
  });

  it('DELETE removes the album (204) but not its assets', async () => {
    const album = await createAlbum();
    const [a] = await assetsAt('2024-07-13T10:00:00Z');
    await api('POST', `/api/albums/${album.id}/assets`, { assetIds: [a!.id] });
    expect((await api('DELETE', `/api/albums/${album.id}`)).status).toBe(204);
    expect((await api('GET', `/api/albums/${album.id}`)).status).toBe(404);
    expect((await api('DELETE', `/api/albums/${album.id}`)).status).toBe(404);
    expect(await db().selectFrom('assets').select('id').where('id', '=', a!.id).executeTakeFirst()).toBeDefined();
  });

  it('answers 404 for unknown albums and ids that are not ids, on every route', async () => {
    for (const id of [UNKNOWN, 'not-a-uuid', '1%20OR%201=1']) {
      for (const [method, path, body] of [
        ['GET', `/api/albums/${id}`],
        ['PATCH', `/api/albums/${id}`, { title: 'x' }],
        ['DELETE', `/api/albums/${id}`],
        ['POST', `/api/albums/${id}/assets`, { assetIds: [UNKNOWN] }],
        ['DELETE', `/api/albums/${id}/assets`, { assetIds: [UNKNOWN] }],
        ['PUT', `/api/albums/${id}/order`, { assetIds: [UNKNOWN] }],
      ] as const) {
        const res = await api(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(await res.json()).toEqual({ error: 'no such album' });
      }
    }
  });

  it('lists albums newest first with counts, date range and cover', async () => {
    const fresh = await startTestServer({ backend });
    try {
      const me = await newUser(fresh.database.db, { role: 'owner' });
      const c = await sessionCookie(fresh.database.db, me);
      const older = await newAlbum(fresh.database.db, me.id, { title: 'Older' });
      const newer = await newAlbum(fresh.database.db, me.id, { title: 'Newer' });
      await fresh.database.db.updateTable('albums').set({ created_at: new Date('2020-01-01') } as never).where('id', '=', older.id).execute();
      const v = await newAsset(fresh.database.db, { kind: 'video', taken_at: new Date('2023-12-30T10:00:00Z') });
      const p = await newAsset(fresh.database.db, { taken_at: new Date('2024-01-02T10:00:00Z') });
      const res = await fresh.fetch(`/api/albums/${newer.id}/assets`, {
        method: 'POST',
        headers: { cookie: c, origin: fresh.url, 'content-type': 'application/json' },
        body: JSON.stringify({ assetIds: [p.id, v.id] }),
      });
      expect(res.status).toBe(200);
      const body = await json(await fresh.fetch('/api/albums', { headers: { cookie: c } }), 200);
      expect(body.albums.map((a: { title: string }) => a.title)).toEqual(['Newer', 'Older']);
      expect(body.albums[0]).toMatchObject({ itemCount: 2, photoCount: 1, videoCount: 1, firstDay: '2023-12-30', lastDay: '2024-01-02', cover: { id: v.id } });
      expect(body.albums[1]).toMatchObject({ itemCount: 0, cover: null, firstDay: null });
    } finally {
      await fresh.close();
    }
  });

  it('works with a Bearer API token (no CSRF origin needed)', async () => {
    const token = await bearerToken(db(), owner);
    const res = await server.fetch('/api/albums', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Scripted' }),
    });
    expect(res.status).toBe(201);
  });

  it('refuses a cross-site request made with the session cookie', async () => {
    const res = await server.fetch('/api/albums', {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x' }),
    });
    expect(res.status).toBe(403);
  });

  describe('an uploader', () => {
    let uploaderCookie: string;
    let granted: { id: string };
    let other: { id: string };
    beforeAll(async () => {
      const uploader = await newUser(db(), { role: 'uploader' });
      uploaderCookie = await sessionCookie(db(), uploader);
      granted = await createAlbum('Granted');
      other = await createAlbum('Not granted');
      await setUploaderAlbums(db(), uploader.id, [granted.id]);
    });

    it('lists only the albums granted to them', async () => {
      const body = await json(await api('GET', '/api/albums', undefined, uploaderCookie), 200);
      expect(body.albums.map((a: { id: string }) => a.id)).toEqual([granted.id]);
    });

    it('reads a granted album; any other is 404, as if it did not exist', async () => {
      expect((await json(await api('GET', `/api/albums/${granted.id}`, undefined, uploaderCookie), 200)).album.title).toBe('Granted');
      expect((await api('GET', `/api/albums/${other.id}`, undefined, uploaderCookie)).status).toBe(404);
    });

    it('may not change albums, even granted ones', async () => {
      const [a] = await assetsAt('2024-07-13T10:00:00Z');
      expect((await api('POST', '/api/albums', { title: 'Mine' }, uploaderCookie)).status).toBe(403);
      expect((await api('PATCH', `/api/albums/${granted.id}`, { title: 'Mine' }, uploaderCookie)).status).toBe(403);
      expect((await api('POST', `/api/albums/${granted.id}/assets`, { assetIds: [a!.id] }, uploaderCookie)).status).toBe(403);
      expect((await api('PUT', `/api/albums/${granted.id}/order`, { assetIds: [a!.id] }, uploaderCookie)).status).toBe(403);
      expect((await api('DELETE', `/api/albums/${granted.id}`, undefined, uploaderCookie)).status).toBe(403);
    });
  });
});
