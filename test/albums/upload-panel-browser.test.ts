// The upload panel holds its shape with 60 files at once, at phone (390×844) and desktop
// (1440×900) size: 49 small photos (one named with 200 characters), 10 files the server
// refuses for what they are (wrong type, empty, no picture in them) and one whose request
// the network loses. Every row, name, state and button stays inside its box (boxes
// measured), the long name is cut with "…" (whole on hover, and on a tap), errors wrap in
// their row, the title keeps to one line and the summary never overlaps the rows; Retry
// shows only for the file a retry can bring up, and sends it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, PHONE_AND_DESKTOP } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { uploadRows } from '../helpers/upload-panel.ts';
import { fixture } from '../media/fixtures.ts';

type FileSpec = { name: string; mimeType: string; buffer: Buffer };

const LONG_NAME = `${'Grandma’s 90th birthday at the lake house, everyone together '.repeat(4).slice(0, 196)}.jpg`;
const LOST = 'lost-once.jpg';
const OUT = join(repoRoot, 'test-output', 'upload');

/** A small photo of one colour per index, each unique bytes. */
const photo = (i: number) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).jpeg().toBuffer();

async function files(): Promise<{ chosen: FileSpec[]; refused: string[] }> {
  const chosen: FileSpec[] = [];
  for (let i = 0; i < 48; i++) chosen.push({ name: `IMG_${String(1000 + i)}.jpg`, mimeType: 'image/jpeg', buffer: await photo(i) });
  chosen.splice(20, 0, { name: LONG_NAME, mimeType: 'image/jpeg', buffer: await photo(100) });
  chosen.push({ name: LOST, mimeType: 'image/jpeg', buffer: await photo(101) });
  const cut = readFileSync(fixture('jpeg/orientation/landscape_1.jpg')).subarray(0, 600); // header cut short
  const refused: FileSpec[] = [
    ...[1, 2, 3, 4].map((i) => ({ name: `notes-${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`Shopping list ${i}: milk, eggs, film.\n`) })),
    ...[1, 2, 3].map((i) => ({ name: `empty-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.alloc(0) })),
    ...[1, 2, 3].map((i) => ({ name: `cut-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.concat([cut, Buffer.from([i])]) })),
  ];
  // The refusals spread through the list, as a folder chosen whole would have them.
  refused.forEach((f, i) => chosen.splice(5 + i * 5, 0, f));
  return { chosen, refused: refused.map((f) => f.name) };
}

/** Every box of the panel that must stay inside another one, and where one overflows. */
function overflows(page: Page) {
  return page.evaluate(() => {
    const out: string[] = [];
    const box = (el: Element) => el.getBoundingClientRect();
    const inside = (what: string, el: Element, outer: DOMRect) => {
      const b = box(el);
      if (b.width === 0 && b.height === 0) return; // not shown
      if (b.left < outer.left - 0.5 || b.right > outer.right + 0.5) out.push(`${what}: ${b.left}–${b.right} outside ${outer.left}–${outer.right}`);
    };
    const panel = document.querySelector('#upload-panel')!;
    const pb = box(panel);
    if (pb.left < -0.5 || pb.right > innerWidth + 0.5 || pb.bottom > innerHeight + 0.5) out.push(`panel ${JSON.stringify(pb)} outside the screen`);
    const head = panel.querySelector('.upload-head')!;
    const title = panel.querySelector('#upload-title')!;
    inside('title', title, box(head));
    if (box(title).height > parseFloat(getComputedStyle(title).lineHeight || '24') * 1.5) out.push(`title wraps: ${box(title).height}px high`);
    const list = panel.querySelector('.upload-list')!;
    if (box(head).bottom > box(list).top + 0.5) out.push(`summary ${box(head).bottom} overlaps rows from ${box(list).top}`);
    for (const row of panel.querySelectorAll('.upload-row')) {
      const name = row.querySelector('.upload-name')!.textContent;
      const rb = box(row);
      inside(`row ${name}`, row, pb);
      for (const part of row.querySelectorAll('.upload-name, .upload-size, .upload-state, .upload-retry, .upload-icon')) inside(`${part.className} of ${name}`, part, rb);
      const state = row.querySelector('.upload-state')!;
      if (state.scrollWidth > state.clientWidth + 1) out.push(`state of ${name} is cut, not wrapped`);
    }
    return out;
  });
}

describe('the upload panel with 60 files', () => {
  let server: TestServer;
  let browser: Browser;
  let cookie: string;
  let albumId: string;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', worker: true });
    const owner = await newUser(server.database.db, { role: 'owner' });
    cookie = await sessionCookie(server.database.db, owner);
    albumId = (await newAlbum(server.database.db, owner.id, { title: 'Lake house' })).id;
    browser = await launchBrowser();
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // One upload of the 60 at phone size (touch); the same panel is then checked at desktop
  // width too (its layout follows the width alone), which spares a second upload of 60.
  it('keeps every row in its box at both sizes; Retry only where a retry can succeed', { timeout: 120_000 }, async () => {
    const [phone, desktop] = PHONE_AND_DESKTOP;
    const { chosen, refused } = await files();
    const context = await browser.newContext({ viewport: phone.viewport, deviceScaleFactor: phone.scale, isMobile: true, hasTouch: true });
    await context.addCookies([{ name: 'shoebox_session', value: cookie.split('=')[1]!, url: server.url }]);
    const page = await context.newPage();
    // The network loses the first request of one file.
    let lost = false;
    await page.route('**/api/assets/upload', async (route) => {
      const body = route.request().postDataBuffer();
      if (!lost && body?.includes(Buffer.from(`filename="${LOST}"`))) {
        lost = true;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.goto(`${server.url}/albums/${albumId}`);
    await page.setInputFiles('#upload-input', chosen);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.upload-row')].every((r) => /^(done|refused|failed|duplicate)$/.test(r.dataset.state!)), undefined, {
      timeout: 90_000,
    });

    const rows = await uploadRows(page);
    expect(rows).toHaveLength(60);
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const name of refused) expect(byName.get(name), name).toMatchObject({ state: 'refused', retry: false });
    expect(byName.get('notes-1.txt')!.text).toMatch(/^notes-1\.txt is not a photo or video Shoebox accepts\. It takes photos \(JPEG, PNG.*\) and videos \(MP4, MOV/);
    expect(byName.get('empty-1.jpg')!.text).toBe('empty-1.jpg was not stored: it is empty (0 bytes).');
    expect(byName.get('cut-1.jpg')!.text).toMatch(/^cut-1\.jpg was not stored\. This file is damaged/);
    expect(byName.get('cut-1.jpg')!.text).not.toMatch(/Vips|sharp/);
    expect(byName.get(LOST)).toMatchObject({ state: 'failed', retry: true });
    expect(rows.filter((r) => r.state === 'done')).toHaveLength(49);
    expect(await page.textContent('.upload-counts')).toBe('49 uploaded · 10 not accepted · 1 failed');

    const longName = page.locator('.upload-name', { hasText: LONG_NAME.slice(0, 40) });
    for (const size of [phone, desktop]) {
      await page.setViewportSize(size.viewport);
      // Every row's parts inside it, with the list scrolled through.
      const list = page.locator('.upload-list');
      for (const at of [0, 0.5, 1]) {
        await list.evaluate((el, at) => (el.scrollTop = at * (el.scrollHeight - el.clientHeight)), at);
        expect(await overflows(page), size.name).toEqual([]);
      }
      // The long name: cut with "…", whole in its title, and whole on a tap (a second one cuts it again).
      await longName.scrollIntoViewIfNeeded();
      expect(await longName.evaluate((el) => [getComputedStyle(el).textOverflow, el.scrollWidth > el.clientWidth, el.getAttribute('title')])).toEqual([
        'ellipsis',
        true,
        LONG_NAME,
      ]);
      const oneLine = (await longName.boundingBox())!.height;
      if (size.touch) await longName.tap();
      else await longName.click();
      expect((await longName.boundingBox())!.height).toBeGreaterThan(oneLine * 2);
      expect(await overflows(page), size.name).toEqual([]);
      await page.screenshot({ path: join(OUT, `upload-panel-${size.name}.png`) });
      await longName.click();
      expect((await longName.boundingBox())!.height).toBe(oneLine);
    }

    // Retry sends the lost file, and only it.
    const sent = page.waitForResponse((r) => r.url().endsWith('/api/assets/upload'));
    await page.locator(`.upload-row:has(.upload-name[title="${LOST}"]) .upload-retry`).click();
    expect((await sent).status()).toBe(201);
    await page.waitForSelector(`.upload-row[data-state="done"]:has(.upload-name[title="${LOST}"])`);
    expect(await page.locator('.upload-retry:visible').count()).toBe(0);
    await context.close();
  });

  it('an XMP sidecar chosen with its photo goes up after it and is kept with it; a lone one is not accepted', { timeout: 60_000 }, async () => {
    const dir = tempDir('sidecar-panel-');
    const xmp = (name: string) => {
      execFileSync('exiftool', ['-q', '-XMP-xmp:Rating=3', join(dir, name)]);
      return { name, mimeType: 'application/rdf+xml', buffer: readFileSync(join(dir, name)) };
    };
    const files = [xmp('IMG_9001.xmp'), { name: 'IMG_9001.jpg', mimeType: 'image/jpeg', buffer: await photo(200) }, xmp('IMG_9002.xmp')];
    const context = await browser.newContext({ viewport: DESKTOP });
    await context.addCookies([{ name: 'shoebox_session', value: cookie.split('=')[1]!, url: server.url }]);
    const page = await context.newPage();
    await page.goto(`${server.url}/albums/${albumId}`);
    await page.setInputFiles('#upload-input', files);
    await page
      .waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.upload-row')].every((r) => /^(done|refused|failed)$/.test(r.dataset.state!)), undefined, { timeout: 30_000 })
      .catch(async (err) => {
        throw new Error(`${err.message}: ${JSON.stringify(await uploadRows(page))}`);
      });
    const byName = new Map((await uploadRows(page)).map((r) => [r.name, r]));
    expect(byName.get('IMG_9001.jpg')).toMatchObject({ state: 'done' });
    expect(byName.get('IMG_9001.xmp')).toMatchObject({ state: 'done', text: 'Kept with IMG_9001.jpg' });
    expect(byName.get('IMG_9002.xmp')).toMatchObject({ state: 'refused', retry: false, text: expect.stringMatching(/^IMG_9002\.xmp was not stored: an XMP sidecar is kept with its photo/) });
    const kept = await server.database.db
      .selectFrom('asset_sidecars')
      .innerJoin('assets', 'assets.id', 'asset_sidecars.asset_id')
      .select(['asset_sidecars.filename', 'assets.original_filename'])
      .execute();
    expect(kept).toEqual([{ filename: 'IMG_9001.xmp', original_filename: 'IMG_9001.jpg' }]);
    await context.close();
  });
});
