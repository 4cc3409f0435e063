// Web-playable video copies end to end: clips made by ffmpeg (HEVC 10-bit HLG turned 90°,
// H.264 MP4, MJPEG AVI, MPEG-2 TS, H.263 3GP, VP9 WebM) uploaded to a server with its
// worker. A copy exists exactly for those that need one, is what every browser plays, and is
// served to the owner and to guests (downloads off too; "strip location" links get a copy
// without a position). A restart in the middle of a transcode makes it again; a cancel
// from Settings stops ffmpeg; a transcode that fails does not hold up the next.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker, type Worker } from '../../src/jobs/worker.ts';
import { findFfmpeg } from '../../src/media/video-frame.ts';
import { silentLogger } from '../../src/log.ts';
import { queueJob } from '../../src/queries/jobs.ts';
import { absolute, videoCopyRelPath } from '../../src/storage/layout.ts';
import { repairStorage, scanStorage } from '../../src/storage/fsck.ts';
import { purgeAssets } from '../../src/jobs/purge-trash.ts';
import { trashAssets } from '../../src/queries/trash.ts';
import { uploadFiles } from '../helpers/api.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { exiftool } from './fixtures.ts';
import { CLIPS, ffprobe, makeClips, topLevelBoxes } from './video-clips.ts';

const work = mkdtempSync(join(tmpdir(), 'shoebox-clips-'));
let clipPaths: string[] = [];
let longClip = '';
let placedClip = '';

beforeAll(async () => {
  clipPaths = await makeClips(work);
  // Long enough (12 s of 1280x720 HEVC) that a transcode is caught while it runs.
  longClip = join(work, 'long-hevc.mov');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=25:d=12', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', longClip]);
  // A phone clip with its position in the QuickTime user data (©xyz).
  placedClip = join(work, 'placed-hevc.mov');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=1', '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-metadata', 'location=+48.8570+002.2950/', placedClip]);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

