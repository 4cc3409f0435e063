// Live Photos: a photo and a video with one Apple content identifier, uploaded in one
// request or two, in either order, become one item: the photo, with the video as its motion
// clip. Both files are kept byte-identical; the album, its counts, the library and the
// guest JSON show one item; the photo's tile and the JSON point at the clip; the album's
// ZIP holds both files under one base name, the clip right after its photo.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentIdFromMakerNote } from '../../src/media/content-id.ts';
import { absolute } from '../../src/storage/layout.ts';
import { backends } from '../helpers/database.ts';
import { uploadFiles } from '../helpers/api.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { pythonZip } from '../downloads/zip-readers.ts';
import { exiftool } from './fixtures.ts';
import { makeLivePair, makeMotionPhoto, type LivePair } from './live-photo-files.ts';

const work = mkdtempSync(join(tmpdir(), 'shoebox-live-'));
const pairs: Record<'together' | 'videoFirst' | 'apart' | 'apartVideoFirst', LivePair> = {} as never;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  pairs.together = await makeLivePair(work, 'IMG_0001', 20);
  pairs.videoFirst = await makeLivePair(work, 'IMG_0002', 90);
  pairs.apart = await makeLivePair(work, 'IMG_0003', 160);
  pairs.apartVideoFirst = await makeLivePair(work, 'IMG_0004', 230);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('the test photo carries its identifier where an iPhone writes it (exiftool reads it back), and the maker note parser finds it', () => {
  const [tags] = exiftool([pairs.together.photo, pairs.together.video]);
  expect(Object.entries(tags!).find(([k]) => /MediaGroupUUID|ContentIdentifier/.test(k))?.[1]).toBe(pairs.together.contentId);
  const [videoTags] = exiftool([pairs.together.video]);
  expect(Object.entries(videoTags!).find(([k]) => /ContentIdentifier/.test(k))?.[1]).toBe(pairs.together.contentId);
  expect(contentIdFromMakerNote(new Uint8Array(16))).toBeNull();
});

