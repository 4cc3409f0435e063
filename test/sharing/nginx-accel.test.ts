// nginx/shoebox.conf as shipped, run by the real nginx in front of the app with
// MEDIA_ACCEL=nginx: the app checks the signed URL and answers X-Accel-Redirect, nginx sends
// the file from DATA_DIR with the app's headers, over connections to the app it keeps open.
// Grid thumbnails come from the app's memory (quicker for 20 kB than a second hop), the
// browser's choice of AVIF or WebP. Also the Host it passes on, which the app's CSRF check uses.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { absolute, previewRelPath, smallAvifRelPath, smallThumbRelPath } from '../../src/storage/layout.ts';
import { backends } from '../helpers/database.ts';
import { bearerToken, newUser, sessionCookie } from '../helpers/factories.ts';
import { NGINX, startShippedNginx } from '../helpers/nginx.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const CHROME_IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

describe.skipIf(!HAS_FIXTURES || !existsSync(NGINX))('nginx/shoebox.conf with MEDIA_ACCEL=nginx', () => {
  let server: TestServer;
  let nginx: { base: string; stop(): void };
  let base: string;
  let token: string;
  let cookie: string;
  const dir = tempDir('sbx-nginx-');

  beforeAll(async () => {
    server = await startTestServer({ backend: backends()[0]!, worker: true, config: { mediaAccel: 'nginx', trustProxy: true, metrics: true } });
    const owner = await newUser(server.database.db, { role: 'owner' });
    token = await bearerToken(server.database.db, owner);
    cookie = await sessionCookie(server.database.db, owner);
    nginx = await startShippedNginx(dir, { appUrl: server.url, dataRoot: server.deps.dataDir.root });
    base = nginx.base;
  });
  afterAll(async () => {
    nginx?.stop();
    await server?.close();
  });

  it("takes the owner's forms on a port other than 80 (the Host passed on keeps its port)", async () => {
    const res = await fetch(`${base}/api/albums`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'From the browser' }),
    });
    expect(res.status).toBe(201);
    const crossSite = await fetch(`${base}/api/albums`, {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Forged' }),
    });
    expect(crossSite.status).toBe(403);
  });

  it('refuses /metrics, which the app answers only to a scraper beside it', async () => {
    const through = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(through.status).toBe(404);
    expect(through.headers.get('content-security-policy')).toBeNull(); // nginx's answer: the app never saw it
    expect((await server.fetch('/metrics')).status).toBe(200);
  });

  it('caps request bodies per location: 64 KB where anyone posts, 1 MB elsewhere, none on uploads', async () => {
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(100_000) }),
    });
    expect(login.status).toBe(413);
    expect(login.headers.get('content-security-policy')).toBeNull(); // nginx's answer: the app never saw it
    const json = await fetch(`${base}/api/albums`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(2_000_000) }),
    });
    expect(json.status).toBe(413);
    const form = new FormData();
    form.append('file', new Blob([readFileSync(fixture('jpeg/camera/canon-dslr.jpg'))]), 'canon-dslr.jpg'); // 2 MB
    const upload = await fetch(`${base}/api/assets/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(upload.status).toBe(201);
  });

  it('sends the thumbnail the browser takes, varying on Accept; previews and originals from DATA_DIR, over kept connections', async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(fixture('jpeg/orientation/landscape_6.jpg'))]), 'landscape_6.jpg');
    const api = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    const uploaded = await api('/api/assets/upload', { method: 'POST', body: form });
    expect(uploaded.status).toBe(201);
    const id = (await uploaded.json()).assets[0].id as string;
    await server.idle();
    const album = (await (await api('/api/albums', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Through nginx' }) })).json()).album.id;
    expect((await api(`/api/albums/${album}/assets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ assetIds: [id] }) })).status).toBeLessThan(300);
    const link = (await (await api(`/api/albums/${album}/share`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowDownload: true }) })).json()).link;
    const { assets } = await (await fetch(`${base}/api/share/${link.token}`)).json();
    const { file_hash: hash } = await server.database.db.selectFrom('assets').select('file_hash').where('id', '=', id).executeTakeFirstOrThrow();
    const root = server.deps.dataDir.root;

    const avif = await fetch(base + assets[0].thumbUrl, { headers: { accept: CHROME_IMAGE_ACCEPT } });
    expect([avif.status, avif.headers.get('content-type'), avif.headers.get('vary')]).toEqual([200, 'image/avif', 'Accept']);
    expect(avif.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
    expect(Buffer.from(await avif.arrayBuffer()).equals(readFileSync(absolute(root, smallAvifRelPath(hash))))).toBe(true);

    const webp = await fetch(base + assets[0].thumbUrl, { headers: { accept: 'image/webp,*/*' } });
    expect([webp.status, webp.headers.get('content-type'), webp.headers.get('vary')]).toEqual([200, 'image/webp', 'Accept']);
    expect(Buffer.from(await webp.arrayBuffer()).equals(readFileSync(absolute(root, smallThumbRelPath(hash))))).toBe(true);

    // The preview by nginx from the file: its own validators (the app's ETag is "<hash>-preview"), ranges.
    const preview = await fetch(base + assets[0].previewUrl);
    const previewOnDisk = readFileSync(absolute(root, previewRelPath(hash)));
    expect([preview.status, preview.headers.get('content-type')]).toEqual([200, 'image/webp']);
    expect(preview.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/); // nginx's: mtime-size
    expect(preview.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
    expect(Buffer.from(await preview.arrayBuffer()).equals(previewOnDisk)).toBe(true);
    const part = await fetch(base + assets[0].previewUrl, { headers: { range: 'bytes=10-19' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 10-19/${previewOnDisk.length}`]);
    expect(Buffer.from(await part.arrayBuffer()).equals(previewOnDisk.subarray(10, 20))).toBe(true);
    // nginx reuses its connection to the app after an X-Accel-Redirect answer (an empty body said as such).
    let opened = 0;
    const count = () => opened++;
    server.http.on('connection', count);
    for (let i = 0; i < 10; i++) {
      const again = await fetch(base + assets[0].previewUrl);
      expect([again.status, (await again.arrayBuffer()).byteLength]).toEqual([200, previewOnDisk.length]);
    }
    server.http.off('connection', count);
    expect(opened).toBeLessThanOrEqual(1);

    const original = await fetch(`${base}${assets[0].originalUrl}&download=1`);
    expect(original.status).toBe(200);
    expect(original.headers.get('vary')).toBeNull();
    expect(original.headers.get('content-disposition')).toMatch(/^attachment/);
    expect((await original.arrayBuffer()).byteLength).toBe(readFileSync(fixture('jpeg/orientation/landscape_6.jpg')).length);

    // nginx's internal location is not reachable from outside, and a tampered URL is refused by the app.
    expect((await fetch(`${base}/_accel/${smallThumbRelPath(hash)}`)).status).toBe(404);
    expect((await fetch(base + assets[0].thumbUrl.replace(/sig=[\w-]+/, 'sig=AAAAAAAAAAAAAAAAAAAAAA'))).status).toBe(403);
  });
});
