// A guest's grid keeps up with what the guest uploads (static/js/live-grid.js on /s/:token),
// over real HTTP on each backend: tiles for given ids with their neighbours, signed media
// URLs and the guest's name (GET /s/:token/placed-tiles), and their processing states
// (GET /api/share/:token/status), for the link's album only and only while the link is
// open; the guest page wires the live grid when the link takes uploads.
import { readFileSync } from 'node:fs';
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { backends } from '../helpers/database.ts';
import { newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { dayOf, seedAlbum } from '../albums/fixtures.ts';

const window = new Window();
const parse = (html: string) => new window.DOMParser().parseFromString(`<body>${html}</body>`, 'text/html') as unknown as Document;
const templates = (doc: Document) => [...doc.querySelectorAll('template[data-id]')] as HTMLTemplateElement[];
/** The page's script URLs: the guest page keeps its tags in a template until its first paint. */
const scriptSources = (doc: Document) => {
  const deferred = doc.querySelector<HTMLTemplateElement>('template#page-scripts')?.content;
  return [...doc.querySelectorAll('script[src]'), ...(deferred?.querySelectorAll('script[src]') ?? [])].map((s) => s.getAttribute('src')!);
};

describe.skipIf(!HAS_FIXTURES).each(backends())('guest live grid on %s', (backend) => {
  let server: TestServer;
  let cookie: string;
  let albumA: string;
  let albumB: string;
  let seeded: string[];
  let inB: string;
  let loose: string;

  const db = () => server.database.db;
  async function share(albumId: string, settings: Record<string, unknown> = {}) {
    const res = await server.fetch(`/api/albums/${albumId}/share`, {
      method: 'POST',
      headers: { cookie, origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect(res.status).toBe(201);
    return (await res.json()).link as { id: string; token: string };
  }
  const guest = (path: string, headers: Record<string, string> = {}) => server.fetch(path, { headers });

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const owner = await newUser(db(), { role: 'owner' });
    cookie = await sessionCookie(db(), owner);
    const a = await seedAlbum(db(), owner.id, dayOf('2024-07-12', 2), 'Lake weekend');
    const b = await seedAlbum(db(), owner.id, dayOf('2024-07-12', 1), 'Someone else’s');
    [albumA, albumB, seeded, inB] = [a.albumId, b.albumId, a.assets.map((x) => x.id), b.assets[0]!.id];
    loose = (await newAsset(db(), { status: 'ready' })).id;
  });
  afterAll(() => server.close());

  it('a guest upload: its tile in place with signed URLs and the name, pending until the worker is done, then the thumbnail', async () => {
    const link = await share(albumA, { allowUpload: true });
    const form = new FormData();
    form.set('name', 'Anna');
    form.set('lastModified', String(Date.UTC(2024, 6, 12, 9, 0, 30))); // between the two seeded items
    form.append('file', new Blob([new Uint8Array(readFileSync(fixture('jpeg/orientation/landscape_3.jpg')))]), 'from-anna.jpg');
    const up = await server.fetch(`/api/share/${link.token}/upload`, { method: 'POST', headers: { origin: server.url }, body: form });
    expect(up.status).toBe(201);
    const id = (await up.json()).assets[0].id as string;

    const placedTiles = async () => {
      const res = await guest(`/s/${link.token}/placed-tiles?ids=${id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      return parse(await res.text());
    };
    let doc = await placedTiles();
    const [tpl] = templates(doc);
    const { assets } = await (await guest(`/api/share/${link.token}`)).json();
    const order = assets.map((x: { id: string }) => x.id) as string[];
    const at = order.indexOf(id);
    expect(order).toHaveLength(3);
    expect({ id: tpl!.dataset.id, prev: tpl!.dataset.prev, next: tpl!.dataset.next, day: tpl!.dataset.day, status: tpl!.dataset.status }).toEqual({
      id,
      prev: order[at - 1] ?? '',
      next: order[at + 1] ?? '',
      day: assets[at].day,
      status: 'pending',
    });
    let tile = tpl!.content.querySelector('a.tile')!;
    expect(tile.querySelector('img')).toBeNull();
    expect(tile.querySelector('.by')?.textContent).toBe('Anna');
    expect(tile.getAttribute('href')).toMatch(new RegExp(`^/media/assets/${id}/original\\?.*sig=`));
    expect(doc.querySelector('template[data-meta]')?.getAttribute('data-meta')).toBe('3 photos · 12 Jul 2024');

    const status = async (ids: string[]) => {
      const res = await guest(`/api/share/${link.token}/status?ids=${ids.join(',')}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      return res.json();
    };
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    const body = await status([id, seeded[0]!]);
    expect(body).not.toHaveProperty('backlog'); // the owner's other work is none of the guest's business
    expect(body.assets.sort(byId)).toEqual(
      [
        { id, status: 'pending', error: null },
        { id: seeded[0]!, status: 'ready', error: null },
      ].sort(byId),
    );

    const worker = createWorker({ db: db(), dataRoot: server.deps.dataDir.root, log: silentLogger, concurrency: 1, ffmpegPath: null, soleProcess: backend === 'pglite' });
    await worker.start();
    try {
      await worker.idle();
    } finally {
      await worker.stop();
    }
    expect(await status([id])).toEqual({ assets: [{ id, status: 'ready', error: null }] });
    doc = await placedTiles();
    tile = templates(doc)[0]!.content.querySelector('a.tile')!;
    expect(tile.getAttribute('data-status')).toBe('ready');
    const thumb = tile.querySelector('img')!.getAttribute('src')!;
    expect(thumb).toMatch(new RegExp(`^/media/assets/${id}/thumb\\?.*sig=`));
    const res = await guest(thumb);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    await res.arrayBuffer();
  });

  it('only items of the link’s album answer; bad id lists are refused', async () => {
    const link = await share(albumA, { allowUpload: true });
    const doc = parse(await (await guest(`/s/${link.token}/placed-tiles?ids=${[inB, loose, seeded[1]].join(',')}`)).text());
    expect(templates(doc).map((t) => t.dataset.id)).toEqual([seeded[1]]);
    const body = await (await guest(`/api/share/${link.token}/status?ids=${[inB, loose, seeded[1]].join(',')}`)).json();
    expect(body.assets.map((a: { id: string }) => a.id)).toEqual([seeded[1]]);
    // A link to the other album: nothing of this one.
    const other = await share(albumB);
    expect(templates(parse(await (await guest(`/s/${other.token}/placed-tiles?ids=${seeded.join(',')}`)).text()))).toEqual([]);
    expect(await (await guest(`/api/share/${other.token}/status?ids=${seeded.join(',')}`)).json()).toEqual({ assets: [] });

    for (const query of ['', '?ids=', '?ids=nope', `?ids=${Array.from({ length: 101 }, () => crypto.randomUUID()).join(',')}`]) {
      for (const path of [`/s/${link.token}/placed-tiles`, `/api/share/${link.token}/status`]) {
        expect((await guest(path + query)).status, path + query).toBe(400);
      }
    }
  });

  it('closed links get nothing: revoked 404, expired 410, a password link 401 until its cookie', async () => {
    const ids = `?ids=${seeded[0]}`;
    const both = (token: string) => [`/s/${token}/placed-tiles${ids}`, `/api/share/${token}/status${ids}`];
    const revoked = await share(albumA);
    await server.fetch(`/api/share/${revoked.token}`, { method: 'DELETE', headers: { cookie, origin: server.url } });
    const expired = await share(albumA, { expiresAt: new Date(Date.now() + 300).toISOString() });
    const locked = await share(albumA, { password: 'a long password' });
    await new Promise((r) => setTimeout(r, 400));
    for (const [token, code] of [
      [revoked.token, 404],
      [expired.token, 410],
      [locked.token, 401],
      ['ab'.repeat(32), 404],
    ] as const) {
      for (const path of both(token)) {
        const res = await guest(path);
        const text = await res.text();
        expect(res.status, path).toBe(code);
        expect(text, path).not.toContain(seeded[0]);
      }
    }
    const auth = await server.fetch(`/api/share/${locked.token}/auth`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a long password' }),
    });
    const lockCookie = auth.headers.get('set-cookie')!.split(';')[0]!;
    for (const path of both(locked.token)) expect((await guest(path, { cookie: lockCookie })).status, path).toBe(200);
  });

  it('the guest page wires the live grid when the link takes uploads, and only then', async () => {
    const open = await share(albumA, { allowUpload: true });
    const doc = parse(await (await guest(`/s/${open.token}`)).text());
    const live = doc.querySelector('#live-grid')!;
    expect(live.getAttribute('data-place-url')).toBe(`/s/${open.token}/placed-tiles`);
    expect(live.getAttribute('data-status-url')).toBe(`/api/share/${open.token}/status`);
    expect(doc.querySelector('#upload-panel')!.hasAttribute('data-wait-processing')).toBe(true);
    const scripts = scriptSources(doc);
    expect(scripts.some((s) => /\/js\/live-grid\.[\w.]*js/.test(s))).toBe(true);
    expect(scripts.some((s) => /htmx|alpine/.test(s))).toBe(false);

    const readOnly = await share(albumA);
    const plain = parse(await (await guest(`/s/${readOnly.token}`)).text());
    expect(plain.querySelector('#live-grid')).toBeNull();
    expect(scriptSources(plain).some((s) => /album\./.test(s))).toBe(true);
    expect(scriptSources(plain).some((s) => /live-grid/.test(s))).toBe(false);
  });
});
