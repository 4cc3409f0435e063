// The lightbox and its info drawer in real Chromium, on a phone (390×844, touch) and a
// desktop (1440×900): real camera files uploaded through the upload API and processed by
// the worker. PhotoSwipe loads only on the first open; the address follows the open item
// (Back closes, a link with the hash opens it); swipe and arrow keys move on; zoom asks for
// the original once the preview runs out of pixels; videos play inline; the drawer shows
// what the JSON holds (camera from MANIFEST.tsv) and Escape closes it before the lightbox.
// No CSP violation, no console error. Screenshots go to test-output/lightbox/: look at them.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchBrowser, pageProblems, PHONE_AND_DESKTOP, sizedContext } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { fixture, HAS_FIXTURES, readManifest } from '../media/fixtures.ts';
import { seedAlbum } from './fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'lightbox');
const SIZES = PHONE_AND_DESKTOP;

// A phone JPEG with camera and GPS (4048×3036: larger than the 2048 px preview), a DSLR
// JPEG, an iPhone HEIC (no original a browser shows: the preview is the most) and a video.
const PIXEL = 'jpeg/phone/IMG_20180725_163423.jpg';
const CANON = 'jpeg/camera/canon-dslr.jpg';
const HEIC = 'heic/iphone_15_pro.heic';
const VIDEO = 'video/mp42-hvc1.mp4';

if (!hasChromium()) console.warn(`[lightbox-browser] skipped: no Chromium at ${CHROMIUM}`);

declare global {
  interface Window {
    __csp: string[];
  }
}

interface Uploaded {
  id: string;
  originalFilename: string;
}

