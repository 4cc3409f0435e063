// POST /api/assets/upload end to end: real multipart over real HTTP, real files on disk,
// the worker making derived files, on each database backend.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHashLock } from '../../src/db/hash-lock.ts';
import { backends } from '../helpers/database.ts';
import { bearerToken, newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { FUJI_XT3, PANASONIC_G9, SONY_A7M3, writeArw, writeRaf, writeRw2 } from '../media/raw-samples.ts';

function form(files: { path: string; name?: string; lastModified?: number }[], fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const f of files) {
    if (f.lastModified !== undefined) body.append('lastModified', String(f.lastModified));
    body.append('file', new Blob([readFileSync(f.path)]), f.name ?? f.path.split('/').at(-1));
  }
  return body;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe.skipIf(!HAS_FIXTURES).each(backends())('upload on %s', (backend) => {
  let server: TestServer;
  let cookie: string;
  let ownerId: string;
  beforeAll(async () => {
    server = await startTestServer({ backend, worker: true });
    const owner = await newUser(server.database.db, { role: 'owner' });
    ownerId = owner.id;
    cookie = await sessionCookie(server.database.db, owner);
  });
  afterAll(() => server.close());

  const upload = (body: FormData, headers: Record<string, string> = {}) =>
    server.fetch('/api/assets/upload', { method: 'POST', body, headers: { cookie, origin: server.url, ...headers } });
  const root = () => server.deps.dataDir.root;
  const rowCount = async () =>
    Number((await server.database.db.selectFrom('assets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('stores every accepted type by content, with derived files from the worker', async () => {
    const accepted = [
      'jpeg/camera/canon-dslr.jpg',
      'misnamed/this-is-a-jpeg.png',
      'heic/iphone_15_pro.heic',
      'raw/canon_eos_6d.dng',
      'raw/CanonRaw.cr2',
      'raw/Nikon.nef',
      'video/quicktime-hvc1.mov',
      'video/mp42-hvc1.mp4',
      'jpeg/orientation/landscape_6.jpg',
      'jpeg/orientation/landscape_8.jpg',
      'broken/broken.jpg',
    ];
    const present = accepted.filter((p) => existsSync(fixture(p)));
    const res = await upload(form(present.map((p) => ({ path: fixture(p) }))));
    expect(res.status).toBe(201);
    const { assets } = await res.json();
    expect(assets.map((a: { status: string }) => a.status)).toEqual(present.map(() => 'created'));
    expect(assets.map((a: { originalFilename: string }) => a.originalFilename)).toEqual(present.map((p) => p.split('/').at(-1)));
    await server.idle();

    const byName = async (name: string) => {
      const id = assets.find((a: { originalFilename: string }) => a.originalFilename === name).id;
      return (await (await server.fetch(`/api/assets/${id}`, { headers: { cookie } })).json()).asset;
    };
    const misnamed = await byName('this-is-a-jpeg.png');
    expect(misnamed).toMatchObject({ mimeType: 'image/jpeg', format: 'jpeg' });
    expect(readdirSync(join(root(), 'originals', misnamed.fileHash.slice(0, 2), misnamed.fileHash.slice(2, 4)))).toEqual([`${misnamed.fileHash}.jpg`]);

    for (const name of ['landscape_6.jpg', 'landscape_8.jpg']) {
      const a = await byName(name);
      // Stored 450×600 and turned by EXIF: shown (and sized) as the upright 600×450 scene.
      expect([a.width, a.height], name).toEqual([600, 450]);
      const thumb = await server.fetch(`/media/assets/${a.id}/thumb`, { headers: { cookie } });
      expect(thumb.status).toBe(200);
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect(meta.width!).toBeGreaterThan(meta.height!);
      expect(meta.height).toBe(360); // grid size: 360 px on the short edge
    }

    const heic = await byName('iphone_15_pro.heic');
    expect(heic).toMatchObject({ status: 'ready', width: 3024, height: 4032, format: 'heic' });
    expect(heic.metadata.camera.model).toBe('iPhone 15 Pro');
    expect(heic.thumbhash).toMatch(/^[A-Za-z0-9+/=]+$/);

    for (const name of ['CanonRaw.cr2', 'Nikon.nef', 'canon_eos_6d.dng']) {
      const raw = await byName(name);
      expect(raw.status, name).toBe('ready');
      expect((await server.fetch(`/media/assets/${raw.id}/thumb`, { headers: { cookie } })).status, name).toBe(200);
    }

    const video = await byName('quicktime-hvc1.mov');
    // Stored 1280×720 with a -90° display matrix: an upright portrait clip.
    expect(video).toMatchObject({ isVideo: true, kind: 'video', status: 'ready', width: 720, height: 1280 });
    expect(video.durationSeconds).toBeCloseTo(1.17, 1);
    expect(video.takenAtLocal).toMatch(/^2023-09-22T/);
    const poster = await server.fetch(`/media/assets/${video.id}/preview`, { headers: { cookie } });
    const posterBytes = Buffer.from(await poster.arrayBuffer());
    const posterMeta = await sharp(posterBytes).metadata();
    expect(posterMeta.height!).toBeGreaterThan(posterMeta.width!);
    const stats = await sharp(posterBytes).stats();
    expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeGreaterThan(5); // not a flat (black) frame

    const partial = await byName('broken.jpg');
    expect(partial.status).toBe('ready');

    const dslr = await byName('canon-dslr.jpg');
    expect(dslr).toMatchObject({ width: 5184, height: 3456, takenAtLocal: '2019-10-26T16:07:24' });
    expect(dslr.metadata.camera).toMatchObject({ make: 'Canon', model: 'Canon EOS 1300D' });
    expect(filesUnder(server.deps.dataDir.tmp)).toEqual([]);
  });

  it('stores Sony ARW, Fujifilm RAF and Panasonic RW2 (built as the cameras write them) with thumbnails from their large previews', async () => {
    // No such files among the fixtures: each is built around a real photo as its preview, with
    // a 160x120 thumbnail beside it, upright and with orientation 6.
    const dir = mkdtempSync(join(tmpdir(), 'shoebox-upload-raw-'));
    const scene = fixture('webp/norway-kjetil-moe.webp');
    const thumbnail = await sharp(scene).resize(160, 120).jpeg().toBuffer();
    const cameras = [
      { name: 'DSC01234.ARW', write: writeArw, shot: SONY_A7M3, mime: 'image/x-sony-arw', format: 'arw', preview: [1616, 1080], thumb: [539, 360] },
      { name: 'DSCF5678.RAF', write: writeRaf, shot: FUJI_XT3, mime: 'image/x-fuji-raf', format: 'raf', preview: [1920, 1280], thumb: [540, 360] },
      { name: 'P1009012.RW2', write: writeRw2, shot: PANASONIC_G9, mime: 'image/x-panasonic-rw2', format: 'rw2', preview: [1920, 1440], thumb: [480, 360] },
    ] as const;
    const files: Array<{ path: string; camera: (typeof cameras)[number]; turned: boolean }> = [];
    for (const camera of cameras) {
      const preview = await sharp(scene).resize(camera.preview[0], camera.preview[1]).jpeg({ quality: 85 }).toBuffer();
      for (const turned of [false, true]) {
        const path = join(dir, turned ? camera.name.replace('.', '-6.') : camera.name);
        camera.write(path, { preview, thumbnail, orientation: turned ? 6 : 1 });
        files.push({ path, camera, turned });
      }
    }
    const res = await upload(form(files.map(({ path }) => ({ path }))));
    expect(res.status).toBe(201);
    const { assets } = await res.json();
    expect(assets.map((a: { status: string }) => a.status)).toEqual(files.map(() => 'created'));
    await server.idle();

    for (const [i, { path, camera, turned }] of files.entries()) {
      const name = path.split('/').at(-1)!;
      const asset = (await (await server.fetch(`/api/assets/${assets[i].id}`, { headers: { cookie } })).json()).asset;
      expect(asset, name).toMatchObject({ originalFilename: name, kind: 'raw', mimeType: camera.mime, format: camera.format, status: 'ready' });
      expect(asset.processingWarning, name).toBeNull();
      expect(asset.metadata.camera, name).toMatchObject({ make: camera.shot.make, model: camera.shot.model });
      expect(asset.takenAtLocal, name).toBe(camera.shot.taken.replace(/^(\d+):(\d+):(\d+) /, '$1-$2-$3T'));
      expect(asset.height > asset.width, name).toBe(turned);
      const stored = readdirSync(join(root(), 'originals', asset.fileHash.slice(0, 2), asset.fileHash.slice(2, 4)));
      expect(stored, name).toEqual([`${asset.fileHash}.${camera.format}`]);
      // The grid thumbnail is 360 px on the short edge of the large preview (the 160x120
      // thumbnail would give 160x120), standing up when the orientation says so.
      const thumb = await server.fetch(`/media/assets/${asset.id}/thumb`, { headers: { cookie } });
      expect(thumb.status, name).toBe(200);
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      const [width, height] = turned ? [camera.thumb[1], camera.thumb[0]] : camera.thumb;
      expect({ width: meta.width, height: meta.height }, name).toEqual({ width, height });
    }
  });

  it('refuses what it cannot accept with a clear status, leaving no file and no row', async () => {
    const before = { rows: await rowCount(), files: filesUnder(join(root(), 'originals')).length };
    const empty = await upload(form([{ path: fixture('broken/empty.jpg') }]));
    expect(empty.status).toBe(415);
    expect((await empty.json()).assets[0]).toMatchObject({ status: 'rejected', originalFilename: 'empty.jpg', error: expect.stringContaining('empty.jpg') });

    const tiny = await upload(form([{ path: fixture('broken/exiv2-bug1247.jpg') }]));
    expect(tiny.status).toBe(422);
    expect((await tiny.json()).assets[0].error).toMatch(/^exiv2-bug1247\.jpg was not stored\. This file is damaged/);

    const text = new FormData();
    text.append('file', new Blob(['just some text, not a photo\n'.repeat(20)]), 'notes.jpg');
    const notPhoto = await upload(text);
    expect(notPhoto.status).toBe(415);
    expect((await notPhoto.json()).assets[0].error).toMatch(/notes\.jpg is not a photo or video/);

    const noFiles = new FormData();
    noFiles.append('albumId', '');
    expect((await upload(noFiles)).status).toBe(400);
    const notMultipart = await server.fetch('/api/assets/upload', { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: '{}' });
    expect(notMultipart.status).toBe(415);
    const broken = await server.fetch('/api/assets/upload', {
      method: 'POST',
      headers: { cookie, origin: server.url, 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\nabc',
    });
    expect(broken.status).toBe(400);

    expect(await rowCount()).toBe(before.rows);
    expect(filesUnder(join(root(), 'originals')).length).toBe(before.files);
    expect(filesUnder(server.deps.dataDir.tmp)).toEqual([]);
  });

  it('a HEIC of 300 MB is checked and kept without being read into memory whole', async () => {
    // A real iPhone HEIC followed by a 300 MB `free` box (sparse on disk): still valid HEIF.
    const heic = readFileSync(fixture('heic/iphone_15_pro.heic'));
    const path = join(mkdtempSync(join(tmpdir(), 'sbx-bigheic-')), 'big.heic');
    const padding = 300 * 1024 * 1024;
    const header = Buffer.alloc(8);
    header.writeUInt32BE(8 + padding, 0);
    header.write('free', 4, 'latin1');
    writeFileSync(path, Buffer.concat([heic, header]));
    truncateSync(path, heic.length + 8 + padding);
    // Sent by curl beside this process (which serves), so no copy of it is held here.
    const { stdout } = await promisify(execFile)('curl', ['-sS', '-H', `Cookie: ${cookie}`, '-H', `Origin: ${server.url}`, '-F', `file=@${path}`, `${server.url}/api/assets/upload`]);
    const body = JSON.parse(stdout);
    expect(body.assets[0].status, stdout).toBe('created');
    await server.idle();
    const row = await server.database.db.selectFrom('assets').select(['status', 'width', 'height', 'processing_error']).where('id', '=', body.assets[0].id).executeTakeFirstOrThrow();
    // Its size came from the meta box; libheif, which reads a whole file into its heap, never saw it.
    expect(row).toMatchObject({ width: 3024, height: 4032, status: 'failed' });
    expect(row.processing_error).toMatch(/over 256 MB are kept as uploaded/);
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it('renames an original into place and inserts its row under the lock of its bytes (a purge takes it too)', async () => {
    // Bytes no other test sends: a fixture with a few more after its end.
    const bytes = Buffer.concat([readFileSync(fixture('jpeg/orientation/landscape_8.jpg')), Buffer.from('held by the lock')]);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const body = new FormData();
    body.append('file', new Blob([bytes]), 'locked.jpg');
    let uploading: Promise<Response> | undefined;
    await withHashLock(server.database.db, hash, async () => {
      uploading = upload(body);
      await new Promise((r) => setTimeout(r, 500));
      // Received and described, but neither named nor recorded while the lock is held.
      expect(filesUnder(join(root(), 'originals')).some((f) => f.includes(hash))).toBe(false);
      expect(await server.database.db.selectFrom('assets').select('id').where('file_hash', '=', hash).execute()).toEqual([]);
    });
    expect((await uploading!).status).toBe(201);
    expect(filesUnder(join(root(), 'originals')).some((f) => f.includes(hash))).toBe(true);
  });

  it('20 parallel uploads of the same bytes: one row, one file; all but one "duplicate"', async () => {
    const path = fixture('jpeg/gps/FurnaceCreekInn.jpg');
    const responses = await Promise.all(Array.from({ length: 20 }, () => upload(form([{ path }]))));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    const statuses = bodies.map((b) => b.assets[0].status);
    expect(statuses.filter((s) => s === 'created')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(19);
    expect(new Set(bodies.map((b) => b.assets[0].id)).size).toBe(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(19);
    const rows = await server.database.db.selectFrom('assets').select('id').where('original_filename', '=', 'FurnaceCreekInn.jpg').execute();
    expect(rows).toHaveLength(1);
    const hash = 'af6582b72a60ce583b04cadb5bffb81f858e573ea3d1f07821a4300f8be2c730';
    expect(filesUnder(join(root(), 'originals')).filter((f) => f.includes(hash))).toHaveLength(1);
    expect(filesUnder(server.deps.dataDir.tmp)).toEqual([]);
  });

  it('adds to an album at the end, duplicates too; lastModified is the date of last resort', async () => {
    const album = await newAlbum(server.database.db, ownerId);
    const res = await upload(
      form(
        [
          { path: fixture('jpeg/odd-exif/img_1771_no_exif.jpg'), lastModified: Date.UTC(2015, 5, 1, 12, 0, 0) },
          { path: fixture('jpeg/gps/FurnaceCreekInn.jpg') },
        ],
        { albumId: album.id },
      ),
    );
    expect(res.status).toBe(201);
    const { assets } = await res.json();
    expect(assets.map((a: { status: string }) => a.status)).toEqual(['created', 'duplicate']);
    const members = await server.database.db.selectFrom('album_assets').select(['asset_id', 'position']).where('album_id', '=', album.id).orderBy('position').execute();
    expect(members.map((m) => m.asset_id)).toEqual(assets.map((a: { id: string }) => a.id));
    const noExif = (await (await server.fetch(`/api/assets/${assets[0].id}`, { headers: { cookie } })).json()).asset;
    expect(noExif.takenAt).toBe('2015-06-01T12:00:00.000Z');
    expect(noExif.metadata.takenAtSource).toBe('file-modified');
  });

  it('uploaders only into granted albums; bearer tokens work without Origin; /check lists stored hashes', async () => {
    const granted = await newAlbum(server.database.db, ownerId, { title: 'Granted' });
    const other = await newAlbum(server.database.db, ownerId, { title: 'Other' });
    const uploader = await newUser(server.database.db, { role: 'uploader' });
    await server.database.db.insertInto('album_uploaders').values({ album_id: granted.id, user_id: uploader.id }).execute();
    const upCookie = await sessionCookie(server.database.db, uploader);
    const file = { path: fixture('jpeg/phone/IMG_E4120.JPG') };
    expect((await upload(form([file]), { cookie: upCookie })).status).toBe(403);
    expect((await upload(form([file], { albumId: other.id }), { cookie: upCookie })).status).toBe(403);
    expect((await upload(form([file], { albumId: 'not-a-uuid' }), { cookie: upCookie })).status).toBe(404);
    const ok = await upload(form([file], { albumId: granted.id }), { cookie: upCookie });
    expect(ok.status).toBe(201);

    const token = await bearerToken(server.database.db, (await server.database.db.selectFrom('users').selectAll().where('id', '=', ownerId).executeTakeFirstOrThrow()));
    const viaToken = await server.fetch('/api/assets/upload', { method: 'POST', body: form([{ path: fixture('jpeg/camera/img_1771.jpg') }]), headers: { authorization: `Bearer ${token}` } });
    expect(viaToken.status).toBe(201);

    const check = await server.fetch('/api/assets/check', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hashes: ['8a9d04b92d0de5836c59ede8ae421235488e4031e893e07b1fe7e4b78f6a9901', 'f'.repeat(64)] }),
    });
    expect(check.status).toBe(200);
    const { existing } = await check.json();
    expect(existing.map((e: { hash: string }) => e.hash)).toEqual(['8a9d04b92d0de5836c59ede8ae421235488e4031e893e07b1fe7e4b78f6a9901']);
    const bad = await server.fetch('/api/assets/check', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"hashes":["xyz"]}' });
    expect(bad.status).toBe(400);
  });

  it('media: ETag, 304, Range; anonymous gets nothing', async () => {
    const asset = await server.database.db.selectFrom('assets').selectAll().where('status', '=', 'ready').where('kind', '=', 'photo').executeTakeFirstOrThrow();
    const original = await server.fetch(`/media/assets/${asset.id}/original?download`, { headers: { cookie } });
    expect(original.status).toBe(200);
    expect(original.headers.get('etag')).toBe(`"${asset.file_hash}"`);
    expect(original.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(asset.original_filename)}`);
    expect(Number(original.headers.get('content-length'))).toBe(asset.file_size);
    const part = await server.fetch(`/media/assets/${asset.id}/original`, { headers: { cookie, range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${asset.file_size}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(readFileSync(join(root(), asset.storage_path)).subarray(10, 20));
    expect((await server.fetch(`/media/assets/${asset.id}/thumb`, { headers: { cookie, 'if-none-match': `"${asset.file_hash}-thumb"` } })).status).toBe(304);
    expect((await server.fetch(`/media/assets/${asset.id}/original`, { headers: { cookie, range: 'bytes=999999999-' } })).status).toBe(416);
    expect((await server.fetch(`/media/assets/${asset.id}/thumb`)).status).toBe(401);
  });
});

describe.skipIf(!HAS_FIXTURES)('upload limits and interruptions', () => {
  it('a file past MAX_UPLOAD_SIZE → 413 at once, nothing kept', async () => {
    const server = await startTestServer({ backend: 'pglite', config: { maxUploadBytes: 100_000 } });
    try {
      const cookie = await sessionCookie(server.database.db, await newUser(server.database.db));
      const res = await server.fetch('/api/assets/upload', {
        method: 'POST',
        headers: { cookie, origin: server.url },
        body: form([{ path: fixture('jpeg/odd-exif/huawei-gps-error.jpg') }]), // 266 kB
      });
      expect(res.status).toBe(413);
      expect((await res.json()).assets[0].error).toMatch(/larger than the 97\.7 KB limit/);
      expect(filesUnder(join(server.deps.dataDir.root, 'originals'))).toEqual([]);
      expect(filesUnder(server.deps.dataDir.tmp)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('a client that disconnects mid-body leaves nothing under originals and no temp file', async () => {
    const server = await startTestServer({ backend: 'pglite' });
    try {
      const cookie = await sessionCookie(server.database.db, await newUser(server.database.db));
      const port = Number(new URL(server.url).port);
      const socket = connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      const boundary = 'cutcutcut';
      socket.write(
        `POST /api/assets/upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nOrigin: ${server.url}\r\n` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 10000000\r\n\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      );
      socket.write(readFileSync(fixture('jpeg/camera/canon-dslr.jpg')).subarray(0, 500_000));
      // Wait until the temp file exists, then hang up.
      const deadline = Date.now() + 5000;
      while (filesUnder(server.deps.dataDir.tmp).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(filesUnder(server.deps.dataDir.tmp)).toHaveLength(1);
      socket.destroy();
      const gone = Date.now() + 5000;
      while (filesUnder(server.deps.dataDir.tmp).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
      expect(filesUnder(server.deps.dataDir.tmp)).toEqual([]);
      expect(filesUnder(join(server.deps.dataDir.root, 'originals'))).toEqual([]);
      expect((await server.fetch('/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
