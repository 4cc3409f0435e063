// Without ffmpeg: a video that needs a web copy is stored, gets a poster and plays where it
// can; Settings says once how many videos wait for ffmpeg. When the server starts again
// with ffmpeg, the copies that waited are made.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker, type Worker } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { findFfmpeg } from '../../src/media/video-frame.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('videos without ffmpeg', () => {
  const work = mkdtempSync(join(tmpdir(), 'shoebox-no-ffmpeg-'));
  let server: TestServer;
  let headers: Record<string, string>;
  let id: string;

  beforeAll(async () => {
    const clip = join(work, 'phone.mov');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=1', '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', clip]);
    server = await startTestServer({ backend: 'pglite', worker: true, config: { ffmpegPath: join(work, 'no-ffmpeg-here') } });
    const owner = await newUser(server.database.db, { role: 'owner' });
    headers = { cookie: await sessionCookie(server.database.db, owner), origin: server.url };
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(readFileSync(clip))]), 'phone.mov');
    id = (await (await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form })).json()).assets[0].id;
    await server.idle();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stores it with a poster, plays the original, and Settings says what is missing', async () => {
    const asset = await server.database.db.selectFrom('assets').select(['status', 'playback']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(asset).toEqual({ status: 'ready', playback: 'none' });
    const settings = await (await server.fetch('/settings', { headers })).text();
    expect(settings).toContain('ffmpeg is not installed');
    expect(settings).toContain('1 video will not play for some guests');
    const library = await (await server.fetch('/library', { headers })).text();
    expect(library).toContain(`data-video="/media/assets/${id}/original"`);
  });

  it('once the server runs with ffmpeg, the copy is made and the notice is gone', async () => {
    await (server.deps.worker as Worker).stop();
    const worker = createWorker({ db: server.database.db, dataRoot: server.deps.dataDir.root, log: silentLogger, concurrency: 2, ffmpegPath: await findFfmpeg(), soleProcess: true });
    server.deps.worker = worker;
    await worker.start();
    await worker.idle();
    const asset = await server.database.db.selectFrom('assets').select('playback').where('id', '=', id).executeTakeFirstOrThrow();
    expect(asset.playback).toBe('copy');
    expect(await (await server.fetch('/settings', { headers })).text()).not.toContain('ffmpeg is not installed');
  });
});