// On the embedded database only: transcoding is what takes the time here, and the queue's
// SQL (claim, lease, cancel, give back) is the same on both; test/ingest/worker.test.ts runs
// the queue on both, and the Live Photo tests pair on both.
describe.each(['pglite'] as const)('video copies on %s', (backend) => {
  let server: TestServer;
  let headers: Record<string, string>;
  let albumId: string;
  const ids = new Map<string, string>();
  const db = () => server.database.db;
  const root = () => server.deps.dataDir.root;
  const json = (path: string, body: unknown) =>
    server.fetch(path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const upload = async (paths: string[]) => {
    for (const [name, id] of await uploadFiles(server, headers, albumId, paths)) ids.set(name, id);
  };
  const asset = (name: string) => db().selectFrom('assets').selectAll().where('id', '=', ids.get(name)!).executeTakeFirstOrThrow();
  const job = (name: string) => db().selectFrom('jobs').selectAll().where('asset_id', '=', ids.get(name)!).where('kind', '=', 'transcode').executeTakeFirst();
  const share = async (body: object) => (await (await json(`/api/albums/${albumId}/share`, body)).json()).link.token as string;
  const newWorker = async () =>
    createWorker({ db: db(), dataRoot: root(), log: silentLogger, concurrency: 2, videoMaxEdge: 1080, ffmpegPath: await findFfmpeg(), soleProcess: backend === 'pglite', backoffMs: () => 10 });
  /** Waits until the long clip's transcode runs and has reported progress. */
  const transcodeUnderWay = async (name: string) => {
    for (let i = 0; i < 300; i++) {
      const j = await job(name);
      if (j?.status === 'running' && (j.progress ?? 0) > 0) return j;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the transcode never got under way');
  };
  /** ffmpeg's temp files of a copy still on disk. */
  const tempFiles = (hash: string) => readdirSync(join(root(), 'videos'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp') && f.includes(hash));

  beforeAll(async () => {
    server = await startTestServer({ backend, worker: true });
    const owner = await newUser(db(), { role: 'owner' });
    headers = { cookie: await sessionCookie(db(), owner), origin: server.url };
    albumId = (await (await json('/api/albums', { title: 'Clips' })).json()).album.id;
    await upload([...clipPaths, placedClip]);
    await server.idle();
  }, 120_000);
  afterAll(() => server?.close());

  it('a copy exists exactly for the videos that need one', async () => {
    for (const clip of CLIPS) {
      const a = await asset(clip.name);
      expect([clip.name, a.status, a.playback]).toEqual([clip.name, 'ready', clip.playsAsIs ? 'original' : 'copy']);
      expect([clip.name, existsSync(absolute(root(), videoCopyRelPath(a.file_hash)))]).toEqual([clip.name, !clip.playsAsIs]);
    }
  });

  it('each copy is H.264 High avc1 4:2:0 with AAC, upright, as long as the original, SDR, moov first, nothing else carried over', async () => {
    for (const clip of CLIPS.filter((c) => !c.playsAsIs)) {
      const a = await asset(clip.name);
      const path = absolute(root(), videoCopyRelPath(a.file_hash));
      const probe = await ffprobe(path);
      const video = probe.streams.filter((s) => s.codec_type === 'video');
      const audio = probe.streams.filter((s) => s.codec_type === 'audio');
      expect(probe.streams).toHaveLength(2); // first video and audio only: no data streams
      expect([clip.name, video[0]!.codec_name, video[0]!.codec_tag_string, video[0]!.profile, video[0]!.pix_fmt]).toEqual([clip.name, 'h264', 'avc1', 'High', 'yuv420p']);
      expect([clip.name, audio[0]!.codec_name, audio[0]!.codec_tag_string]).toEqual([clip.name, 'aac', 'mp4a']);
      expect([clip.name, video[0]!.width, video[0]!.height]).toEqual([clip.name, clip.width, clip.height]);
      expect(video[0]!.side_data_list ?? []).toEqual([]); // no display matrix: the pixels are turned
      const original = await ffprobe(clipPaths[CLIPS.indexOf(clip)]!);
      expect(Math.abs(Number(probe.format.duration) - Number(original.format.duration))).toBeLessThan(0.1);
      if (clip.hdr) expect(video[0]!.color_transfer).toBe('bt709');
      const boxes = topLevelBoxes(readFileSync(path));
      expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
      expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    }
  });

  it('the owner plays the copy with Range; a video without a copy has none to ask for', async () => {
    const hevc = ids.get('hevc-hlg-rotated.mov')!;
    const res = await server.fetch(`/media/assets/${hevc}/video`, { headers: { ...headers, range: 'bytes=0-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect((await res.arrayBuffer()).byteLength).toBe(100);
    expect((await server.fetch(`/media/assets/${ids.get('h264.mp4')}/video`, { headers })).status).toBe(404);
    // The album page's tiles point the player at the copy, or at the original.
    const page = await (await server.fetch(`/albums/${albumId}`, { headers })).text();
    expect(page).toContain(`data-video="/media/assets/${hevc}/video"`);
    expect(page).toContain(`data-video="/media/assets/${ids.get('h264.mp4')}/original"`);
  });

  it('guests get a signed videoUrl for every video, downloads off too; "strip location" links get copies without a position', async () => {
    for (const permissions of [{ allowDownload: false }, { allowDownload: true, stripLocation: true }]) {
      const token = await share(permissions);
      const body = await (await server.fetch(`/api/share/${token}`)).json();
      const videos = (body.assets as { id: string; videoUrl: string | null; playback: string; originalUrl?: string }[]).filter((a) => a.videoUrl !== undefined);
      expect(videos).toHaveLength(CLIPS.length + 1);
      for (const v of videos) {
        const name = [...ids].find(([, id]) => id === v.id)![0];
        const clip = CLIPS.find((c) => c.name === name);
        expect([name, new URL(v.videoUrl!, server.url).pathname]).toEqual([name, `/media/assets/${v.id}/${clip?.playsAsIs ? 'original' : 'video'}`]);
        const res = await server.fetch(v.videoUrl!);
        expect([name, res.status]).toEqual([name, 200]);
        if (!clip?.playsAsIs) expect(res.headers.get('content-type')).toBe('video/mp4');
        await res.arrayBuffer();
      }
      if (permissions.stripLocation) {
        const placed = videos.find((v) => v.id === ids.get('placed-hevc.mov'))!;
        const file = join(work, `served-${backend}.mp4`);
        execFileSync('sh', ['-c', `cat > "${file}"`], { input: Buffer.from(await (await server.fetch(placed.videoUrl!)).arrayBuffer()) });
        const [tags] = exiftool([file], ['-ee']);
        expect(Object.keys(tags!).filter((k) => /GPS|Location/i.test(k))).toEqual([]);
        expect(JSON.stringify(tags)).not.toMatch(/48\.85|2\.295/);
      }
    }
  });

  it('a transcode stopped by a restart starts again after it and finishes; Settings lists it while it runs', async () => {
    await upload([longClip]);
    const running = await transcodeUnderWay('long-hevc.mov');
    const settings = await (await server.fetch('/settings', { headers })).text();
    expect(settings).toMatch(/long-hevc\.mov<\/strong><span class="muted"> · Video for the web · \d+ %/);
    expect(settings).toContain(`/settings/transcodes/${ids.get('long-hevc.mov')}/cancel`);

    await (server.deps.worker as Worker).stop();
    const stopped = await job('long-hevc.mov');
    expect([stopped!.status, stopped!.attempts]).toEqual(['queued', running.attempts - 1]);
    const a = await asset('long-hevc.mov');
    expect(a.playback).toBe('preparing');
    expect(existsSync(absolute(root(), videoCopyRelPath(a.file_hash)))).toBe(false);
    expect(tempFiles(a.file_hash)).toEqual([]);

    const after = await newWorker();
    server.deps.worker = after;
    await after.start();
    await after.idle();
    expect((await asset('long-hevc.mov')).playback).toBe('copy');
    expect((await job('long-hevc.mov'))!.status).toBe('done');
    const probe = await ffprobe(absolute(root(), videoCopyRelPath(a.file_hash)));
    expect(Math.abs(Number(probe.format.duration) - 12)).toBeLessThan(0.1);
  }, 120_000);

  it('the owner cancels a transcode from Settings: ffmpeg stops, nothing is left, the original plays where it can', async () => {
    const a = await asset('long-hevc.mov');
    rmSync(absolute(root(), videoCopyRelPath(a.file_hash)));
    await db().updateTable('assets').set({ playback: 'preparing' }).where('id', '=', a.id).execute();
    await queueJob(db(), 'transcode', a.id);
    (server.deps.worker as Worker).wake();
    await transcodeUnderWay('long-hevc.mov');
    const res = await server.fetch(`/settings/transcodes/${a.id}/cancel`, { method: 'POST', headers, redirect: 'manual' });
    expect(res.status).toBe(303);
    await (server.deps.worker as Worker).idle();
    expect((await job('long-hevc.mov'))!.status).toBe('cancelled');
    expect((await asset('long-hevc.mov')).playback).toBe('none');
    expect(existsSync(absolute(root(), videoCopyRelPath(a.file_hash)))).toBe(false);
    expect(tempFiles(a.file_hash)).toEqual([]);
    expect((await server.fetch(`/settings/transcodes/${a.id}/cancel`, { method: 'POST', headers })).status).toBe(409);
    expect(await (await server.fetch('/settings', { headers })).text()).toContain('Nothing waiting');
  }, 120_000);

  it('a corrupt video gets a failed badge with the reason; a transcode that fails is recorded after its tries; neither holds up the next', async () => {
    // Cut off where a dropped upload would leave it: no moov, no frames.
    const cut = join(work, `cut-${backend}.mov`);
    writeFileSync(cut, readFileSync(longClip).subarray(0, 20_000));
    await upload([cut]);
    const [broken, next] = [await asset('mjpeg.avi'), await asset('mpeg2.ts')];
    for (const a of [broken, next]) {
      rmSync(absolute(root(), videoCopyRelPath(a.file_hash)));
      await db().updateTable('assets').set({ playback: 'preparing' }).where('id', '=', a.id).execute();
    }
    rmSync(absolute(root(), broken.storage_path)); // ffmpeg cannot read it now
    await queueJob(db(), 'transcode', broken.id);
    await queueJob(db(), 'transcode', next.id);
    const w = server.deps.worker as Worker;
    w.wake();
    await w.idle();
    // Retries come after a backoff: wait for the last one.
    for (let i = 0; i < 100 && (await job('mjpeg.avi'))!.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await w.idle();
    }
    const corrupt = await asset(basename(cut));
    expect([corrupt.status, corrupt.processing_error]).toEqual(['failed', 'This video is damaged: no picture could be read from it. The original is kept as uploaded.']);
    const page = await (await server.fetch(`/albums/${albumId}`, { headers })).text();
    expect(page).toMatch(new RegExp(`data-id="${corrupt.id}"[^>]*data-status="failed"`));
    expect(page).toContain('title="This video is damaged: no picture could be read from it.');
    const failed = await job('mjpeg.avi');
    expect([failed!.status, failed!.attempts]).toEqual(['failed', 3]);
    expect(failed!.error).toMatch(/ffmpeg/);
    expect((await asset('mjpeg.avi')).playback).toBe('none');
    expect((await job('mpeg2.ts'))!.status).toBe('done');
    expect((await asset('mpeg2.ts')).playback).toBe('copy');
  }, 60_000);

  it('fsck knows videos/: a missing copy is reported and made again by --repair, a copy of no asset is an orphan', async () => {
    const a = await asset('vp9.webm');
    const copy = absolute(root(), videoCopyRelPath(a.file_hash));
    rmSync(copy);
    const stranger = absolute(root(), videoCopyRelPath('f'.repeat(64)));
    mkdirSync(dirname(stranger), { recursive: true });
    writeFileSync(stranger, 'not a video of ours');
    const report = await scanStorage(server.deps, { tempMinAgeMs: 60_000 });
    expect(report.missingDerived).toEqual([{ id: a.id, filename: 'vp9.webm', missing: [videoCopyRelPath(a.file_hash)] }]);
    expect(report.orphanDerived).toEqual([{ rel: videoCopyRelPath('f'.repeat(64)) }]);
    await repairStorage(server.deps, report);
    const w = server.deps.worker as Worker;
    w.wake();
    await w.idle();
    expect(existsSync(copy)).toBe(true);
    expect(existsSync(stranger)).toBe(false);
    expect((await asset('vp9.webm')).playback).toBe('copy');
  });

  it("emptying the trash removes a video's web copy with its original", async () => {
    const a = await asset('h263.3gp');
    const copy = absolute(root(), videoCopyRelPath(a.file_hash));
    expect(existsSync(copy)).toBe(true);
    await trashAssets(db(), [a.id]);
    expect(await purgeAssets({ db: db(), dataRoot: root() }, { ids: [a.id] })).toBe(1);
    expect(existsSync(copy)).toBe(false);
    expect(existsSync(absolute(root(), a.storage_path))).toBe(false);
  });
});
