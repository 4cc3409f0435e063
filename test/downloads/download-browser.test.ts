// Downloads in real Chromium, on a phone (390×844, touch) and a desktop (1440×900): the
// owner's and the guest's "Download all" name the count and size and hand the browser one
// ZIP; the guest's select mode picks items and downloads one ZIP of them; on the phone,
// Save to Photos fetches the chosen files, then a second tap gives them to the share
// sheet, 20 at most per share. Headless Chromium on Linux has no Web Share, so
// navigator.canShare and navigator.share are stubbed there (the share sheet is the
// system's); everything else is the page's own. Screenshots: test-output/downloads/.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '../../src/db/schema.ts';
import { absolute } from '../../src/storage/layout.ts';
import { dayOf, seedAlbum } from '../albums/fixtures.ts';
import { CHROMIUM, hasChromium, launchBrowser, longPress, pageScriptsRan, PHONE_AND_DESKTOP } from '../helpers/browser.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { pythonZip } from './zip-readers.ts';

const OUT = join(repoRoot, 'test-output', 'downloads');
const SIZES = PHONE_AND_DESKTOP;
type Size = (typeof SIZES)[number];
const ITEMS = 24; // more than one share's 20

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

if (!hasChromium()) console.warn(`[download-browser] skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium())('downloads in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let cookieValue: string;
  let albumId: string;
  let assets: Asset[];
  let token: string;
  const hashes = new Map<string, string>(); // name → SHA-256

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite' });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    cookieValue = (await sessionCookie(db, owner)).split('=')[1]!;
    // Items still being processed (no thumbnails to ask for), each with a real original.
    ({ albumId, assets } = await seedAlbum(db, owner.id, dayOf('2024-07-13', ITEMS, { status: 'pending' }), 'Lake weekend'));
    for (const a of assets) {
      const bytes = randomBytes(40_000 + Math.floor(Math.random() * 60_000));
      const path = absolute(server.deps.dataDir.root, a.storage_path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
      const crc = crc32(bytes);
      await db.updateTable('assets').set({ file_size: bytes.length, crc32: crc, location_patches: [], location_crc32: crc, location_check: 'clean' }).where('id', '=', a.id).execute();
      hashes.set(a.original_filename, sha256(bytes));
    }
    const res = await fetch(`${server.url}/api/albums/${albumId}/share`, {
      method: 'POST',
      headers: { cookie: `shoebox_session=${cookieValue}`, origin: server.url, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    token = (await res.json()).link.token;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(size: Size, path: string, o: { owner?: boolean; share?: boolean } = {}) {
    const context: BrowserContext = await browser.newContext({
      viewport: size.viewport,
      deviceScaleFactor: size.scale,
      hasTouch: size.touch,
      isMobile: size.touch,
      acceptDownloads: true,
    });
    if (o.owner) await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
    if (o.share) {
      await context.addInitScript(() => {
        const w = window as unknown as { __shared: { name: string; type: string; size: number }[][] };
        w.__shared = [];
        navigator.canShare = (data?: ShareData) => Boolean(data?.files?.length && data.files.every((f) => /^(image|video)\//.test(f.type)));
        navigator.share = async (data?: ShareData) => {
          w.__shared.push([...(data?.files ?? [])].map((f) => ({ name: f.name, type: f.type, size: f.size })));
        };
      });
    }
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(server.url + path, { waitUntil: 'load' });
    await pageScriptsRan(page);
    return { context, page, problems };
  }

  /** Clicks and returns the ZIP the browser downloaded: its name and entries (SHA-256 each). */
  async function downloadZip(page: Page, selector: string) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const path = (await download.path())!;
    return { name: download.suggestedFilename(), entries: pythonZip(path, { hash: true }) };
  }
  const expectIntact = (entries: { name: string; sha256?: string }[]) => {
    for (const e of entries) expect(e.sha256, e.name).toBe(hashes.get(e.name.slice('Lake weekend/'.length)));
  };

  for (const size of SIZES) {
    it(`${size.name}: "Download all" names the count and size and gives one ZIP, for the owner and for a guest`, async () => {
      const bytes = assets.length && (await server.database.db.selectFrom('assets').select((eb) => eb.fn.sum<number>('file_size').as('n')).where('id', 'in', assets.map((a) => a.id)).executeTakeFirstOrThrow()).n;
      const sizeText = `${(Number(bytes) / 1e6).toFixed(1)} MB`;

      const owner = await open(size, `/albums/${albumId}`, { owner: true });
      expect(await owner.page.textContent('.download-all')).toContain(`Download all${ITEMS} items · ${sizeText}, one ZIP`);
      await owner.page.screenshot({ path: join(OUT, `owner-${size.name}.png`) });
      const mine = await downloadZip(owner.page, 'a[data-zip]');
      expect(mine.name).toBe('Lake weekend.zip');
      expect(mine.entries).toHaveLength(ITEMS);
      expectIntact(mine.entries);
      expect(owner.problems).toEqual([]);
      await owner.context.close();

      const guest = await open(size, `/s/${token}`);
      const firstZip = await guest.page.$eval('a[href$=".zip"]', (a) => a.getAttribute('href'));
      expect(firstZip).toBe(`/s/${token}/download.zip`);
      expect(await guest.page.textContent('.download-all')).toContain(`${ITEMS} items · ${sizeText}, one ZIP`);
      await guest.page.screenshot({ path: join(OUT, `guest-${size.name}.png`) });
      const theirs = await downloadZip(guest.page, 'a[data-zip]');
      expect(theirs.name).toBe('Lake weekend.zip');
      expect(theirs.entries).toHaveLength(ITEMS);
      expectIntact(theirs.entries);
      expect(guest.problems).toEqual([]);
      await guest.context.close();
    });

    it(`${size.name}: a guest selects items and downloads one ZIP of them`, async () => {
      const { context, page, problems } = await open(size, `/s/${token}`);
      const tile = (i: number) => `.grid .tile[data-id="${assets[i]!.id}"]`;
      if (size.touch) await longPress(page, tile(2));
      else {
        await page.hover(tile(2));
        await page.click(`${tile(2)} .tile-check`);
      }
      await page.waitForSelector('#select-bar:not([hidden])');
      for (const [n, i] of [5, 7].entries()) {
        await (size.touch ? page.tap(tile(i)) : page.click(tile(i)));
        // The click a tap makes comes after the touch events Playwright waits for: wait for it.
        await page.waitForFunction((want) => document.querySelector('#select-bar .select-count')?.textContent === want, `${n + 2} selected`, { timeout: 20_000 });
      }
      expect(await page.textContent('#select-bar .select-count')).toBe('3 selected');
      // A tap selects: it does not open the lightbox.
      expect(await page.$('.pswp')).toBeNull();
      await page.screenshot({ path: join(OUT, `guest-selecting-${size.name}.png`) });
      const picked = await downloadZip(page, '#select-bar [data-action="download"]');
      expect(picked.entries.map((e) => e.name)).toEqual([2, 5, 7].map((i) => `Lake weekend/${assets[i]!.original_filename}`));
      expectIntact(picked.entries);
      await page.waitForSelector('#select-bar', { state: 'hidden' });
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('phone: Save to Photos fetches the chosen files, then hands them to the share sheet, at most 20 at a time', async () => {
    const size = SIZES[0];
    const { context, page, problems } = await open(size, `/s/${token}`, { share: true });
    await page.click('[data-select-start]');
    for (const a of assets) await page.tap(`.grid .tile[data-id="${a.id}"]`);
    expect(await page.textContent('#select-bar .select-count')).toBe(`${ITEMS} selected`);
    await page.click('#select-bar [data-action="save"]');
    const go = '#save-panel [data-save-go]';
    await page.waitForSelector(`${go}:not([disabled])`);
    expect(await page.textContent(go)).toBe('Save 20 items (more after)');
    await page.screenshot({ path: join(OUT, 'save-to-photos-phone.png') });
    // Nothing is shared before that second tap.
    expect(await page.evaluate(() => (window as unknown as { __shared: unknown[] }).__shared.length)).toBe(0);
    await page.click(go);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Save 4 items', go);
    await page.click(go);
    await page.waitForSelector('#save-panel', { state: 'hidden' });
    const shared = await page.evaluate(() => (window as unknown as { __shared: { name: string; type: string; size: number }[][] }).__shared);
    expect(shared.map((batch) => batch.length)).toEqual([20, 4]);
    const files = shared.flat();
    expect(files.map((f) => f.name)).toEqual(assets.map((a) => a.original_filename));
    expect(files.every((f) => f.type === 'image/jpeg')).toBe(true);
    const rows = await server.database.db.selectFrom('assets').select(['original_filename', 'file_size']).where('id', 'in', assets.map((a) => a.id)).execute();
    expect(Object.fromEntries(files.map((f) => [f.name, f.size]))).toEqual(Object.fromEntries(rows.map((r) => [r.original_filename, r.file_size])));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('desktop: no Save to Photos where files cannot be shared; Download stays', async () => {
    const { context, page } = await open(SIZES[1], `/s/${token}`);
    await page.click('[data-select-start]');
    await page.click(`.grid .tile[data-id="${assets[0]!.id}"]`);
    expect(await page.isVisible('#select-bar [data-action="save"]')).toBe(false);
    expect(await page.isVisible('#select-bar [data-action="download"]')).toBe(true);
    await context.close();
  });
});
