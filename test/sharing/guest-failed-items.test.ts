// Guests are never shown items whose processing failed (they would be blank grey tiles): the
// guest grid, its counts, the share JSON, the guest ZIP and a guest's selection list exactly
// the items the grid shows, and a guest's own upload that fails leaves the live grid with
// the failure in plain words in the upload panel. The owner still sees every item, marked.
import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Window } from 'happy-dom';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/jobs/worker.ts';
import { expectJson, uploadFiles } from '../helpers/api.ts';
import { launchBrowser, PHONE, pageScriptsRan } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { fixture } from '../media/fixtures.ts';

const window = new Window();
const parse = (html: string) => new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;
const tileIds = (doc: Document) => [...doc.querySelectorAll<HTMLElement>('.tile[data-id]')].map((t) => t.dataset.id!);

describe('items that failed processing, for guests', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let albumId: string;
  let good: string[];
  let broken: string;
  let token: string;
  let browser: Browser;
  const db = () => server.database.db;
  const worker = () => server.deps.worker as Worker;
  async function takeOriginalAway(id: string) {
    const row = await db().selectFrom('assets').select('storage_path').where('id', '=', id).executeTakeFirstOrThrow();
    const path = join(server.deps.dataDir.root, row.storage_path);
    renameSync(path, `${path}.away`);
  }

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', worker: true, config: { workerConcurrency: 1 } });
    const owner = await newUser(db(), { role: 'owner' });
    headers = { cookie: await sessionCookie(db(), owner), origin: server.url };
    albumId = (await newAlbum(db(), owner.id, { title: 'Picnic' })).id;
    // Processing fails for real: the original of one is taken away before the worker gets to it.
    await worker().stop();
    const stored = await uploadFiles(server, headers, albumId, [
      fixture('jpeg/orientation/landscape_1.jpg'),
      fixture('jpeg/orientation/landscape_2.jpg'),
      fixture('jpeg/phone/IMG_20180725_163423.jpg'),
    ]);
    good = [stored.get('landscape_1.jpg')!, stored.get('IMG_20180725_163423.jpg')!];
    broken = stored.get('landscape_2.jpg')!;
    await takeOriginalAway(broken);
    await worker().start();
    await server.idle();
    const res = await server.fetch(`/api/albums/${albumId}/share`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ stripLocation: false, allowUpload: true, showMetadata: true }),
    });
    token = (await expectJson(res, 201)).link.token;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the item failed; the owner sees it marked, and its counts hold it', async () => {
    const row = await db().selectFrom('assets').select(['status', 'processing_error']).where('id', '=', broken).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    const page = parse(await (await server.fetch(`/albums/${albumId}`, { headers })).text());
    expect(tileIds(page).sort()).toEqual([...good, broken].sort());
    expect(page.querySelector(`.tile[data-id="${broken}"] .badge.failed`)?.textContent).toBe('Failed');
    expect(page.querySelector('.album-meta')?.textContent).toMatch(/^3 photos/);
    const body = await expectJson(await server.fetch(`/api/albums/${albumId}`, { headers }), 200);
    expect(body.album.itemCount).toBe(3);
  });

  it('the guest page, its counts, the JSON, the ZIP and a selection hold only what the grid shows', async () => {
    // Even made the album's cover by the owner, it is not the guests' cover.
    const patched = await server.fetch(`/api/albums/${albumId}`, {
      method: 'PATCH',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ coverAssetId: broken }),
    });
    await expectJson(patched, 200);

    const html = await (await server.fetch(`/s/${token}`)).text();
    const page = parse(html);
    const shown = tileIds(page);
    expect(shown.sort()).toEqual([...good].sort());
    expect(page.querySelector('.album-meta')?.textContent).toMatch(/^2 photos/);
    expect(html).not.toContain(broken);

    const json = await expectJson(await server.fetch(`/api/share/${token}`), 200);
    expect(json.album).toMatchObject({ itemCount: 2, photoCount: 2, videoCount: 0 });
    expect(json.assets.map((a: { id: string }) => a.id).sort()).toEqual([...good].sort());

    const zip = await server.fetch(`/s/${token}/download.zip`);
    expect(zip.status).toBe(200);
    const path = join(tempDir('guest-zip-'), 'album.zip');
    writeFileSync(path, Buffer.from(await zip.arrayBuffer()));
    const names = execFileSync('unzip', ['-Z1', path], { encoding: 'utf8' }).trim().split('\n');
    expect(names.map((n) => n.split('/').pop()).sort()).toEqual(['IMG_20180725_163423.jpg', 'landscape_1.jpg']);

    const only = await server.fetch(`/api/share/${token}/downloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ assetIds: [broken] }),
    });
    expect((await expectJson(only, 404)).error).toMatch(/none of these items/);
    const all = await server.fetch(`/api/share/${token}/downloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ assetIds: [...good, broken] }),
    });
    expect((await expectJson(all, 201)).items).toBe(2);

    expect((await server.fetch(`/api/share/${token}/assets/${broken}`)).status).toBe(404);
    expect((await server.fetch(`/api/share/${token}/assets/${good[0]}`)).status).toBe(200);
    const placed = parse(await (await server.fetch(`/s/${token}/placed-tiles?ids=${broken},${good[0]}`)).text());
    expect([...placed.querySelectorAll<HTMLTemplateElement>('template[data-id]')].map((t) => t.dataset.id)).toEqual([good[0]]);
  });

  it('a guest upload that fails processing leaves the grid, and the panel says why in plain words', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${server.url}/s/${token}`);
    await pageScriptsRan(page);
    await worker().stop();
    await page.click('[data-upload-open]');
    await page.fill('#guest-name', 'Anna');
    const chooser = page.waitForEvent('filechooser');
    const sent = page.waitForResponse((r) => r.url().endsWith('/upload') && r.request().method() === 'POST');
    await page.click('[data-upload-open]');
    await (await chooser).setFiles(fixture('jpeg/orientation/landscape_3.jpg'));
    const id = (await (await sent).json()).assets[0].id as string;
    // In the grid while it waits, then gone once the worker has given up on it.
    await page.locator(`.tile[data-id="${id}"]`).waitFor({ state: 'attached', timeout: 10_000 });
    await takeOriginalAway(id);
    await worker().start();
    await page.waitForSelector('.upload-row[data-state="broken"]', { timeout: 30_000 });
    expect(await page.locator(`.tile[data-id="${id}"]`).count()).toBe(0);
    // In a guest's words: nothing of the owner's storage.
    expect(await page.locator('.upload-row').textContent()).toContain('This file could not be processed. The album’s owner can see why.');
    expect(await page.locator('.tile').count()).toBe(2);
    // A reload shows the same.
    await page.reload();
    await pageScriptsRan(page);
    expect((await page.locator('.tile').evaluateAll((ts) => ts.map((t) => (t as HTMLElement).dataset.id))).sort()).toEqual([...good].sort());
    await context.close();
  });
});
