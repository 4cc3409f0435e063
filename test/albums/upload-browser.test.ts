// Uploading in real Chromium on a phone (390×844) and a desktop (1440×900): real camera
// files through the file chooser and by drag-and-drop, each with its progress bar, then
// "Processing…", then done; a duplicate says "Already in your library", a bogus file shows
// the server's message and a Retry that sends only that file; the new tiles appear in the
// grid without a reload, in the places a reload would give them, as placeholders that
// swap for thumbnails when the worker is done; the backlog indicator comes and goes, and
// the polling stops. The worker is started by hand, after the first files are up, so the
// waiting state is seen for sure. Screenshots go to test-output/upload/ (not in git).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker, type Worker } from '../../src/jobs/worker.ts';
import { findFfmpeg } from '../../src/media/derivatives.ts';
import { silentLogger } from '../../src/log.ts';
import { CHROMIUM, DESKTOP, hasChromium, launchBrowser, PHONE } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { uploadRows as rows } from '../helpers/upload-panel.ts';
import { slowUplink } from '../helpers/slow-uplink.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'upload');
const SIZES = [
  { name: 'phone', viewport: PHONE, scale: 3, mobile: true },
  { name: 'desktop', viewport: DESKTOP, scale: 1, mobile: false },
] as const;

// Chosen in the file picker: photos of several kinds, a video, and a text file named .jpg.
const CHOSEN = ['jpeg/camera/img_1771.jpg', 'heic/iphone_15_pro.heic', 'jpeg/camera/canon-dslr.jpg', 'video/small_video.mp4', 'png/png_with_exif_and_gps.png'];
const BOGUS_TEXT = 'Shopping list: milk, eggs, film for the camera.\n';
// And one big photo (6.7 MB of grain), made here: loopback socket buffers swallow the first
// few megabytes of any upload at once, so only a big file shows a bar part-way.
const BIG = 'grain.jpg';
// Dropped later: one new photo, one already uploaded (the same bytes under another name),
// and one whose first request the network loses.
const DROPPED = ['jpeg/phone/IMG_4120.JPG', 'jpeg/camera/img_1771.jpg', 'jpeg/orientation/landscape_6.jpg'];
const LOST_ONCE = 'landscape_6.jpg';
const NOT_ACCEPTED = 'notes.jpg is not a photo or video Shoebox accepts. It takes photos (JPEG, PNG, WebP, GIF, AVIF, HEIC, TIFF, BigTIFF, JPEG XL), camera RAW (DNG, CR2, CR3, NEF, ARW, ORF, RAF, RW2, CRW, MRW, X3F, any TIFF-based RAW) and videos (MP4, MOV, WebM, 3GP, MKV, AVI, MTS/M2TS, MPEG).';

const name = (path: string) => path.split('/').at(-1)!;

if (!hasChromium()) console.warn(`[upload-browser] skipped: no Chromium at ${CHROMIUM}`);

declare global {
  interface Window {
    __loadedAt: number;
    /** What each upload request carried: its form's entries in order, files by name. */
    __sent: [string, string][][];
  }
}