describe.skipIf(!hasChromium() || !HAS_FIXTURES)('lightbox in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let cookieValue: string;
  let albumId: string;
  let ownerId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite', worker: true, log: process.env.DEBUG_PAGE ? createLogger('error') : silentLogger });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    ownerId = owner.id;
    const cookie = await sessionCookie(db, owner);
    cookieValue = cookie.split('=')[1]!;
    albumId = (await newAlbum(db, owner.id, { title: 'Cameras' })).id;
    const body = new FormData();
    body.append('albumId', albumId);
    for (const path of [PIXEL, CANON, HEIC, VIDEO]) body.append('file', new Blob([readFileSync(fixture(path))]), path.split('/').at(-1));
    const res = await server.fetch('/api/assets/upload', { method: 'POST', body, headers: { cookie, origin: server.url } });
    expect(res.status).toBe(201);
    const { assets } = (await res.json()) as { assets: Uploaded[] };
    for (const [path, asset] of [PIXEL, CANON, HEIC, VIDEO].map((p, i) => [p, assets[i]!] as const)) ids[path] = asset.id;
    await server.idle();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openPage(size: (typeof SIZES)[number], path: string) {
    const context = await sizedContext(browser, size);
    await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
    await context.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const problems = pageProblems(page); // seeded items without files answer 404 (on purpose, in the last test)
    await page.goto(server.url + path, { waitUntil: 'load' });
    return { context, page, requests, problems };
  }

  /** The open slide's image or video (PhotoSwipe marks the others aria-hidden). */
  const CURRENT = '.pswp__item[aria-hidden="false"]';
  const hash = (page: Page) => new URL(page.url()).hash;

  async function waitOpen(page: Page, id: string) {
    await page.waitForSelector('.pswp--open.pswp--ui-visible');
    await page.waitForFunction((h) => location.hash === h, `#photo=${id}`);
    // The opening animation is over once the neighbours are in place.
    await page.waitForFunction(() => document.querySelectorAll('.pswp__item').length === 3);
    await page.waitForTimeout(400);
  }

  async function currentImage(page: Page) {
    await page.waitForFunction((sel) => {
      const img = document.querySelector<HTMLImageElement>(`${sel} img.pswp__img:not(.pswp__img--placeholder)`);
      return img?.complete && img.naturalWidth > 0;
    }, CURRENT);
    return page.evaluate((sel) => {
      const img = document.querySelector<HTMLImageElement>(`${sel} img.pswp__img:not(.pswp__img--placeholder)`)!;
      return { src: img.currentSrc, srcset: img.getAttribute('srcset'), width: img.getBoundingClientRect().width };
    }, CURRENT);
  }

  /** A finger drag over the slide (PhotoSwipe reads pointer events; CDP makes them from touches). */
  async function swipe(page: Page, from: [number, number], to: [number, number]) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from[0], y: from[1] }] });
    for (let i = 1; i <= 8; i++) {
      const x = from[0] + ((to[0] - from[0]) * i) / 8;
      const y = from[1] + ((to[1] - from[1]) * i) / 8;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
      await page.waitForTimeout(16);
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
  }

  // Swipes go across the photo: above the details sheet, which takes up to the lower 60 %.
  async function next(page: Page, size: (typeof SIZES)[number]) {
    const { width, height } = size.viewport;
    if (size.touch) await swipe(page, [width * 0.8, height * 0.25], [width * 0.15, height * 0.25]);
    else await page.keyboard.press('ArrowRight');
  }

  async function previous(page: Page, size: (typeof SIZES)[number]) {
    const { width, height } = size.viewport;
    if (size.touch) await swipe(page, [width * 0.15, height * 0.25], [width * 0.8, height * 0.25]);
    else await page.keyboard.press('ArrowLeft');
  }

  async function openTile(page: Page, size: (typeof SIZES)[number], id: string) {
    const tile = `a.tile[data-id="${id}"]`;
    if (size.touch) await page.tap(tile);
    else await page.click(tile);
    await waitOpen(page, id);
  }

  for (const size of SIZES) {
    it(`opens, moves, zooms, shows details and closes at ${size.name} size`, async () => {
      const { context, page, requests, problems } = await openPage(size, `/albums/${albumId}`);
      const order = await page.$$eval('a.tile', (tiles) => tiles.map((t) => (t as HTMLElement).dataset.id));
      // Oldest first: the Pixel (2018), the Canon (2019), the video (Sep 2023), the iPhone (Oct 2023).
      expect(order).toEqual([ids[PIXEL], ids[CANON], ids[VIDEO], ids[HEIC]]);
      await page.waitForTimeout(300);
      // Nothing of the lightbox comes with the page, not even its own module.
      expect(requests.filter((u) => /photoswipe|lightbox\.[0-9a-f]+\.(css|js)/.test(u))).toEqual([]);
      expect(await page.$('.pswp')).toBeNull();

      // Open the Pixel photo: the module, PhotoSwipe and the styles load now; the address names it.
      await openTile(page, size, ids[PIXEL]!);
      expect(requests.some((u) => /\/static\/js\/lightbox\.[0-9a-f]{10}\.js$/.test(u))).toBe(true);
      expect(requests.some((u) => /\/static\/vendor\/photoswipe\.esm\.min\.[0-9a-f]{10}\.js$/.test(u))).toBe(true);
      expect(requests.some((u) => /\/static\/vendor\/photoswipe\.[0-9a-f]{10}\.css$/.test(u))).toBe(true);
      expect(hash(page)).toBe(`#photo=${ids[PIXEL]}`);
      // The preview first, with the original offered for zooming.
      const shown = await currentImage(page);
      expect(shown.src).toMatch(new RegExp(`/media/assets/${ids[PIXEL]}/preview$`));
      expect(shown.srcset).toContain(`/media/assets/${ids[PIXEL]}/original 4048w`);
      // The photo in the middle of the lightbox, the page's scrollbar gutter (if any) black.
      const box = await page.evaluate((sel) => {
        const root = document.querySelector('.pswp')!.getBoundingClientRect();
        const img = document.querySelector(`${sel} img.pswp__img:not(.pswp__img--placeholder)`)!.getBoundingClientRect();
        return { offCentre: img.left + img.width / 2 - (root.left + root.width / 2), canvas: getComputedStyle(document.documentElement).backgroundColor };
      }, CURRENT);
      expect(Math.abs(box.offCentre)).toBeLessThan(1);
      expect(box.canvas).toBe('rgb(0, 0, 0)');
      await page.screenshot({ path: join(OUT, `lightbox-${size.name}.png`) });

      // Zoom in (Z, or a double tap): now the browser wants more pixels than the preview has.
      if (size.touch) {
        const box = (await page.locator(`${CURRENT} img.pswp__img:not(.pswp__img--placeholder)`).boundingBox())!;
        await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
        await page.waitForTimeout(60);
        await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      } else {
        await page.keyboard.press('z');
      }
      await page.waitForSelector('.pswp--zoomed-in');
      await page.waitForFunction((sel) => {
        const img = document.querySelector<HTMLImageElement>(`${sel} img.pswp__img:not(.pswp__img--placeholder)`);
        return img?.currentSrc.endsWith('/original') && img.complete;
      }, CURRENT);
      await page.screenshot({ path: join(OUT, `zoomed-${size.name}.png`) });
      await page.keyboard.press('z');
      await page.waitForSelector('.pswp--zoomed-in', { state: 'detached' });

      // Next: the Canon; the address follows. Back again to the Pixel.
      await next(page, size);
      await page.waitForFunction((h) => location.hash === h, `#photo=${ids[CANON]}`);
      await previous(page, size);
      await page.waitForFunction((h) => location.hash === h, `#photo=${ids[PIXEL]}`);

      // The drawer: the camera as MANIFEST.tsv has it, the date with its zone, the place.
      const manifest = readManifest().find((e) => e.path === PIXEL)!;
      await page.click('.pswp__button--info');
      await page.waitForSelector('.lb-info.is-open .lb-info-camera');
      await page.waitForTimeout(300); // the drawer slides in
      expect(await page.getAttribute('.pswp__button--info', 'aria-expanded')).toBe('true');
      expect(await page.textContent('.lb-info-camera')).toBe(manifest.camera);
      const drawer = await page.evaluate(() => {
        const el = document.querySelector<HTMLElement>('.lb-info')!;
        const r = el.getBoundingClientRect();
        return {
          text: el.innerText,
          role: el.getAttribute('role'),
          label: document.getElementById(el.getAttribute('aria-labelledby')!)?.textContent,
          map: el.querySelector<HTMLAnchorElement>('a[href*="openstreetmap"]')?.href,
          rect: { left: r.left, top: r.top, width: r.width, height: r.height },
          button: (() => {
            const b = document.querySelector('.pswp__button--info')!.getBoundingClientRect();
            return { width: b.width, height: b.height, label: document.querySelector('.pswp__button--info')!.getAttribute('aria-label') };
          })(),
        };
      });
      expect(drawer.role).toBe('dialog');
      expect(drawer.label).toBe('Details');
      expect(drawer.button.width).toBeGreaterThanOrEqual(44);
      expect(drawer.button.height).toBeGreaterThanOrEqual(44);
      expect(drawer.button.label).toBe('Details');
      expect(drawer.text).toContain('Wed, 25 Jul 2018, 16:34');
      expect(drawer.text).toContain('IMG_20180725_163423.jpg');
      expect(drawer.text).toContain('4048 × 3036 · 12.3 MP');
      expect(drawer.text).toContain('4.1 MB');
      expect(drawer.text).toMatch(/ISO \d+/);
      expect(drawer.text).toMatch(/1\/\d+ s/);
      expect(drawer.text).toMatch(/ƒ\/\d/);
      expect(drawer.text).toMatch(/\d mm/);
      expect(drawer.text).toContain('50.29960° N, 14.82029° E');
      expect(drawer.map).toBe('https://www.openstreetmap.org/?mlat=50.29960&mlon=14.82029#map=15/50.29960/14.82029');
      if (size.touch) {
        // A bottom sheet, the photo above it.
        expect(drawer.rect.width).toBe(size.viewport.width);
        expect(drawer.rect.top + drawer.rect.height).toBeCloseTo(size.viewport.height, 0);
        const img = (await page.locator(`${CURRENT} img.pswp__img:not(.pswp__img--placeholder)`).boundingBox())!;
        expect(img.y + img.height).toBeLessThanOrEqual(drawer.rect.top + 1);
      } else {
        // A 360 px side panel, the photo beside it.
        expect(drawer.rect).toMatchObject({ top: 0, width: 360, height: size.viewport.height });
        const img = (await page.locator(`${CURRENT} img.pswp__img:not(.pswp__img--placeholder)`).boundingBox())!;
        expect(img.x + img.width).toBeLessThanOrEqual(drawer.rect.left + 1);
      }
      await page.screenshot({ path: join(OUT, `drawer-${size.name}.png`) });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(100);
      await page.screenshot({ path: join(OUT, `drawer-${size.name}-dark.png`) });
      await page.emulateMedia({ colorScheme: 'light' });

      // With the drawer open the next item's details replace these: the Canon (no GPS).
      await next(page, size);
      await page.waitForFunction((h) => location.hash === h, `#photo=${ids[CANON]}`);
      await page.waitForFunction(() => document.querySelector('.lb-info-camera')?.textContent === 'Canon EOS 1300D');
      expect(await page.$('.lb-info a[href*="openstreetmap"]')).toBeNull();

      // Escape closes the drawer first, then the lightbox (and the address loses the hash).
      await page.keyboard.press('Escape');
      await page.waitForSelector('.lb-info.is-open', { state: 'detached' });
      expect(await page.$('.pswp--open')).not.toBeNull();
      expect(hash(page)).toBe(`#photo=${ids[CANON]}`);
      await page.keyboard.press('Escape');
      await page.waitForSelector('.pswp', { state: 'detached' });
      await page.waitForFunction(() => location.hash === '');
      expect(page.url()).toBe(`${server.url}/albums/${albumId}`);

      // Back closes it too.
      await openTile(page, size, ids[CANON]!);
      await page.evaluate(() => history.back());
      await page.waitForSelector('.pswp', { state: 'detached' });
      expect(page.url()).toBe(`${server.url}/albums/${albumId}`);

      // The HEIC has no original a browser can show: the preview (2048 px long edge) is all.
      await openTile(page, size, ids[HEIC]!);
      const heic = await currentImage(page);
      expect(heic.src).toMatch(/\/preview$/);
      expect(heic.srcset).toBeNull();
      await page.keyboard.press('Escape');
      await page.waitForSelector('.pswp', { state: 'detached' });

      expect(problems).toEqual([]);
      expect(await page.evaluate(() => window.__csp)).toEqual([]);
      await context.close();
    }, 90_000);

    it(`opens the item named in the address, and plays a video inline, at ${size.name} size`, async () => {
      const { context, page, problems } = await openPage(size, `/albums/${albumId}#photo=${ids[VIDEO]}`);
      await waitOpen(page, ids[VIDEO]!);
      const video = await page.evaluate((sel) => {
        const v = document.querySelector<HTMLVideoElement>(`${sel} video`);
        return v && { controls: v.controls, playsInline: v.playsInline, poster: v.poster, src: v.currentSrc, canPlay: v.canPlayType('video/mp4; codecs="avc1.640028"') };
      }, CURRENT);
      expect(video).toMatchObject({ controls: true, playsInline: true });
      expect(video!.poster).toMatch(new RegExp(`/media/assets/${ids[VIDEO]}/preview$`));
      expect(video!.src).toMatch(new RegExp(`/media/assets/${ids[VIDEO]}/original$`));
      if (video!.canPlay) {
        await page.evaluate(async (sel) => {
          const v = document.querySelector<HTMLVideoElement>(`${sel} video`)!;
          v.muted = true;
          await v.play();
        }, CURRENT);
        await page.waitForFunction((sel) => document.querySelector<HTMLVideoElement>(`${sel} video`)!.currentTime > 0, CURRENT);
      } else {
        console.warn('[lightbox-browser] this Chromium plays no H.264: the video was not started');
      }
      await page.screenshot({ path: join(OUT, `video-${size.name}.png`) });

      // The drawer for a video: its length and codecs.
      await page.click('.pswp__button--info');
      await page.waitForSelector('.lb-info.is-open .lb-info-section');
      await page.waitForFunction(() => document.querySelector('.lb-info')!.textContent!.includes('H.264'));
      const text = await page.$eval('.lb-info', (el) => (el as HTMLElement).innerText);
      expect(text).toContain('mp42-hvc1.mp4');
      expect(text).toContain('464 × 848');
      expect(text).toMatch(/0:01/);
      expect(text).toContain('H.264 · AAC');
      await page.screenshot({ path: join(OUT, `video-drawer-${size.name}.png`) });
      await page.keyboard.press('Escape');
      await page.waitForSelector('.lb-info.is-open', { state: 'detached' });

      // Sliding away pauses it.
      await next(page, size);
      await page.waitForFunction((h) => location.hash === h, `#photo=${ids[HEIC]}`);
      expect(await page.$$eval('.pswp video', (vs) => vs.every((v) => (v as HTMLVideoElement).paused))).toBe(true);

      // Opened from a link, Back shows the album under it (not the page before).
      await page.evaluate(() => history.back());
      await page.waitForSelector('.pswp', { state: 'detached' });
      expect(page.url()).toBe(`${server.url}/albums/${albumId}`);
      expect(await page.$('a.tile')).not.toBeNull();

      expect(problems).toEqual([]);
      expect(await page.evaluate(() => window.__csp)).toEqual([]);
      await context.close();
    }, 90_000);
  }

  it('opens items that are not processed (yet) without breaking', async () => {
    const db = server.database.db;
    // Rows without files: a JPEG being processed (its original: missing here), a HEIC being
    // processed (no original a browser shows: a note), a failed HEIC without one.
    const { albumId: id, assets } = await seedAlbum(
      db,
      ownerId,
      [
        { local: '2024-07-13T10:00:00', status: 'pending' },
        { local: '2024-07-13T10:01:00', status: 'pending' },
        { local: '2024-07-13T10:02:00', status: 'failed', thumbhash: false, error: 'This file is damaged' },
      ],
      'Not yet',
    );
    await db.updateTable('assets').set({ mime_type: 'image/heic' }).where('id', 'in', [assets[1]!.id, assets[2]!.id]).execute();
    // The worker gives up on the file-less rows: let it, before the page opens, so that the live
    // grid does not swap a tile for its failed self under the click (a loaded CI machine saw it).
    server.deps.worker!.wake();
    await server.idle();
    const size = SIZES[1];
    const { context, page, problems } = await openPage(size, `/albums/${id}`);
    await openTile(page, size, assets[0]!.id);
    await page.waitForSelector(`${CURRENT} .pswp__error-msg`);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((h) => location.hash === h, `#photo=${assets[1]!.id}`);
    // A note (the worker may have given up on this file-less row by now, and the page follows it).
    await page.waitForFunction((sel) => /^This item (is still being|could not be) processed\.$/.test(document.querySelector(`${sel} .lb-note`)?.textContent ?? ''), CURRENT);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((h) => location.hash === h, `#photo=${assets[2]!.id}`);
    expect(await page.textContent(`${CURRENT} .lb-note`)).toBe('This item could not be processed.');
    await page.screenshot({ path: join(OUT, 'failed-desktop.png') });
    // Its details still open: what the row knows.
    await page.click('.pswp__button--info');
    await page.waitForFunction(() => document.querySelector('.lb-info.is-open')?.textContent?.includes('IMG_0003.JPG'));
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.pswp', { state: 'detached' });
    expect(problems).toEqual([]);
    expect(await page.evaluate(() => window.__csp)).toEqual([]);
    await context.close();
  }, 90_000);
});
