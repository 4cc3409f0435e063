// Sharing in real Chromium, on a phone (390×844) and a desktop (1440×900): the owner makes
// a link in the share sheet, copies it and sees its QR code; a guest in a fresh browser
// opens it (grid, no layout shift, no framework bundle, PhotoSwipe only on open), reads
// the camera in the drawer but no location, adds a photo under their name and sees it come
// into the grid as a placeholder and turn into its thumbnail without a reload; a password
// link keeps everything behind its gate; a link turned off answers the same 404 as a
// made-up one. Screenshots go to test-output/sharing/ (not in git): look at them.
import { linkSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/jobs/worker.ts';
import { derivedRelPaths } from '../../src/storage/layout.ts';
import { dayOf, seedAlbum } from '../albums/fixtures.ts';
import { CHROMIUM, DESKTOP, hasChromium, launchBrowser, PHONE } from '../helpers/browser.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'sharing');
const SIZES = [
  { name: 'phone', viewport: PHONE, scale: 3 },
  { name: 'desktop', viewport: DESKTOP, scale: 1 },
] as const;

if (!hasChromium()) console.warn(`[share-browser] skipped: no Chromium at ${CHROMIUM}`);

declare global {
  interface Window {
    __cls: number;
    __firstFrame: number;
  }
}

describe.skipIf(!hasChromium() || !HAS_FIXTURES)('sharing in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let cookie: string;
  let albumId: string;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite', worker: true });
    const owner = await newUser(server.database.db, { role: 'owner' });
    cookie = await sessionCookie(server.database.db, owner);
    const headers = { cookie, origin: server.url };
    const created = await server.fetch('/api/albums', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Death Valley', description: 'Spring 2008' }),
    });
    albumId = (await created.json()).album.id;
    const form = new FormData();
    form.set('albumId', albumId);
    for (const f of ['jpeg/gps/FurnaceCreekInn.jpg', 'jpeg/camera/canon-dslr.jpg', 'jpeg/orientation/landscape_6.jpg', 'jpeg/phone/IMG_4120.JPG']) {
      form.append('file', new Blob([new Uint8Array(readFileSync(fixture(f)))]), basename(f));
    }
    expect((await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form })).status).toBe(201);
    await server.idle();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function ownerPage(size: (typeof SIZES)[number]): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.scale });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await context.addCookies([{ name: 'shoebox_session', value: cookie.split('=')[1]!, url: server.url }]);
    return { context, page: await context.newPage() };
  }

  /** A fresh browser (a private window): no session, nothing cached. */
  async function guestPage(size: (typeof SIZES)[number]) {
    const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.scale });
    await context.addInitScript(() => {
      window.__cls = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
          if (!entry.hadRecentInput) window.__cls += entry.value;
        }
      }).observe({ type: 'layout-shift', buffered: true });
      // When the first frame began (this callback runs before any of the page's own).
      requestAnimationFrame(() => (window.__firstFrame = performance.now()));
    });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      // A password gate answers 401 on purpose; anything else in red is a problem.
      if (msg.type() === 'error' && !/status of 401/.test(msg.text())) problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('request', (req) => requests.push(req.url()));
    return { context, page, problems, requests };
  }

  it('phone: a long album paints its first screen first; the next page waits for those thumbnails, then comes unasked', async () => {
    const db = server.database.db;
    const owner = await db.selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirstOrThrow();
    const { albumId: longAlbum, assets } = await seedAlbum(db, owner.id, dayOf('2024-05-05', 120), 'A long day');
    // Each seeded item gets the files of a real upload, so every thumbnail answers.
    const real = await db.selectFrom('assets').select('file_hash').where('status', '=', 'ready').where('original_filename', '=', 'FurnaceCreekInn.jpg').executeTakeFirstOrThrow();
    const root = server.deps.dataDir.root;
    const from = derivedRelPaths(real.file_hash);
    for (const a of assets) {
      derivedRelPaths(a.file_hash).forEach((rel, i) => {
        mkdirSync(dirname(join(root, rel)), { recursive: true });
        linkSync(join(root, from[i]!), join(root, rel));
      });
    }
    const res = await server.fetch(`/api/albums/${longAlbum}/share`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: '{}' });
    const { link } = await res.json();

    const guest = await guestPage(SIZES[0]);
    // Thumbnails take 1.5 s, as on a slow phone network; the times each eager one arrived
    // and the next page was asked for are kept.
    const eagerUrls = new Set<string>();
    const eagerDone: number[] = [];
    let nextPageAt = 0;
    await guest.page.route('**/media/assets/*/thumb?*', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    guest.page.on('requestfinished', (req) => {
      if (/\/thumb\?/.test(req.url()) && eagerUrls.has(req.url())) eagerDone.push(Date.now());
    });
    guest.page.on('request', (req) => {
      if (/\/s\/[0-9a-f]{64}\/tiles\?/.test(req.url()) && !nextPageAt) nextPageAt = Date.now();
    });
    const started = Date.now();
    await guest.page.goto(link.url, { waitUntil: 'domcontentloaded' });
    for (const src of await guest.page.locator('.tile img[loading="eager"]').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src))) eagerUrls.add(src);
    expect(eagerUrls.size).toBe(4);
    expect(await guest.page.locator('.tile').count()).toBe(40);
    // Before any thumbnail is in: the first ones are not faded (they show the moment they
    // are decoded, with no wait for a script); the rest fade in over their placeholders.
    const opacities = await guest.page.locator('.tile img').evaluateAll((imgs) => imgs.slice(0, 10).map((i) => getComputedStyle(i).opacity));
    expect(opacities).toEqual([...Array(4).fill('1'), ...Array(6).fill('0')]);
    // Unasked (no scroll), the rest of the album comes once the first thumbnails are in.
    await guest.page.waitForFunction(() => document.querySelectorAll('.tile').length === 120, undefined, { timeout: 30_000 });
    expect(eagerDone.length).toBeGreaterThanOrEqual(4);
    expect(nextPageAt).toBeGreaterThan(0);
    expect(nextPageAt).toBeGreaterThanOrEqual(Math.max(...eagerDone.slice(0, 4)) - 50);
    // The first page's other thumbnails were asked for only after the first frame (the page's
    // inline script marks the page .painted), and the page's scripts only once the first
    // screen's thumbnails were in.
    const timings = () => {
      const idOf = (url: string) => /\/media\/assets\/([0-9a-f-]{36})\//.exec(url)?.[1];
      const firstPage = [...document.querySelectorAll('.tile')].slice(0, 40);
      const idsWith = (loading: string) => new Set(firstPage.filter((t) => t.querySelector(`img[loading="${loading}"]`)).map((t) => (t as HTMLElement).dataset.id));
      const lazyIds = idsWith('lazy');
      const eagerIds = idsWith('eager');
      const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[]; // (each once it has finished)
      return {
        frame: window.__firstFrame,
        eagerEnd: Math.max(...resources.filter((e) => eagerIds.has(idOf(e.name))).map((e) => e.responseEnd)),
        lazy: resources.filter((e) => lazyIds.has(idOf(e.name))).map((e) => e.startTime),
        scripts: resources.filter((e) => /\/static\/js\//.test(e.name)).map((e) => e.startTime),
      };
    };
    let order = await guest.page.evaluate(timings);
    for (let waited = 0; order.lazy.length === 0 && waited < 30_000; waited += 100) {
      await guest.page.waitForTimeout(100);
      order = await guest.page.evaluate(timings);
    }
    expect(order.lazy.length).toBeGreaterThan(0);
    expect(order.scripts.length).toBe(4); // album.js, grid-window.js, more.js, the select mode's bundle
    expect(Math.min(...order.lazy)).toBeGreaterThan(order.frame);
    expect(Math.min(...order.scripts)).toBeGreaterThanOrEqual(order.eagerEnd);
    expect(nextPageAt - started).toBeGreaterThan(1500);
    await guest.page.screenshot({ path: join(OUT, 'long-album-phone.png') });
    expect(guest.problems).toEqual([]);
    await guest.context.close();
  }, 90_000);

  for (const size of SIZES) {
    it(`${size.name}: the owner makes a link in the share sheet; a guest opens it, views, reads details, adds a photo`, async () => {
      const { context: ownerContext, page } = await ownerPage(size);
      await page.goto(`${server.url}/albums/${albumId}`);
      await page.click('[popovertarget="share-sheet"]');
      await page.waitForSelector('#share-links');
      const form = page.locator('#share-links form[action$="/share"]');
      if (!(await form.isVisible())) await page.click('#share-links .new-link summary');
      await form.locator('input[name=label]').fill(`Family ${size.name}`);
      await form.locator('input[name=showMetadata]').check();
      await form.locator('input[name=allowUpload]').check();
      expect(await form.locator('input[name=stripLocation]').isChecked()).toBe(true); // on by default
      await form.locator('button[type=submit]').click();
      const row = page.locator('#share-links .link-row.fresh');
      await row.waitFor();
      expect(await row.textContent()).toContain(`Family ${size.name}`);
      const url = await row.locator('.link-url input').inputValue();
      expect(url).toMatch(new RegExp(`^${server.url}/s/[0-9a-f]{64}$`));
      await row.locator('[data-copy]').click();
      await expect.poll(() => row.locator('[data-copy] span').textContent()).toBe('Copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
      await row.locator('.qr summary').click();
      await expect.poll(() => row.locator('.qr img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      await page.screenshot({ path: join(OUT, `share-sheet-${size.name}.png`) });

      const guest = await guestPage(size);
      await guest.page.goto(url);
      await guest.page.waitForFunction(() => [...document.querySelectorAll('.tile img')].every((img) => (img as HTMLImageElement).complete));
      const { album } = await (await server.fetch(`/api/albums/${albumId}`, { headers: { cookie } })).json();
      expect(await guest.page.locator('.tile').count()).toBe(album.itemCount);
      expect(await guest.page.evaluate(() => window.__cls)).toBe(0);
      // The page's own styles (inline, plus upload.css for this link) cover its upload form too.
      expect(await guest.page.locator('.guest-upload .small').evaluate((e) => getComputedStyle(e).fontSize)).toBe('13px');
      expect(guest.requests.some((u) => /htmx|alpine/.test(u))).toBe(false);
      expect(guest.requests.some((u) => /photoswipe/.test(u))).toBe(false);
      expect(await guest.page.content()).not.toMatch(/36\.44|116\.85/);
      await guest.page.screenshot({ path: join(OUT, `guest-${size.name}.png`) });

      // The Furnace Creek photo: the drawer names its camera, and no location.
      await guest.page.locator('.tile[aria-label*="8 May 2008"]').click();
      await guest.page.waitForSelector('.pswp--open');
      expect(guest.requests.some((u) => /photoswipe/.test(u))).toBe(true);
      await guest.page.locator('.pswp button[aria-label*="nfo"], .pswp__button--info').first().click();
      await expect.poll(() => guest.page.locator('body').textContent(), { timeout: 10_000 }).toContain('PowerShot S5 IS');
      const drawerText = (await guest.page.locator('body').textContent()) ?? '';
      expect(drawerText).not.toMatch(/36\.44|116\.85|openstreetmap/i);
      await guest.page.screenshot({ path: join(OUT, `guest-drawer-${size.name}.png`) });
      // The link allows downloads: the bar's download button saves the original under its name.
      const downloadButton = guest.page.locator('.pswp__button--download');
      expect(await downloadButton.isVisible()).toBe(true);
      expect(await downloadButton.getAttribute('href')).toMatch(/\/original\?l=[0-9a-f-]{36}&exp=\d+&sig=[\w-]+&download=1$/);
      const [download] = await Promise.all([guest.page.waitForEvent('download'), downloadButton.click()]);
      expect(download.suggestedFilename()).toBe('FurnaceCreekInn.jpg');
      // Escape closes the details, then the lightbox; on a loaded machine a key can land while
      // the drawer is still sliding in, so keep pressing until the lightbox is gone.
      await expect
        .poll(async () => {
          await guest.page.keyboard.press('Escape');
          return guest.page.locator('.pswp--open').count();
        }, { timeout: 10_000, interval: 300 })
        .toBe(0);

      // Adding a photo: a name first, then the file goes up and comes into the grid under that
      // name, a placeholder until the worker (held back here, so that is seen for sure) has
      // made its thumbnail; no reload.
      const worker = server.deps.worker as Worker;
      await worker.stop();
      const loadedAt = await guest.page.evaluate(() => performance.timeOrigin);
      const tilesBefore = await guest.page.locator('.tile').count();
      await guest.page.click('[data-upload-open]');
      expect(await guest.page.evaluate(() => document.activeElement?.id)).toBe('guest-name');
      await guest.page.fill('#guest-name', `Anna ${size.name}`);
      const chooser = guest.page.waitForEvent('filechooser');
      const sent = guest.page.waitForResponse((r) => r.url().endsWith('/upload') && r.request().method() === 'POST');
      await guest.page.click('[data-upload-open]');
      await (await chooser).setFiles(fixture(size.name === 'phone' ? 'jpeg/orientation/landscape_3.jpg' : 'jpeg/orientation/landscape_8.jpg'));
      const id = (await (await sent).json()).assets[0].id as string;
      const tile = guest.page.locator(`.tile[data-id="${id}"]`);
      await tile.waitFor({ state: 'attached', timeout: 10_000 });
      expect(await tile.getAttribute('data-status')).toBe('pending');
      expect(await tile.locator('img').count()).toBe(0);
      expect(await tile.locator('.by').textContent()).toBe(`Anna ${size.name}`);
      expect(await guest.page.locator('.tile').count()).toBe(tilesBefore + 1);
      await expect.poll(() => guest.page.textContent('.upload-row .upload-state')).toBe('Processing…');
      await tile.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await guest.page.screenshot({ path: join(OUT, `guest-upload-waiting-${size.name}.png`) });

      await worker.start();
      await guest.page.waitForFunction(
        (id) => {
          const t = document.querySelector<HTMLElement>(`.tile[data-id="${id}"]`);
          const img = t?.querySelector<HTMLImageElement>('img.in');
          return t?.dataset.status === 'ready' && !!img && img.complete && img.naturalWidth > 0;
        },
        id,
        { timeout: 30_000 },
      );
      await guest.page.waitForSelector('.upload-row[data-state="done"]', { timeout: 10_000 });
      expect(await tile.locator('img').getAttribute('src')).toMatch(new RegExp(`^/media/assets/${id}/thumb\\?.*sig=`));
      expect(await guest.page.evaluate(() => performance.timeOrigin)).toBe(loadedAt);
      // In the place a reload would give it: the album's order.
      const token = url.split('/s/')[1]!;
      const listed = (await (await server.fetch(`/api/share/${token}`)).json()).assets.map((a: { id: string }) => a.id);
      expect(await guest.page.locator('.tile').evaluateAll((tiles) => tiles.map((t) => (t as HTMLElement).dataset.id))).toEqual(listed);
      await guest.page.screenshot({ path: join(OUT, `guest-upload-${size.name}.png`) });
      await server.idle();
      await page.goto(`${server.url}/albums/${albumId}`);
      expect(await page.locator('.tile .by').allTextContents()).toContain(`Anna ${size.name}`);
      expect(guest.problems).toEqual([]);

      // Turned off: the guest's next load is the same 404 as a link that never existed.
      await page.click('[popovertarget="share-sheet"]');
      await page.locator(`#share-links .link-row:has-text("Family ${size.name}") button.danger[popovertarget^="turn-off-"]`).click();
      await page.locator(`#share-links .link-row:has-text("Family ${size.name}") [role=alertdialog] button[type=submit]`).click(); // asked first
      await page.locator(`#share-links .link-row.status-revoked:has-text("Family ${size.name}")`).waitFor();
      const gone = await guest.page.goto(url);
      expect(gone?.status()).toBe(404);
      const made = await guest.page.context().newPage().then((p) => p.goto(`${server.url}/s/${'ab'.repeat(32)}`));
      expect(await gone?.text()).toBe(await made?.text());
      expect(await guest.page.locator('a[href="/"]').count()).toBe(0);
      await guest.context.close();
      await ownerContext.close();
    }, 180_000);

    it(`${size.name}: a password link shows its gate, refuses a wrong password, opens with the right one`, async () => {
      const res = await server.fetch(`/api/albums/${albumId}/share`, {
        method: 'POST',
        headers: { cookie, origin: server.url, 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'a secret password' }),
      });
      const { link } = await res.json();
      const guest = await guestPage(size);
      await guest.page.goto(link.url);
      expect(await guest.page.content()).not.toContain('Death Valley');
      expect(guest.requests.some((u) => u.includes('/media/'))).toBe(false);
      await guest.page.fill('#password', 'not the password');
      await guest.page.click('button[type=submit]');
      expect(await guest.page.locator('[role=alert]').textContent()).toContain('not right');
      await guest.page.screenshot({ path: join(OUT, `gate-wrong-${size.name}.png`) });
      await guest.page.fill('#password', 'a secret password');
      await guest.page.click('button[type=submit]');
      await guest.page.waitForSelector('.tile img');
      expect(await guest.page.locator('h1').textContent()).toBe('Death Valley');
      await guest.page.waitForFunction(() => [...document.querySelectorAll('.tile img')].every((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0));
      await guest.page.screenshot({ path: join(OUT, `gate-open-${size.name}.png`) });
      expect(guest.problems).toEqual([]);
      await guest.context.close();
    }, 90_000);
  }
});
