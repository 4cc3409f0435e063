// Downloads over real HTTP on each database backend: one original through the API, an
// album or a selection as one ZIP for the owner and for guests (exact length, Range and
// If-Range, a cut download resumed by curl, safe and distinct names), what a link's
// switches allow, and the limits: running ZIPs per IP and per link, a resume never
// refused, one count per download, a turned-off link ending a running ZIP.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { absolute } from '../../src/storage/layout.ts';
import { crc32OfZeros } from '../../src/zip/crc32-shift.ts';
import { expectJson, jsonCaller } from '../helpers/api.ts';
import { backends } from '../helpers/database.ts';
import { bearerToken, newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { bsdtarTest, pythonZip, unzipTest } from './zip-readers.ts';

const FIXTURES = [
  'jpeg/gps/FurnaceCreekInn.jpg',
  'jpeg/phone/IMG_20180725_163423.jpg',
  'heic/iphone_15_pro.heic',
  'png/png_with_exif_and_gps.png',
  'video/quicktime-hvc1.mov',
  'jpeg/orientation/landscape_1.jpg',
];
const BIG_BYTES = 256 * 1024 * 1024; // a sparse original no socket buffer can swallow whole

const execFileAsync = promisify(execFile);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!HAS_FIXTURES).each(backends())('downloads on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let cookie: string;
  let album: { id: string };
  let otherAlbum: { id: string };
  let ids: string[] = [];
  let work: string;
  const db = () => server.database.db;

  const api = jsonCaller(() => server, () => cookie);
  const json = expectJson;
  async function upload(albumId: string, path: string, name = basename(path)): Promise<string> {
    const form = new FormData();
    form.set('albumId', albumId);
    form.append('file', new Blob([readFileSync(fixture(path))]), name);
    return (await json(await server.fetch('/api/assets/upload', { method: 'POST', headers: { cookie, origin: server.url }, body: form }), 201)).assets[0].id;
  }
  const share = async (albumId: string, settings: Record<string, unknown> = {}) =>
    (await json(await api('POST', `/api/albums/${albumId}/share`, settings), 201)).link as { id: string; token: string };
  /** A guest ZIP once it is ready: through a "strip location" link, the server checks newly stored originals first (503 meanwhile). */
  async function whenReady(path: string, headers: Record<string, string> = {}): Promise<Response> {
    for (let i = 0; ; i++) {
      const res = await server.fetch(path, { headers });
      if (res.status !== 503 || i > 200) return res;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** The body written to a file, and that file's path. */
  async function save(res: Response, name: string): Promise<{ path: string; bytes: Buffer }> {
    const bytes = Buffer.from(await res.arrayBuffer());
    const path = join(work, name);
    writeFileSync(path, bytes);
    return { path, bytes };
  }
  /** Every file under `dir`, relative, with its SHA-256. */
  function extracted(zipPath: string): Map<string, string> {
    const out = join(work, `x-${basename(zipPath)}`);
    mkdirSync(out, { recursive: true });
    execFileSync('unzip', ['-q', '-o', zipPath, '-d', out]);
    const files = new Map<string, string>();
    const walk = (d: string, prefix: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
        else files.set(`${prefix}${name}`, sha256(readFileSync(p)));
      }
    };
    walk(out, '');
    return files;
  }
  /** An original on disk made of zeros (sparse), its row and its album entry. */
  async function bigAsset(albumId: string, name: string, takenAt: string) {
    const hash = sha256(Buffer.from(name));
    const rel = `originals/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.mp4`;
    const path = absolute(server.deps.dataDir.root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
    truncateSync(path, BIG_BYTES);
    const crc = crc32OfZeros(BIG_BYTES);
    const asset = await newAsset(db(), {
      file_hash: hash,
      storage_path: rel,
      file_size: BIG_BYTES,
      crc32: crc,
      original_filename: name,
      mime_type: 'video/mp4',
      kind: 'video',
      taken_at: new Date(takenAt),
    });
    await db().updateTable('assets').set({ location_patches: [], location_crc32: crc, location_check: 'clean' }).where('id', '=', asset.id).execute();
    await json(await api('POST', `/api/albums/${albumId}/assets`, { assetIds: [asset.id] }), 200);
    return asset;
  }

  beforeAll(async () => {
    work = tempDir('sbx-dl-');
    server = await startTestServer({ backend, config: { trustProxy: true } });
    owner = await newUser(db(), { role: 'owner' });
    cookie = await sessionCookie(db(), owner);
    album = (await json(await api('POST', '/api/albums', { title: 'Summer: Ærø / 2024' }), 201)).album;
    otherAlbum = (await json(await api('POST', '/api/albums', { title: 'Other' }), 201)).album;
    ids = [];
    for (const f of FIXTURES) ids.push(await upload(album.id, f));
    // The same name twice (other bytes), and a name that tries to leave the folder.
    ids.push(await upload(album.id, 'jpeg/orientation/landscape_2.jpg', 'landscape_1.jpg'));
    const sneaky = await upload(album.id, 'jpeg/orientation/landscape_3.jpg');
    await db().updateTable('assets').set({ original_filename: '../../../etc/évil.jpg' }).where('id', '=', sneaky).execute();
    ids.push(sneaky);
    await upload(otherAlbum.id, 'jpeg/orientation/landscape_4.jpg');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('one original through the API: its name, length, ranges, a strong ETag, HEAD', async () => {
    const id = ids[0]!;
    const res = await server.fetch(`/api/assets/${id}/download`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(readFileSync(fixture(FIXTURES[0]!)))).toBe(true);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="FurnaceCreekInn.jpg"; filename*=UTF-8''FurnaceCreekInn.jpg`);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(res.headers.get('last-modified')).toBeTruthy();
    const head = await server.fetch(`/api/assets/${id}/download`, { method: 'HEAD', headers: { cookie } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    const part = await server.fetch(`/api/assets/${id}/download`, { headers: { cookie, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    expect((await server.fetch(`/api/assets/${id}/download`, { headers: { cookie, range: `bytes=${bytes.length}-` } })).status).toBe(416);
    // A non-ASCII name: an ASCII fallback and the UTF-8 name.
    const evil = await server.fetch(`/api/assets/${ids.at(-1)}/download`, { headers: { cookie } });
    expect(evil.headers.get('content-disposition')).toBe(`attachment; filename="_.._.._etc__vil.jpg"; filename*=UTF-8''_.._.._etc_%C3%A9vil.jpg`);
    await evil.arrayBuffer();
  });

  it('one original: bearer tokens; an uploader only for what is in an album granted to them', async () => {
    const token = await bearerToken(db(), owner);
    expect((await server.fetch(`/api/assets/${ids[0]}/download`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await server.fetch(`/api/assets/${ids[0]}/download`)).status).toBe(401);
    const uploader = await newUser(db(), { role: 'uploader' });
    const uploaderCookie = await sessionCookie(db(), uploader);
    await setUploaderAlbums(db(), uploader.id, [album.id]);
    expect((await server.fetch(`/api/assets/${ids[0]}/download`, { headers: { cookie: uploaderCookie } })).status).toBe(200);
    const elsewhere = (await db().selectFrom('album_assets').select('asset_id').where('album_id', '=', otherAlbum.id).executeTakeFirstOrThrow()).asset_id;
    expect((await server.fetch(`/api/assets/${elsewhere}/download`, { headers: { cookie: uploaderCookie } })).status).toBe(404);
  });

  it("the owner's album ZIP: exact length, every original intact under a safe, distinct name, in one folder", async () => {
    const res = await server.fetch(`/api/albums/${album.id}/download.zip`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"zip-[A-Za-z0-9_-]{32}"$/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Summer_ _r_ _ 2024.zip"; filename*=UTF-8''Summer_%20%C3%86r%C3%B8%20_%202024.zip`);
    const { path, bytes } = await save(res, 'owner.zip');
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    unzipTest(path);
    expect(bsdtarTest(path)).toHaveLength(ids.length);
    const entries = pythonZip(path, { hash: true });
    const folder = 'Summer_ Ærø _ 2024/';
    expect(entries.every((e) => e.name.startsWith(folder) && !e.name.slice(folder.length).includes('/'))).toBe(true);
    const names = entries.map((e) => e.name.slice(folder.length));
    expect(names).toContain('landscape_1.jpg');
    expect(names).toContain('landscape_1 (2).jpg');
    expect(names).toContain('_.._.._etc_évil.jpg');
    // Every file as stored, whatever its name.
    const rows = await db().selectFrom('assets').select(['file_hash']).where('id', 'in', ids).execute();
    expect(entries.map((e) => e.sha256).sort()).toEqual(rows.map((r) => r.file_hash).sort());
    expect([...extracted(path).keys()].every((k) => k.startsWith(folder))).toBe(true);
    // HEAD: the same length and tag, no body.
    const head = await server.fetch(`/api/albums/${album.id}/download.zip`, { method: 'HEAD', headers: { cookie } });
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('etag')).toBe(res.headers.get('etag'));
  });

  it('ranges equal the same slices of the whole; a changed album makes If-Range a full 200', async () => {
    const url = `/api/albums/${album.id}/download.zip`;
    const full = await server.fetch(url, { headers: { cookie } });
    const etag = full.headers.get('etag')!;
    const whole = Buffer.from(await full.arrayBuffer());
    for (let i = 0; i < 20; i++) {
      const a = i === 0 ? whole.length - 1_000_000 : Math.floor(Math.random() * whole.length);
      const b = Math.min(whole.length - 1, a + Math.floor(Math.random() * 300_000));
      const part = await server.fetch(url, { headers: { cookie, range: `bytes=${a}-${b}`, 'if-range': etag } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes ${a}-${b}/${whole.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(a, b + 1))).toBe(true);
    }
    expect((await server.fetch(url, { headers: { cookie, range: `bytes=${whole.length}-` } })).status).toBe(416);
    // The same album state: byte-identical.
    expect(Buffer.from(await (await server.fetch(url, { headers: { cookie } })).arrayBuffer()).equals(whole)).toBe(true);
    // An item added: a new tag, and a resume with the old one gets everything anew.
    const added = await upload(album.id, 'jpeg/orientation/landscape_5.jpg');
    try {
      const again = await server.fetch(url, { headers: { cookie, range: 'bytes=1000-', 'if-range': etag } });
      expect(again.status).toBe(200);
      expect(again.headers.get('etag')).not.toBe(etag);
      expect(Number(again.headers.get('content-length'))).toBeGreaterThan(whole.length);
      await again.arrayBuffer();
    } finally {
      await json(await api('DELETE', `/api/albums/${album.id}/assets`, { assetIds: [added] }), 200);
    }
    expect((await server.fetch(url, { method: 'HEAD', headers: { cookie } })).headers.get('etag')).toBe(etag);
  });

  it('a download cut part way and resumed with curl -C - is byte-identical to a whole one', async () => {
    const link = await share(album.id, { stripLocation: false });
    const url = `${server.url}/s/${link.token}/download.zip`;
    const whole = Buffer.from(await (await server.fetch(`/s/${link.token}/download.zip`)).arrayBuffer());
    const etag = (await server.fetch(`/s/${link.token}/download.zip`, { method: 'HEAD' })).headers.get('etag')!;
    const out = join(work, 'resumed.zip');
    // Cut: a download read to a third of its length, then dropped, as a lost connection leaves
    // it. (curl's --limit-rate with --max-time cut it by chance: it lets a first burst through,
    // and this small ZIP can arrive whole within it on a busy machine.)
    const reader = (await server.fetch(`/s/${link.token}/download.zip`)).body!.getReader();
    const cutAt = Math.floor(whole.length / 3);
    const head: Uint8Array[] = [];
    for (let got = 0; got < cutAt; ) {
      const { value, done } = await reader.read();
      if (done) break;
      head.push(value);
      got += value.length;
    }
    await reader.cancel();
    writeFileSync(out, Buffer.concat(head).subarray(0, cutAt));
    const partial = statSync(out).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(whole.length);
    await execFileAsync('curl', ['-sS', '-f', '-C', '-', '-H', `If-Range: ${etag}`, '-o', out, url]);
    expect(readFileSync(out).equals(whole)).toBe(true);
    unzipTest(out);
  });

  it('guests: the page names the ZIP and its size; the ZIP holds exactly what the link may download', async () => {
    const link = await share(album.id, { stripLocation: false });
    const page = await (await server.fetch(`/s/${link.token}`)).text();
    const firstZip = /href="([^"]+\.zip)"/.exec(page)?.[1];
    expect(firstZip).toBe(`/s/${link.token}/download.zip`);
    expect(page).toMatch(new RegExp(`${ids.length} items · [0-9.]+ MB`));
    expect((await json(await server.fetch(`/api/share/${link.token}`), 200)).link.zipUrl).toBe(firstZip);
    const res = await server.fetch(firstZip!);
    expect(res.status).toBe(200);
    const { path } = await save(res, 'guest.zip');
    const rows = await db().selectFrom('assets').select(['file_hash']).where('id', 'in', ids).execute();
    expect(pythonZip(path, { hash: true }).map((e) => e.sha256).sort()).toEqual(rows.map((r) => r.file_hash).sort());
  });

  it('guests of a strip-location link get the blanked bytes, as the link serves them one by one', async () => {
    const link = await share(album.id, { stripLocation: true });
    const res = await whenReady(`/s/${link.token}/download.zip`);
    expect(res.status).toBe(200);
    const { path } = await save(res, 'strip.zip');
    unzipTest(path);
    bsdtarTest(path);
    const inZip = pythonZip(path, { hash: true }); // checks each entry's CRC-32: the blanked bytes'
    const shared = (await json(await server.fetch(`/api/share/${link.token}`), 200)).assets as { id: string; originalFilename: string; originalUrl: string }[];
    const served = new Map<string, string>();
    for (const a of shared) served.set(a.id, sha256(Buffer.from(await (await server.fetch(a.originalUrl)).arrayBuffer())));
    expect(inZip.map((e) => e.sha256).sort()).toEqual([...served.values()].sort());
    const gps = (await db().selectFrom('assets').select(['file_hash']).where('id', '=', ids[0]!).executeTakeFirstOrThrow()).file_hash;
    expect(inZip.map((e) => e.sha256)).not.toContain(gps); // the GPS photo's stored bytes are not in it
  });

  it('strip location: an item whose blanked CRC is not known yet makes the ZIP wait (503, Retry-After), then it is ready', async () => {
    const link = await share(album.id, { stripLocation: true });
    await (await whenReady(`/s/${link.token}/download.zip`)).arrayBuffer();
    const before = await db().selectFrom('assets').select(['location_crc32']).where('id', '=', ids[0]!).executeTakeFirstOrThrow();
    expect(before.location_crc32).not.toBeNull();
    await db().updateTable('assets').set({ location_patches: null, location_crc32: null, location_check: null }).where('id', 'in', [ids[0]!, ids[2]!]).execute();
    const waiting = await server.fetch(`/s/${link.token}/download.zip`);
    expect(waiting.status).toBe(503);
    expect(Number(waiting.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await waiting.text()).toContain('being prepared');
    let res = waiting;
    for (let i = 0; i < 100 && res.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await res.arrayBuffer().catch(() => {});
      res = await server.fetch(`/s/${link.token}/download.zip`);
    }
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const after = await db().selectFrom('assets').select(['location_crc32']).where('id', '=', ids[0]!).executeTakeFirstOrThrow();
    expect(after.location_crc32).toBe(before.location_crc32);
  });

  it("guests without downloads get no ZIP URL and a 403; a revoked or expired link's ZIP fails; a password link needs its cookie", async () => {
    const off = await share(album.id, { allowDownload: false });
    const page = await (await server.fetch(`/s/${off.token}`)).text();
    expect(page).not.toMatch(/\.zip/);
    expect((await json(await server.fetch(`/api/share/${off.token}`), 200)).link.zipUrl).toBeUndefined();
    expect((await server.fetch(`/s/${off.token}/download.zip`)).status).toBe(403);
    expect((await server.fetch(`/api/share/${off.token}/downloads`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ assetIds: [ids[0]] }) })).status).toBe(403);

    const revoked = await share(album.id);
    expect((await api('DELETE', `/api/share/${revoked.token}`)).status).toBe(204);
    expect((await server.fetch(`/s/${revoked.token}/download.zip`)).status).toBe(404);

    const expired = await share(album.id, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await db().updateTable('shared_links').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', expired.id).execute();
    await api('PATCH', `/api/share/${expired.token}`, { label: 'x' }); // drops the cached state
    expect((await server.fetch(`/s/${expired.token}/download.zip`)).status).toBe(410);

    const locked = await share(album.id, { password: 'open sesame 1' });
    expect((await server.fetch(`/s/${locked.token}/download.zip`)).status).toBe(401);
    const auth = await server.fetch(`/api/share/${locked.token}/auth`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ password: 'open sesame 1' }) });
    expect(auth.status).toBe(204);
    const granted = auth.headers.get('set-cookie')!.split(';')[0]!;
    const res = await whenReady(`/s/${locked.token}/download.zip`, { cookie: granted });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('a selection is posted once and fetched by a short GET URL; another link cannot use it', async () => {
    const link = await share(album.id, { stripLocation: false });
    const other = await share(album.id, { stripLocation: false });
    const foreign = (await db().selectFrom('album_assets').select('asset_id').where('album_id', '=', otherAlbum.id).executeTakeFirstOrThrow()).asset_id;
    const post = (token: string, assetIds: string[]) =>
      server.fetch(`/api/share/${token}/downloads`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ assetIds }) });
    const made = await json(await post(link.token, [ids[1]!, ids[3]!, foreign]), 201);
    // The same selection again: the same short URL, no second row.
    expect((await json(await post(link.token, [ids[3]!, ids[1]!]), 201)).url).toBe(made.url);
    expect(made.url).toMatch(new RegExp(`^/s/${link.token}/downloads/[A-Za-z0-9_-]{22}\\.zip$`));
    expect(made.items).toBe(2); // the other album's item is not this link's to give
    const res = await server.fetch(made.url);
    expect(res.status).toBe(200);
    const { path } = await save(res, 'selection.zip');
    const rows = await db().selectFrom('assets').select(['file_hash']).where('id', 'in', [ids[1]!, ids[3]!]).execute();
    expect(pythonZip(path, { hash: true }).map((e) => e.sha256).sort()).toEqual(rows.map((r) => r.file_hash).sort());
    // Through another link's token: refused.
    expect((await server.fetch(made.url.replace(link.token, other.token))).status).toBe(404);
    expect((await post(link.token, [foreign])).status).toBe(404);
    // The owner's selection (from the album page, and from the library).
    const mine = await json(await api('POST', '/api/downloads', { assetIds: [ids[0]!, ids[4]!], albumId: album.id }), 201);
    expect(mine.url).toMatch(/^\/api\/downloads\/[A-Za-z0-9_-]{22}\.zip$/);
    const ownerZip = await server.fetch(mine.url, { headers: { cookie } });
    expect(ownerZip.headers.get('content-disposition')).toContain('Summer');
    expect(pythonZip((await save(ownerZip, 'mine.zip')).path)).toHaveLength(2);
    const fromLibrary = await json(await api('POST', '/api/downloads', { assetIds: [ids[0]!, foreign] }), 201);
    const libraryZip = await server.fetch(fromLibrary.url, { headers: { cookie } });
    expect(libraryZip.headers.get('content-disposition')).toMatch(/filename="Shoebox \d{4}-\d{2}-\d{2}\.zip"/);
    expect(pythonZip((await save(libraryZip, 'library.zip')).path)).toHaveLength(2);
    // A guest's selection is not the owner's, nor the reverse.
    expect((await server.fetch(mine.url.replace('/api/downloads/', `/s/${link.token}/downloads/`))).status).toBe(404);
    expect((await server.fetch(made.url.replace(`/s/${link.token}/downloads/`, '/api/downloads/'), { headers: { cookie } })).status).toBe(404);
    expect((await server.fetch(mine.url)).status).toBe(401);
  });

  it('at most 3 ZIPs at once per IP and 10 per link (429, Retry-After); a resume is never refused; a download counts once', async () => {
    const big = await bigAsset(otherAlbum.id, 'big.mp4', '2000-01-01T00:00:00Z');
    const link = await share(otherAlbum.id, { stripLocation: false });
    const url = `/s/${link.token}/download.zip`;
    const from = (ip: string, headers: Record<string, string> = {}) => server.fetch(url, { headers: { 'x-forwarded-for': ip, ...headers } });
    const held: Response[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(await from('10.0.0.1'));
      expect(held.map((r) => r.status)).toEqual([200, 200, 200]);
      // The page asks with HEAD before it hands the URL to the browser: the same answer, no slot taken.
      const probe = await server.fetch(url, { method: 'HEAD', headers: { 'x-forwarded-for': '10.0.0.1' } });
      expect(probe.status).toBe(429);
      expect((await server.fetch(url, { method: 'HEAD', headers: { 'x-forwarded-for': '10.0.0.9' } })).status).toBe(200);
      const fourth = await from('10.0.0.1');
      expect(fourth.status).toBe(429);
      expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
      await fourth.arrayBuffer();
      const resume = await from('10.0.0.1', { range: 'bytes=1000-1999' });
      expect(resume.status).toBe(206);
      await resume.arrayBuffer();
      // Up to 10 on the link, from other addresses.
      for (const ip of ['10.0.0.2', '10.0.0.2', '10.0.0.2', '10.0.0.3', '10.0.0.3', '10.0.0.3', '10.0.0.4']) held.push(await from(ip));
      expect(held.every((r) => r.status === 200)).toBe(true);
      expect(server.limits.runningZips.running(`link:${link.id}`)).toBe(10);
      expect((await from('10.0.0.5')).status).toBe(429);
    } finally {
      for (const r of held) await r.body?.cancel();
    }
    // Once the clients are gone, their slots are free again.
    for (let i = 0; i < 50 && server.limits.runningZips.running(`link:${link.id}`) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(server.limits.runningZips.running(`link:${link.id}`)).toBe(0);
    const row = await db().selectFrom('shared_links').select('download_count').where('id', '=', link.id).executeTakeFirstOrThrow();
    expect(row.download_count).toBe(10); // ten downloads began; the refused ones and the resume did not count
    await db().deleteFrom('album_assets').where('asset_id', '=', big.id).execute();
  });

  it('switching "hide location" on during a download ends it at the next file', async () => {
    const big = await bigAsset(otherAlbum.id, 'first-again.mp4', '1998-01-01T00:00:00Z');
    const link = await share(otherAlbum.id, { stripLocation: false });
    const res = await server.fetch(`/s/${link.token}/download.zip`);
    const reader = res.body!.getReader();
    await reader.read();
    expect((await api('PATCH', `/api/share/${link.token}`, { stripLocation: true })).status).toBe(200);
    let received = 0;
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          received += value.length;
        }
      })(),
    ).rejects.toThrow();
    expect(received).toBeLessThan(Number(res.headers.get('content-length')));
    await db().deleteFrom('album_assets').where('asset_id', '=', big.id).execute();
  });

  it('an original gone from disk breaks the ZIP once; asked again, the ZIP leaves it out and finishes', async () => {
    const title = `Broken ${Math.random()}`;
    const broken = (await json(await api('POST', '/api/albums', { title }), 201)).album;
    const kept = await upload(broken.id, 'jpeg/orientation/landscape_6.jpg');
    const lost = await upload(broken.id, 'jpeg/orientation/landscape_7.jpg');
    const row = await db().selectFrom('assets').select(['storage_path']).where('id', '=', lost).executeTakeFirstOrThrow();
    const path = absolute(server.deps.dataDir.root, row.storage_path);
    const bytes = readFileSync(path);
    rmSync(path);
    try {
      const first = await server.fetch(`/api/albums/${broken.id}/download.zip`, { headers: { cookie } });
      const etag = first.headers.get('etag');
      await expect(first.arrayBuffer()).rejects.toThrow(); // cut short: the browser knows to try again
      const again = await server.fetch(`/api/albums/${broken.id}/download.zip`, { headers: { cookie } });
      expect(again.status).toBe(200);
      expect(again.headers.get('etag')).not.toBe(etag);
      const zip = await save(again, 'broken.zip');
      const entries = pythonZip(zip.path);
      expect(entries).toHaveLength(1);
      const keptRow = await db().selectFrom('assets').select(['original_filename']).where('id', '=', kept).executeTakeFirstOrThrow();
      expect(entries[0]!.name).toContain(keptRow.original_filename);
    } finally {
      writeFileSync(path, bytes);
    }
  });

  it('a link turned off during a download ends it at the next file', async () => {
    const big = await bigAsset(otherAlbum.id, 'first.mp4', '1999-01-01T00:00:00Z');
    const link = await share(otherAlbum.id, { stripLocation: false });
    const res = await server.fetch(`/s/${link.token}/download.zip`);
    expect(res.status).toBe(200);
    const total = Number(res.headers.get('content-length'));
    const reader = res.body!.getReader();
    let received = 0;
    received += (await reader.read()).value!.length;
    expect((await api('DELETE', `/api/share/${link.token}`)).status).toBe(204);
    let failed = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    // The file under way was finished, and nothing came after it: not the next header, and
    // no error text either (a client resuming from here must find the ZIP's own bytes).
    const firstHeader = 30 + Buffer.byteLength('Other/first.mp4') + 9; // fixed part, name, extended timestamp
    expect(received).toBe(firstHeader + BIG_BYTES);
    expect(received).toBeLessThan(total);
    await db().deleteFrom('album_assets').where('asset_id', '=', big.id).execute();
  });
});
