// The album list, album page and library in real Chromium, on a phone (390×844) and a desktop
// (1440×900): the justified rows fill the width at their aspect ratios, nothing shifts
// while scrolling (CLS from the Layout Instability API must be 0), day headers stay
// pinned, more pages come in as you scroll, and no CSP violation is reported.
// Screenshots go to test-output/albums/ (not in git): look at them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { CHROMIUM, DESKTOP, hasChromium, launchBrowser, PHONE } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { dayOf, seedAlbum, type SeedItem } from './fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'albums');
const SIZES = [
  // rowHeight: the base height each row grows from (css/grid.css .grid --row-h).
  // arMax: panoramas are cropped to this in the grid.
  { name: 'phone', viewport: PHONE, scale: 3, rowHeight: 96, gap: 2, arMax: 2 },
  { name: 'desktop', viewport: DESKTOP, scale: 1, rowHeight: 200, gap: 4, arMax: 2 },
] as const;

if (!hasChromium()) console.warn(`[album-browser] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

declare global {
  interface Window {
    __cls: number;
    shoeboxGrid?: { allTiles(): Element[]; hold(): void; release(): void };
    __shifts: { value: number; sources: string[] }[];
  }
}

// About 30 items over three days: every shape, a video, a failed item, one not processed yet.
function lakeWeekend(): SeedItem[] {
  const items = [...dayOf('2024-07-12', 9), ...dayOf('2024-07-13', 14), ...dayOf('2024-07-14', 8)];
  items[3] = { ...items[3]!, kind: 'video', duration: 42, width: 1080, height: 1920 };
  items[12] = { ...items[12]!, kind: 'video', duration: 7 * 60 + 5, width: 1920, height: 1080 };
  items[17] = { ...items[17]!, status: 'failed', error: 'This file is damaged and could not be read', thumbhash: false };
  items[25] = { ...items[25]!, status: 'pending' };
  return items;
}

// A phone scrolls through many screens, each waiting for the network to settle while the
// live grid polls for the seeded item that is never processed: minutes on a loaded machine.
describe.skipIf(!hasChromium())('album pages in Chromium', { timeout: 120_000 }, () => {
  let server: TestServer;
  let owner: User;
  let cookieValue: string;
  let browser: Browser;
  let album: { albumId: string };
  let big: { albumId: string; assets: { id: string }[] };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite' });
    const db = server.database.db;
    owner = await newUser(db, { role: 'owner' });
    cookieValue = (await sessionCookie(db, owner)).split('=')[1]!;
    // The list: a few albums with covers, one empty; the big one is the oldest.
    big = await seedAlbum(db, owner.id, [...dayOf('2024-06-01', 30), ...dayOf('2024-06-02', 300), ...dayOf('2024-06-03', 10)], 'Everything from June');
    await newAlbum(db, owner.id, { title: 'Nothing in here yet' });
    await seedAlbum(db, owner.id, dayOf('2023-12-24', 5), 'Christmas at grandma’s house with the whole family');
    album = await seedAlbum(db, owner.id, lakeWeekend(), 'Lake weekend', 'Three days at the lake with the Müllers. Rain on Saturday, sun the rest.');
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(size: (typeof SIZES)[number], path: string, colorScheme: 'light' | 'dark' = 'light') {
    const context: BrowserContext = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.scale, colorScheme, hasTouch: size.name === 'phone', isMobile: size.name === 'phone' });
    await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
    await context.addInitScript(() => {
      window.__cls = 0;
      window.__shifts = [];
      new PerformanceObserver((list) => {
        type Shift = PerformanceEntry & { value: number; hadRecentInput: boolean; sources?: { node?: Node; currentRect: DOMRectReadOnly }[] };
        for (const entry of list.getEntries() as Shift[]) {
          if (entry.hadRecentInput) continue;
          window.__cls += entry.value;
          window.__shifts.push({
            value: entry.value,
            sources: (entry.sources ?? []).map((s) => {
              const { x, y, width, height } = s.currentRect;
              return `${Math.round(entry.startTime)} ms, now at ${[x, y, width, height].map(Math.round)}: ${(s.node as Element | undefined)?.outerHTML?.slice(0, 60) ?? '(no node: a pseudo-element)'}`;
            }),
          });
        }
      }).observe({ type: 'layout-shift', buffered: true });
    });
    const page = await context.newPage();
    // THROTTLE=6: a slow phone on a slow connection (HTML arrives in pieces, parsing yields).
    if (process.env.THROTTLE) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: Number(process.env.THROTTLE) });
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 100, downloadThroughput: 100_000, uploadThroughput: 50_000 });
    }
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/Failed to load resource.*404/.test(msg.text())) problems.push(msg.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(server.url + path, { waitUntil: 'load' });
    return { context, page, problems };
  }

  async function scrollThrough(page: Page) {
    for (let i = 0; i < 60; i++) {
      const done = await page.evaluate(() => {
        window.scrollBy(0, window.innerHeight * 0.8);
        return window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
      });
      await page.waitForTimeout(250);
      if (done) {
        await page.waitForLoadState('networkidle');
        const still = await page.evaluate(() => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2);
        if (still) break;
      }
    }
    await page.waitForTimeout(300);
  }

  /** Rows of tiles per section: their boxes, as laid out. */
  function rowsOf(page: Page) {
    return page.evaluate(() =>
      [...document.querySelectorAll('.tiles')].map((tiles) => {
        const rows = new Map<number, { left: number; right: number; width: number; height: number; ar: number }[]>();
        for (const tile of tiles.querySelectorAll<HTMLElement>('.tile')) {
          const r = tile.getBoundingClientRect();
          const top = Math.round(r.top + window.scrollY);
          const ar = Number(tile.style.getPropertyValue('--ar'));
          rows.set(top, [...(rows.get(top) ?? []), { left: r.left, right: r.right, width: r.width, height: r.height, ar }]);
        }
        const box = tiles.getBoundingClientRect();
        return { left: box.left, right: box.right, rows: [...rows.values()] };
      }),
    );
  }

  for (const size of SIZES) {
    it(`album list at ${size.name} size`, async () => {
      const { context, page, problems } = await open(size, '/');
      const columns = await page.evaluate(() => getComputedStyle(document.querySelector('.album-cards')!).gridTemplateColumns.split(' ').length);
      expect(columns).toBe(size.name === 'phone' ? 2 : 6);
      const cover = await page.evaluate(() => {
        const el = document.querySelector('.cover')!.getBoundingClientRect();
        return { w: el.width, h: el.height, radius: getComputedStyle(document.querySelector('.cover')!).borderRadius };
      });
      expect(Math.abs(cover.w - cover.h)).toBeLessThan(1);
      expect(cover.radius).toBe('12px');
      await page.screenshot({ path: join(OUT, `list-${size.name}.png`) });
      await page.click('button[popovertarget="new-album"]');
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => document.querySelector('#new-album')!.matches(':popover-open'))).toBe(true);
      await page.screenshot({ path: join(OUT, `list-new-album-${size.name}.png`) });
      await page.fill('#new-album-title', 'Made in the browser');
      await Promise.all([page.waitForURL(/\/albums\/[0-9a-f-]{36}$/), page.click('#new-album button[type="submit"]')]);
      expect(await page.textContent('.album-title')).toBe('Made in the browser');
      await page.screenshot({ path: join(OUT, `album-empty-${size.name}.png`) });
      const dark = await open(size, '/', 'dark');
      await dark.page.screenshot({ path: join(OUT, `list-${size.name}-dark.png`) });
      await dark.context.close();
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`album page at ${size.name} size: justified rows, no layout shift, pinned day headers`, async () => {
      const { context, page, problems } = await open(size, `/albums/${album.albumId}`);
      await page.screenshot({ path: join(OUT, `album-${size.name}.png`) });

      // Rows fill the width edge to edge (all but each day's last), tiles keep their aspect ratio.
      const sections = await rowsOf(page);
      if (process.env.DEBUG_ROWS) console.log(JSON.stringify(sections.map((s) => s.rows.map((r) => r.map((t) => [Math.round(t.width), Math.round(t.height), t.ar])))));
      expect(sections).toHaveLength(3);
      for (const section of sections) {
        section.rows.forEach((row, i) => {
          const last = i === section.rows.length - 1;
          for (const tile of row) {
            const ar = Math.min(tile.ar, size.arMax);
            expect(Math.abs(tile.width / tile.height - ar)).toBeLessThan(0.02 * ar + 1 / tile.height);
            expect(Math.abs(tile.height - row[0]!.height)).toBeLessThan(1);
          }
          expect(row[0]!.left - section.left).toBeLessThan(0.5);
          if (!last) {
            expect(section.right - row.at(-1)!.right).toBeLessThan(1);
            // A row grows from the base height; only a lone panorama wider than the screen shrinks.
            if (row.length > 1) expect(row[0]!.height).toBeGreaterThanOrEqual(size.rowHeight - 1);
            expect(row[0]!.height).toBeLessThan(size.rowHeight * 2.4);
          } else {
            expect(Math.abs(row[0]!.height - size.rowHeight)).toBeLessThan(1);
          }
          for (let t = 1; t < row.length; t++) expect(Math.abs(row[t]!.left - row[t - 1]!.right - size.gap)).toBeLessThan(0.6);
        });
      }

      // Placeholders paint; a missing thumbnail stays hidden over its placeholder.
      const tileState = await page.evaluate(() => {
        const tile = document.querySelector<HTMLElement>('.tile[data-status="ready"]')!;
        const img = tile.querySelector('img')!;
        return { bg: getComputedStyle(tile).backgroundImage, opacity: getComputedStyle(img).opacity, complete: img.complete };
      });
      expect(tileState.bg).toMatch(/^linear-gradient\((rgb\(\d+, \d+, \d+\)(, )?){3}\)$/);
      expect(tileState.opacity).toBe('0');

      await scrollThrough(page);
      await page.screenshot({ path: join(OUT, `album-${size.name}-scrolled.png`) });

      // The header of the day being scrolled stays under the top bar.
      const pinned = await page.evaluate(() => {
        const day = document.querySelectorAll('section.day')[1]!;
        window.scrollTo(0, day.getBoundingClientRect().top + window.scrollY + 200);
        const bar = document.querySelector('.topbar')!.getBoundingClientRect().bottom;
        const head = day.querySelector('.day-head')!.getBoundingClientRect();
        return { text: day.querySelector('.day-head')!.textContent, top: head.top, bar };
      });
      expect(pinned.text).toBe('Sat, 13 Jul 2024');
      expect(Math.abs(pinned.top - pinned.bar)).toBeLessThan(1);
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(OUT, `album-${size.name}-pinned-header.png`) });

      const { cls, shifts } = await page.evaluate(() => ({ cls: window.__cls, shifts: window.__shifts }));
      expect(shifts).toEqual([]);
      expect(cls).toBe(0);
      expect(problems).toEqual([]);
      await page.screenshot({ path: join(OUT, `album-${size.name}-full.png`), fullPage: true });

      const dark = await open(size, `/albums/${album.albumId}`, 'dark');
      await dark.page.screenshot({ path: join(OUT, `album-${size.name}-dark.png`) });
      await dark.page.click('summary[aria-label="Edit title and description"]').catch(() => {});
      await dark.context.close();
      await context.close();
    });

    it(`album menu and in-place edit at ${size.name} size`, async () => {
      const { context, page, problems } = await open(size, `/albums/${album.albumId}`);
      await page.click('summary[aria-label="Edit title and description"]');
      await page.screenshot({ path: join(OUT, `album-edit-${size.name}.png`) });
      await page.fill('#album-edit-title', 'Lake weekend 2024');
      await page.click('.album-edit button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('.album-title')?.textContent === 'Lake weekend 2024');
      expect(await page.evaluate(() => document.querySelector('details.album-edit')!.hasAttribute('open'))).toBe(false);
      await page.click('button[popovertarget="album-menu"]');
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(OUT, `album-menu-${size.name}.png`) });
      await Promise.all([page.waitForLoadState('load'), page.waitForURL(/\/albums\//), page.selectOption('#album-sort', 'taken_desc')]);
      await page.waitForFunction(() => document.querySelector<HTMLSelectElement>('#album-sort')?.value === 'taken_desc');
      expect(await page.textContent('.day-head time')).toBe('Sun, 14 Jul 2024');
      await page.evaluate(async () => {
        const body = new URLSearchParams({ sortOrder: 'taken_asc' });
        await fetch(location.pathname + '/sort', { method: 'POST', body });
      });
      await page.evaluate(async () => {
        const body = new URLSearchParams({ title: 'Lake weekend', description: document.querySelector('.album-desc')!.textContent! });
        await fetch(location.pathname + '/details', { method: 'POST', body });
      });
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`library at ${size.name} size: pages of the same grid, without shifts`, async () => {
      const { context, page, problems } = await open(size, '/library');
      expect(await page.locator('.tile').count()).toBe(200);
      await page.screenshot({ path: join(OUT, `library-${size.name}.png`) });
      await scrollThrough(page);
      await page.screenshot({ path: join(OUT, `library-${size.name}-end.png`) });
      const { cls, shifts } = await page.evaluate(() => ({ cls: window.__cls, shifts: window.__shifts }));
      expect(shifts).toEqual([]);
      expect(cls).toBe(0);
      await Promise.all([page.waitForURL(/page=2/), page.click('.pager a[rel="next"]')]);
      expect(await page.textContent('.pager .muted')).toMatch(/^Page 2 of \d+$/);
      await page.goto(`${server.url}/library?filter=unsorted`);
      await page.screenshot({ path: join(OUT, `library-unsorted-empty-${size.name}.png`) });
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`a long album at ${size.name} size loads its pages while scrolling, without shifts`, async () => {
      const { context, page, problems } = await open(size, `/albums/${big.albumId}`);
      // The page brings day 1 (30 tiles: a first page of 40 ends at the day's end); the next
      // page (200 of day 2) comes at once, its sentinel being within three screens of the
      // end. Rows far below the screen may already be parked out of the DOM.
      await page.waitForFunction(() => window.shoeboxGrid!.allTiles().length === 230);
      expect(await page.locator('.tile').count()).toBeLessThanOrEqual(230);
      await scrollThrough(page);
      // The DOM stays bounded: at the end, the rows far above are parked.
      expect(await page.locator('.tile').count()).toBeLessThan(big.assets.length / 2);
      // Put back (no shift: the CLS below covers it), then measure every row.
      await page.evaluate(() => window.shoeboxGrid!.hold());
      const state = await page.evaluate(() => ({
        ids: [...document.querySelectorAll('.tile')].map((t) => t.getAttribute('data-id')),
        heads: [...document.querySelectorAll('.day-head')].map((h) => h.textContent),
        more: document.querySelectorAll('.more').length,
        cls: window.__cls,
        shifts: window.__shifts,
      }));
      expect(state.ids).toEqual(big.assets.map((a) => a.id));
      expect(state.heads).toEqual(['Sat, 1 Jun 2024', 'Sun, 2 Jun 2024', 'Mon, 3 Jun 2024']);
      expect(state.more).toBe(0);
      // Each day says its size to the stylesheet (--n tiles), day 2's counted again when its second page came.
      const sizes = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('#album-grid > .day')].map((d) => [d.style.getPropertyValue('--n'), String(d.querySelectorAll('.tile').length)]));
      for (const [n, count] of sizes) expect(n).toBe(count);
      // Day 2 came in two pages: still one section whose rows fill the width.
      const sections = await rowsOf(page);
      const day2 = sections[1]!;
      expect(day2.rows.flat()).toHaveLength(300);
      for (const row of day2.rows.slice(0, -1)) expect(day2.right - row.at(-1)!.right).toBeLessThan(1);
      expect(state.shifts).toEqual([]);
      expect(state.cls).toBe(0);
      expect(problems).toEqual([]);
      await page.screenshot({ path: join(OUT, `album-long-${size.name}-end.png`) });

      if (size.name === 'desktop') {
        // A photo from the middle of day 2 uploaded at the end of the album: its neighbours
        // are in rows parked far above, and it still goes in between them, live.
        await page.evaluate(() => window.shoeboxGrid!.release());
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        await page.waitForFunction(() => document.querySelectorAll('.grid .parked').length > 0);
        const midDay2 = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 90, b: 20 } } })
          .jpeg()
          .withExif({ IFD2: { DateTimeOriginal: '2024:06:02 09:30:30' } })
          .toBuffer();
        await page.setInputFiles('#upload-input', { name: 'mid-day-2.jpg', mimeType: 'image/jpeg', buffer: midDay2 });
        await page.waitForFunction((n) => window.shoeboxGrid!.allTiles().length === n, big.assets.length + 1, { timeout: 30_000 });
        const order = await page.evaluate(() => window.shoeboxGrid!.allTiles().map((t) => (t as HTMLElement).dataset.id!));
        const known = new Set(big.assets.map((a) => a.id));
        // Day 1's 30, then day 2 from 09:00 to 09:30: the new one is 62nd.
        expect(order.findIndex((id) => !known.has(id))).toBe(61);
        expect([order[60], order[62]]).toEqual([big.assets[60]!.id, big.assets[61]!.id]);
        expect(problems).toEqual([]);
      }
      await context.close();
    });
  }
});
