// The grid fills the screen: an album of 60 items over 40 days lays its small days side by
// side on justified lines (each day under its own header), a day wider than the screen takes
// lines of its own, nothing shifts, and the owner can group by month (guests see the same).
// In real Chromium at 390×844 and 1440×900; screenshots go to test-output/albums/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { launchBrowser, pageProblems, PHONE_AND_DESKTOP, sizedContext } from '../helpers/browser.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';
import { dayOf, seedAlbum, type SeedItem } from './fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'albums');
// css/grid.css: the base row height, and how far a line may grow from it (--stretch-max).
const ROW_HEIGHT = { phone: 96, desktop: 200 } as const;
const STRETCH_MAX = 1.75;

// How many items each of the 40 days holds: mostly one or two, a few more, one day of 9
// (wider than a phone's screen: it takes lines of its own there). 60 in all.
const PER_DAY = [1, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 9, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1, 2, 1, 2, 1, 1, 2, 1];

function fortyDays(): SeedItem[] {
  const items: SeedItem[] = [];
  PER_DAY.forEach((count, i) => {
    const day = new Date(Date.UTC(2024, 2, 1 + i * 3)).toISOString().slice(0, 10);
    items.push(...dayOf(day, count));
  });
  return items;
}

declare global {
  interface Window {
    __flowCls: number;
  }
}

interface Line {
  top: number;
  left: number;
  right: number;
  heights: number[];
  sections: number[];
}

/** Every tile's box, grouped into the grid's lines (tiles at one height), with the sections each line holds. */
function linesOf(page: Page) {
  return page.evaluate(() => {
    const grid = document.getElementById('album-grid')!.getBoundingClientRect();
    const sections = [...document.querySelectorAll('#album-grid > .day')];
    const lines = new Map<number, Line>();
    sections.forEach((section, index) => {
      for (const tile of section.querySelectorAll('.tile')) {
        const box = tile.getBoundingClientRect();
        const top = Math.round(box.top + scrollY);
        const line = lines.get(top) ?? { top, left: box.left, right: box.right, heights: [], sections: [] };
        line.left = Math.min(line.left, box.left);
        line.right = Math.max(line.right, box.right);
        line.heights.push(box.height);
        if (!line.sections.includes(index)) line.sections.push(index);
        lines.set(top, line);
      }
    });
    // Each header: where it is, and whether its words fit it.
    const heads = sections.map((section) => {
      const head = section.querySelector('.day-head')!.getBoundingClientRect();
      const time = section.querySelector('.day-head time') as HTMLElement;
      const first = section.querySelector('.tile')!.getBoundingClientRect();
      return { left: head.left, right: head.right, top: head.top + scrollY, bottom: head.bottom + scrollY, firstTileTop: first.top + scrollY, text: time.innerText, fits: time.scrollWidth <= time.clientWidth + 1 };
    });
    return { width: grid.width, left: grid.left, lines: [...lines.values()].sort((a, b) => a.top - b.top), heads, height: grid.height };
  });
}

/** In the page before anything loads: adds up the layout shifts not caused by input in window.__flowCls. */
function countLayoutShifts() {
  window.__flowCls = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) if (!entry.hadRecentInput) window.__flowCls += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
}

/** Scrolls to the end until the grid's last page is in, then back to the top. */
async function loadAll(page: Page) {
  for (let i = 0; i < 20 && (await page.locator('#album-grid .more').count()); i++) {
    await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(200);
  }
  expect(await page.locator('#album-grid .more').count()).toBe(0);
  // Lines far from the screen are parked (static/js/grid-window.js): measure them all.
  await page.evaluate(() => (window as unknown as { shoeboxGrid: { hold(): void } }).shoeboxGrid.hold());
  await page.evaluate(() => scrollTo(0, 0));
  await page.waitForTimeout(100);
}

