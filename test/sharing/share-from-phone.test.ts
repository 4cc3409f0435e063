// Sharing from a phone (issue #17, item 7). Over HTTP: a link turned off answers guests
// as gone, turned on again the same address opens again (caches warmed in both states
// answer the new state at once); turned-off links list below live ones; only the owner
// turns a link on. In Chromium at 390×844: the Links page is in the navigation's menu,
// Share hands the link to the system share sheet (navigator.share, stubbed in the page:
// the browser's boundary) and is hidden where there is none, Copy puts the address on the
// clipboard, Turn off asks first and Turn on again undoes it, and the open new-link form
// has no "New link" button over it. Screenshots go to test-output/sharing/ (not in git).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectJson, jsonCaller } from '../helpers/api.ts';
import { CHROMIUM, hasChromium, launchBrowser, PHONE } from '../helpers/browser.ts';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';

const OUT = join(repoRoot, 'test-output', 'sharing');

interface Link {
  id: string;
  token: string;
  url: string;
  status: string;
  label: string;
}

describe.each(backends())('turning a link off and on again on %s', (backend) => {
  let server: TestServer;
  let cookie: string;
  let uploaderCookie: string;
  const api = jsonCaller(() => server, () => cookie);

  beforeAll(async () => {
    server = await startTestServer({ backend });
    cookie = await sessionCookie(server.database.db, await newUser(server.database.db, { role: 'owner' }));
    uploaderCookie = await sessionCookie(server.database.db, await newUser(server.database.db, { role: 'uploader' }));
  });
  afterAll(() => server?.close());

  const newAlbum = async (title: string) => (await expectJson(await api('POST', '/api/albums', { title }), 201)).album.id as string;
  const share = async (albumId: string, label: string) => (await expectJson(await api('POST', `/api/albums/${albumId}/share`, { label }), 201)).link as Link;
  /** A guest's page and JSON of the link: both statuses. */
  const guest = async (link: Link) => {
    const page = await server.fetch(new URL(link.url).pathname);
    const json = await server.fetch(`/api/share/${link.token}`);
    await Promise.all([page.arrayBuffer(), json.arrayBuffer()]);
    return [page.status, json.status];
  };
  const formPost = (path: string, headers: Record<string, string> = { cookie }) => server.fetch(path, { method: 'POST', headers: { origin: server.url, ...headers } });

  it('turned off, a guest is told the link is gone; turned on again, the same address opens, with no stale answer either way', async () => {
    const album = await newAlbum('Road trip');
    const link = await share(album, 'Family');
    // Warm every cache with the open link: the link's state, the rendered page.
    expect(await guest(link)).toEqual([200, 200]);
    expect(await guest(link)).toEqual([200, 200]);

    await expectJson(await api('DELETE', `/api/share/${link.token}`), 204);
    expect(await guest(link)).toEqual([404, 404]);
    expect(await guest(link)).toEqual([404, 404]); // now the turned-off answer is the cached one

    const { link: on } = await expectJson(await api('PATCH', `/api/share/${link.token}`, { revoked: false }), 200);
    expect(on).toMatchObject({ id: link.id, token: link.token, url: link.url, status: 'active', revokedAt: null });
    expect(await guest(link)).toEqual([200, 200]);

    // The same through the Links page's forms: off, on again, back to the row each time.
    const off = await formPost(`/links/${link.id}/revoke?from=links`);
    expect(off.status).toBe(303);
    expect(off.headers.get('location')).toBe(`/links#link-${link.id}`);
    expect(await guest(link)).toEqual([404, 404]);
    const again = await formPost(`/links/${link.id}/turn-on?from=links`);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`/links#link-${link.id}`);
    expect(await guest(link)).toEqual([200, 200]);

    // And from the share sheet (htmx): its list comes back with the row live again.
    await formPost(`/links/${link.id}/revoke`);
    const sheet = await formPost(`/links/${link.id}/turn-on`, { cookie, 'hx-request': 'true' });
    expect(sheet.status).toBe(200);
    const html = await sheet.text();
    expect(html).toContain(`id="link-${link.id}"`);
    expect(html).toMatch(new RegExp(`class="link-row status-active fresh" id="link-${link.id}"`));
    expect(html).toContain(link.url);
    expect(await guest(link)).toEqual([200, 200]);
    // Without htmx the form comes back to the album page.
    const plain = await formPost(`/links/${link.id}/turn-on`);
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe(`/albums/${album}`);

    await expectJson(await api('PATCH', `/api/share/${link.token}`, { revoked: 'no' }), 400);
  });

  it('lists turned-off links below live ones, newest first within each, on the API, the Links page and the share sheet', async () => {
    const album = await newAlbum('Ordered');
    const first = await share(album, 'First');
    const second = await share(album, 'Second');
    const third = await share(album, 'Third');
    await expectJson(await api('DELETE', `/api/share/${third.token}`), 204); // the newest, off
    const expected = [second.id, first.id, third.id];

    const own = (await expectJson(await api('GET', `/api/albums/${album}/share`), 200)).links as Link[];
    expect(own.map((l) => l.id)).toEqual(expected);
    expect(own.map((l) => l.status)).toEqual(['active', 'active', 'revoked']);
    const all = (await expectJson(await api('GET', '/api/links'), 200)).links as Link[];
    expect(all.filter((l) => expected.includes(l.id)).map((l) => l.id)).toEqual(expected);
    expect(all.at(-1)!.id).toBe(third.id); // below every live link of every album

    const rowIds = (html: string) => [...html.matchAll(/<li class="link-row[^"]*" id="link-([0-9a-f-]{36})"/g)].map((m) => m[1]);
    const page = await server.fetch('/links', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(rowIds(await page.text()).filter((id) => expected.includes(id!))).toEqual(expected);
    const sheet = await server.fetch(`/albums/${album}/share`, { headers: { cookie } });
    expect(rowIds(await sheet.text())).toEqual(expected);

    // Turned on again, it takes its place among the live ones.
    await expectJson(await api('PATCH', `/api/share/${third.token}`, { revoked: false }), 200);
    const back = (await expectJson(await api('GET', `/api/albums/${album}/share`), 200)).links as Link[];
    expect(back.map((l) => l.id)).toEqual([third.id, second.id, first.id]);
  });

  it('only the owner turns a link on: an uploader gets 403, a caller without an account 401 or the login page', async () => {
    const album = await newAlbum('Not yours');
    const link = await share(album, 'Off');
    await expectJson(await api('DELETE', `/api/share/${link.token}`), 204);

    expect((await api('PATCH', `/api/share/${link.token}`, { revoked: false }, { cookie: uploaderCookie })).status).toBe(403);
    expect((await api('PATCH', `/api/share/${link.token}`, { revoked: false }, {})).status).toBe(401);
    expect((await formPost(`/links/${link.id}/turn-on`, { cookie: uploaderCookie })).status).toBe(403);
    const anonymous = await formPost(`/links/${link.id}/turn-on?from=links`, {});
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/login\?next=/);
    // A cross-site form post with the owner's cookie is refused too (CSRF).
    const crossSite = await server.fetch(`/links/${link.id}/turn-on`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);

    expect(await guest(link)).toEqual([404, 404]);
    const row = await server.database.db.selectFrom('shared_links').select(['revoked', 'revoked_at']).where('id', '=', link.id).executeTakeFirstOrThrow();
    expect(row.revoked).toBe(true);
    expect(row.revoked_at).not.toBeNull();
  });
});