describe.each(backends())('Live Photos and motion photos on %s', (backend) => {
  let server: TestServer;
  let headers: Record<string, string>;
  let albumId: string;
  const ids = new Map<string, string>();
  let motionAlbumId: string;
  let motionId: string;
  let motionClip: Buffer;
  const db = () => server.database.db;

  const upload = async (paths: string[]) => {
    for (const [name, id] of await uploadFiles(server, headers, albumId, paths)) ids.set(name, id);
  };
  const photoOf = (pair: LivePair) => ids.get(basename(pair.photo))!;
  const videoOf = (pair: LivePair) => ids.get(basename(pair.video))!;

  beforeAll(async () => {
    server = await startTestServer({ backend, worker: true });
    const owner = await newUser(db(), { role: 'owner' });
    headers = { cookie: await sessionCookie(db(), owner), origin: server.url };
    const res = await server.fetch('/api/albums', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Live' }) });
    albumId = (await res.json()).album.id;
    await upload([pairs.together.photo, pairs.together.video]);
    await upload([pairs.videoFirst.video, pairs.videoFirst.photo]);
    await upload([pairs.apart.photo]);
    await upload([pairs.apart.video]);
    await upload([pairs.apartVideoFirst.video]);
    await server.idle();
    await upload([pairs.apartVideoFirst.photo]);
    // A motion photo (a JPEG with its clip inside), in an album of its own.
    const motion = await makeMotionPhoto(work, `PXL_motion_${backend}`);
    motionClip = motion.clip;
    const res2 = await server.fetch('/api/albums', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Motion' }) });
    motionAlbumId = (await res2.json()).album.id;
    motionId = (await uploadFiles(server, headers, motionAlbumId, [motion.path])).get(basename(motion.path))!;
    await server.idle();
  }, 120_000);
  afterAll(() => server?.close());

  it('each pair is one item, the photo, with its video as the clip; both files stored byte-identical', async () => {
    const members = new Set((await db().selectFrom('album_assets').select('asset_id').where('album_id', '=', albumId).execute()).map((r) => r.asset_id));
    for (const [how, pair] of Object.entries(pairs)) {
      const photo = await db().selectFrom('assets').selectAll().where('id', '=', photoOf(pair)).executeTakeFirstOrThrow();
      const video = await db().selectFrom('assets').selectAll().where('id', '=', videoOf(pair)).executeTakeFirstOrThrow();
      expect([how, photo.content_id, video.content_id, video.live_photo_id, photo.live_photo_id]).toEqual([how, pair.contentId, pair.contentId, photo.id, null]);
      expect([how, members.has(photo.id), members.has(video.id)]).toEqual([how, true, false]);
      for (const [row, source] of [[photo, pair.photo], [video, pair.video]] as const) {
        expect(sha256(readFileSync(absolute(server.deps.dataDir.root, row.storage_path)))).toBe(sha256(readFileSync(source)));
      }
    }
    const stats = await db().selectFrom('album_stats').selectAll().where('album_id', '=', albumId).executeTakeFirstOrThrow();
    expect([stats.item_count, stats.photo_count, stats.video_count]).toEqual([4, 4, 0]);
  });

  it("a clip uploaded again into another album (a duplicate) is its photo's there too, not an item of its own", async () => {
    const res = await server.fetch('/api/albums', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Again' }) });
    const other = (await res.json()).album.id;
    const form = new FormData();
    form.set('albumId', other);
    form.append('file', new Blob([new Uint8Array(readFileSync(pairs.together.video))]), 'IMG_0001.mov');
    const again = await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form });
    expect((await again.json()).assets[0].id).toBe(videoOf(pairs.together));
    const members = (await db().selectFrom('album_assets').select('asset_id').where('album_id', '=', other).execute()).map((r) => r.asset_id);
    expect(members).toEqual([photoOf(pairs.together)]);
  });

  it('the photo tile plays its clip and carries the Live mark; the library lists the photo only', async () => {
    const page = await (await server.fetch(`/albums/${albumId}`, { headers })).text();
    for (const pair of Object.values(pairs)) {
      expect(page).toContain(`data-id="${photoOf(pair)}"`);
      expect(page).not.toContain(`data-id="${videoOf(pair)}"`);
      expect(page).toContain(`data-live="/media/assets/${videoOf(pair)}/original"`);
    }
    expect(page.match(/class="badge live"/g)).toHaveLength(4);
    const library = await (await server.fetch('/library', { headers })).text();
    for (const pair of Object.values(pairs)) {
      expect(library).toContain(`data-id="${photoOf(pair)}"`);
      expect(library).not.toContain(`data-id="${videoOf(pair)}"`);
    }
  });

  it('an uploader of the album plays the clip too (it is in the album through its photo)', async () => {
    const uploader = await newUser(db(), { role: 'uploader' });
    await db().insertInto('album_uploaders').values({ album_id: albumId, user_id: uploader.id }).execute();
    const cookie = await sessionCookie(db(), uploader);
    const res = await server.fetch(`/media/assets/${videoOf(pairs.apart)}/original`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(readFileSync(pairs.apart.video)));
  });

  it('guests get the clip in the JSON and can play it; the album ZIP holds both files, the clip after its photo under its base name', async () => {
    const res = await server.fetch(`/api/albums/${albumId}/share`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ allowDownload: true }) });
    const token = (await res.json()).link.token;
    const body = await (await server.fetch(`/api/share/${token}`)).json();
    expect(body.assets).toHaveLength(4);
    for (const pair of Object.values(pairs)) {
      const item = body.assets.find((a: { id: string }) => a.id === photoOf(pair));
      expect(new URL(item.liveVideoUrl, server.url).pathname).toBe(`/media/assets/${videoOf(pair)}/original`);
      const clip = await server.fetch(item.liveVideoUrl);
      expect(clip.status).toBe(200);
      expect(sha256(new Uint8Array(await clip.arrayBuffer()))).toBe(sha256(readFileSync(pair.video)));
    }
    const zip = join(work, `album-${backend}.zip`);
    writeFileSync(zip, new Uint8Array(await (await server.fetch(`/s/${token}/download.zip`)).arrayBuffer()));
    const names = pythonZip(zip, { hash: true }).map((e) => e.name);
    expect(names).toHaveLength(8);
    for (const pair of Object.values(pairs)) {
      const photo = names.findIndex((n) => n.endsWith(`/${basename(pair.photo)}`));
      expect(photo).toBeGreaterThanOrEqual(0);
      expect(names[photo + 1]).toBe(names[photo]!.replace(/\.jpg$/, '.mov'));
    }
    execFileSync('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None', zip]);
  });

  it('plays the clip inside the JPEG: the owner gets its bytes as video/mp4, with Range', async () => {
    const page = await (await server.fetch(`/albums/${motionAlbumId}`, { headers })).text();
    expect(page).toContain(`data-live="/media/assets/${motionId}/motion"`);
    const res = await server.fetch(`/media/assets/${motionId}/motion`, { headers });
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(motionClip));
    const part = await server.fetch(`/media/assets/${motionId}/motion`, { headers: { ...headers, range: 'bytes=4-11' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe('ftypisom');
  });

  it('a "strip location" guest plays the clip without its position', async () => {
    const res = await server.fetch(`/api/albums/${motionAlbumId}/share`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ stripLocation: true, allowDownload: false }) });
    const token = (await res.json()).link.token;
    const body = await (await server.fetch(`/api/share/${token}`)).json();
    const url = body.assets.find((a: { id: string }) => a.id === motionId).liveVideoUrl;
    expect(new URL(url, server.url).pathname).toBe(`/media/assets/${motionId}/motion`);
    const served = Buffer.from(await (await server.fetch(url)).arrayBuffer());
    expect(served.length).toBe(motionClip.length);
    const file = join(work, `motion-served-${backend}.mp4`);
    writeFileSync(file, served);
    const [tags] = exiftool([file], ['-ee']);
    expect(Object.keys(tags!).filter((k) => /GPS|Location/i.test(k))).toEqual([]);
    expect(JSON.stringify(tags)).not.toMatch(/48\.85|2\.295/);
    // Still a playable MP4.
    const duration = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString());
    expect(duration).toBeGreaterThan(1.9);
  });
});