describe('the grid fills the screen', { timeout: 120_000 }, () => {
  let server: TestServer;
  let owner: User;
  let cookieValue: string;
  let browser: Browser;
  let album: { albumId: string };
  let long: { albumId: string; assets: { id: string }[] };
  let token: string;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite' });
    const db = server.database.db;
    owner = await newUser(db, { role: 'owner' });
    const cookie = await sessionCookie(db, owner);
    cookieValue = cookie.split('=')[1]!;
    album = await seedAlbum(db, owner.id, fortyDays(), 'Forty days');
    // Years of one photo a day: thousands of small days side by side.
    const days = Array.from({ length: 800 }, (_, i) => dayOf(new Date(Date.UTC(2015, 0, 1 + i)).toISOString().slice(0, 10), 1)[0]!);
    long = await seedAlbum(db, owner.id, days, 'A photo a day');
    const res = await fetch(`${server.url}/api/albums/${album.albumId}/share`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: server.url }, body: '{}' });
    expect(res.status).toBe(201);
    token = ((await res.json()) as { link: { token: string } }).link.token;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const size of PHONE_AND_DESKTOP) {
    it(`60 items over 40 days at ${size.name} size: days side by side, full lines, CLS 0`, async () => {
      const context = await sizedContext(browser, size);
      await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
      await context.addInitScript(countLayoutShifts);
      const page = await context.newPage();
      const problems = pageProblems(page);
      await page.goto(`${server.url}/albums/${album.albumId}`, { waitUntil: 'networkidle' });
      await page.screenshot({ path: join(OUT, `flow-${size.name}.png`) });
      await loadAll(page);
      await page.screenshot({ path: join(OUT, `flow-${size.name}-full.png`), fullPage: true });

      const { width, left, lines, heads, height } = await linesOf(page);
      const rowHeight = ROW_HEIGHT[size.name];
      expect(heads).toHaveLength(40);
      // Which lines are the last of a day that took lines of its own.
      const linesOfSection = new Map<number, number[]>();
      lines.forEach((line, i) => {
        for (const s of line.sections) linesOfSection.set(s, [...(linesOfSection.get(s) ?? []), i]);
      });
      const lastOfOwnLines = new Set([...linesOfSection.values()].filter((ls) => ls.length > 1).map((ls) => ls.at(-1)!));
      lines.forEach((line, i) => {
        // One height along a line, whichever day a tile is in.
        for (const h of line.heights) expect(Math.abs(h - line.heights[0]!)).toBeLessThan(1);
        // A line of days side by side grows at most STRETCH_MAX; the rows inside a day wider
        // than the grid fill it as the grid always did (a lone panorama's row may grow more).
        const ownLines = line.sections.length === 1 && linesOfSection.get(line.sections[0]!)!.length > 1;
        expect(line.heights[0]!).toBeGreaterThanOrEqual(rowHeight - 1);
        expect(line.heights[0]!).toBeLessThanOrEqual(rowHeight * (ownLines ? 2.4 : STRETCH_MAX) + 1);
        expect(line.left - left).toBeLessThan(1);
        // No line narrower than half the grid, but a wide day's last and the album's last.
        const last = i === lines.length - 1;
        if (!last && !lastOfOwnLines.has(i)) expect(line.right - line.left, `line ${i} of ${lines.length}`).toBeGreaterThanOrEqual(width / 2);
      });
      // Small days share lines: far fewer lines than days.
      const shared = lines.filter((line) => line.sections.length > 1).length;
      expect(shared).toBeGreaterThan(lines.length / 2);
      // Each day's header sits right above its first tile, and headers on a line never overlap.
      for (const [i, head] of heads.entries()) {
        expect(Math.abs(head.bottom - head.firstTileTop)).toBeLessThan(1);
        expect(head.fits, `header ${head.text}`).toBe(true);
        const next = heads[i + 1];
        if (next && Math.abs(next.top - head.top) < 1) expect(next.left).toBeGreaterThanOrEqual(head.right);
      }
      console.log(`[grid-flow] ${size.name}: ${lines.length} lines for 40 days (${shared} shared), grid ${Math.round(height)} px tall`);

      // Scrolled through and back: nothing moved.
      for (let y = 0; y < height; y += size.viewport.height * 0.8) {
        await page.evaluate((to) => scrollTo(0, to), y);
        await page.waitForTimeout(60);
      }
      await page.evaluate(() => scrollTo(0, 0));
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => window.__flowCls)).toBe(0);
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('800 small days scrolled to the end: whole lines of days are parked, the DOM stays small', async () => {
    const context = await sizedContext(browser, PHONE_AND_DESKTOP[0]);
    await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
    await context.addInitScript(countLayoutShifts);
    const page = await context.newPage();
    const problems = pageProblems(page);
    // By day: 'auto' would group this album by month.
    await page.goto(`${server.url}/albums/${long.albumId}`);
    await page.click('button[popovertarget="album-menu"]');
    await Promise.all([page.waitForEvent('load'), page.selectOption('#album-group', 'day')]);
    let most = 0;
    for (let i = 0; i < 40 && (await page.locator('#album-grid .more').count()); i++) {
      // Near the end, where the next page is asked for, the grid's open last line still off screen.
      await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight - 3.5 * innerHeight));
      await page.waitForTimeout(500); // the next page, then parking (300 ms after a scroll)
      most = Math.max(most, await page.locator('#album-grid .tile').count());
    }
    expect(await page.locator('#album-grid .more').count()).toBe(0);
    const parked = await page.locator('#album-grid > .parked').count();
    console.log(`[grid-flow] 800 days: at most ${most} tiles in the page, ${parked} parked blocks of lines`);
    expect(parked).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(500);
    // Everything is still there, in order, and nothing moved.
    const ids = await page.evaluate(() => (window as unknown as { shoeboxGrid: { allTiles(): Element[] } }).shoeboxGrid.allTiles().map((t) => t.getAttribute('data-id')));
    expect(ids).toEqual(long.assets.map((a) => a.id));
    expect(await page.evaluate(() => window.__flowCls)).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the owner groups by month; the guest sees months too', async () => {
    const size = PHONE_AND_DESKTOP[0];
    const context = await sizedContext(browser, size);
    await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
    const page = await context.newPage();
    const problems = pageProblems(page);
    await page.goto(`${server.url}/albums/${album.albumId}`);
    await loadAll(page);
    expect(await page.locator('#album-grid > .day').count()).toBe(40);
    await page.click('button[popovertarget="album-menu"]');
    await page.waitForSelector('#album-group', { state: 'visible' });
    expect(await page.inputValue('#album-group')).toBe('auto');
    await Promise.all([page.waitForURL(`${server.url}/albums/${album.albumId}`), page.waitForEvent('load'), page.selectOption('#album-group', 'month')]);
    await loadAll(page);
    const heads = await page.locator('.day-head time').evaluateAll((els) => els.map((el) => [el.getAttribute('datetime'), (el as HTMLElement).innerText]));
    expect(heads).toEqual([
      ['2024-03', 'March 2024'],
      ['2024-04', 'April 2024'],
      ['2024-05', 'May 2024'],
      ['2024-06', 'June 2024'],
    ]);
    await page.screenshot({ path: join(OUT, `flow-months-${size.name}.png`) });

    const guest = await context.browser()!.newContext({ viewport: size.viewport });
    const guestPage = await guest.newPage();
    await guestPage.goto(`${server.url}/s/${token}`);
    await loadAll(guestPage);
    expect(await guestPage.locator('.day-head time').allInnerTexts()).toEqual(['March 2024', 'April 2024', 'May 2024', 'June 2024']);
    await guest.close();

    expect(problems).toEqual([]);
    await context.close();
  });
});
