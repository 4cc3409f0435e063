// "Strip location" end to end: every fixture exiftool finds a location in (JPEG EXIF and
// XMP, PNG, HEIC, RAW, phone videos), plus phone-like MOV/MP4 clips made with ffmpeg
// (©xyz and the com.apple.quicktime.location.ISO6709 key) and clips with a timed GPS track
// (GoPro gpmd, Google camm, Apple mebx: timed-metadata-clips.ts), uploaded and shared with
// stripLocation on. Every byte the link serves (originals whole and in ranges, previews,
// thumbnails, the JSON) goes through exiftool (with -ee for videos, which reads the samples
// of timed metadata tracks): no tag whose name says GPS or Location.
// Each served original has the stored size and the stored bytes outside its patches,
// and the file on disk is untouched.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Patch } from '../../src/media/location-patches.ts';
import { absolute } from '../../src/storage/layout.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { crc32 } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { cammTrack, gpmdTrack, mebxTrack, withTimedTrack } from './timed-metadata-clips.ts';
import { bsdtarTest, pythonZip, unzipTest } from '../downloads/zip-readers.ts';
import { exiftool, FIXTURES_DIR, HAS_EXIFTOOL, HAS_FFMPEG, HAS_FIXTURES, readManifest, type ExifTags } from '../media/fixtures.ts';

const LOCATION_TAG = /GPS|Location/i;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const VIDEO = /\.(mp4|mov|m4v|3gp)$/i;
const locationTags = (tags: ExifTags) => Object.keys(tags).filter((k) => k !== 'SourceFile' && LOCATION_TAG.test(k.slice(k.lastIndexOf(':') + 1)));

/** Every key, at any depth, that names a place (file names may say "gps": values are not checked here). */
function keysNamingPlaces(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keysNamingPlaces(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/gps|latitude|longitude|location/i.test(k)) out.push(k);
      keysNamingPlaces(v, out);
    }
  }
  return out;
}
// Coordinates of fixtures (Furnace Creek, Frankfurt airport) and of the clips made here (Paris).
const COORDINATES = /36\.448|-116\.85|50\.047|8\.572|48\.857|2\.295/;

/** Bytes a patch may change. */
function patchedMask(size: number, patches: Patch[]): Uint8Array {
  const mask = new Uint8Array(size);
  for (const p of patches) mask.fill(1, p.offset, p.offset + ('data' in p ? Buffer.from(p.data, 'base64').length : p.length));
  return mask;
}

