// Every camera file accepted (issue 17, item 4): old and rare RAWs, camera video containers,
// JPEG XL and BigTIFF, uploaded through the real server with its worker. Each is stored
// (201), ends 'ready' with a grid thumbnail, and the test says which: the embedded preview,
// a decoded image, a video frame, or the neutral placeholder with the format's name on it.
//   Real, made here by the tools: AVI, MKV, MPEG-TS (188-byte packets), AVCHD M2TS (192,
//   ffmpeg's -mpegts_m2ts_mode 1), WebM, MPEG-PS (ffmpeg, 1 s at 160x120); BigTIFF (vips
//   tiffsave --bigtiff); JPEG XL as a bare codestream (ffmpeg's libjxl) and in its ISO BMFF
//   container (the same codestream wrapped by exiftool -m, which adds an Exif box).
//   Laid out by hand with the real signatures and structures (old-raw-samples.ts): CRW, MRW,
//   X3F and a TIFF-based RAW of a maker Shoebox does not name; exiftool reads them as camera
//   files. sharp's prebuilt libvips has no JPEG XL decoder: where it has none, JXL gets the
//   placeholder, and the test expects whichever this machine's sharp does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodesJpegXl } from '../../src/media/sharp.ts';
import { absolute, smallThumbRelPath } from '../../src/storage/layout.ts';
import { uploadFiles } from '../helpers/api.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { writeCrw, writeMrw, writeUnknownTiffRaw, writeX3f } from './old-raw-samples.ts';

const work = mkdtempSync(join(tmpdir(), 'shoebox-formats-'));
const at = (name: string) => join(work, name);
const tool = (command: string, args: string[]) => execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
const ffmpeg = (name: string, args: string[]) =>
  tool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25:d=1', ...args, at(name)]);

type Want = { kind: 'photo' | 'raw' | 'video'; format: string; source: 'embedded-preview' | 'decoded' | 'video-frame' | 'placeholder' };
const PREVIEW_COLOUR = { r: 40, g: 120, b: 200 };

