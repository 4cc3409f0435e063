// Issue 17, item 9: axe-core (the real engine, no rules of our own) finds no serious or
// critical violation on the owner's album page, a guest's page, the password gate and the
// open lightbox, in the light and the dark colour scheme. Real files uploaded through the
// API and processed by the worker: a photo, a video (its tile shows the duration) and a
// guest's photo (its tile shows their name). Desktop size, and the phone for the pages
// whose phone layout has other controls (the owner's album, the guest page).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectJson, uploadFiles } from '../helpers/api.ts';
import { CHROMIUM, hasChromium, launchBrowser, pageProblems, pageScriptsRan, PHONE_AND_DESKTOP, sizedContext } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const [PHONE_SIZE, DESKTOP_SIZE] = PHONE_AND_DESKTOP;
const SCHEMES = ['light', 'dark'] as const;
const GUEST = 'Anna Lindqvist';

if (!hasChromium()) console.warn(`[accessibility-browser] skipped: no Chromium at ${CHROMIUM}`);

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core's violations on the page as it is now, the serious and critical ones first in the list. */
async function axeViolations(page: Page): Promise<Violation[]> {
  // Evaluated, not a <script> tag: the page's CSP refuses inline scripts (as it should).
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Violation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return result;
}

const serious = (vs: Violation[]) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** One line a violation, with the elements it was found on: readable in a failed assertion. */
function describeViolations(vs: Violation[]): string {
  return vs
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.split('\n').slice(1, 3).join(' ') ?? ''}`).join('\n')}`)
    .join('\n');
}

describe.skipIf(!hasChromium() || !HAS_FIXTURES)('accessibility (axe-core) in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let cookieValue: string;
  let albumId: string;
  let guestToken: string;
  let gateToken: string;
  let videoId: string;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', worker: true });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    const cookie = await sessionCookie(db, owner);
    cookieValue = cookie.split('=')[1]!;
    albumId = (await newAlbum(db, owner.id, { title: 'Lake weekend', description: 'Three days at the cabin' })).id;
    const ids = await uploadFiles(server, { cookie, origin: server.url }, albumId, [fixture('jpeg/orientation/landscape_1.jpg'), fixture('video/small_video.mp4')]);
    videoId = ids.get('small_video.mp4')!;
    const share = async (body: object) => {
      const res = await server.fetch(`/api/albums/${albumId}/share`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return ((await expectJson(res, 201)) as { link: { token: string } }).link.token;
    };
    guestToken = await share({ allowUpload: true, showMetadata: true });
    gateToken = await share({ password: 'a secret password' });
    // A guest adds a photo under their name.
    const form = new FormData();
    form.set('name', GUEST);
    form.append('file', new Blob([new Uint8Array(readFileSync(fixture('jpeg/orientation/landscape_2.jpg')))]), 'landscape_2.jpg');
    await expectJson(await server.fetch(`/api/share/${guestToken}/upload`, { method: 'POST', headers: { origin: server.url }, body: form }), 201);
    await server.idle();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(size: (typeof PHONE_AND_DESKTOP)[number], path: string, owner: boolean) {
    const context = await sizedContext(browser, size, { reducedMotion: 'reduce' });
    if (owner) await context.addCookies([{ name: 'shoebox_session', value: cookieValue, url: server.url }]);
    const page = await context.newPage();
    const problems = pageProblems(page);
    await page.goto(server.url + path, { waitUntil: 'load' });
    return { context, page, problems };
  }

  /** The grid's thumbnails in, so colours are measured over what a visitor sees. */
  async function gridReady(page: Page) {
    await pageScriptsRan(page);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.tile img')].every((img) => img.complete && img.naturalWidth > 0));
    // The video's tile shows its duration and the guest's tile their name (what the labels must include).
    const length = await page.locator(`.tile[data-id="${videoId}"] .badge`).textContent();
    expect(length).toMatch(/^\d+:\d\d$/);
    expect(await page.locator(`.tile[data-id="${videoId}"]`).getAttribute('aria-label')).toMatch(new RegExp(`^Video, ${length}, `));
    expect(await page.locator('.tile:has(.by)').getAttribute('aria-label')).toMatch(new RegExp(`^Photo, ${GUEST}, `));
  }

  async function openLightbox(page: Page) {
    await page.click(`a.tile[data-id="${videoId}"]`);
    await page.waitForSelector('.pswp--open.pswp--ui-visible');
    await page.waitForFunction(() => document.querySelectorAll('.pswp__item').length >= 2);
    await page.waitForTimeout(300);
    expect(await page.getAttribute('.pswp', 'aria-label')).toBe('Photo viewer');
  }

  async function openDrawer(page: Page) {
    await page.click('.pswp__button--info');
    await page.waitForSelector('.lb-info.is-open .lb-info-body > *');
    await page.waitForTimeout(300);
  }

  /** No serious or critical violation in either colour scheme (switched in place: the same page, both themes' colours). */
  async function expectClean(page: Page, problems: string[]) {
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--bg').trim())).toBe(scheme === 'dark' ? '#101113' : '#fafafa');
      const found = await axeViolations(page);
      const bad = serious(found);
      const rest = found.filter((v) => !bad.includes(v));
      if (rest.length) console.log(`[accessibility-browser] ${scheme}, ${page.url()} (moderate/minor):\n${describeViolations(rest)}`);
      expect.soft(bad, `axe-core, serious and critical, ${scheme}, on ${page.url()}:\n${describeViolations(bad)}`).toEqual([]);
    }
    expect(problems).toEqual([]);
  }

  for (const [who, path, owner] of [
    ['owner\'s album page', () => `/albums/${albumId}`, true],
    ['guest\'s page', () => `/s/${guestToken}`, false],
  ] as const) {
    it(`the ${who} at desktop size, its open lightbox and the lightbox's details, light and dark`, async () => {
      const { context, page, problems } = await open(DESKTOP_SIZE, path(), owner);
      await gridReady(page);
      await expectClean(page, problems);
      await openLightbox(page);
      await expectClean(page, problems);
      await openDrawer(page);
      await expectClean(page, problems);
      await context.close();
    });

    it(`the ${who} at phone size (its bar's controls change), light and dark`, async () => {
      const { context, page, problems } = await open(PHONE_SIZE, path(), owner);
      await gridReady(page);
      await expectClean(page, problems);
      await context.close();
    });
  }

  it('the password gate, light and dark', async () => {
    const { context, page, problems } = await open(DESKTOP_SIZE, `/s/${gateToken}`, false);
    // The gate itself answers 401 (on purpose), which Chromium logs as a failed load.
    await expectClean(page, problems.filter((p) => !/status of 401/.test(p)));
    await context.close();
  });
});
