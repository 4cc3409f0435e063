// A large file on a phone's bad connection, in Chromium at phone size: it goes up over tus in
// chunks, the network goes away at about half (Chromium offline through CDP, and the
// connection carrying the chunk in flight cut) for 20 s, and when it is back the upload
// goes on from the last byte the server holds, with nothing for the user to do. Then a page
// reloaded part-way through a file: chosen again, the file goes on from what the server holds.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, tempDir } from '../helpers/server.ts';
import { slowUplink } from '../helpers/slow-uplink.ts';
import { uploadRows } from '../helpers/upload-panel.ts';
import { fixture } from '../media/fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'resumable');
const MiB = 1024 * 1024;
/** As the upload panel writes sizes. */
const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('a resumable upload in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let file: string;
  let bytes: Buffer;
  let second: string;
  let secondBytes: Buffer;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    dir = tempDir();
    // A real photo with 19 MB of other bytes after its end: decoders stop at the end marker.
    bytes = Buffer.concat([readFileSync(fixture('jpeg/camera/canon-dslr.jpg')), randomBytes(19 * MiB)]);
    file = join(dir, 'IMG_0042.JPG');
    writeFileSync(file, bytes);
    secondBytes = Buffer.concat([readFileSync(fixture('jpeg/orientation/landscape_1.jpg')), randomBytes(12 * MiB)]);
    second = join(dir, 'IMG_0043.JPG');
    writeFileSync(second, secondBytes);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes on by itself after 20 s offline at half-way, from the bytes the server holds, and the tile appears; after a reload, the same file goes on', async () => {
    const server = await startTestServer({ backend: 'pglite', worker: true, config: { uploadChunkBytes: 4 * MiB } });
    const uplink = await slowUplink(server.url);
    try {
      const db = server.database.db;
      const owner = await newUser(db, { role: 'owner' });
      const cookie = await sessionCookie(db, owner);
      const album = await newAlbum(db, owner.id, { title: 'Harbour' });
      const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 3, isMobile: true, hasTouch: true });
      await context.addCookies([{ name: 'shoebox_session', value: cookie.split('=')[1]!, url: uplink.url }]);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      const tusRequests: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/uploads')) tusRequests.push(r.method());
      });
      await page.goto(`${uplink.url}/albums/${album.id}`);
      uplink.bytesPerSecond = 3 * MiB;
      await page.setInputFiles('#upload-input', file);

      // About half-way: the network goes away, and the chunk in flight with it.
      await page.waitForFunction(() => (document.querySelector<HTMLProgressElement>('.upload-progress')?.position ?? 0) >= 0.45, null, { timeout: 30_000 });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      uplink.cut();
      const cutAt = Date.now();
      await page.waitForFunction(() => /^Offline\./.test(document.querySelector('.upload-state')!.textContent!), null, { timeout: 10_000 });
      const offline = (await uploadRows(page))[0]!;
      expect(offline.state).toBe('sending');
      expect(offline.retry, 'nothing asks the user to retry').toBe(false);
      await page.screenshot({ path: join(OUT, 'phone-offline.png') });
      const held = partBytes(server.deps.dataDir.tmp);
      expect(held).toBeGreaterThan(0.3 * bytes.length);
      expect(held).toBeLessThan(bytes.length);

      await page.waitForTimeout(Math.max(0, 20_000 - (Date.now() - cutAt)));
      expect((await uploadRows(page))[0]!.text).toMatch(/^Offline\./);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

      // It says what the server already holds, then finishes.
      await page.waitForFunction(() => /^Resuming… /.test(document.querySelector('.upload-state')!.textContent!), null, { timeout: 10_000, polling: 20 });
      const resumed = (await uploadRows(page))[0]!.text;
      expect(resumed).toBe(`Resuming… ${mb(held)} of ${mb(bytes.length)} already there`);
      await page.screenshot({ path: join(OUT, 'phone-resuming.png') });
      await page.waitForFunction(() => ['processing', 'done'].includes(document.querySelector<HTMLElement>('.upload-row')!.dataset.state!), null, { timeout: 30_000 });
      await page.waitForFunction(() => document.querySelectorAll('#album-grid .tile').length === 1, null, { timeout: 30_000 });
      await page.waitForFunction(() => document.querySelector<HTMLElement>('.upload-row')!.dataset.state === 'done', null, { timeout: 30_000 });
      await page.screenshot({ path: join(OUT, 'phone-done.png') });
      // 2. (After the first file.)

      const row = await db.selectFrom('assets').select(['storage_path', 'original_filename', 'status']).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ original_filename: 'IMG_0042.JPG', status: 'ready' });
      expect(sha256(readFileSync(join(server.deps.dataDir.root, row.storage_path)))).toBe(sha256(bytes));
      // In chunks, resumed with HEAD; never started again from byte 0 (one creation).
      expect(tusRequests.filter((m) => m === 'POST')).toHaveLength(1);
      expect(tusRequests).toContain('HEAD');

      // A reload part-way: the same file chosen again goes on from what the server holds.
      const posts = () => tusRequests.filter((m) => m === 'POST').length;
      await page.setInputFiles('#upload-input', second);
      await page.waitForFunction(() => (document.querySelector<HTMLProgressElement>('.upload-row:last-child .upload-progress')?.position ?? 0) >= 0.4, null, { timeout: 30_000 });
      await page.reload();
      // What was in flight when the page went still reaches the part: wait until it stops growing.
      let heldAfterReload = -1;
      for (let still = 0; still < 3; await page.waitForTimeout(200)) {
        const now = partBytes(server.deps.dataDir.tmp);
        still = now === heldAfterReload ? still + 1 : 0;
        heldAfterReload = now;
      }
      expect(heldAfterReload).toBeGreaterThan(0);
      await page.setInputFiles('#upload-input', second);
      await page.waitForFunction(() => /^Resuming… /.test(document.querySelector('.upload-row .upload-state')?.textContent ?? ''), null, { timeout: 10_000, polling: 20 });
      expect((await uploadRows(page))[0]!.text).toBe(`Resuming… ${mb(heldAfterReload)} of ${mb(secondBytes.length)} already there`);
      await page.waitForFunction(() => ['processing', 'done'].includes(document.querySelector<HTMLElement>('.upload-row')!.dataset.state!), null, { timeout: 30_000 });
      expect(posts(), 'the reloaded page made no new upload').toBe(2);
      const again = await db.selectFrom('assets').select('storage_path').where('original_filename', '=', 'IMG_0043.JPG').executeTakeFirstOrThrow();
      expect(sha256(readFileSync(join(server.deps.dataDir.root, again.storage_path)))).toBe(sha256(secondBytes));
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await uplink.close();
      await server.close();
    }
  }, 120_000);
});

/** The bytes the server holds of the one upload in progress (its part under tmp/tus/). */
function partBytes(tmp: string): number {
  const parts = readdirSync(join(tmp, 'tus')).filter((n) => !n.endsWith('.json'));
  expect(parts).toHaveLength(1);
  return statSync(join(tmp, 'tus', parts[0]!)).size;
}
