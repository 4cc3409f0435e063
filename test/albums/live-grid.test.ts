// The routes behind a grid that keeps up on screen (static/js/live-grid.js): tiles for given
// ids, each in a <template> naming its neighbours and its day, for an album in
// each order and for the library with its filter; and the processing state of given ids
// with the worker's backlog. Who may ask what: the owner, an uploader for their albums.
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { backends } from '../helpers/database.ts';
import { newAlbum, newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { dayOf, insertAssets, seedAlbum } from './fixtures.ts';

const window = new Window();
const parsePage = (html: string) => new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;
// A fragment of <template>s: parsed inside a body, where templates keep their content.
const parse = (html: string) => parsePage(`<body>${html}</body>`);

interface Placed {
  id: string;
  prev: string;
  next: string;
  day: string;
  status: string;
  heading: string | null;
  tiles: number;
}

function placed(doc: Document): Placed[] {
  return [...doc.querySelectorAll('template[data-id]')].map((t) => {
    const content = (t as HTMLTemplateElement).content;
    return {
      id: t.getAttribute('data-id')!,
      prev: t.getAttribute('data-prev')!,
      next: t.getAttribute('data-next')!,
      day: t.getAttribute('data-day')!,
      status: t.getAttribute('data-status')!,
      heading: content.querySelector('section.day > .day-head time')?.getAttribute('datetime') ?? null,
      tiles: content.querySelectorAll('section.day .tiles > .tile').length,
    };
  });
}

describe.each(backends())('live grid routes on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let uploader: User;
  let cookie: string;
  let uploaderCookie: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await newUser(server.database.db, { role: 'owner' });
    uploader = await newUser(server.database.db, { role: 'uploader' });
    cookie = await sessionCookie(server.database.db, owner);
    uploaderCookie = await sessionCookie(server.database.db, uploader);
  });
  afterAll(() => server.close());

  const db = () => server.database.db;
  const get = (path: string, as = cookie) => server.fetch(path, { headers: { cookie: as } });
  async function html(path: string, as = cookie) {
    const res = await get(path, as);
    expect(res.status, path).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return parse(await res.text());
  }

  it('album tiles for ids: in album order, each with its neighbours and day, a whole day section to insert', async () => {
    const { albumId, assets } = await seedAlbum(db(), owner.id, [...dayOf('2024-07-12', 3), ...dayOf('2024-07-13', 2)]);
    // Oldest first (the default): ids asked in any order come back in album order.
    const [a0, a1, a2, b0, b1] = assets.map((a) => a.id);
    let doc = await html(`/albums/${albumId}/placed-tiles?ids=${[b1, a2, a0].join(',')}`);
    expect(placed(doc)).toEqual([
      { id: a0, prev: '', next: a1, day: '2024-07-12', status: 'ready', heading: '2024-07-12', tiles: 1 },
      { id: a2, prev: a1, next: b0, day: '2024-07-12', status: 'ready', heading: '2024-07-12', tiles: 1 },
      { id: b1, prev: b0, next: '', day: '2024-07-13', status: 'ready', heading: '2024-07-13', tiles: 1 },
    ]);
    // The tile is the grid's own: placeholder, label, link.
    const tile = doc.querySelector('template[data-id]') as HTMLTemplateElement;
    expect(tile.content.querySelector(`a.tile[data-id="${a0}"][data-status="ready"]`)?.getAttribute('style')).toMatch(/^--ar:[\d.]+;background-image:linear-gradient\(#/);
    // The header line with the counts comes along.
    expect(doc.querySelector('template[data-meta]')?.getAttribute('data-meta')).toBe('5 photos · 12–13 Jul 2024');

    // Newest first: the neighbours turn around.
    await server.fetch(`/api/albums/${albumId}`, {
      method: 'PATCH',
      headers: { cookie, origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ sortOrder: 'taken_desc' }),
    });
    doc = await html(`/albums/${albumId}/placed-tiles?ids=${[a0, b0].join(',')}`);
    expect(placed(doc).map(({ id, prev, next }) => ({ id, prev, next }))).toEqual([
      { id: b0, prev: b1, next: a2 },
      { id: a0, prev: a1, next: '' },
    ]);

    // Grouped by month: the tile goes into its month's section.
    await server.fetch(`/api/albums/${albumId}`, {
      method: 'PATCH',
      headers: { cookie, origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ groupBy: 'month' }),
    });
    doc = await html(`/albums/${albumId}/placed-tiles?ids=${b0}`);
    expect(placed(doc).map(({ day, heading }) => ({ day, heading }))).toEqual([{ day: '2024-07', heading: '2024-07' }]);

    // Manual order: no days, positions decide.
    await server.fetch(`/api/albums/${albumId}/order`, {
      method: 'PUT',
      headers: { cookie, origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ assetIds: [b1, a0, b0, a1, a2] }),
    });
    doc = await html(`/albums/${albumId}/placed-tiles?ids=${[a0, a2, b1].join(',')}`);
    expect(placed(doc)).toEqual([
      { id: b1, prev: '', next: a0, day: '', status: 'ready', heading: null, tiles: 1 },
      { id: a0, prev: b1, next: b0, day: '', status: 'ready', heading: null, tiles: 1 },
      { id: a2, prev: a1, next: '', day: '', status: 'ready', heading: null, tiles: 1 },
    ]);
  });

  it('album tiles leave out ids that are not in the album, and refuse bad lists', async () => {
    const { albumId, assets } = await seedAlbum(db(), owner.id, dayOf('2024-08-01', 2));
    const stranger = await newAsset(db());
    const doc = await html(`/albums/${albumId}/placed-tiles?ids=${assets[1]!.id},${stranger.id},${assets[1]!.id.toUpperCase()}`);
    expect(placed(doc).map((p) => p.id)).toEqual([assets[1]!.id]);

    for (const query of ['', '?ids=', '?ids=nope', `?ids=${Array.from({ length: 101 }, () => crypto.randomUUID()).join(',')}`]) {
      const res = await get(`/albums/${albumId}/placed-tiles${query}`);
      expect(res.status, query).toBe(400);
    }
    expect((await get(`/albums/${crypto.randomUUID()}/placed-tiles?ids=${assets[0]!.id}`)).status).toBe(404);
  });

  it('a pending item comes as a placeholder tile; the status says when it is ready, with the backlog', async () => {
    const album = await newAlbum(db(), owner.id, { title: 'Still processing' });
    const [waiting, broken] = await insertAssets(db(), [
      { local: '2024-09-01T10:00:00', status: 'pending', thumbhash: false },
      { local: '2024-09-01T11:00:00', status: 'failed', error: 'This file is damaged and could not be read' },
    ]);
    await server.fetch(`/api/albums/${album.id}/assets`, {
      method: 'POST',
      headers: { cookie, origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ assetIds: [waiting!.id, broken!.id] }),
    });
    const doc = await html(`/albums/${album.id}/placed-tiles?ids=${waiting!.id},${broken!.id}`);
    const [first, second] = [...doc.querySelectorAll('template[data-id]')].map((t) => (t as HTMLTemplateElement).content);
    expect(first!.querySelector('.tile')!.getAttribute('data-status')).toBe('pending');
    expect(first!.querySelector('.tile img')).toBeNull();
    expect(second!.querySelector('.badge.failed')!.getAttribute('title')).toBe('This file is damaged and could not be read');

    const backlogBefore = Number(
      (await db().selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirstOrThrow()).n,
    );
    const unknown = crypto.randomUUID();
    let res = await get(`/api/assets/status?ids=${waiting!.id},${broken!.id},${unknown}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    let body = await res.json();
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    expect(body.assets.sort(byId)).toEqual(
      [
        { id: waiting!.id, status: 'pending', error: null },
        { id: broken!.id, status: 'failed', error: 'This file is damaged and could not be read' },
      ].sort(byId),
    );
    expect(body.backlog).toBe(backlogBefore);
    expect(backlogBefore).toBeGreaterThanOrEqual(1);

    // What the worker does when it has made an asset's derived files.
    await db().updateTable('assets').set({ status: 'ready' }).where('id', '=', waiting!.id).execute();
    await db().updateTable('jobs').set({ status: 'done' }).where('asset_id', '=', waiting!.id).execute();
    res = await get(`/api/assets/status?ids=${waiting!.id}`);
    body = await res.json();
    expect(body).toEqual({ assets: [{ id: waiting!.id, status: 'ready', error: null }], backlog: backlogBefore - 1 });

    for (const query of ['', '?ids=x', `?ids=${Array.from({ length: 101 }, () => crypto.randomUUID()).join(',')}`]) {
      const bad = await get(`/api/assets/status${query}`);
      expect(bad.status, query).toBe(400);
      expect(await bad.json()).toHaveProperty('error');
    }
  });

  it('library tiles: newest first, the neighbours within the filter, the page’s count line', async () => {
    const fresh = await startTestServer({ backend });
    try {
      const me = await newUser(fresh.database.db, { role: 'owner' });
      const c = await sessionCookie(fresh.database.db, me);
      const loose = await insertAssets(fresh.database.db, [...dayOf('2023-05-01', 2), ...dayOf('2023-05-03', 1)]);
      const { assets: filed } = await seedAlbum(fresh.database.db, me.id, dayOf('2023-05-02', 1));
      // Newest first: 05-03 09:00, 05-02 09:00 (in an album), 05-01 09:01, 05-01 09:00.
      const [old0, old1, newest] = loose.map((a) => a.id);
      const mid = filed[0]!.id;
      const ask = async (query: string) => {
        const res = await fresh.fetch(`/library/placed-tiles?${query}`, { headers: { cookie: c } });
        expect(res.status, query).toBe(200);
        return parse(await res.text());
      };
      let doc = await ask(`ids=${[old0, newest, mid].join(',')}`);
      expect(placed(doc).map(({ id, prev, next, day }) => ({ id, prev, next, day }))).toEqual([
        { id: newest, prev: '', next: mid, day: '2023-05-03' },
        { id: mid, prev: newest, next: old1, day: '2023-05-02' },
        { id: old0, prev: old1, next: '', day: '2023-05-01' },
      ]);
      expect(doc.querySelector('template[data-meta]')?.getAttribute('data-meta')).toBe('4 items');

      doc = await ask(`filter=unsorted&ids=${[old0, newest, mid].join(',')}`);
      expect(placed(doc).map(({ id, prev, next }) => ({ id, prev, next }))).toEqual([
        { id: newest, prev: '', next: old1 },
        { id: old0, prev: old1, next: '' },
      ]);
      expect(doc.querySelector('template[data-meta]')?.getAttribute('data-meta')).toBe('3 items not in any album');

      expect((await fresh.fetch(`/library/placed-tiles?filter=some&ids=${old0}`, { headers: { cookie: c } })).status).toBe(400);
    } finally {
      await fresh.close();
    }
  });

  it('uploaders: tiles of the albums granted to them, states of what they may see; never the library', async () => {
    const { albumId, assets } = await seedAlbum(db(), owner.id, dayOf('2024-10-01', 2), 'Granted');
    const { albumId: otherAlbum, assets: others } = await seedAlbum(db(), owner.id, dayOf('2024-10-02', 1), 'Not granted');
    const theirs = await newAsset(db(), { status: 'pending' });
    await db().updateTable('assets').set({ uploaded_by: uploader.id }).where('id', '=', theirs.id).execute();
    await setUploaderAlbums(db(), uploader.id, [albumId]);

    const doc = await html(`/albums/${albumId}/placed-tiles?ids=${assets[0]!.id}`, uploaderCookie);
    expect(placed(doc).map((p) => p.id)).toEqual([assets[0]!.id]);
    // The owner's info drawer is not theirs.
    expect((doc.querySelector('template[data-id]') as HTMLTemplateElement).content.querySelector('.tile')!.hasAttribute('data-info')).toBe(false);
    expect((await get(`/albums/${otherAlbum}/placed-tiles?ids=${others[0]!.id}`, uploaderCookie)).status).toBe(404);

    const res = await get(`/api/assets/status?ids=${[assets[0]!.id, others[0]!.id, theirs.id].join(',')}`, uploaderCookie);
    expect(res.status).toBe(200);
    const ids = (await res.json()).assets.map((a: { id: string }) => a.id).sort();
    expect(ids).toEqual([assets[0]!.id, theirs.id].sort());

    expect((await get(`/library/placed-tiles?ids=${assets[0]!.id}`, uploaderCookie)).status).toBe(403);
    const anonymous = await server.fetch(`/api/assets/status?ids=${assets[0]!.id}`);
    expect(anonymous.status).toBe(401);
    expect((await server.fetch(`/albums/${albumId}/placed-tiles?ids=${assets[0]!.id}`, { redirect: 'manual' })).status).toBe(302);
  });

  it('the album page and the library carry the upload panel and the live grid', async () => {
    const { albumId } = await seedAlbum(db(), owner.id, dayOf('2024-11-01', 1), 'Panel');
    let doc = parsePage(await (await get(`/albums/${albumId}`)).text());
    const panel = doc.querySelector('#upload-panel')!;
    expect(panel.getAttribute('data-upload-url')).toBe('/api/assets/upload');
    expect(JSON.parse(panel.getAttribute('data-upload-fields')!)).toEqual({ albumId });
    expect(doc.querySelector('input#upload-input[type="file"][multiple]')?.getAttribute('accept')).toMatch(/^image\/\*,video\/\*,/);
    expect(doc.querySelector('#live-grid')?.getAttribute('data-place-url')).toBe(`/albums/${albumId}/placed-tiles`);
    expect(doc.querySelector('#live-grid')?.getAttribute('data-status-url')).toBe('/api/assets/status');
    expect(doc.querySelector('.topbar [data-processing-status][hidden]')).not.toBeNull();
    expect([...doc.querySelectorAll('script[src]')].map((s) => s.getAttribute('src'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/static\/js\/upload\.\w+\.js$/), expect.stringMatching(/^\/static\/js\/live-grid\.\w+\.js$/)]),
    );

    doc = parsePage(await (await get('/library?filter=unsorted')).text());
    expect(doc.querySelector('#upload-panel')!.hasAttribute('data-upload-fields')).toBe(false);
    expect(doc.querySelector('#live-grid')?.getAttribute('data-place-url')).toBe('/library/placed-tiles?filter=unsorted');
    expect(doc.querySelector('.topbar #upload-button')).not.toBeNull();
  });
});