describe.skipIf(!hasChromium() || !HAS_FIXTURES)('uploading in Chromium', () => {
  let browser: Browser;
  let bogus: string;
  let big: string;
  let dir: string;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    dir = tempDir();
    bogus = join(dir, 'notes.jpg');
    writeFileSync(bogus, BOGUS_TEXT);
    big = join(dir, BIG);
    const [w, h] = [3000, 2000];
    const grain = new Uint8Array(w * h * 3);
    for (let i = 0; i < grain.length; i++) grain[i] = (i % 3 === 2 ? 90 : 150) + ((Math.random() * 90) | 0);
    writeFileSync(big, await sharp(grain, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100 }).toBuffer());
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The worker, started when the test wants the waiting items processed. */
  async function startWorker(server: TestServer): Promise<Worker> {
    const worker = createWorker({
      db: server.database.db,
      dataRoot: server.deps.dataDir.root,
      log: silentLogger,
      concurrency: 2,
      ffmpegPath: await findFfmpeg(server.deps.config.ffmpegPath),
      soleProcess: true,
    });
    await worker.start();
    server.deps.worker = worker; // uploads from now on wake it; server.close() stops it
    return worker;
  }

  async function open(server: TestServer, cookie: string, size: (typeof SIZES)[number], path: string, base = server.url) {
    const context: BrowserContext = await browser.newContext({
      viewport: size.viewport,
      deviceScaleFactor: size.scale,
      isMobile: size.mobile,
      hasTouch: size.mobile,
    });
    await context.addCookies([{ name: 'shoebox_session', value: cookie.split('=')[1]!, url: base }]);
    // Chromium does not hand file bodies to the test: note each request's form as it is sent.
    await context.addInitScript(() => {
      window.__sent = [];
      const send = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (body) {
        if (body instanceof FormData) window.__sent.push([...body.entries()].map(([k, v]) => [k, v instanceof File ? `file:${v.name}` : String(v)]));
        return send.call(this, body);
      };
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      // Chromium logs the refused file's 415 and the connection the test cuts: those are expected.
      if (msg.type() === 'error' && !/Failed to load resource: (the server responded with a status of 415|net::ERR_CONNECTION_RESET)/.test(msg.text())) problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    const requests: { url: string; at: number; request: Request }[] = [];
    page.on('request', (request) => requests.push({ url: request.url(), at: Date.now(), request }));
    await page.goto(base + path, { waitUntil: 'load' });
    await page.evaluate(() => (window.__loadedAt = performance.timeOrigin));
    return { context, page, problems, requests };
  }

  const tiles = (page: Page) =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.tile')].map((t) => ({
        id: t.dataset.id!,
        status: t.dataset.status!,
        day: t.closest('section')?.querySelector('.day-head time')?.getAttribute('datetime') ?? null,
        placeholder: getComputedStyle(t).backgroundImage.startsWith('linear-gradient('),
        shown: !!t.querySelector<HTMLImageElement>('img.in') && t.querySelector('img')!.naturalWidth > 0,
        badge: t.querySelector('.badge.failed')?.getAttribute('title') ?? null,
      })),
    );

  const indicator = (page: Page) =>
    page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('[data-processing-status]')!;
      return el.hidden ? null : el.textContent;
    });

  /** A synthetic drag of files from the desktop onto the page, then the drop. */
  async function dragAndDrop(page: Page, paths: string[], screenshot?: string) {
    const files = paths.map((p) => ({ name: name(p), b64: readFileSync(fixture(p)).toString('base64'), lastModified: Date.UTC(2019, 4, 1) }));
    const shown = await page.evaluate((files) => {
      const transfer = new DataTransfer();
      for (const f of files) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], f.name, { type: 'image/jpeg', lastModified: f.lastModified }));
      }
      (window as unknown as { __transfer: DataTransfer }).__transfer = transfer;
      const target = document.querySelector('main')!;
      target.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: transfer }));
      // Browsers send dragover every few ms while the pointer rests over the page.
      (window as unknown as { __dragging: number }).__dragging = window.setInterval(
        () => target.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: transfer })),
        50,
      );
      return !document.querySelector<HTMLElement>('.drop-overlay')!.hidden;
    }, files);
    expect(shown, 'the drop overlay shows while files are dragged over the page').toBe(true);
    await page.waitForTimeout(150);
    if (screenshot) await page.screenshot({ path: screenshot });
    const hidden = await page.evaluate(() => {
      const w = window as unknown as { __transfer: DataTransfer; __dragging: number };
      clearInterval(w.__dragging);
      const drop = new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: w.__transfer });
      document.querySelector('main')!.dispatchEvent(drop);
      return { prevented: drop.defaultPrevented, overlayHidden: document.querySelector<HTMLElement>('.drop-overlay')!.hidden };
    });
    expect(hidden).toEqual({ prevented: true, overlayHidden: true });
  }

  for (const size of SIZES) {
    it(`album page at ${size.name} size: choose, drop, progress, duplicates, Retry, tiles in place, thumbnails swap in`, async () => {
      const server = await startTestServer({ backend: 'pglite' });
      const uplink = await slowUplink(server.url);
      try {
        const db = server.database.db;
        const owner = await newUser(db, { role: 'owner' });
        const cookie = await sessionCookie(db, owner);
        const album = await newAlbum(db, owner.id, { title: 'Weekend in the hills' });
        const { context, page, problems, requests } = await open(server, cookie, size, `/albums/${album.id}`, uplink.url);
        expect(await page.locator('.empty-state').count()).toBe(1);
        const statusRequests = () => requests.filter((r) => r.url.includes('/api/assets/status')).length;
        const uploads = () => requests.filter((r) => r.url.endsWith('/api/assets/upload'));
        // Nothing waits on a page without uploads: no polling.
        await page.waitForTimeout(500);
        expect(statusRequests()).toBe(0);

        // 1. The file chooser (the Upload button opens it), on a slow uplink so the bars move.
        uplink.bytesPerSecond = 2_000_000;
        const chooser = page.waitForEvent('filechooser');
        await page.click('.empty-state [data-upload-trigger]');
        expect((await chooser).isMultiple()).toBe(true);
        await page.setInputFiles('#upload-input', [...CHOSEN.map((p) => fixture(p)), big, bogus]);
        expect(await page.isVisible('#upload-panel')).toBe(true);

        // Mid-upload: some bars part-way, three files in flight at most. (A file's bar can jump
        // most of the way at once: the browser counts bytes handed to the socket, and the
        // kernel's buffers take megabytes; the panel's total bar moves with every file.)
        let midway = false;
        let mostInFlight = 0;
        let title = '';
        for (let i = 0; i < 400 && !midway; i++) {
          const now = await rows(page);
          mostInFlight = Math.max(mostInFlight, now.filter((r) => r.state === 'sending').length);
          const total = await page.evaluate(() => document.querySelector<HTMLProgressElement>('.upload-total')!.position);
          midway = now.some((r) => r.state === 'sending' && r.progress > 0.02 && r.progress < 0.95) || (total > 0.05 && total < 0.9 && now.some((r) => r.state === 'sending'));
          if (midway) {
            title = (await page.textContent('#upload-title'))!;
            await page.screenshot({ path: join(OUT, `${size.name}-mid-upload.png`) });
          } else await page.waitForTimeout(25);
        }
        expect(midway, 'a progress bar was seen part-way').toBe(true);
        expect(title).toMatch(/^Uploading \d of 7$/);

        // Everything sent: the photos wait for processing, the text file shows the server's words
        // (what Shoebox takes), without a Retry: it would be refused again.
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.upload-row')].every((r) => ['processing', 'refused'].includes(r.dataset.state!)), null, { timeout: 30_000 });
        uplink.bytesPerSecond = Infinity;
        expect(mostInFlight).toBeLessThanOrEqual(3);
        let now = await rows(page);
        const NAMES = [...CHOSEN.map(name), BIG];
        expect(now.map((r) => r.name)).toEqual([...NAMES, 'notes.jpg']);
        expect(now.slice(0, 6).map((r) => r.text)).toEqual(NAMES.map(() => 'Processing…'));
        expect(now[6]).toMatchObject({ state: 'refused', text: NOT_ACCEPTED, retry: false });
        expect(uploads()).toHaveLength(7); // one request per file
        expect(await page.textContent('.upload-counts')).toBe('6 uploaded · 1 not accepted');
        // For screen readers: the summary is a live region, each bar is named by its file.
        expect(await page.getAttribute('.upload-summary', 'aria-live')).toBe('polite');
        expect(await page.evaluate(() => [...document.querySelectorAll('.upload-progress')].map((bar) => document.getElementById(bar.getAttribute('aria-labelledby')!)?.textContent))).toEqual([...NAMES, 'notes.jpg']);
        // Each request: the album, the file's time, the file.
        const sent = () => page.evaluate(() => window.__sent);
        expect((await sent())[0]).toEqual([
          ['albumId', album.id],
          ['lastModified', expect.stringMatching(/^\d{13}$/)],
          ['file', `file:${name(CHOSEN[0]!)}`],
        ]);

        // The tiles came in without a reload, as placeholders, in place of the empty state.
        await page.waitForFunction((n) => document.querySelectorAll('#album-grid .tile').length === n, NAMES.length);
        expect(await page.evaluate(() => window.__loadedAt === performance.timeOrigin && !document.querySelector('.empty-state'))).toBe(true);
        let shown = await tiles(page);
        expect(shown.every((t) => t.status === 'pending' && !t.shown)).toBe(true);
        expect(await page.locator('.album-meta').textContent()).toMatch(/^5 photos · 1 video · /);

        // The backlog shows in the top bar while the page polls.
        await page.waitForFunction(() => !document.querySelector<HTMLElement>('[data-processing-status]')!.hidden);
        // (A poll made while the last file was still on its way said 4.)
        await page.waitForFunction(() => document.querySelector('[data-processing-status]')!.textContent === 'Processing 6…');
        await page.waitForTimeout(2500);
        expect(statusRequests()).toBeGreaterThanOrEqual(2);

        // 2. The worker gets going: the thumbnails swap in, the rows say done, the indicator goes.
        // One item it gives up on (its verdict written here by hand: no fixture fails for sure).
        const damaged = await db.selectFrom('assets').select('id').where('original_filename', '=', name(CHOSEN[4]!)).executeTakeFirstOrThrow();
        await db.updateTable('assets').set({ status: 'failed', processing_error: 'no image data after the header' }).where('id', '=', damaged.id).execute();
        await db.updateTable('jobs').set({ status: 'failed', error: 'no image data after the header' }).where('asset_id', '=', damaged.id).execute();
        await startWorker(server);
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.tile')].every((t) => (t.dataset.status === 'ready' && t.querySelector('img.in')) || (t.dataset.status === 'failed' && t.querySelector('.badge.failed'))), null, { timeout: 60_000 });
        await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-processing-status]')!.hidden);
        expect((await tiles(page)).find((t) => t.id === damaged.id)).toMatchObject({ status: 'failed', badge: 'no image data after the header', shown: false });
        now = await rows(page);
        expect(now.map((r) => r.text)).toEqual([
          ...NAMES.map((n) => (n === name(CHOSEN[4]!) ? 'Uploaded, but it could not be processed: no image data after the header' : 'Done')),
          NOT_ACCEPTED,
        ]);
        expect(await page.textContent('#upload-title')).toBe('Uploads finished');
        expect(await page.textContent('.upload-counts')).toBe('6 uploaded · 1 not accepted');
        expect(await page.isVisible('.upload-retry-all')).toBe(false); // nothing a retry could bring up
        expect(await page.isVisible('.upload-close')).toBe(true);
        // Each day is sized for the tiles it holds now, in an album that was empty when the
        // page loaded too (static/js/grid-window.js takes the grid the first tiles bring).
        const days = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('#album-grid .day')].map((d) => [Number(d.style.getPropertyValue('--n')), d.querySelectorAll('a.tile').length]));
        expect(days.some(([, count]) => count! > 1)).toBe(true);
        for (const [n, count] of days) expect(n).toBe(count);

        // 3. Drag and drop: a new photo, a duplicate, and one the network loses the first time.
        // The three go out in order (the third is LOST_ONCE); the network drops the third.
        let seen = 0;
        await page.route('**/api/assets/upload', async (route) => (++seen === 3 ? route.abort('connectionreset') : route.continue()));
        await dragAndDrop(page, DROPPED, join(OUT, `${size.name}-drop-overlay.png`));
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.upload-row')].every((r) => ['done', 'duplicate', 'failed'].includes(r.dataset.state!)), null, { timeout: 30_000 });
        now = await rows(page);
        // A new drop on a finished list starts a new list.
        expect(now.map((r) => [r.name, r.state])).toEqual([
          ['IMG_4120.JPG', 'done'],
          ['img_1771.jpg', 'duplicate'],
          [LOST_ONCE, 'failed'],
        ]);
        expect(now[1]!.text).toBe('Already in your library');
        expect(now[2]!.text).toBe('The connection was lost. Check the network and retry.');
        expect(await page.textContent('.upload-counts')).toBe('1 uploaded · 1 already in your library · 1 failed');
        const beforeRetry = uploads().length;
        await page.click(`.upload-retry[aria-label="Retry ${LOST_ONCE}"]`);
        await page.waitForFunction(() => document.querySelector<HTMLElement>('.upload-row:last-child')!.dataset.state === 'done', null, { timeout: 30_000 });
        expect(uploads().length).toBe(beforeRetry + 1);
        expect((await sent()).slice(-4).map((form) => form.filter(([k]) => k === 'file'))).toEqual([
          ...DROPPED.map((p) => [['file', `file:${name(p)}`]]),
          [['file', `file:${LOST_ONCE}`]],
        ]);
        await page.unroute('**/api/assets/upload');

        await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.tile:not([data-status="failed"])')].every((t) => t.dataset.status === 'ready' && t.querySelector('img.in')), null, { timeout: 60_000 });
        await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-processing-status]')!.hidden);
        await page.waitForTimeout(400);
        expect(await page.textContent('#upload-title')).toBe('Uploads finished');
        expect(await page.textContent('.upload-counts')).toBe('2 uploaded · 1 already in your library');
        await page.screenshot({ path: join(OUT, `${size.name}-done.png`) });

        // Eight items, none twice, each where a reload puts it (same order, same day sections).
        shown = await tiles(page);
        expect(shown).toHaveLength(8);
        expect(new Set(shown.map((t) => t.id)).size).toBe(8);
        expect(shown.filter((t) => t.id !== damaged.id).every((t) => t.status === 'ready' && t.shown && t.placeholder)).toBe(true);

        // Polling stopped once everything was ready.
        const polled = statusRequests();
        await page.waitForTimeout(5000);
        expect(statusRequests()).toBe(polled);
        expect(await indicator(page)).toBeNull();

        // Minimise, then close.
        await page.click('.upload-toggle');
        expect(await page.getAttribute('.upload-toggle', 'aria-expanded')).toBe('false');
        expect(await page.isVisible('.upload-list')).toBe(false);
        await page.screenshot({ path: join(OUT, `${size.name}-minimised.png`) });
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.click('.upload-toggle');
        await page.screenshot({ path: join(OUT, `${size.name}-done-dark.png`) });
        await page.emulateMedia({ colorScheme: 'light' });
        // Touch targets.
        const small = await page.evaluate(() =>
          [...document.querySelectorAll<HTMLElement>('#upload-panel button:not([hidden]), #upload-button')]
            .map((b) => b.getBoundingClientRect())
            .filter((r) => r.width > 0 && (r.width < 44 || r.height < 44)),
        );
        expect(small).toEqual([]);
        await page.click('.upload-close');
        expect(await page.isHidden('#upload-panel')).toBe(true);
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('upload-button');

        expect(problems).toEqual([]);
        const live = shown.map((t) => [t.id, t.day]);
        await page.reload({ waitUntil: 'load' });
        expect((await tiles(page)).map((t) => [t.id, t.day])).toEqual(live);
        await context.close();
      } finally {
        await uplink.close();
        await server.close();
      }
    }, 300_000);
  }

  it('library at desktop size: an upload appears in its place among the rest, newest first', async () => {
    const server = await startTestServer({ backend: 'pglite', worker: true });
    try {
      const db = server.database.db;
      const owner = await newUser(db, { role: 'owner' });
      const cookie = await sessionCookie(db, owner);
      // Something to sit between: uploaded over the API first.
      const form = new FormData();
      for (const p of ['jpeg/gps/FurnaceCreekInn.jpg', 'jpeg/odd-exif/Iceland-P3.jpg', 'png/IMG_20180725_163423-1.png']) form.append('file', new Blob([readFileSync(fixture(p))]), name(p));
      expect((await server.fetch('/api/assets/upload', { method: 'POST', body: form, headers: { cookie, origin: server.url } })).status).toBe(201);
      await server.idle();
      const { context, page, problems } = await open(server, cookie, SIZES[1], '/library');
      expect(await page.locator('.tile').count()).toBe(3);
      await page.setInputFiles('#upload-input', [fixture('jpeg/gps/gps-2000.jpg'), fixture('jpeg/phone/IMG_E4120.JPG')]);
      await page.waitForFunction(() => document.querySelectorAll('.tile').length === 5, null, { timeout: 30_000 });
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.tile')].every((t) => t.dataset.status === 'ready' && t.querySelector('img.in')), null, { timeout: 60_000 });
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.upload-row')].every((r) => r.dataset.state === 'done'));
      expect(await page.textContent('.album-meta')).toBe('5 items');
      await page.screenshot({ path: join(OUT, 'library-desktop-done.png') });
      const live = (await tiles(page)).map((t) => [t.id, t.day]);
      await page.reload({ waitUntil: 'load' });
      expect((await tiles(page)).map((t) => [t.id, t.day])).toEqual(live);
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await server.close();
    }
  }, 120_000);
});
