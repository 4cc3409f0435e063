// Videos in a guest's lightbox in Chromium at phone size: every kind of clip a phone or
// camera writes (HEVC 10-bit HLG, H.264 MP4, MJPEG AVI, MPEG-2 TS, H.263 3GP, VP9 WebM)
// plays (canplay fires, the time moves), from its web copy where it has one. A video whose
// copy is not ready yet, which this browser cannot play as uploaded, says so in words with
// a download button: never a black box. A Live Photo plays its clip while held (phone, by
// touch) and from its Live button (desktop).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchBrowser, PHONE } from '../helpers/browser.ts';
import { uploadFiles } from '../helpers/api.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { CLIPS, makeClips } from '../media/video-clips.ts';
import { makeLivePair, makeMotionPhoto } from '../media/live-photo-files.ts';
import { execFileSync } from 'node:child_process';

const OUT = join(repoRoot, 'test-output', 'video');
const CURRENT = '.pswp__item[aria-hidden="false"]';

if (!hasChromium()) console.warn(`[video-browser] skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium())('videos, Live Photos and motion photos in the guest lightbox in Chromium', () => {
  const work = mkdtempSync(join(tmpdir(), 'shoebox-video-browser-'));
  let server: TestServer;
  let browser: Browser;
  let token: string;
  let liveToken: string;
  let photoId: string;
  let motionId: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const paths = await makeClips(work);
    // HEVC whose copy is "not ready": Chromium here plays no HEVC.
    const waiting = join(work, 'waiting-hevc.mov');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=2', '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', waiting]);
    server = await startTestServer({ backend: 'pglite', worker: true });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    const headers = { cookie: await sessionCookie(db, owner), origin: server.url };
    const albumId = (await newAlbum(db, owner.id, { title: 'Clips' })).id;
    const form = new FormData();
    form.set('albumId', albumId);
    for (const p of [...paths, waiting]) form.append('file', new Blob([new Uint8Array(readFileSync(p))]), basename(p));
    const { assets } = await (await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form })).json();
    [...paths, waiting].forEach((p, i) => ids.set(basename(p), assets[i].id));
    await server.idle();
    await db.updateTable('assets').set({ playback: 'preparing' }).where('id', '=', ids.get('waiting-hevc.mov')!).execute();
    const res = await server.fetch(`/api/albums/${albumId}/share`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ allowDownload: true }),
    });
    token = (await res.json()).link.token;

    // A Live Photo (uploaded apart, video first: the harder order) and a motion photo, in an album of their own.
    const pair = await makeLivePair(work, 'IMG_0042', 60);
    const motion = await makeMotionPhoto(work, 'PXL_0043');
    const liveAlbumId = (await newAlbum(db, owner.id, { title: 'Live' })).id;
    await uploadFiles(server, headers, liveAlbumId, [pair.video]);
    photoId = (await uploadFiles(server, headers, liveAlbumId, [pair.photo])).get(basename(pair.photo))!;
    motionId = (await uploadFiles(server, headers, liveAlbumId, [motion.path])).get(basename(motion.path))!;
    await server.idle();
    const liveShare = await server.fetch(`/api/albums/${liveAlbumId}/share`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({}) });
    liveToken = (await liveShare.json()).link.token;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function openAt(id: string): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 3, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${server.url}/s/${token}#photo=${id}`, { waitUntil: 'load' });
    await page.waitForSelector('.pswp--open.pswp--ui-visible');
    return { page, problems, close: () => context.close() };
  }

  for (const clip of CLIPS) {
    it(`plays ${clip.name}${clip.playsAsIs ? ' as uploaded' : ' from its web copy'}`, async () => {
      const id = ids.get(clip.name)!;
      const { page, problems, close } = await openAt(id);
      try {
        await page.waitForSelector(`${CURRENT} video`);
        const src = await page.$eval(`${CURRENT} video`, (v) => (v as HTMLVideoElement).src);
        expect(new URL(src).pathname).toBe(`/media/assets/${id}/${clip.playsAsIs ? 'original' : 'video'}`);
        await page.evaluate(
          (sel) =>
            new Promise<void>((resolve, reject) => {
              const v = document.querySelector<HTMLVideoElement>(`${sel} video`)!;
              if (v.readyState >= 3) return resolve();
              v.addEventListener('canplay', () => resolve(), { once: true });
              v.addEventListener('error', () => reject(new Error(`video error ${v.error?.code}: ${v.error?.message}`)), { once: true });
              v.preload = 'auto';
              v.load();
            }),
          CURRENT,
        );
        await page.evaluate(async (sel) => {
          const v = document.querySelector<HTMLVideoElement>(`${sel} video`)!;
          v.muted = true;
          await v.play();
        }, CURRENT);
        await page.waitForFunction((sel) => document.querySelector<HTMLVideoElement>(`${sel} video`)!.currentTime > 0.2, CURRENT, { timeout: 10_000 });
        if (clip.name.startsWith('hevc')) await page.screenshot({ path: join(OUT, 'hevc-copy-phone.png') });
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    });
  }

  it('a video whose copy is not ready, which this browser cannot play, says so with a download button', async () => {
    const id = ids.get('waiting-hevc.mov')!;
    const { page, problems, close } = await openAt(id);
    try {
      // The tile says the copy is on its way.
      expect(await page.$eval(`.tile[data-id="${id}"] .badge.preparing`, (b) => b.textContent)).toMatch(/^Preparing video/);
      const note = await page.waitForSelector(`${CURRENT} .lb-video-problem`, { timeout: 15_000 });
      expect(await note.innerText()).toMatch(/being prepared to play here[\s\S]*few minutes/);
      const href = await page.$eval(`${CURRENT} .lb-video-problem a.lb-video-download`, (a) => (a as HTMLAnchorElement).href);
      expect(new URL(href).pathname).toBe(`/media/assets/${id}/original`);
      const res = await page.request.get(href);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-disposition']).toMatch(/waiting-hevc\.mov/);
      expect(await page.$$(`${CURRENT} video`)).toHaveLength(0);
      await page.screenshot({ path: join(OUT, 'not-ready-phone.png') });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  const clipTime = (page: Page) => page.evaluate(() => document.querySelector<HTMLVideoElement>('.pswp .lb-live-clip')?.currentTime ?? null);

  it('plays the clip over the photo, muted, while a finger holds it (phone), and stops on release', async () => {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 3, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    try {
      await page.goto(`${server.url}/s/${liveToken}`, { waitUntil: 'load' });
      expect(await page.$eval(`.tile[data-id="${photoId}"] .badge.live`, (b) => b.textContent)).toBe('Live');
      await page.goto(`${server.url}/s/${liveToken}#photo=${photoId}`, { waitUntil: 'load' });
      await page.waitForSelector('.pswp--open.pswp--ui-visible');
      await page.waitForSelector(`${CURRENT} img.pswp__img:not(.pswp__img--placeholder)`);
      await page.waitForTimeout(400);
      const box = (await page.locator(`${CURRENT} img.pswp__img:not(.pswp__img--placeholder)`).boundingBox())!;
      const cdp = await context.newCDPSession(page);
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: box.x + box.width / 2, y: box.y + box.height / 2 }] });
      await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('.pswp .lb-live-clip')?.currentTime ?? 0) > 0.2, null, { timeout: 10_000 });
      expect(await page.$eval('.pswp .lb-live-clip', (v) => (v as HTMLVideoElement).muted)).toBe(true);
      await page.screenshot({ path: join(OUT, 'live-held-phone.png') });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await page.waitForFunction(() => !document.querySelector('.pswp .lb-live-clip'));
      expect(await clipTime(page)).toBeNull();
      // The release after a hold was no tap: the controls are still there.
      expect(await page.$('.pswp--ui-visible')).not.toBeNull();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('plays the clip from the Live button (desktop), a motion photo\'s too', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/s/${liveToken}#photo=${photoId}`, { waitUntil: 'load' });
      await page.waitForSelector('.pswp--open.pswp--ui-visible');
      await page.click('.pswp__button--live');
      await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('.pswp .lb-live-clip')?.currentTime ?? 0) > 0.2, null, { timeout: 10_000 });
      await page.screenshot({ path: join(OUT, 'live-desktop.png') });
      // Once through, then the photo again.
      await page.waitForFunction(() => !document.querySelector('.pswp .lb-live-clip'), null, { timeout: 10_000 });
      // A motion photo plays the clip from inside its JPEG the same way.
      await page.goto(`${server.url}/s/${liveToken}#photo=${motionId}`, { waitUntil: 'load' });
      await page.waitForSelector('.pswp--open.pswp--ui-visible');
      await page.click('.pswp__button--live');
      await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('.pswp .lb-live-clip')?.currentTime ?? 0) > 0.2, null, { timeout: 10_000 });
      expect(new URL(await page.$eval('.pswp .lb-live-clip', (v) => (v as HTMLVideoElement).src)).pathname).toBe(`/media/assets/${motionId}/motion`);
    } finally {
      await context.close();
    }
  });
});
