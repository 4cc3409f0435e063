// Select mode and the trash in real Chromium, on a phone (390×844, touch) and a desktop
// (1440×900, mouse): long press or a tile's check starts selecting, a tap then toggles
// instead of opening, a day header selects its day; Add to album (an existing one, or a new
// one), Remove from album, Use as cover, custom order by drag (desktop) and Move later
// (phone), Delete with a confirm that names the albums, then /trash and Restore.
// Screenshots go to test-output/select/ (not in git): look at them.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { appendAssetsToAlbum } from '../../src/queries/albums.ts';
import { CHROMIUM, hasChromium, launchBrowser, longPress, PHONE_AND_DESKTOP } from '../helpers/browser.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { pythonZip } from '../downloads/zip-readers.ts';
import { dayOf, seedAlbum } from './fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'select');
const SIZES = PHONE_AND_DESKTOP;
type Size = (typeof SIZES)[number];

if (!hasChromium()) console.warn(`[select-browser] skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium())('select mode and trash in Chromium', () => {
  let server: TestServer;
  let owner: User;
  let cookieValue: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite' });
    owner = await newUser(server.database.db, { role: 'owner' });
    cookieValue = (await sessionCookie(server.database.db, owner)).split('=')[1]!;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const db = () => server.database.db;
  async function api(path: string) {
    const res = await fetch(server.url + path, { headers: { cookie: `shoebox_session=${cookieValue}` } });
    expect(res.status).toBe(200);
    return res.json();
  }
  const albumIds = async (albumId: string) => ((await api(`/api/albums/${albumId}`)).assets as { id: string }[]).map((a) => a.id);

  async function open(size: Size, path: string) {
    const context: BrowserContext = await browser.newContext({
      viewport: size.viewport,
      deviceScaleFactor: size.scale,
      hasTouch: size.touch,
      isMobile: size.touch,
      acceptDownloads: true,
    });
    await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/Failed to load resource.*404/.test(msg.text())) problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(server.url + path, { waitUntil: 'load' });
    return { context, page, problems };
  }

  const tile = (id: string) => `.grid .tile[data-id="${id}"]`;
  /** Every tile's id in the grid's order, rows parked out of the DOM (grid-window.js) included. */
  const gridOrder = (page: Page) =>
    page.evaluate(() => {
      const grid = (window as { shoeboxGrid?: { allTiles(): Element[] } }).shoeboxGrid;
      return (grid ? grid.allTiles() : [...document.querySelectorAll('.grid .tile')]).map((t) => (t as HTMLElement).dataset.id!);
    });
  const selectedCount = (page: Page) => page.textContent('#select-bar .select-count');

  /** Starts selecting with one tile: a long press on the phone, the tile's check with a mouse. */
  async function startWith(page: Page, size: Size, id: string) {
    if (size.touch) {
      await longPress(page, tile(id));
    } else {
      await page.hover(tile(id));
      await page.click(`${tile(id)} .tile-check`);
    }
    await page.waitForSelector('#select-bar:not([hidden])');
  }
  /** Another tile, once selecting: a plain tap or click. */
  const tap = (page: Page, size: Size, selector: string) => (size.touch ? page.tap(selector) : page.click(selector));

  /** Waits for the toast to say this (it keeps the last message for a few seconds). */
  async function toast(page: Page, text: RegExp) {
    const said = () =>
      page.evaluate(() => {
        const el = document.getElementById('select-toast')!;
        return el.hidden ? '' : el.querySelector('[data-text]')!.textContent!;
      });
    for (let i = 0; i < 50 && !text.test(await said()); i++) await page.waitForTimeout(100);
    expect(await said()).toMatch(text);
  }

  for (const size of SIZES) {
    it(`selects by ${size.touch ? 'long press' : 'check'} and by day; adds to albums, removes, sets the cover (${size.name})`, { timeout: 90_000 }, async () => {
      const lake = await seedAlbum(db(), owner.id, [...dayOf('2024-07-12', 4), ...dayOf('2024-07-13', 6), ...dayOf('2024-07-14', 3)], `Lake ${size.name}`);
      const best = await seedAlbum(db(), owner.id, [], `Best of ${size.name}`);
      const ids = lake.assets.map((a) => a.id);
      const { context, page, problems } = await open(size, `/albums/${lake.albumId}`);
      const url = page.url();
      // Not selecting yet: no checks on a phone; on a desktop the hovered tile shows one.
      if (!size.touch) await page.hover(tile(ids[1]!));
      await page.waitForTimeout(300);
      expect(await page.$eval(`${tile(ids[0]!)} .tile-check`, (el) => getComputedStyle(el).opacity)).toBe('0');
      if (!size.touch) expect(await page.$eval(`${tile(ids[1]!)} .tile-check`, (el) => getComputedStyle(el).opacity)).toBe('1');
      await page.screenshot({ path: join(OUT, `album-${size.name}.png`) });

      await startWith(page, size, ids[0]!);
      expect(await selectedCount(page)).toBe('1 selected');
      expect(await page.getAttribute(tile(ids[0]!), 'aria-checked')).toBe('true');
      // Now a tap toggles and opens nothing.
      await tap(page, size, tile(ids[1]!));
      expect(await selectedCount(page)).toBe('2 selected');
      await tap(page, size, tile(ids[1]!));
      expect(await selectedCount(page)).toBe('1 selected');
      expect(page.url()).toBe(url);
      expect(await page.$('.pswp')).toBeNull();
      // The whole of Sat 13 Jul from its header.
      await tap(page, size, '.day:nth-of-type(2) .day-check');
      expect(await selectedCount(page)).toBe('7 selected');
      expect(await page.getAttribute('.day:nth-of-type(2) .day-check', 'aria-pressed')).toBe('true');
      await page.screenshot({ path: join(OUT, `album-selecting-${size.name}.png`) });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(OUT, `album-selecting-${size.name}-dark.png`) });
      await page.emulateMedia({ colorScheme: 'light' });

      // Add to album: the picker lists the others.
      await page.click('#select-bar [data-action="add"]');
      await page.waitForSelector(`#album-picker .picker-item[data-album-id="${best.albumId}"]`);
      expect(await page.$(`#album-picker .picker-item[data-album-id="${lake.albumId}"]`)).toBeNull();
      await page.screenshot({ path: join(OUT, `album-picker-${size.name}.png`) });
      await page.click(`#album-picker .picker-item[data-album-id="${best.albumId}"]`);
      await toast(page, new RegExp(`Added 7 items to “Best of ${size.name}”`));
      expect(await page.evaluate(() => document.documentElement.classList.contains('selecting'))).toBe(false);
      expect(new Set(await albumIds(best.albumId))).toEqual(new Set([ids[0], ...ids.slice(4, 10)]));

      // Remove from album (on the phone it is in the ⋮ menu).
      await startWith(page, size, ids[12]!);
      if (size.touch) {
        await page.tap('#select-bar [popovertarget="select-more"]');
        await page.tap('#select-more [data-action="remove"]');
      } else {
        await page.click('#select-bar [data-action="remove"]');
      }
      await toast(page, /1 item removed from this album/);
      expect(await page.$(tile(ids[12]!))).toBeNull();
      expect(await albumIds(lake.albumId)).not.toContain(ids[12]);
      await page.waitForFunction(() => document.querySelector('.album-meta')!.textContent!.startsWith('12 photos'));

      // Use as cover; the album list shows it.
      await startWith(page, size, ids[5]!);
      if (size.touch) {
        await page.tap('#select-bar [popovertarget="select-more"]');
        await page.tap('#select-more [data-action="cover"]');
      } else {
        await page.click('#select-bar [data-action="cover"]');
      }
      await toast(page, /Cover changed/);
      expect((await api(`/api/albums/${lake.albumId}`)).album.coverAssetId).toBe(ids[5]);
      await page.goto(`${server.url}/`);
      const cover = await page.getAttribute(`a.album-card[href="/albums/${lake.albumId}"] .cover img`, 'src');
      expect(cover).toContain(ids[5]);

      // Escape leaves select mode (desktop keyboards).
      if (!size.touch) {
        await page.goto(`${server.url}/albums/${lake.albumId}`);
        await startWith(page, size, ids[2]!);
        await page.keyboard.press('Escape');
        expect(await page.isHidden('#select-bar')).toBe(true);
        expect(await page.$('.grid .tile.selected')).toBeNull();
      }
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`reorders a custom-order album by ${size.touch ? 'Move later' : 'drag and drop'}; the order stays after a reload (${size.name})`, { timeout: 90_000 }, async () => {
      const album = await seedAlbum(db(), owner.id, dayOf('2024-05-01', 8), `Custom ${size.name}`);
      const ids = album.assets.map((a) => a.id);
      await db().updateTable('albums').set({ sort_order: 'manual' }).where('id', '=', album.albumId).execute();
      const { context, page, problems } = await open(size, `/albums/${album.albumId}`);
      expect(await gridOrder(page)).toEqual(ids);
      const saved = () => page.waitForResponse((r) => r.url().endsWith(`/api/albums/${album.albumId}/order`) && r.request().method() === 'PUT');

      if (size.touch) {
        await startWith(page, size, ids[0]!);
        await page.waitForSelector('[data-move-bar]:not([hidden])', { timeout: 5_000 }); // one tile selected: Move earlier/later
        expect(await page.isDisabled('[data-move-bar] [data-action="earlier"]')).toBe(true);
        await page.screenshot({ path: join(OUT, `custom-order-move-${size.name}.png`) });
        let done = saved();
        await page.tap('[data-move-bar] [data-action="later"]');
        await done;
        done = saved();
        await page.tap('[data-move-bar] [data-action="later"]');
        expect((await done).status()).toBe(200);
      } else {
        const target = (await page.locator(tile(ids[2]!)).boundingBox())!;
        const done = saved();
        await page.dragAndDrop(tile(ids[0]!), tile(ids[2]!), { targetPosition: { x: target.width * 0.75, y: target.height / 2 } });
        expect((await done).status()).toBe(200);
      }
      const expected = [ids[1], ids[2], ids[0], ...ids.slice(3)];
      expect(await gridOrder(page)).toEqual(expected);
      await page.reload({ waitUntil: 'load' });
      expect(await gridOrder(page)).toEqual(expected);
      expect(await albumIds(album.albumId)).toEqual(expected);
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`deletes with a confirm that names the albums, then restores from the trash (${size.name})`, { timeout: 90_000 }, async () => {
      const trip = await seedAlbum(db(), owner.id, dayOf('2024-03-03', 6), `Trip ${size.name}`);
      const ids = trip.assets.map((a) => a.id);
      const other = await seedAlbum(db(), owner.id, [], `Favourites ${size.name}`);
      await appendAssetsToAlbum(db(), other.albumId, [ids[3]!]);
      const { context, page, problems } = await open(size, `/albums/${trip.albumId}`);

      await startWith(page, size, ids[2]!);
      await tap(page, size, tile(ids[3]!));
      await page.click('#select-bar [data-action="delete"]');
      await page.waitForSelector('#delete-confirm:popover-open');
      expect(await page.textContent('#delete-confirm [data-text]')).toMatch(/^2 items in 2 albums — they move to the trash for 30 days/);
      await page.screenshot({ path: join(OUT, `delete-confirm-${size.name}.png`) });
      await page.click('#delete-confirm [data-action="delete-confirmed"]');
      await toast(page, /2 items moved to the trash/);
      expect(await page.$(tile(ids[2]!))).toBeNull();
      expect(await albumIds(trip.albumId)).toEqual([ids[0], ids[1], ids[4], ids[5]]);
      expect(await albumIds(other.albumId)).toEqual([]);
      await page.screenshot({ path: join(OUT, `after-delete-${size.name}.png`) });

      // The trash, from the library's Trash link.
      await page.goto(`${server.url}/library`);
      await Promise.all([page.waitForURL(/\/trash$/), tap(page, size, 'a[href="/trash"]')]);
      expect(await page.textContent('main')).toContain('30 days left');
      expect(await page.isVisible(tile(ids[2]!))).toBe(true);
      await page.screenshot({ path: join(OUT, `trash-${size.name}.png`) });
      // A tap opens the item large, to look before restoring it.
      await tap(page, size, tile(ids[2]!));
      await page.waitForSelector('.pswp--open.pswp--ui-visible');
      await page.waitForFunction((h) => location.hash === h, `#photo=${ids[2]}`);
      await page.waitForTimeout(500); // keys wait for the opening animation
      await page.keyboard.press('Escape');
      await page.waitForSelector('.pswp--open', { state: 'detached' });
      // Selecting as elsewhere (long press, or the check); × leaves; then Restore.
      if (size.touch) await longPress(page, tile(ids[2]!));
      else await page.click(`${tile(ids[2]!)} .tile-check`);
      expect(await selectedCount(page)).toBe('1 selected');
      await page.click('#select-bar [data-action="cancel"]');
      expect(await page.isHidden('#select-bar')).toBe(true);
      if (size.touch) await longPress(page, tile(ids[2]!));
      else await page.click(`${tile(ids[2]!)} .tile-check`);
      await tap(page, size, tile(ids[3]!));
      expect(await selectedCount(page)).toBe('2 selected');
      await page.screenshot({ path: join(OUT, `trash-selected-${size.name}.png`) });
      await page.click('#select-bar [data-action="restore"]');
      await toast(page, /2 items restored/);
      expect(await albumIds(trip.albumId)).toEqual(ids);
      expect(await albumIds(other.albumId)).toEqual([ids[3]]);
      await page.goto(`${server.url}/albums/${trip.albumId}`);
      expect(await gridOrder(page)).toEqual(ids);
      expect(problems).toEqual([]);
      await context.close();
    });

    if (!size.touch) {
      it('shift-click selects a range (desktop); the details say which guest or uploader added an item', { timeout: 60_000 }, async () => {
        const album = await seedAlbum(db(), owner.id, [...dayOf('2024-06-01', 4), ...dayOf('2024-06-02', 4)], 'Range');
        const ids = album.assets.map((a) => a.id);
        const guest = await seedAlbum(db(), owner.id, [], 'Other');
        await appendAssetsToAlbum(db(), guest.albumId, [ids[1]!], { name: 'Anna' });
        const { context, page, problems } = await open(size, `/albums/${album.albumId}`);
        const order = await gridOrder(page);
        await page.click(`${tile(order[1]!)} .tile-check`);
        await page.click(tile(order[5]!), { modifiers: ['Shift'] });
        expect(await selectedCount(page)).toBe('5 selected');
        const chosen = await page.locator('.grid .tile.selected').evaluateAll((ts) => ts.map((t) => (t as HTMLElement).dataset.id));
        expect(chosen).toEqual(order.slice(1, 6));
        expect(await page.evaluate(() => String(window.getSelection()))).toBe(''); // no text selected by the shift-click
        // Backwards from there, across the day: adds to the selection.
        await page.click(tile(order[0]!), { modifiers: ['Shift'] });
        expect(await selectedCount(page)).toBe('6 selected');
        await page.keyboard.press('Escape');

        await page.click(tile(ids[1]!));
        await page.waitForSelector('.pswp--open');
        await page.click('.pswp__button--info');
        await page.waitForFunction(() => /Added by/i.test(document.querySelector('.lb-info')?.textContent ?? ''));
        expect(await page.textContent('.lb-info')).toContain('Anna · through a link, in “Other”');
        expect(problems).toEqual([]);
        await context.close();
      });

      it('deleting the last tile of a page does not stop the next pages from loading (desktop)', { timeout: 90_000 }, async () => {
        // Pages of 40, 200 and 60: the second comes at once, the third when scrolled near.
        const big = await seedAlbum(db(), owner.id, dayOf('2024-02-02', 300), 'Long day');
        const ids = big.assets.map((a) => a.id);
        const { context, page, problems } = await open(size, `/albums/${big.albumId}`);
        const loaded = await gridOrder(page);
        expect(loaded.length).toBeLessThan(ids.length);
        const last = loaded.at(-1)!;
        await page.$eval(`${tile(last)} .tile-check`, (el) => (el as HTMLElement).click());
        await page.click('#select-bar [data-action="delete"]');
        await page.click('#delete-confirm [data-action="delete-confirmed"]');
        await toast(page, /1 item moved to the trash/);
        for (let i = 0; i < 40 && (await gridOrder(page)).length < ids.length - 1; i++) {
          await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          await page.waitForTimeout(250);
        }
        const order = await gridOrder(page);
        expect(order).toEqual(ids.filter((id) => id !== last));
        expect(problems).toEqual([]);
        await context.close();
      });
    }

    it(`selects in the library and adds to a new album (${size.name})`, { timeout: 90_000 }, async () => {
      const shots = await seedAlbum(db(), owner.id, dayOf('2030-01-02', 3), `Library source ${size.name}`);
      const ids = shots.assets.map((a) => a.id);
      const { context, page, problems } = await open(size, '/library');
      await startWith(page, size, ids[0]!);
      await tap(page, size, tile(ids[2]!));
      expect(await selectedCount(page)).toBe('2 selected');
      expect(await page.$('#select-bar [data-action="remove"]')).toBeNull();
      await page.screenshot({ path: join(OUT, `library-selecting-${size.name}.png`) });
      await page.click('#select-bar [data-action="add"]');
      await page.fill('#album-picker input[name="title"]', `Made from the library ${size.name}`);
      await page.click('#album-picker [data-new-album] button[type="submit"]');
      await toast(page, new RegExp(`Added 2 items to “Made from the library ${size.name}”`));
      const made = ((await api('/api/albums')).albums as { id: string; title: string }[]).find((a) => a.title === `Made from the library ${size.name}`)!;
      expect(new Set(await albumIds(made.id))).toEqual(new Set([ids[0], ids[2]]));

      // Download: one ZIP of the selection, holding the original under its own name.
      const original = join(server.deps.dataDir.root, shots.assets[1]!.storage_path);
      const bytes = Buffer.from('not really a jpeg');
      mkdirSync(dirname(original), { recursive: true });
      writeFileSync(original, bytes);
      await server.database.db.updateTable('assets').set({ file_size: bytes.length, crc32: crc32(bytes) }).where('id', '=', ids[1]!).execute();
      await startWith(page, size, ids[1]!);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#select-bar [data-action="download"]')]);
      expect(download.suggestedFilename()).toMatch(/^Shoebox \d{4}-\d{2}-\d{2}\.zip$/);
      const entries = pythonZip((await download.path())!, { hash: true });
      expect(entries.map((e) => [e.name.split('/')[1], e.sha256])).toEqual([[shots.assets[1]!.original_filename, createHash('sha256').update(bytes).digest('hex')]]);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