if (!hasChromium()) console.warn(`[share-from-phone] skipped: no Chromium at ${CHROMIUM}`);

declare global {
  interface Window {
    __shared: ShareData[];
    __shareAnswer: 'ok' | 'abort';
  }
}

describe.skipIf(!hasChromium())('sharing from a phone in Chromium (390×844)', () => {
  let server: TestServer;
  let browser: Browser;
  let cookie: string;
  let albumId: string;
  const ALBUM = 'Grandma’s 90th';

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startTestServer({ backend: 'pglite' });
    cookie = await sessionCookie(server.database.db, await newUser(server.database.db, { role: 'owner' }));
    const api = jsonCaller(() => server, () => cookie);
    albumId = (await expectJson(await api('POST', '/api/albums', { title: ALBUM }), 201)).album.id;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The owner on a phone; with `share`, a navigator.share that records what it was given. */
  async function ownerPhone(share: boolean): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await context.addCookies([{ name: cookie.split('=')[0]!, value: cookie.split('=')[1]!, url: server.url }]);
    if (share) {
      await context.addInitScript(() => {
        window.__shared = [];
        window.__shareAnswer = 'ok';
        Object.defineProperty(navigator, 'share', {
          configurable: true,
          value: (data: ShareData) => {
            window.__shared.push(data);
            return window.__shareAnswer === 'abort' ? Promise.reject(new DOMException('Share canceled', 'AbortError')) : Promise.resolve();
          },
        });
      });
    }
    return { context, page: await context.newPage() };
  }

  const newLink = async (label: string) => {
    const res = await server.fetch(`/api/albums/${albumId}/share`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ label }) });
    return (await expectJson(res, 201)).link as Link;
  };
  const guestStatus = async (link: Link) => {
    const res = await server.fetch(new URL(link.url).pathname);
    await res.arrayBuffer();
    return res.status;
  };

  it('Links is in the navigation; Share hands the link to the share sheet; Copy copies it; Turn off asks first and Turn on again undoes it', async () => {
    const older = await newLink('Cousins');
    const link = await newLink('Family');
    const { context, page } = await ownerPhone(true);

    // From the albums page: not in the bar at this width, but one tap into the menu.
    await page.goto(server.url + '/');
    expect(await page.locator('.topnav a[href="/links"]').isVisible()).toBe(false);
    await page.locator('.topnav [popovertarget="nav-more"]').click();
    const menuLink = page.locator('#nav-more a[href="/links"]');
    await menuLink.waitFor({ state: 'visible' });
    await page.screenshot({ path: join(OUT, 'phone-nav-menu.png') });
    await Promise.all([page.waitForURL(`${server.url}/links`), menuLink.click()]);
    expect(await page.locator('h1').textContent()).toBe('Shared links');

    const row = page.locator(`#link-${link.id}`);
    // Share: visible where navigator.share exists, given the album's title and the address.
    const shareButton = row.locator('[data-share]');
    await shareButton.waitFor({ state: 'visible' });
    await shareButton.click();
    await expect.poll(() => page.evaluate(() => window.__shared)).toEqual([{ title: ALBUM, url: link.url }]);
    // Cancelled in the system sheet: nothing is said, nothing copied.
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    await page.evaluate(() => (window.__shareAnswer = 'abort'));
    await shareButton.click();
    await expect.poll(() => page.evaluate(() => window.__shared.length)).toBe(2);
    await page.waitForTimeout(200);
    expect(await shareButton.locator('span').textContent()).toBe('Share');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('before');

    // Copy: the address on the clipboard, "Copied" for a moment.
    await row.locator('[data-copy]').click();
    await expect.poll(() => row.locator('[data-copy] span').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link.url);
    await expect.poll(() => row.locator('[data-copy] span').textContent(), { timeout: 6000 }).toBe('Copy');

    // Turn off: a question first; Cancel leaves the link on.
    await row.locator('button.danger[popovertarget^="turn-off-"]').click();
    const confirm = page.locator(`#turn-off-${link.id}`);
    await confirm.waitFor({ state: 'visible' });
    expect(await confirm.textContent()).toContain('Turn off “Family”?');
    await page.screenshot({ path: join(OUT, 'phone-links-turn-off.png') });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await guestStatus(link)).toBe(200);
    // Asked again and confirmed: off, and below the live link.
    await row.locator('button.danger[popovertarget^="turn-off-"]').click();
    await confirm.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL(`${server.url}/links#link-${link.id}`), confirm.getByRole('button', { name: 'Turn off' }).click()]);
    await row.locator('.pill.revoked').waitFor();
    expect(await guestStatus(link)).toBe(404);
    expect(await page.locator('.link-row').evaluateAll((rows) => rows.map((r) => r.id))).toEqual([`link-${older.id}`, `link-${link.id}`]);
    expect(await row.locator('[data-copy]').count()).toBe(0);
    await page.screenshot({ path: join(OUT, 'phone-links-turned-off.png'), fullPage: true });

    // Turn on again: the same address works for the guest who had been told it was gone.
    await Promise.all([page.waitForURL(`${server.url}/links#link-${link.id}`), row.getByRole('button', { name: 'Turn on again' }).click()]);
    await row.locator('.pill.active').waitFor();
    expect(await guestStatus(link)).toBe(200);
    expect(await row.locator('.link-url input').inputValue()).toBe(link.url);
    expect(await page.locator('.link-row').evaluateAll((rows) => rows.map((r) => r.id))).toEqual([`link-${link.id}`, `link-${older.id}`]);
    await context.close();
  }, 120_000);

  it('in the share sheet: Share and Copy, Turn off asks first, Turn on again; the open new-link form has no New link button over it', async () => {
    const { context, page } = await ownerPhone(true);
    await page.goto(`${server.url}/albums/${albumId}`);
    await page.click('[popovertarget="share-sheet"]');
    await page.waitForSelector('#share-links .link-row');

    // The new-link form: its button goes while it is open, Cancel brings it back.
    const summary = page.locator('#share-links .new-link > summary');
    const form = page.locator('#share-links form[action$="/share"]');
    expect(await summary.isVisible()).toBe(true);
    expect(await form.isVisible()).toBe(false);
    await summary.click();
    await form.waitFor({ state: 'visible' });
    expect(await summary.isVisible()).toBe(false);
    expect(await form.locator('.new-link-title').textContent()).toBe('New link');
    await page.screenshot({ path: join(OUT, 'phone-sheet-new-link.png') });
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'hidden' });
    expect(await summary.isVisible()).toBe(true);

    // A new link from the form: Share and Copy on its row.
    await summary.click();
    await form.locator('input[name=label]').fill('Neighbours');
    await form.getByRole('button', { name: 'Create link' }).click();
    const row = page.locator('#share-links .link-row.fresh');
    await row.waitFor();
    const url = await row.locator('.link-url input').inputValue();
    expect(url).toMatch(new RegExp(`^${server.url}/s/[0-9a-f]{64}$`));
    expect(await summary.isVisible()).toBe(true); // the swapped-in list has the form closed
    await row.locator('[data-share]').click();
    await expect.poll(() => page.evaluate(() => window.__shared)).toEqual([{ title: ALBUM, url }]);
    await row.locator('[data-copy]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await expect.poll(() => row.locator('[data-copy] span').textContent()).toBe('Copied');
    await page.screenshot({ path: join(OUT, 'phone-sheet-links.png') });

    // Turn off asks first, over the sheet, which stays open; then the row is off and last.
    const id = (await row.getAttribute('id'))!.replace('link-', '');
    const link = { id, url, token: url.split('/s/')[1]! } as Link;
    await row.locator('button.danger[popovertarget^="turn-off-"]').click();
    const confirm = page.locator(`#turn-off-${id}`);
    await confirm.waitFor({ state: 'visible' });
    expect(await guestStatus(link)).toBe(200);
    await page.screenshot({ path: join(OUT, 'phone-sheet-turn-off.png') });
    await confirm.getByRole('button', { name: 'Turn off' }).click();
    const offRow = page.locator(`#link-${id}.status-revoked`);
    await offRow.waitFor();
    expect(await page.locator('#share-sheet').evaluate((el) => el.matches(':popover-open'))).toBe(true);
    expect(await guestStatus(link)).toBe(404);
    const rows = await page.locator('#share-links .link-row').evaluateAll((els) => els.map((e) => e.id));
    expect(rows.at(-1)).toBe(`link-${id}`);
    expect(await page.locator('#share-links .link-row.status-active').count()).toBe(rows.length - 1);

    await offRow.getByRole('button', { name: 'Turn on again' }).click();
    await page.locator(`#link-${id}.status-active.fresh`).waitFor();
    expect(await guestStatus(link)).toBe(200);
    expect(await page.locator(`#link-${id} .link-url input`).inputValue()).toBe(url);
    await context.close();
  }, 120_000);

  it('without navigator.share there is no Share button; Copy still works', async () => {
    const link = await newLink('No share sheet');
    const { context, page } = await ownerPhone(false);
    await page.goto(server.url + '/links');
    const row = page.locator(`#link-${link.id}`);
    await page.waitForLoadState('load');
    const hasShare = await page.evaluate(() => typeof navigator.share === 'function');
    expect(await row.locator('[data-share]').isVisible()).toBe(hasShare);
    await row.locator('[data-copy]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(link.url);
    await context.close();
  });
});