const VIDEOS: Array<[name: string, args: string[], format: string, mime: string]> = [
  ['clip.avi', ['-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p'], 'avi', 'video/x-msvideo'],
  ['clip.mkv', ['-c:v', 'libx264', '-preset', 'ultrafast'], 'mkv', 'video/x-matroska'],
  ['clip.mts', ['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts'], 'mts', 'video/mp2t'],
  ['clip.m2ts', ['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', '-mpegts_m2ts_mode', '1'], 'mts', 'video/mp2t'],
  ['clip.webm', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'], 'webm', 'video/webm'],
  ['clip.mpg', ['-c:v', 'mpeg2video', '-f', 'mpeg'], 'mpg', 'video/mpeg'],
];

const jxlSource = decodesJpegXl() ? 'decoded' : 'placeholder';
const EXPECTED: Record<string, Want> = {
  'IMG_0001.CRW': { kind: 'raw', format: 'crw', source: 'embedded-preview' },
  'IMG_0002.CRW': { kind: 'raw', format: 'crw', source: 'placeholder' },
  'PICT0001.MRW': { kind: 'raw', format: 'mrw', source: 'embedded-preview' },
  'PICT0002.MRW': { kind: 'raw', format: 'mrw', source: 'placeholder' },
  'SDIM0001.X3F': { kind: 'raw', format: 'x3f', source: 'embedded-preview' },
  'SDIM0002.X3F': { kind: 'raw', format: 'x3f', source: 'placeholder' },
  'IMGP0001.PEF': { kind: 'raw', format: 'raw', source: 'embedded-preview' },
  'big.tif': { kind: 'photo', format: 'tiff', source: 'decoded' },
  'bare.jxl': { kind: 'photo', format: 'jxl', source: jxlSource },
  'boxed.jxl': { kind: 'photo', format: 'jxl', source: jxlSource },
  ...Object.fromEntries(VIDEOS.map(([name, , format]) => [name, { kind: 'video', format, source: 'video-frame' } as Want])),
};

beforeAll(async () => {
  const preview = await sharp({ create: { width: 640, height: 480, channels: 3, background: PREVIEW_COLOUR } }).jpeg().toBuffer();
  writeCrw(at('IMG_0001.CRW'), preview);
  writeCrw(at('IMG_0002.CRW'));
  writeMrw(at('PICT0001.MRW'), preview);
  writeMrw(at('PICT0002.MRW'));
  writeX3f(at('SDIM0001.X3F'), { jpeg: preview, width: 640, height: 480 });
  writeX3f(at('SDIM0002.X3F'));
  writeUnknownTiffRaw(at('IMGP0001.PEF'), preview);
  ffmpeg('frame.png', ['-frames:v', '1']);
  tool('vips', ['tiffsave', at('frame.png'), at('big.tif'), '--bigtiff']);
  for (const name of ['bare.jxl', 'boxed.jxl']) tool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', at('frame.png'), '-c:v', 'libjxl', at(name)]);
  tool('exiftool', ['-m', '-q', '-overwrite_original', '-DateTimeOriginal=2024:03:02 11:12:13', at('boxed.jxl')]);
  for (const [name, args] of VIDEOS) ffmpeg(name, ['-t', '1', ...args]);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('every camera file accepted', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let ids = new Map<string, string>();
  const asset = (name: string) => server.database.db.selectFrom('assets').selectAll().where('id', '=', ids.get(name)!).executeTakeFirstOrThrow();

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', worker: true });
    const owner = await newUser(server.database.db, { role: 'owner' });
    headers = { cookie: await sessionCookie(server.database.db, owner), origin: server.url };
    ids = await uploadFiles(server, headers, undefined, Object.keys(EXPECTED).map(at));
    await server.idle();
  }, 60_000);
  afterAll(() => server?.close());

  it('lays the files out as their formats are: real signatures, JPEG XL in both forms', async () => {
    const { readFileSync } = await import('node:fs');
    const head = (name: string, n: number) => readFileSync(at(name)).subarray(0, n);
    expect(head('IMG_0001.CRW', 14).toString('latin1')).toBe('II\x1a\0\0\0HEAPCCDR');
    expect(head('PICT0001.MRW', 4).toString('latin1')).toBe('\0MRM');
    expect(head('SDIM0001.X3F', 4).toString('latin1')).toBe('FOVb');
    expect([...head('bare.jxl', 2)]).toEqual([0xff, 0x0a]);
    expect([...head('boxed.jxl', 12)]).toEqual([0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);
    expect([...head('big.tif', 4)]).toEqual([0x49, 0x49, 43, 0]);
    // 188-byte packets, and 192 (a 4-byte time code before each 0x47 sync byte).
    expect([0, 188, 376].map((i) => readFileSync(at('clip.mts'))[i])).toEqual([0x47, 0x47, 0x47]);
    expect([4, 196, 388].map((i) => readFileSync(at('clip.m2ts'))[i])).toEqual([0x47, 0x47, 0x47]);
  });

  it.each(Object.entries(EXPECTED))('%s is stored and ends ready, thumbnail from %j', async (name, want) => {
    const row = await asset(name);
    expect({ kind: row.kind, format: row.format, status: row.status, source: row.derived_source }).toEqual({
      kind: want.kind,
      format: want.format,
      status: 'ready',
      source: want.source,
    });
    expect(existsSync(absolute(server.deps.dataDir.root, row.storage_path))).toBe(true);
    const thumb = absolute(server.deps.dataDir.root, smallThumbRelPath(row.file_hash));
    const stats = await sharp(thumb).stats();
    const mean = stats.channels.slice(0, 3).map((c) => Math.round(c.mean));
    if (want.source === 'embedded-preview') {
      // The preview is a flat colour: the thumbnail is that colour.
      expect(mean.map((m, i) => Math.abs(m - Object.values(PREVIEW_COLOUR)[i]!)).every((d) => d < 8), `${mean}`).toBe(true);
    } else if (want.source === 'placeholder') {
      // Neutral grey with the format's name drawn on it in darker grey.
      expect(mean.every((m) => m > 150 && m < 205), `${mean}`).toBe(true);
      expect(stats.channels[0]!.stdev).toBeGreaterThan(5);
      expect(Math.min(...stats.channels.slice(0, 3).map((c) => c.min))).toBeLessThan(140);
      expect(row.processing_warning).toBeTruthy();
    } else {
      // A picture of ffmpeg's test pattern: many colours.
      expect(Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(30);
    }
  });

  it('names the format on a placeholder: two formats, two different labels', async () => {
    const pixels = async (name: string) => sharp(absolute(server.deps.dataDir.root, smallThumbRelPath((await asset(name)).file_hash))).raw().toBuffer();
    const [crw, x3f] = await Promise.all([pixels('IMG_0002.CRW'), pixels('SDIM0002.X3F')]);
    expect(crw.equals(x3f)).toBe(false);
  });

  it.each(VIDEOS.map(([name, , , mime]) => [name, mime]))('%s has its video metadata (%s, 1 s, 160x120)', async (name, mime) => {
    const row = await asset(name);
    expect({ mime: row.mime_type, width: row.width, height: row.height, video: row.is_video }).toEqual({ mime, width: 160, height: 120, video: true });
    expect(row.duration_seconds).toBeGreaterThan(0.8);
    expect(row.duration_seconds).toBeLessThan(1.3);
  });

  it('keeps the MRW camera metadata from its TTW block and the BigTIFF size', async () => {
    const mrw = await asset('PICT0001.MRW');
    expect(mrw.metadata).toMatchObject({ camera: { make: 'Konica Minolta Camera, Inc.', model: 'DiMAGE A2' } });
    expect(mrw.taken_at_local).toMatch(/^2005-04-09[T ]14:21:03/);
    const big = await asset('big.tif');
    expect([big.width, big.height]).toEqual([160, 120]);
  });
});

// XMP sidecars, as exiftool writes them (the way Lightroom and darktable keep edits beside a RAW).
describe('XMP sidecars', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  const sidecar = (path: string) => tool('exiftool', ['-q', '-XMP-xmp:Rating=4', '-XMP-dc:Description=Harbour at dusk & boats', path]);
  const kept = (assetId: string) => server.database.db.selectFrom('asset_sidecars').selectAll().where('asset_id', '=', assetId).executeTakeFirst();
  const metadata = async (assetId: string) =>
    (await server.database.db.selectFrom('assets').select('metadata').where('id', '=', assetId).executeTakeFirstOrThrow()).metadata as Record<string, unknown>;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite' });
    const owner = await newUser(server.database.db, { role: 'owner' });
    headers = { cookie: await sessionCookie(server.database.db, owner), origin: server.url };
  }, 60_000);
  afterAll(() => server?.close());

  it('an upload keeps IMG_1234.xmp with IMG_1234.CRW, byte for byte, and refuses one whose photo is not in it', async () => {
    const dir = mkdtempSync(join(work, 'upload-'));
    writeCrw(join(dir, 'IMG_1234.CRW'));
    sidecar(join(dir, 'IMG_1234.xmp'));
    sidecar(join(dir, 'IMG_9.xmp'));
    const { readFileSync } = await import('node:fs');
    const form = new FormData();
    // The sidecar first: it is paired once the whole upload is in.
    for (const name of ['IMG_1234.xmp', 'IMG_1234.CRW', 'IMG_9.xmp']) form.append('file', new Blob([readFileSync(join(dir, name))]), name);
    const res = await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form });
    expect(res.status).toBe(201);
    const { assets } = await res.json();
    const photo = assets[1];
    expect(photo).toMatchObject({ status: 'created', originalFilename: 'IMG_1234.CRW' });
    expect(assets[0]).toMatchObject({ status: 'created', id: photo.id, originalFilename: 'IMG_1234.xmp', sidecarOf: 'IMG_1234.CRW' });
    expect(assets[2]).toEqual({
      status: 'rejected',
      originalFilename: 'IMG_9.xmp',
      error: 'IMG_9.xmp was not stored: an XMP sidecar is kept with its photo; upload it together with IMG_9.…',
    });
    const row = await kept(photo.id);
    expect(row?.filename).toBe('IMG_1234.xmp');
    expect(Buffer.from(row!.bytes).equals(readFileSync(join(dir, 'IMG_1234.xmp')))).toBe(true);
    expect(await metadata(photo.id)).toMatchObject({ xmp: { sidecar: 'IMG_1234.xmp', rating: 4, description: 'Harbour at dusk & boats' } });
    // Never an asset of its own.
    const count = await server.database.db.selectFrom('assets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);

    // Alone, a sidecar is refused with 422 (the panel offers no Retry).
    const lone = new FormData();
    lone.append('file', new Blob([readFileSync(join(dir, 'IMG_9.xmp'))]), 'IMG_9.xmp');
    expect((await server.fetch('/api/assets/upload', { method: 'POST', headers, body: lone })).status).toBe(422);
  });

  it('a sidecar sent after its photo into the album is kept with the album’s entry of that name; a guest’s only with their own', async () => {
    const { readFileSync } = await import('node:fs');
    const db = server.database.db;
    const ownerId = (await db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id;
    const album = await newAlbum(db, ownerId, { title: 'Sidecars later' });
    const dir = mkdtempSync(join(work, 'later-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'IMG_7.JPG'), await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 7, g: 70, b: 140 } } }).jpeg().toBuffer());
    sidecar(join(dir, 'IMG_7.xmp'));
    const send = async (name: string, path: string, to: { url: string; headers: Record<string, string>; fields?: Record<string, string> }) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(to.fields ?? {})) form.set(k, v);
      form.append('file', new Blob([readFileSync(path)]), name);
      return server.fetch(to.url, { method: 'POST', headers: to.headers, body: form });
    };
    const owner = { url: '/api/assets/upload', headers, fields: { albumId: album.id } };
    const photo = (await (await send('IMG_7.JPG', join(dir, 'IMG_7.JPG'), owner)).json()).assets[0];
    // The browser sends it on its own, after the photo.
    const res = await send('IMG_7.xmp', join(dir, 'IMG_7.xmp'), owner);
    expect(res.status).toBe(200); // no new asset: as for bytes already stored
    expect((await res.json()).assets[0]).toMatchObject({ id: photo.id, sidecarOf: 'IMG_7.JPG' });
    expect((await kept(photo.id))?.filename).toBe('IMG_7.xmp');

    // A guest of a link that takes uploads: their sidecar never lands on the owner's IMG_7.JPG.
    const link = await (await server.fetch(`/api/albums/${album.id}/share`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ allowUpload: true }) })).json();
    const guest = { url: `/api/share/${link.link.token}/upload`, headers: { origin: server.url }, fields: { name: 'Anna' } };
    const before = await metadata(photo.id);
    expect((await send('IMG_7.xmp', join(dir, 'IMG_7.xmp'), guest)).status).toBe(422);
    expect(await metadata(photo.id)).toEqual(before);
  });

  it('an import keeps IMG_5.CRW.xmp with IMG_5.CRW in the same folder, whichever comes first, and refuses a lone one', async () => {
    const { importFile } = await import('../../src/ingest/import-file.ts');
    const dir = mkdtempSync(join(work, 'import-'));
    writeCrw(join(dir, 'IMG_5.CRW'), await sharp({ create: { width: 200, height: 150, channels: 3, background: '#808080' } }).jpeg().toBuffer());
    sidecar(join(dir, 'IMG_5.CRW.xmp'));
    sidecar(join(dir, 'IMG_6.xmp'));
    // The sidecar before its photo: not stored yet, so the photo's import attaches it.
    expect(await importFile(server.deps, { path: join(dir, 'IMG_5.CRW.xmp') })).toEqual({ status: 'attached', originalFilename: 'IMG_5.CRW.xmp' });
    const photo = await importFile(server.deps, { path: join(dir, 'IMG_5.CRW') });
    expect(photo.status).toBe('created');
    expect((await kept(photo.id!))?.filename).toBe('IMG_5.CRW.xmp');
    // Imported again once the photo is stored: attached at once.
    expect(await importFile(server.deps, { path: join(dir, 'IMG_5.CRW.xmp') })).toEqual({ status: 'attached', id: photo.id, originalFilename: 'IMG_5.CRW.xmp' });
    expect(await importFile(server.deps, { path: join(dir, 'IMG_6.xmp') })).toMatchObject({
      status: 'rejected',
      httpStatus: 422,
      error: 'IMG_6.xmp was not stored: an XMP sidecar is kept with its photo; upload it together with IMG_6.…',
    });
  });
});
