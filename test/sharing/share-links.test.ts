// Share links over real HTTP on each database backend: the owner's API, the guest page
// and JSON, the password gate and its limits, signed media URLs (tampered, expired,
// revoked, removed from the album), what guests may learn (metadata, location), counters.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { createSigner } from '../../src/sharing/signatures.ts';
import { absolute, smallAvifRelPath, smallThumbRelPath } from '../../src/storage/layout.ts';
import { createLogger } from '../../src/log.ts';
import { expectJson, jsonCaller } from '../helpers/api.ts';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const GPS_JPEG = 'jpeg/gps/FurnaceCreekInn.jpg'; // Canon PowerShot S5 IS, GPS 36.44833,-116.855
const PLAIN_JPEG = 'jpeg/orientation/landscape_1.jpg';

interface GuestAsset {
  id: string;
  thumbUrl: string;
  previewUrl: string;
  originalUrl?: string;
}

describe.skipIf(!HAS_FIXTURES).each(backends())('share links on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let cookie: string;
  let albumA: string;
  let albumB: string;
  let gpsAsset: string;
  let plainAsset: string;
  let otherAsset: string;

  const db = () => server.database.db;
  const api = jsonCaller(() => server, () => cookie);
  const json = expectJson;
  async function upload(albumId: string, path: string): Promise<string> {
    const form = new FormData();
    form.set('albumId', albumId);
    form.append('file', new Blob([readFileSync(fixture(path))]), basename(path));
    const res = await server.fetch('/api/assets/upload', { method: 'POST', headers: { cookie, origin: server.url }, body: form });
    const body = await json(res, 201);
    return body.assets[0].id;
  }
  async function share(albumId: string, settings: Record<string, unknown> = {}) {
    return (await json(await api('POST', `/api/albums/${albumId}/share`, settings), 201)).link as { id: string; token: string; url: string };
  }
  const guest = (path: string, headers: Record<string, string> = {}) => server.fetch(path, { headers });
  /**
   * Runs `fn` with the process's clock stopped (the server runs in this process). The short
   * path answers only from cache entries younger than a few seconds, and a signed URL's
   * max-age counts down each second: on a loaded machine either can tick between two
   * requests a test means to compare.
   */
  async function withClockStopped<T>(fn: () => Promise<T>): Promise<T> {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      return await fn();
    } finally {
      vi.useRealTimers();
    }
  }

  // What the app's request log saw: the signed thumbnails' short path answers before it.
  const logged: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({ backend, worker: true, log: createLogger('info', (line) => logged.push(line)) });
    owner = await newUser(db(), { role: 'owner' });
    cookie = await sessionCookie(db(), owner);
    albumA = (await json(await api('POST', '/api/albums', { title: 'Death Valley' }), 201)).album.id;
    albumB = (await json(await api('POST', '/api/albums', { title: 'Private' }), 201)).album.id;
    gpsAsset = await upload(albumA, GPS_JPEG);
    plainAsset = await upload(albumA, PLAIN_JPEG);
    otherAsset = await upload(albumB, 'jpeg/orientation/landscape_3.jpg');
    await server.idle();
  });
  afterAll(() => server.close());
  afterEach(() => vi.useRealTimers()); // also after a test that timed out inside withClockStopped

  it('creates links with a 256-bit token, never shows a password, lists them per album and across albums', async () => {
    const open = await share(albumA, { label: 'Family' });
    expect(open.token).toMatch(/^[0-9a-f]{64}$/);
    expect(open.url).toBe(`${server.url}/s/${open.token}`);
    const locked = (await json(await api('POST', `/api/albums/${albumA}/share`, { password: 'a long password', expiresAt: '2099-01-01T00:00:00Z', allowDownload: false }), 201)).link;
    expect(locked).toMatchObject({ hasPassword: true, allowDownload: false, stripLocation: true, showMetadata: false, allowUpload: false, status: 'active' });
    expect(JSON.stringify(locked)).not.toContain('a long password');
    const row = await db().selectFrom('shared_links').select('password_hash').where('id', '=', locked.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);

    const mine = (await json(await api('GET', `/api/albums/${albumA}/share`), 200)).links as { id: string }[];
    expect(mine.map((l) => l.id)).toEqual(expect.arrayContaining([open.id, locked.id]));
    await share(albumB);
    const all = (await json(await api('GET', '/api/links'), 200)).links as { albumTitle: string }[];
    expect(new Set(all.map((l) => l.albumTitle))).toEqual(new Set(['Death Valley', 'Private']));

    await json(await api('POST', `/api/albums/${albumA}/share`, { password: 'short' }), 400);
    await json(await api('POST', `/api/albums/${albumA}/share`, { expiresAt: 'soon' }), 400);
    await json(await api('POST', '/api/albums/00000000-0000-4000-8000-000000000000/share', {}), 404);
  });

  it('shows the album to a guest as a page and as JSON, with signed URLs and OpenGraph tags', async () => {
    const link = await share(albumA, { label: 'for the neighbours only' });
    // The label is the owner's note: nothing a guest gets carries it.
    expect(await (await guest(`/api/share/${link.token}`)).text()).not.toContain('neighbours');
    expect(await (await guest(`/s/${link.token}`)).text()).not.toContain('neighbours');
    const page = await guest(`/s/${link.token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Death Valley');
    expect(html).toContain('property="og:title" content="Death Valley"');
    expect(html).toMatch(/og:image" content="http:\/\/127\.0\.0\.1:\d+\/media\/assets\/[0-9a-f-]+\/preview\?l=/);
    expect(html).not.toMatch(/\/media\/assets\/[0-9a-f-]+\/(thumb|preview)"/); // every media URL is signed
    expect(html).not.toContain('htmx');
    // Its styles come with it (no stylesheet request before the first paint), allowed by
    // their hash; its scripts wait in a template for the inline loader (after that paint).
    expect(html).not.toContain('rel="stylesheet"');
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(styles).toHaveLength(1);
    expect(styles[0]).toContain('.tiles {');
    expect(styles[0]).not.toContain('.upload-panel'); // only for links that take uploads
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain(`style-src 'self' 'sha256-${createHash('sha256').update(styles[0]!).digest('base64')}'`);
    expect(html).toMatch(/<template id="page-scripts"><script src="\/static\/js\/album\.[0-9a-f]{10}\.js"/);
    expect(html.replace(/<template id="page-scripts">[\s\S]*?<\/template>/, '')).not.toMatch(/<script src=/);

    // The clock stands still, so the short path's cached state cannot age out between the requests.
    const body = await withClockStopped(async () => {
      const body = await json(await guest(`/api/share/${link.token}`), 200);
      expect(body.album).toMatchObject({ title: 'Death Valley', itemCount: 2, photoCount: 2 });
      expect(body.assets).toHaveLength(2);
      for (const a of body.assets as GuestAsset[]) {
        expect(a.thumbUrl).toMatch(/\?l=[0-9a-f-]{36}&exp=\d+&sig=[\w-]+$/);
        const thumb = await guest(a.thumbUrl);
        expect(thumb.status).toBe(200);
        expect(thumb.headers.get('content-type')).toBe('image/webp');
        expect(thumb.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
        expect(a.originalUrl).toBeDefined();
        // The file's bytes, the second time from memory as the first; ranges and tags hold.
        const row = await db().selectFrom('assets').select('file_hash').where('id', '=', (a as GuestAsset & { id: string }).id).executeTakeFirstOrThrow();
        const onDisk = readFileSync(absolute(server.deps.dataDir.root, smallThumbRelPath(row.file_hash)));
        expect(Buffer.from(await thumb.arrayBuffer()).equals(onDisk)).toBe(true);
        const kept = await guest(a.thumbUrl, { range: 'bytes=0-9' });
        expect(kept.status).toBe(206);
        expect(kept.headers.get('content-range')).toBe(`bytes 0-9/${onDisk.length}`);
        expect(Buffer.from(await kept.arrayBuffer()).equals(onDisk.subarray(0, 10))).toBe(true);
        expect((await guest(a.thumbUrl, { 'if-none-match': thumb.headers.get('etag')! })).status).toBe(304);
        // Asked again, it comes by the short path (the app logs no request), the same in every header and byte.
        const before = logged.length;
        const fast = await guest(a.thumbUrl);
        expect(logged.slice(before)).toEqual([]);
        const headersOf = (r: Response) => [...r.headers].filter(([name]) => name !== 'date');
        expect(headersOf(fast)).toEqual(headersOf(thumb));
        expect(Buffer.from(await fast.arrayBuffer()).equals(onDisk)).toBe(true);
        const fast304 = await guest(a.thumbUrl, { 'if-none-match': thumb.headers.get('etag')! });
        expect([fast304.status, logged.length]).toEqual([304, before]);
      }
      return body;
    });
    // The same URLs on the next load: browsers can cache them.
    const again = await json(await guest(`/api/share/${link.token}`), 200);
    expect(again.assets[0].thumbUrl).toBe(body.assets[0].thumbUrl);
  });

  it('sends the AVIF copy of a thumbnail to a guest whose browser takes it, by the short path the second time', async () => {
    const link = await share(albumA);
    await withClockStopped(async () => {
      const body = await json(await guest(`/api/share/${link.token}`), 200);
      const avifAccept = { accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8' };
      for (const a of body.assets as (GuestAsset & { id: string })[]) {
        const row = await db().selectFrom('assets').select('file_hash').where('id', '=', a.id).executeTakeFirstOrThrow();
        const onDisk = readFileSync(absolute(server.deps.dataDir.root, smallAvifRelPath(row.file_hash)));
        const first = await guest(a.thumbUrl, avifAccept);
        expect([first.status, first.headers.get('content-type'), first.headers.get('vary')]).toEqual([200, 'image/avif', 'Accept']);
        expect(Buffer.from(await first.arrayBuffer()).equals(onDisk)).toBe(true);
        const before = logged.length;
        const fast = await guest(a.thumbUrl, avifAccept);
        expect(logged.slice(before)).toEqual([]);
        const headersOf = (r: Response) => [...r.headers].filter(([name]) => name !== 'date');
        expect(headersOf(fast)).toEqual(headersOf(first));
        expect(Buffer.from(await fast.arrayBuffer()).equals(onDisk)).toBe(true);
        // The same URL from a browser without AVIF: the WebP, by the short path once asked for.
        await guest(a.thumbUrl, { accept: 'image/webp,*/*' });
        const beforeWebp = logged.length;
        const webp = await guest(a.thumbUrl, { accept: 'image/webp,*/*' });
        expect([webp.headers.get('content-type'), webp.headers.get('vary')]).toEqual(['image/webp', 'Accept']);
        expect(logged.slice(beforeWebp)).toEqual([]);
      }
    });
  });

  it('sends every guest of a link the same page for a moment, but never past a change, a revocation or a view', async () => {
    const album = (await json(await api('POST', '/api/albums', { title: 'Cached' }), 201)).album.id;
    const first = await upload(album, 'jpeg/orientation/landscape_2.jpg');
    const second = await upload(album, 'jpeg/orientation/landscape_4.jpg');
    await server.idle();
    const link = await share(album);
    const load = async () => {
      const res = await guest(`/s/${link.token}`, { 'accept-encoding': 'br' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe('br');
      return res.text(); // fetch decodes brotli
    };
    const a = await withClockStopped(async () => {
      const first = await load();
      expect(await load()).toBe(first); // the same bytes, signed URLs included
      return first;
    });
    expect(a).toContain(`data-id="${second}"`);
    const views = async () => (await db().selectFrom('shared_links').select('view_count').where('id', '=', link.id).executeTakeFirstOrThrow()).view_count;
    expect(await views()).toBe(2); // each load counted, cached or not
    // A link opened by many at once: every visit counted, each one before its page is sent
    // (one UPDATE in flight per link: sharing/view-counter.ts).
    const writes: number[] = [];
    const counter = server.sharing.views as unknown as { write: (id: string, n: number) => Promise<void> }; // counted, still written
    const write = counter.write;
    counter.write = (id, n) => (writes.push(n), write(id, n));
    try {
      await Promise.all(
        Array.from({ length: 40 }, async () => {
          const res = await guest(`/s/${link.token}`);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          expect(await views()).toBeGreaterThanOrEqual(3);
        }),
      );
    } finally {
      counter.write = write;
    }
    expect(await views()).toBe(42);
    expect(writes.reduce((a, n) => a + n, 0)).toBe(40); // each visit written once
    // Visits that come while a write is waiting join it: ten at once, one UPDATE of +10.
    writes.length = 0;
    counter.write = (id, n) => (writes.push(n), write(id, n));
    try {
      await Promise.all(Array.from({ length: 10 }, () => server.sharing.views.count(link.id)));
    } finally {
      counter.write = write;
    }
    expect(writes).toEqual([10]);
    expect(await views()).toBe(52);

    // A change through the app shows on the very next load.
    await json(await api('DELETE', `/api/albums/${album}/assets`, { assetIds: [second] }), 200);
    const b = await load();
    expect(b).not.toContain(`data-id="${second}"`);
    expect(b).toContain(`data-id="${first}"`);
    // Access is judged before the cache: a revoked link gets its 404 at once.
    await json(await api('DELETE', `/api/share/${link.token}`), 204);
    expect((await guest(`/s/${link.token}`)).status).toBe(404);
  });

  it("gives guests ETags that tell nothing of an original's SHA-256, yet change with the bytes", async () => {
    const { file_hash: hash } = await db().selectFrom('assets').select('file_hash').where('id', '=', gpsAsset).executeTakeFirstOrThrow();
    const tags: string[] = [];
    for (const stripLocation of [true, false]) {
      const link = await share(albumA, { stripLocation });
      const body = await json(await guest(`/api/share/${link.token}`), 200);
      const a = (body.assets as GuestAsset[]).find((x) => x.id === gpsAsset)!;
      for (const url of [a.thumbUrl, a.previewUrl, a.originalUrl!]) {
        const res = await guest(url);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        const tag = res.headers.get('etag')!;
        expect(tag).toMatch(/^"m-[\w-]+"$/);
        expect(tag).not.toContain(hash.slice(0, 16));
        tags.push(tag);
        expect((await guest(url, { 'if-none-match': tag })).status).toBe(304);
      }
    }
    // Thumbnail and preview the same through both links; the original differs (blanked or not).
    expect(tags[0]).toBe(tags[3]);
    expect(tags[1]).toBe(tags[4]);
    expect(tags[2]).not.toBe(tags[5]);
  });

  it('answers unknown and revoked links with the same 404, and expired ones with 410', async () => {
    const link = await share(albumA);
    const unknown = await guest(`/s/${'0'.repeat(64)}`);
    const unknownText = await unknown.text();
    expect(unknown.status).toBe(404);
    expect(await guest(`/s/not-a-token`).then((r) => r.status)).toBe(404);

    const { assets } = await json(await guest(`/api/share/${link.token}`), 200);
    await json(await api('DELETE', `/api/share/${link.token}`), 204);
    const revoked = await guest(`/s/${link.token}`);
    expect(revoked.status).toBe(404);
    expect(await revoked.text()).toBe(unknownText);
    expect((await guest(`/api/share/${link.token}`)).status).toBe(404);
    // Every URL the link handed out fails on its next request.
    expect((await guest(assets[0].thumbUrl)).status).toBe(404);
    expect((await guest(assets[0].originalUrl)).status).toBe(404);

    const expiring = await share(albumA);
    await json(await api('PATCH', `/api/share/${expiring.token}`, { expiresAt: new Date(Date.now() - 1000).toISOString() }), 200);
    const expired = await guest(`/s/${expiring.token}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('expired');
    expect((await guest(`/api/share/${expiring.token}`)).status).toBe(410);

    await json(await api('DELETE', `/api/share/${expiring.token}?permanent=true`), 204);
    expect(await db().selectFrom('shared_links').select('id').where('id', '=', expiring.id).executeTakeFirst()).toBeUndefined();
  });

  it('refuses tampered and expired signatures, other assets, and assets removed from the album', async () => {
    const link = await share(albumA);
    const { assets } = await json(await guest(`/api/share/${link.token}`), 200);
    const url: string = assets[0].thumbUrl;
    const tampered = url.replace(/sig=([\w-])/, (_m, ch: string) => `sig=${ch === 'A' ? 'B' : 'A'}`);
    expect((await guest(tampered)).status).toBe(403);
    expect((await guest(url.replace(/exp=\d+/, (m) => `exp=${Number(m.slice(4)) + 3600}`))).status).toBe(403);
    // One signature per asset: its variants share it (originals still only when the link allows downloads).
    expect((await guest(url.replace(/\/thumb\?/, '/preview?'))).status).toBe(200);
    expect((await guest(url.replace(/[0-9a-f-]{36}\/thumb/, `${otherAsset}/thumb`))).status).toBe(403);

    const signer = createSigner(server.deps.secretKey);
    const old = signer.signMedia(gpsAsset, 'thumb', link.id, '', Date.now() - 3 * 86_400_000);
    expect((await guest(old)).status).toBe(410);
    // Even a valid signature (as if the key leaked) reaches only the link's album.
    expect((await guest(signer.signMedia(otherAsset, 'thumb', link.id))).status).toBe(404);

    const plainThumb = (assets as (GuestAsset & { id: string })[]).find((a) => a.id === plainAsset)!.thumbUrl;
    expect((await guest(plainThumb)).status).toBe(200);
    await json(await api('DELETE', `/api/albums/${albumA}/assets`, { assetIds: [plainAsset] }), 200);
    expect((await guest(plainThumb)).status).toBe(404);
    await json(await api('POST', `/api/albums/${albumA}/assets`, { assetIds: [plainAsset] }), 200);
    expect((await guest(plainThumb)).status).toBe(200);
  });

  it('keeps everything of a password link behind its gate; the cookie opens it until the password changes', async () => {
    const link = (await json(await api('POST', `/api/albums/${albumA}/share`, { password: 'open sesame please' }), 201)).link;
    const gate = await guest(`/s/${link.token}`);
    expect(gate.status).toBe(401);
    const gateHtml = await gate.text();
    expect(gateHtml).not.toContain('Death Valley');
    expect(gateHtml).not.toContain('og:');
    const locked = await guest(`/api/share/${link.token}`);
    expect(locked.status).toBe(401);
    expect(await locked.json()).toEqual({ error: 'password required' });
    const signer = createSigner(server.deps.secretKey);
    expect((await guest(signer.signMedia(gpsAsset, 'thumb', link.id))).status).toBe(401);
    expect((await guest(`/s/${link.token}/tiles?after=${gpsAsset}`)).status).toBe(401);

    const wrong = await server.fetch(`/api/share/${link.token}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'nope' }) });
    expect(wrong.status).toBe(401);
    const right = await server.fetch(`/api/share/${link.token}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'open sesame please' }) });
    expect(right.status).toBe(204);
    const setCookie = right.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^shoebox_link_[0-9a-f]{32}=[\w-]+;/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toMatch(/HttpOnly/);
    const linkCookie = setCookie.split(';')[0]!;

    const body = await json(await guest(`/api/share/${link.token}`, { cookie: linkCookie }), 200);
    expect((await guest(body.assets[0].thumbUrl, { cookie: linkCookie })).status).toBe(200);
    expect((await guest(body.assets[0].thumbUrl)).status).toBe(401); // the URL alone is not enough
    expect((await guest(`/s/${link.token}`, { cookie: linkCookie })).status).toBe(200);

    // The gate's form does the same.
    const form = await server.fetch(`/s/${link.token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, body: 'password=open+sesame+please' });
    expect(form.status).toBe(303);
    expect(form.headers.get('set-cookie')).toMatch(/^shoebox_link_/);

    await json(await api('PATCH', `/api/share/${link.token}`, { password: 'a different password' }), 200);
    expect((await guest(`/api/share/${link.token}`, { cookie: linkCookie })).status).toBe(401);
  });

  it('limits password attempts per IP: 429 with Retry-After, the 11th not even checked', async () => {
    server.limits.linkPassword.clear();
    const link = (await json(await api('POST', `/api/albums/${albumA}/share`, { password: 'open sesame please' }), 201)).link;
    const attempt = (password: string) =>
      server.fetch(`/api/share/${link.token}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
    for (let i = 0; i < 10; i++) expect((await attempt(`wrong ${i}`)).status).toBe(401);
    const blocked = await attempt('open sesame please');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const page = await server.fetch(`/s/${link.token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, body: 'password=x' });
    expect(page.status).toBe(429);
    server.limits.linkPassword.clear();
  });

  it('shows no metadata unless the link says so, and never a location when it strips it', async () => {
    const hidden = await share(albumA);
    const body = await json(await guest(`/api/share/${hidden.token}`), 200);
    expect(JSON.stringify(body)).not.toMatch(/gps|latitude|longitude|location|Canon/i);
    expect((await guest(`/api/share/${hidden.token}/assets/${gpsAsset}`)).status).toBe(404);
    expect(await guest(`/s/${hidden.token}`).then((r) => r.text())).not.toContain(`/api/share/${hidden.token}/assets/`);

    const details = await share(albumA, { showMetadata: true });
    const info = await json(await guest(`/api/share/${details.token}/assets/${gpsAsset}`), 200);
    expect(JSON.stringify(info)).toContain('PowerShot S5 IS');
    expect(JSON.stringify(info)).not.toMatch(/gps|latitude|longitude|location/i);
    expect((await guest(`/api/share/${details.token}/assets/${otherAsset}`)).status).toBe(404);

    const withPlace = await share(albumA, { showMetadata: true, stripLocation: false });
    const placed = await json(await guest(`/api/share/${withPlace.token}/assets/${gpsAsset}`), 200);
    expect(JSON.stringify(placed)).toMatch(/36\.44/);
  });

  it('serves originals only when downloads are allowed, and counts views and downloads', async () => {
    const viewOnly = await share(albumA, { allowDownload: false });
    const body = await json(await guest(`/api/share/${viewOnly.token}`), 200);
    expect(body.assets[0].originalUrl).toBeUndefined();
    const signer = createSigner(server.deps.secretKey);
    expect((await guest(signer.signMedia(plainAsset, 'original', viewOnly.id))).status).toBe(403);

    const link = await share(albumA, { stripLocation: false });
    await guest(`/s/${link.token}`);
    await guest(`/s/${link.token}`);
    const { assets } = await json(await guest(`/api/share/${link.token}`), 200);
    const plain = (assets as GuestAsset[]).find((a) => a.id === plainAsset)!;
    const download = await guest(`${plain.originalUrl}&download=1`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('attachment; filename="landscape_1.jpg"');
    expect(Buffer.from(await download.arrayBuffer()).equals(readFileSync(fixture(PLAIN_JPEG)))).toBe(true);
    const range = await guest(plain.originalUrl!, { range: 'bytes=0-9' });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(10);

    const [row] = (await json(await api('GET', `/api/albums/${albumA}/share`), 200)).links.filter((l: { id: string }) => l.id === link.id);
    expect(row).toMatchObject({ views: 3, downloads: 1 });
    expect(row.lastOpenedAt).not.toBeNull();
  });

  it('takes guest uploads only through links that allow them, under the guest\'s name, within the caps', async () => {
    const closed = await share(albumA);
    const send = (token: string, files: [string, Buffer][], name?: string) => {
      const form = new FormData();
      if (name !== undefined) form.set('name', name);
      for (const [fileName, bytes] of files) form.append('file', new Blob([new Uint8Array(bytes)]), fileName);
      return server.fetch(`/api/share/${token}/upload`, { method: 'POST', headers: { origin: server.url }, body: form });
    };
    const photo = readFileSync(fixture('jpeg/orientation/landscape_5.jpg'));
    expect((await send(closed.token, [['a.jpg', photo]], 'Anna')).status).toBe(403);

    const open = await share(albumA, { allowUpload: true });
    const page = await guest(`/s/${open.token}`).then((r) => r.text());
    expect(page).toContain('id="guest-name"');
    expect(page).toContain(`data-upload-url="/api/share/${open.token}/upload"`);
    expect(page).toContain('data-duplicate-place="in this album"'); // a guest has no library
    expect(page).toMatch(/<link rel="stylesheet" href="\/static\/css\/upload\.[0-9a-f]{10}\.css"\/>/); // the panel's styles

    const nameless = await send(open.token, [['a.jpg', photo]]);
    expect(nameless.status).toBe(400);
    expect((await nameless.json()).error).toMatch(/name/);

    const res = await send(open.token, [['from-anna.jpg', photo]], '  Anna  ');
    const body = await json(res, 201);
    const id = body.assets[0].id;
    const row = await db().selectFrom('album_assets').selectAll().where('album_id', '=', albumA).where('asset_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ added_by_link: open.id, added_by_name: 'Anna' });
    const asset = await db().selectFrom('assets').select('uploaded_by').where('id', '=', id).executeTakeFirstOrThrow();
    expect(asset.uploaded_by).toBeNull();
    const listed = await json(await guest(`/api/share/${open.token}`), 200);
    expect(listed.assets.find((a: { id: string }) => a.id === id).addedBy).toBe('Anna');
    // Through the trash and back, the name stays.
    await json(await api('POST', '/api/assets/delete', { ids: [id] }), 200);
    await json(await api('POST', '/api/trash/restore', { ids: [id] }), 200);
    const back = await db().selectFrom('album_assets').select('added_by_name').where('asset_id', '=', id).executeTakeFirstOrThrow();
    expect(back.added_by_name).toBe('Anna');
    // Nowhere else: not into another album, whatever the form says.
    expect(await db().selectFrom('album_assets').select('album_id').where('asset_id', '=', id).execute()).toHaveLength(1);

    const caps = server.deps.config.shareUpload;
    const saved = { ...caps };
    try {
      caps.maxFileBytes = 1000;
      const big = await send(open.token, [['big.jpg', photo]], 'Anna');
      expect(big.status).toBe(413);
      caps.maxFileBytes = saved.maxFileBytes;
      caps.maxFilesPerDay = 2; // one taken above; the one refused for its size gave its share back
      const small = readFileSync(fixture('jpeg/orientation/landscape_6.jpg'));
      const third = await send(open.token, [['c.jpg', small], ['d.jpg', readFileSync(fixture('jpeg/orientation/landscape_7.jpg'))]], 'Anna');
      const thirdBody = await third.json();
      expect(third.status, JSON.stringify(thirdBody)).toBe(201);
      expect(thirdBody.assets.map((a: { status: string }) => a.status)).toEqual(['created', 'rejected']);
      expect(thirdBody.assets[1].error).toMatch(/today/);
      const after = await send(open.token, [['e.jpg', small]], 'Anna');
      expect(after.status).toBe(429);
    } finally {
      Object.assign(caps, saved);
    }
    await server.idle();
  });

  it('guest upload caps hold under parallel requests: each file is reserved before it is read', async () => {
    const link = await share(albumB, { allowUpload: true });
    const caps = server.deps.config.shareUpload;
    const saved = { ...caps };
    // Distinct small JPEGs: a fixture with a different comment appended after its end each time.
    const base = readFileSync(fixture('jpeg/orientation/landscape_8.jpg'));
    const variant = (i: number) => Buffer.concat([base, Buffer.from(`parallel ${i}`)]);
    try {
      caps.maxFilesPerDay = 5;
      const requests = Array.from({ length: 4 }, (_, r) => {
        const form = new FormData();
        form.set('name', `Guest ${r}`);
        for (let f = 0; f < 4; f++) form.append('file', new Blob([new Uint8Array(variant(r * 4 + f))]), `p${r}-${f}.jpg`);
        return server.fetch(`/api/share/${link.token}/upload`, { method: 'POST', headers: { origin: server.url }, body: form });
      });
      const bodies = await Promise.all((await Promise.all(requests)).map((r) => r.json()));
      // A request that finds the day full before it is read is refused whole (429, no list).
      const statuses = bodies.flatMap((b) => (b.assets ? (b.assets as { status: string }[]).map((a) => a.status) : Array(4).fill('rejected')));
      expect(statuses.filter((st) => st === 'created')).toHaveLength(5);
      expect(statuses.filter((st) => st === 'rejected')).toHaveLength(11);
      const usage = await db().selectFrom('share_upload_usage').select(['files', 'bytes']).where('link_id', '=', link.id).executeTakeFirstOrThrow();
      expect(usage.files).toBe(5);
      const stored = await db()
        .selectFrom('album_assets as aa')
        .innerJoin('assets as a', 'a.id', 'aa.asset_id')
        .select(['a.file_size'])
        .where('aa.added_by_link', '=', link.id)
        .execute();
      expect(stored).toHaveLength(5);
      expect(usage.bytes).toBe(stored.reduce((n, r) => n + r.file_size, 0)); // the refused gave their bytes back
    } finally {
      Object.assign(caps, saved);
    }
    await server.idle();
  });

  it('edits a link from the share sheet form: switches, a new password, expiry kept or changed', async () => {
    const link = await share(albumA, { label: 'Before' });
    const post = (path: string, form: Record<string, string>) =>
      server.fetch(path, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' }, body: new URLSearchParams(form).toString() });
    const res = await post(`/links/${link.id}/edit`, { label: 'After', allowDownload: 'on', showMetadata: 'on', stripLocation: 'on', password: 'a brand new password', expires: '7d' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('After');
    const [edited] = (await json(await api('GET', `/api/albums/${albumA}/share`), 200)).links.filter((l: { id: string }) => l.id === link.id);
    expect(edited).toMatchObject({ label: 'After', showMetadata: true, hasPassword: true, allowUpload: false });
    expect(new Date(edited.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect((await guest(`/api/share/${link.token}`)).status).toBe(401); // the new password applies at once
    const bad = await post(`/links/${link.id}/edit`, { password: 'short', expires: 'keep' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('at least 10 characters');
    await post(`/links/${link.id}/edit`, { clearPassword: 'on', expires: 'keep', stripLocation: 'on' });
    expect((await guest(`/api/share/${link.token}`)).status).toBe(200);
  });

  it('binds signed URLs to the client IP when configured', async () => {
    const config = server.deps.config;
    const link = await share(albumA);
    config.signedUrlBindIp = true;
    try {
      const { assets } = await json(await guest(`/api/share/${link.token}`), 200);
      expect((await guest(assets[0].thumbUrl)).status).toBe(200);
      const signer = createSigner(server.deps.secretKey);
      const elsewhere = signer.signMedia(assets[0].id, 'thumb', link.id, '10.1.2.3');
      expect((await guest(elsewhere)).status).toBe(403);
    } finally {
      config.signedUrlBindIp = false;
    }
  });

  it('with MEDIA_ACCEL=nginx hands files to nginx (X-Accel-Redirect), except grid thumbnails and originals whose location is blanked', async () => {
    const config = server.deps.config;
    const plain = await share(albumA, { stripLocation: false });
    const strip = await share(albumA);
    config.mediaAccel = 'nginx';
    try {
      const { assets } = await json(await guest(`/api/share/${plain.token}`), 200);
      const preview = await guest(assets[0].previewUrl);
      expect(preview.headers.get('x-accel-redirect')).toMatch(/^\/_accel\/thumbnails\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}_lg\.webp$/);
      expect([preview.headers.get('content-type'), preview.headers.get('content-length')]).toEqual(['image/webp', '0']);
      expect((await preview.arrayBuffer()).byteLength).toBe(0);
      // A grid thumbnail is sent from memory: for 20 kB that is quicker than a second hop through nginx.
      const thumb = await guest(assets[0].thumbUrl);
      expect(thumb.headers.get('x-accel-redirect')).toBeNull();
      expect(thumb.headers.get('content-type')).toBe('image/webp');
      expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      const original = await guest(`${assets[0].originalUrl}&download=1`);
      expect(original.headers.get('x-accel-redirect')).toMatch(/^\/_accel\/originals\//);
      expect(original.headers.get('content-disposition')).toMatch(/^attachment/);
      const stripped = await json(await guest(`/api/share/${strip.token}`), 200);
      const gps = (stripped.assets as GuestAsset[]).find((a) => a.id === gpsAsset)!;
      const blanked = await guest(gps.originalUrl!);
      expect(blanked.headers.get('x-accel-redirect')).toBeNull();
      expect((await blanked.arrayBuffer()).byteLength).toBe(readFileSync(fixture(GPS_JPEG)).length);
    } finally {
      config.mediaAccel = 'none';
    }
  });
});
