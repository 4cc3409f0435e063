// The lightbox over a long album in real Chromium (390×844 touch, 1440×900): the counter
// knows the album's total from the first open, though only the first pages' tiles are in
// the page; moving on past the loaded tiles fetches the next page; closing leaves the tile
// of the item last shown on screen (clear of the sticky bars) and focused. A guest whose
// link is turned off while the page is open is told so, not "cannot be shown".
// Seeded rows without files: thumbnails and previews answer 404 (the placeholders stay).
// Screenshots go to test-output/lightbox/: look at them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchBrowser, pageProblems, pageScriptsRan, PHONE_AND_DESKTOP, sizedContext } from '../helpers/browser.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { silentLogger } from '../../src/log.ts';
import { dayOf, seedAlbum } from './fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'lightbox');
const SIZES = PHONE_AND_DESKTOP;
/** Six days of 100: pages of 40, 200, 200 and 160 tiles (src/routes/album-grid.ts). */
const TOTAL = 600;
const CURRENT = '.pswp__item[aria-hidden="false"]';

if (!hasChromium()) console.warn(`[lightbox-return] skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium())('the lightbox over a long album', () => {
  let server: TestServer;
  let browser: Browser;
  let cookie: string;
  let albumId: string;
  let ids: string[];

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite', log: silentLogger });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    cookie = await sessionCookie(db, owner);
    const days = ['2024-07-10', '2024-07-11', '2024-07-12', '2024-07-13', '2024-07-14', '2024-07-15'];
    const seeded = await seedAlbum(db, owner.id, days.flatMap((d) => dayOf(d, TOTAL / days.length)), 'Long summer');
    albumId = seeded.albumId;
    ids = seeded.assets.map((a) => a.id);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openPage(size: (typeof SIZES)[number], path: string, signedIn = true) {
    const context = await sizedContext(browser, size);
    if (signedIn) await context.addCookies([{ name: 'shoebox_session', value: cookie.split('=')[1]!, url: server.url }]);
    const page = await context.newPage();
    const problems = pageProblems(page); // seeded rows have no files, and a turned-off link answers 404
    await page.goto(server.url + path, { waitUntil: 'load' });
    await pageScriptsRan(page);
    return { context, page, problems };
  }

  /** The tiles in the page, those static/js/grid-window.js parked far from the screen included. */
  const tileCount = (page: Page) =>
    page.evaluate(() => (window as unknown as { shoeboxGrid: { allTiles(): Element[] } }).shoeboxGrid.allTiles().length);
  /** …once the pages that come without scrolling are in. */
  async function settledTileCount(page: Page) {
    for (let last = -1; ; ) {
      const now = await tileCount(page);
      if (now === last) return now;
      last = now;
      await page.waitForTimeout(800);
    }
  }
  const counter = (page: Page) => page.textContent('.pswp__counter');
  const waitHash = (page: Page, id: string) => page.waitForFunction((h) => location.hash === h, `#photo=${id}`);

  async function openTile(page: Page, size: (typeof SIZES)[number], index: number) {
    const tile = `a.tile[data-id="${ids[index]}"]`;
    await page.$eval(tile, (el) => el.scrollIntoView({ block: 'center' }));
    if (size.touch) await page.tap(tile);
    else await page.click(tile);
    await page.waitForSelector('.pswp--open.pswp--ui-visible');
    await waitHash(page, ids[index]!);
    await page.waitForTimeout(350); // the opening zoom
  }

  /** Where the tile of item `index` is, below what the sticky bars cover, and whether it (or something in it) has the focus. */
  function tileState(page: Page, index: number) {
    return page.evaluate((id) => {
      const tile = document.querySelector<HTMLElement>(`a.tile[data-id="${id}"]`)!;
      const r = tile.getBoundingClientRect();
      const bar = document.querySelector('.topbar')!.getBoundingClientRect().bottom;
      // A day header stuck under the bar covers the grid's top too.
      const heads = [...document.querySelectorAll('.day-head')].map((h) => h.getBoundingClientRect()).filter((h) => Math.abs(h.top - bar) < 1);
      const covered = Math.max(bar, ...heads.map((h) => h.bottom));
      return { top: r.top, bottom: r.bottom, height: innerHeight, covered, focused: tile.contains(document.activeElement), scrollY };
    }, ids[index]!);
  }

  async function expectReturnedTo(page: Page, index: number) {
    await page.waitForSelector('.pswp', { state: 'detached' });
    await page.waitForFunction((id) => document.activeElement?.closest('a.tile')?.getAttribute('data-id') === id, ids[index]!);
    const first = (await tileState(page, index))!;
    expect(first.focused).toBe(true);
    expect(first.top).toBeGreaterThanOrEqual(first.covered - 1); // not under the sticky bars
    expect(first.bottom).toBeLessThanOrEqual(first.height + 1);
    // And it stays there: nothing scrolls the page back afterwards.
    await page.waitForTimeout(500);
    const later = (await tileState(page, index))!;
    expect(later.scrollY).toBe(first.scrollY);
    expect(later.focused).toBe(true);
  }

  for (const size of SIZES) {
    it(`counts the whole album, and closing returns to the item last shown, at ${size.name} size`, async () => {
      const { context, page, problems } = await openPage(size, `/albums/${albumId}`);
      const loaded = await tileCount(page);
      expect(loaded).toBeLessThan(TOTAL); // the later pages are not in the page yet
      expect(await page.getAttribute('#album-grid', 'data-total')).toBe(String(TOTAL));

      await openTile(page, size, 10);
      expect(await counter(page)).toBe(`11 / ${TOTAL}`);
      await page.screenshot({ path: join(OUT, `counter-${size.name}.png`) });
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press('ArrowRight');
        await page.waitForTimeout(60);
      }
      await waitHash(page, ids[22]!);
      expect(await counter(page)).toBe(`23 / ${TOTAL}`);
      await page.keyboard.press('Escape');
      await expectReturnedTo(page, 22);
      await page.screenshot({ path: join(OUT, `returned-${size.name}.png`) });

      // From the other end of the screen: back up 12 from item 60 and close with the button.
      await openTile(page, size, 59);
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press('ArrowLeft');
        await page.waitForTimeout(60);
      }
      await waitHash(page, ids[47]!);
      await page.click('.pswp__button--close');
      await expectReturnedTo(page, 47);

      expect(problems).toEqual([]);
      await context.close();
    }, 90_000);
  }

  it('moves on past the tiles loaded so far: the next page comes, the counter stays', async () => {
    const size = SIZES[1];
    const { context, page, problems } = await openPage(size, `/albums/${albumId}`);
    const loaded = await settledTileCount(page);
    expect(loaded).toBeLessThan(TOTAL - 20);
    await openTile(page, size, loaded - 2);
    expect(await counter(page)).toBe(`${loaded - 1} / ${TOTAL}`);
    const target = loaded + 8;
    const counters = new Set<string | null>();
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('ArrowRight');
      counters.add(await counter(page));
    }
    await waitHash(page, ids[target]!);
    await page.waitForFunction((sel) => !document.querySelector(`${sel} .lb-note`), CURRENT); // not "Loading…"
    expect(await counter(page)).toBe(`${target + 1} / ${TOTAL}`);
    expect([...counters].every((c) => c?.endsWith(` / ${TOTAL}`))).toBe(true);
    expect(await tileCount(page)).toBeGreaterThan(target);
    await page.keyboard.press('Escape');
    await expectReturnedTo(page, target);
    await page.screenshot({ path: join(OUT, 'returned-past-loaded-desktop.png') });
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('tells a guest whose link was turned off while the page was open that it was', async () => {
    const res = await server.fetch(`/api/albums/${albumId}/share`, {
      method: 'POST',
      headers: { cookie, origin: server.url, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(201);
    const { token } = (await res.json()).link as { token: string };
    const size = SIZES[0];
    const { context, page, problems } = await openPage(size, `/s/${token}`, false);
    const loaded = await settledTileCount(page);
    expect(loaded).toBeLessThan(TOTAL);
    expect(await page.getAttribute('#album-grid', 'data-total')).toBe(String(TOTAL));
    // While the link is open, a photo that cannot load says so plainly.
    await openTile(page, size, loaded - 1);
    expect(await counter(page)).toBe(`${loaded} / ${TOTAL}`);
    await page.waitForFunction((sel) => document.querySelector(`${sel} .pswp__error-msg`)?.textContent === 'This item cannot be shown here.', CURRENT);
    await page.keyboard.press('Escape');
    await page.waitForSelector('.pswp', { state: 'detached' });

    const off = await server.fetch(`/api/share/${token}`, { method: 'DELETE', headers: { cookie, origin: server.url } });
    expect(off.ok).toBe(true);
    const before = await settledTileCount(page);
    await openTile(page, size, before - 1);
    await page.keyboard.press('ArrowRight'); // a slide whose page has not come
    await page.waitForFunction((sel) => document.querySelector(`${sel} .lb-note`)?.textContent === 'This link was turned off by its owner.', CURRENT, { timeout: 10_000 });
    expect(await counter(page)).toBe(`${before + 1} / ${TOTAL}`);
    await page.screenshot({ path: join(OUT, 'link-turned-off-phone.png') });
    // Back on a loaded one whose image does not come either: the same words.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((sel) => document.querySelector(`${sel} .pswp__error-msg`)?.textContent === 'This link was turned off by its owner.', CURRENT, { timeout: 10_000 });
    // The neighbours' images fail on their own time, each then asking: none keeps the plain words.
    await page.waitForFunction(() => !document.querySelector('.pswp')?.textContent?.includes('This item cannot be shown here.'), undefined, { timeout: 10_000 });
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