describe.skipIf(!HAS_FIXTURES || !HAS_EXIFTOOL)('strip location through a share link', () => {
  const work = mkdtempSync(join(tmpdir(), 'shoebox-strip-'));
  let server: TestServer;
  let token: string;
  let keepToken: string;
  let uploaded: { id: string; source: string }[] = [];

  function phoneClips(): string[] {
    if (!HAS_FFMPEG) return [];
    const clip = (name: string, args: string[]) => {
      const out = join(work, name);
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...args, out]);
      return out;
    };
    const timed = (name: string, track: ReturnType<typeof gpmdTrack>) => {
      const out = join(work, name);
      writeFileSync(out, withTimedTrack(readFileSync(clip(`base-${name}`, [])), track));
      return out;
    };
    const gopro = timed('gopro-gpmd.mp4', gpmdTrack());
    // The same track in movie fragments (moof/traf/trun), which exiftool -ee does not read:
    // checked below by the GPMF key of the GPS stream.
    const fragmented = join(work, 'gopro-fragmented.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', gopro, '-map', '0', '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov', fragmented]);
    return [
      gopro,
      fragmented,
      timed('street-view-camm.mp4', cammTrack()),
      timed('apple-mebx.mov', mebxTrack()),
      clip('phone-xyz.mp4', ['-metadata', 'location=+48.8577+002.2950/', '-metadata', 'make=Shoebox', '-metadata', 'model=Phone 1']),
      clip('iphone-like.mov', [
        '-movflags', 'use_metadata_tags',
        '-metadata', 'com.apple.quicktime.location.ISO6709=+48.8577+002.2950+035.000/',
        '-metadata', 'com.apple.quicktime.make=Apple',
        '-metadata', 'location=+48.8577+002.2950/',
      ]),
    ];
  }

  // The tests run exiftool synchronously (seconds, this process's event loop blocked, the
  // server's too): keep-alive timers that came due meanwhile fire here, so a test's first
  // request (a POST, which fetchOnce does not ask again) never lands on a socket being closed.
  beforeEach(() => new Promise((r) => setTimeout(r, 20)));
  beforeAll(async () => {
    const manifest = readManifest().filter((e) => e.bytes > 17);
    const tags = exiftool(manifest.map((e) => FIXTURES_DIR + e.path));
    const sources = [...manifest.filter((_, i) => tags[i] && locationTags(tags[i]!).length > 0).map((e) => FIXTURES_DIR + e.path), ...phoneClips()];
    expect(sources.length).toBeGreaterThan(10);

    server = await startTestServer({ backend: 'pglite', worker: true });
    const owner = await newUser(server.database.db, { role: 'owner' });
    const cookie = await sessionCookie(server.database.db, owner);
    const headers = { cookie, origin: server.url };
    const album = (await (await server.fetch('/api/albums', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Places' }) })).json()).album;
    for (const source of sources) {
      const form = new FormData();
      form.set('albumId', album.id);
      form.append('file', new Blob([new Uint8Array(readFileSync(source))]), basename(source));
      const res = await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form });
      const [entry] = (await res.json()).assets;
      if (entry.status !== 'rejected') uploaded.push({ id: entry.id, source });
    }
    uploaded = uploaded.filter((u, i) => uploaded.findIndex((x) => x.id === u.id) === i); // exact duplicates are one asset
    await server.idle();
    const share = async (body: object) =>
      (await (await server.fetch(`/api/albums/${album.id}/share`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()).link.token as string;
    token = await share({ showMetadata: true });
    keepToken = await share({ stripLocation: false });
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves no location in any original, preview, thumbnail or JSON; originals keep their size and other bytes', async () => {
    const body = await (await server.fetch(`/api/share/${token}`)).json();
    expect(keysNamingPlaces(body)).toEqual([]);
    expect(JSON.stringify(body)).not.toMatch(COORDINATES);
    const assets = body.assets as { id: string; thumbUrl: string | null; previewUrl: string | null; originalUrl: string }[];
    expect(assets).toHaveLength(uploaded.length);

    const files: { path: string; what: string }[] = [];
    for (const a of assets) {
      const info = await (await server.fetch(`/api/share/${token}/assets/${a.id}`)).json();
      expect(keysNamingPlaces(info), a.id).toEqual([]);
      expect(JSON.stringify(info), a.id).not.toMatch(COORDINATES);
      const row = await server.database.db.selectFrom('assets').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
      const stored = readFileSync(absolute(server.deps.dataDir.root, row.storage_path));
      const res = await server.fetch(a.originalUrl);
      expect(res.status, row.original_filename).toBe(200);
      const served = Buffer.from(await res.arrayBuffer());
      expect(served.length, row.original_filename).toBe(stored.length);
      expect(Number(res.headers.get('content-length'))).toBe(stored.length);
      const mask = patchedMask(stored.length, (row.location_patches ?? []) as Patch[]);
      for (let i = 0; i < stored.length; i++) {
        if (!mask[i] && served[i] !== stored[i]) throw new Error(`${row.original_filename}: byte ${i} changed outside the patches`);
      }
      // A range in the middle is the same bytes as that part of the whole.
      const from = Math.floor(stored.length / 3);
      const to = Math.min(stored.length - 1, from + 100_000);
      const part = await server.fetch(a.originalUrl, { headers: { range: `bytes=${from}-${to}` } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(served.subarray(from, to + 1)), row.original_filename).toBe(true);
      const ext = row.original_filename.slice(row.original_filename.lastIndexOf('.'));
      const path = join(work, `served-${a.id}${ext}`);
      writeFileSync(path, served);
      files.push({ path, what: `original ${row.original_filename}` });
      for (const [kind, url] of [['thumb', a.thumbUrl], ['preview', a.previewUrl]] as const) {
        if (!url) continue;
        const derived = await server.fetch(url);
        expect(derived.status).toBe(200);
        const dpath = join(work, `served-${a.id}-${kind}.webp`);
        writeFileSync(dpath, Buffer.from(await derived.arrayBuffer()));
        files.push({ path: dpath, what: `${kind} of ${row.original_filename}` });
      }
    }
    const leaks = exiftool(files.map((f) => f.path)).flatMap((tags, i) => locationTags(tags).map((t) => `${files[i]!.what}: ${t}`));
    expect(leaks).toEqual([]);
    // Videos again with ExtractEmbedded: the samples of timed metadata tracks (GPS tracks).
    const videos = files.filter((f) => VIDEO.test(f.path));
    expect(videos.length).toBeGreaterThanOrEqual(3);
    const trackLeaks = exiftool(videos.map((f) => f.path), ['-ee']).flatMap((tags, i) => locationTags(tags).map((t) => `${videos[i]!.what} (-ee): ${t}`));
    expect(trackLeaks).toEqual([]);
    const gpmf = videos.filter((f) => /gopro/.test(f.what));
    expect(gpmf).toHaveLength(2);
    for (const f of gpmf) {
      const bytes = readFileSync(f.path);
      expect(bytes.includes('GPS5'), f.what).toBe(false);
      expect(bytes.includes('ACCL'), `${f.what} keeps its accelerometer stream`).toBe(true);
    }
    // The stored originals are untouched.
    for (const u of uploaded) {
      const row = await server.database.db.selectFrom('assets').select(['storage_path', 'file_hash']).where('id', '=', u.id).executeTakeFirstOrThrow();
      const { createHash } = await import('node:crypto');
      expect(createHash('sha256').update(readFileSync(absolute(server.deps.dataDir.root, row.storage_path))).digest('hex')).toBe(row.file_hash);
    }
  }, 300_000);

  it("the album's ZIP holds the same blanked bytes: unzip, zipfile and bsdtar accept it, exiftool finds no location", async () => {
    const body = await (await server.fetch(`/api/share/${token}`)).json();
    const served = new Map<string, string>();
    for (const a of body.assets as { originalUrl: string }[]) {
      served.set(sha256(Buffer.from(await (await server.fetch(a.originalUrl)).arrayBuffer())), a.originalUrl);
    }
    const res = await server.fetch(`/s/${token}/download.zip`);
    expect(res.status).toBe(200);
    const zip = join(work, 'album.zip');
    writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
    unzipTest(zip);
    expect(bsdtarTest(zip)).toHaveLength(uploaded.length);
    const entries = pythonZip(zip, { hash: true }); // each entry's CRC-32 is the blanked bytes'
    expect(entries.map((e) => e.sha256).sort()).toEqual([...served.keys()].sort());
    const out = join(work, 'unzipped');
    execFileSync('unzip', ['-q', '-o', zip, '-d', out]);
    const paths = entries.map((e) => join(out, e.name));
    const leaks = exiftool(paths).flatMap((tags, i) => locationTags(tags).map((t) => `${entries[i]!.name}: ${t}`));
    expect(leaks).toEqual([]);
    const videos = paths.filter((p) => VIDEO.test(p));
    expect(videos.length).toBeGreaterThanOrEqual(3);
    const trackLeaks = exiftool(videos, ['-ee']).flatMap((tags, i) => locationTags(tags).map((t) => `${videos[i]} (-ee): ${t}`));
    expect(trackLeaks).toEqual([]);
  }, 120_000);

  it('fails closed: a file whose position no patch reaches is never sent to a guest of such a link, only its preview', async () => {
    // A PNG with a chunk of a private type holding a position as text.
    const png = readFileSync(`${FIXTURES_DIR}png/IMG_20180725_163423-1.png`);
    const data = Buffer.from('taken at +48.8577+002.2950/');
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    chunk.write('prVt', 4, 'latin1');
    data.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
    const owner = await server.database.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    const cookie = await sessionCookie(server.database.db, owner);
    const headers = { cookie, origin: server.url };
    const album = (await (await server.fetch('/api/albums', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Leaky' }) })).json()).album;
    const form = new FormData();
    form.set('albumId', album.id);
    form.append('file', new Blob([new Uint8Array(Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]))]), 'leaky.png');
    const id = (await (await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form })).json()).assets[0].id;
    await server.idle();
    const owned = await (await server.fetch(`/api/assets/${id}`, { headers })).json();
    expect(owned.asset.locationCheck).toMatch(/position written as text/); // the owner sees why
    const link = (await (await server.fetch(`/api/albums/${album.id}/share`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({}) })).json()).link;
    const body = await (await server.fetch(`/api/share/${link.token}`)).json();
    expect(body.assets[0].originalUrl).toBeUndefined();
    expect((await server.fetch(body.assets[0].previewUrl)).status).toBe(200);
    const signedOriginal = body.assets[0].previewUrl.replace('/preview?', '/original?');
    const refused = await server.fetch(signedOriginal);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('48.8577');
    expect((await server.fetch(`/s/${link.token}/download.zip`)).status).toBe(404); // nothing left to put in it
  });

  it('a link that keeps location serves the stored bytes as they are', async () => {
    const body = await (await server.fetch(`/api/share/${keepToken}`)).json();
    const withGps = uploaded.find((u) => u.source.endsWith('FurnaceCreekInn.jpg'))!;
    const a = (body.assets as { id: string; originalUrl: string }[]).find((x) => x.id === withGps.id)!;
    const served = Buffer.from(await (await server.fetch(a.originalUrl)).arrayBuffer());
    expect(served.equals(readFileSync(withGps.source))).toBe(true);
  });
});
