// Dates you can trust, and fix (issue 17, item 5). Before the file's modification time, the
// other dates a file carries are used (EXIF ModifyDate, the GPS fix's time, a date in the
// file name such as IMG_20180725_163423 or PXL_…); a date before 1826 or in the future (an
// unset camera clock: 2038) is unknown. The owner sets the date and time with its zone, or
// shifts a selection by an offset; the album's date range and day headers follow.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Window } from 'happy-dom';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateFromFileName } from '../../src/media/file-name-date.ts';
import { takenAtInZone } from '../../src/media/taken-at.ts';
import { expectJson } from '../helpers/api.ts';
import { launchBrowser, longPress, pageProblems, PHONE_AND_DESKTOP, sizedContext } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { repoRoot, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { fixture } from './fixtures.ts';

const OUT = join(repoRoot, 'test-output', 'dates');
const window = new Window();
const parse = (html: string) => new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;

describe('a date in a file name', () => {
  it('is read from the names phones and messengers give', () => {
    expect(dateFromFileName('IMG_20180725_163423.jpg')).toEqual({ local: '2018-07-25T16:34:23', utc: false });
    expect(dateFromFileName('PXL_20230115_123456789.MP.jpg')).toEqual({ local: '2023-01-15T12:34:56', utc: true });
    expect(dateFromFileName('20180725_163423.mp4')).toEqual({ local: '2018-07-25T16:34:23', utc: false });
    expect(dateFromFileName('Screenshot 2023-01-15 at 12.34.56.png')).toEqual({ local: '2023-01-15T12:34:56', utc: false });
    expect(dateFromFileName('IMG-20230115-WA0007.jpg')).toEqual({ local: '2023-01-15T12:00:00', utc: false });
    for (const name of ['IMG_1234.JPG', 'DSC01234.ARW', 'photo_123456789012.jpg', '20230230_101010.jpg', 'holiday 2019.jpg']) {
      expect(dateFromFileName(name), name).toBeUndefined();
    }
  });

  it('an offset or a zone the owner gives', () => {
    expect(takenAtInZone('2024-07-13T14:05:00', 'Europe/Paris')).toEqual({ instant: new Date('2024-07-13T12:05:00Z'), local: '2024-07-13T14:05:00', offset: '+02:00' });
    expect(takenAtInZone('2024-01-13T14:05:00', 'America/New_York')!.offset).toBe('-05:00');
    expect(takenAtInZone('2024-01-13T14:05:00', '+05:30')!.instant.toISOString()).toBe('2024-01-13T08:35:00.000Z');
    expect(takenAtInZone('2024-01-13T14:05:00', 'Mars/Olympus')).toBeUndefined();
  });
});

describe('dates on upload, and the owner fixing them', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  let albumId: string;
  let dir: string;
  const db = () => server.database.db;

  /** A copy of a fixture under `name`, its tags changed by exiftool (a real file, as a camera or editor would leave it). */
  function variant(from: string, name: string, tags: string[]): string {
    const path = join(dir, name);
    copyFileSync(fixture(from), path);
    if (tags.length) execFileSync('exiftool', ['-q', '-overwrite_original', ...tags, path]);
    return path;
  }
  async function upload(path: string, lastModified?: number) {
    const form = new FormData();
    form.set('albumId', albumId);
    if (lastModified !== undefined) form.set('lastModified', String(lastModified));
    form.append('file', new Blob([new Uint8Array(readFileSync(path))]), basename(path));
    const body = await expectJson(await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form }), 201);
    const id = body.assets[0].id as string;
    return (await expectJson(await server.fetch(`/api/assets/${id}`, { headers }), 200)).asset;
  }
  const api = async (method: string, path: string, body: unknown, status: number, h = headers) =>
    expectJson(await server.fetch(path, { method, headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(body) }), status);

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', config: { defaultTz: 'Europe/Berlin' } });
    const owner = await newUser(db(), { role: 'owner' });
    headers = { cookie: await sessionCookie(db(), owner), origin: server.url };
    albumId = (await newAlbum(db(), owner.id, { title: 'Dates' })).id;
    dir = tempDir('dates-');
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(() => server?.close());

  it('uses the dates a file carries before its modification time, and none that cannot be', async () => {
    const mtime = Date.parse('2021-03-04T10:00:00Z');
    // No date inside; the name says when (a phone's screenshot or export).
    const named = await upload(fixture('png/IMG_20180725_163423-1.png'), mtime);
    expect(named).toMatchObject({ takenAtLocal: '2018-07-25T16:34:23', takenAtOffset: null, metadata: { takenAtSource: 'file-name' } });
    // Only IFD0's ModifyDate, with its offset.
    const modified = await upload(variant('jpeg/orientation/landscape_1.jpg', 'modify-only.jpg', ['-ModifyDate=2015:03:04 05:06:07', '-OffsetTime=+01:00']), mtime);
    expect(modified).toMatchObject({ takenAtLocal: '2015-03-04T05:06:07', takenAtOffset: '+01:00', takenAt: '2015-03-04T04:06:07.000Z' });
    expect(modified.metadata.tags.CaptureDateSource).toBe('modified: 2015:03:04 05:06:07');
    // Only the GPS fix's time: an instant, shown in DEFAULT_TZ.
    const gps = await upload(variant('jpeg/orientation/landscape_2.jpg', 'gps-time.jpg', ['-GPSDateStamp=2016:08:09', '-GPSTimeStamp=10:11:12']), mtime);
    expect(gps).toMatchObject({ takenAt: '2016-08-09T10:11:12.000Z', takenAtLocal: '2016-08-09T12:11:12' });
    // An unset camera clock (2038) and a date before photography are not dates: the name's is used…
    const future = await upload(variant('jpeg/orientation/landscape_3.jpg', 'IMG_20170102_030405.jpg', ['-DateTimeOriginal=2038:01:19 03:14:07']), mtime);
    expect(future).toMatchObject({ takenAtLocal: '2017-01-02T03:04:05', metadata: { takenAtSource: 'file-name' } });
    expect(future.metadata.warnings.join(' ')).toMatch(/2038:01:19 03:14:07.*in the future: not used/);
    // …else the modification time, and a modification time in the future is not used either.
    const past = await upload(variant('jpeg/orientation/landscape_4.jpg', 'old.jpg', ['-DateTimeOriginal=1801:01:01 00:00:00']), mtime);
    expect(past).toMatchObject({ takenAt: '2021-03-04T10:00:00.000Z', metadata: { takenAtSource: 'file-modified' } });
    const before = Date.now();
    const noDate = await upload(variant('jpeg/orientation/landscape_5.jpg', 'plain.jpg', []), Date.parse('2040-01-01T00:00:00Z'));
    expect(noDate.metadata.takenAtSource).toBe('uploaded');
    expect(Date.parse(noDate.takenAt)).toBeGreaterThanOrEqual(before - 1000);
    // A video whose container says 2038.
    const video = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', '-metadata', 'creation_time=2038-01-19T03:14:07Z', '-pix_fmt', 'yuv420p', video]);
    expect((await upload(video, mtime)).metadata.takenAtSource).toBe('file-modified');
  });

  it('the owner sets the date with its zone, and shifts a selection; the album follows', async () => {
    const album = (await newAlbum(db(), (await db().selectFrom('users').select('id').executeTakeFirstOrThrow()).id, { title: 'Trip' })).id;
    const add = async (name: string, date: string) => {
      const path = variant('jpeg/orientation/landscape_6.jpg', name, [`-DateTimeOriginal=${date}`]);
      const form = new FormData();
      form.set('albumId', album);
      form.append('file', new Blob([new Uint8Array(readFileSync(path))]), name);
      return (await expectJson(await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form }), 201)).assets[0].id as string;
    };
    const a = await add('a.jpg', '2024:07:13 23:30:00');
    const b = await add('b.jpg', '2024:07:14 10:00:00');
    const days = async () => [...parse(await (await server.fetch(`/albums/${album}`, { headers })).text()).querySelectorAll('.day-head time')].map((t) => t.getAttribute('datetime'));
    expect(await days()).toEqual(['2024-07-13', '2024-07-14']);
    const info = (await expectJson(await server.fetch(`/api/assets/${a}`, { headers }), 200)).asset;
    expect(info).toMatchObject({ takenAtUrl: `/api/assets/${a}/taken-at`, defaultZone: 'Europe/Berlin' });

    // One item: a wall clock in Tokyo.
    const set = await api('PATCH', `/api/assets/${a}/taken-at`, { local: '2023-12-31T08:15', zone: 'Asia/Tokyo' }, 200);
    expect(set.asset).toMatchObject({ takenAtLocal: '2023-12-31T08:15:00', takenAtOffset: '+09:00', takenAt: '2023-12-30T23:15:00.000Z', metadata: { takenAtSource: 'edited' } });
    expect((await expectJson(await server.fetch(`/api/albums/${album}`, { headers }), 200)).album).toMatchObject({ firstDay: '2023-12-31', lastDay: '2024-07-14' });
    expect(await days()).toEqual(['2023-12-31', '2024-07-14']);
    // No zone: the library's.
    expect((await api('PATCH', `/api/assets/${a}/taken-at`, { local: '2024-07-13T23:30:00', zone: null }, 200)).asset).toMatchObject({ takenAtOffset: null, takenAt: '2024-07-13T21:30:00.000Z' });

    // The camera was an hour behind: both move, across midnight.
    expect(await api('POST', '/api/assets/taken-at/shift', { ids: [a, b], minutes: 60 }, 200)).toEqual({ shifted: 2 });
    const moved = (await expectJson(await server.fetch(`/api/assets/${a}`, { headers }), 200)).asset;
    expect(moved).toMatchObject({ takenAtLocal: '2024-07-14T00:30:00', takenAt: '2024-07-13T22:30:00.000Z' });
    expect(await days()).toEqual(['2024-07-14']);
    expect((await expectJson(await server.fetch(`/api/albums/${album}`, { headers }), 200)).album).toMatchObject({ firstDay: '2024-07-14', lastDay: '2024-07-14', itemCount: 2 });

    // Bad input: a clear 400 and nothing changed.
    expect((await api('PATCH', `/api/assets/${a}/taken-at`, { local: '2024-02-30T10:00', zone: null }, 400)).error).toMatch(/not a date and time/);
    expect((await api('PATCH', `/api/assets/${a}/taken-at`, { local: '2024-02-03T10:00', zone: 'Mars/Olympus' }, 400)).error).toMatch(/zone must be/);
    expect((await api('PATCH', `/api/assets/${a}/taken-at`, { local: 'yesterday' }, 400)).error).toMatch(/local must be/);
    expect((await api('POST', '/api/assets/taken-at/shift', { ids: [a], minutes: 0 }, 400)).error).toMatch(/minutes/);
    expect((await api('POST', '/api/assets/taken-at/shift', { ids: [a], minutes: 1.5 }, 400)).error).toMatch(/whole number/);
    expect((await expectJson(await server.fetch(`/api/assets/${a}`, { headers }), 200)).asset.takenAtLocal).toBe('2024-07-14T00:30:00');
    // Only the owner.
    const uploader = await newUser(db(), { role: 'uploader' });
    const theirs = { cookie: await sessionCookie(db(), uploader), origin: server.url };
    expect((await server.fetch(`/api/assets/${a}/taken-at`, { method: 'PATCH', headers: { ...theirs, 'content-type': 'application/json' }, body: '{"local":"2020-01-01T00:00"}' })).status).toBe(403);
    expect((await server.fetch('/api/assets/taken-at/shift', { method: 'POST', headers: { ...theirs, 'content-type': 'application/json' }, body: JSON.stringify({ ids: [a], minutes: 5 }) })).status).toBe(403);
  });

  for (const size of PHONE_AND_DESKTOP) {
    it(`in the page: Change date in the details, Change dates for a selection (${size.name})`, { timeout: 90_000 }, async () => {
      const owner = (await db().selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirstOrThrow()).id;
      const album = (await newAlbum(db(), owner, { title: `Page ${size.name}` })).id;
      const ids: string[] = [];
      const second = size.touch ? '00' : '01'; // other bytes for each size: not duplicates
      for (const [i, date] of ['2022:05:01 09:00', '2022:05:02 09:00'].entries()) {
        const path = variant('jpeg/orientation/landscape_7.jpg', `${size.name}-${i}.jpg`, [`-DateTimeOriginal=${date}:${second}`]);
        const form = new FormData();
        form.set('albumId', album);
        form.append('file', new Blob([new Uint8Array(readFileSync(path))]), basename(path));
        ids.push((await expectJson(await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form }), 201)).assets[0].id);
      }
      const browser: Browser = await launchBrowser();
      try {
        const context = await sizedContext(browser, size);
        await context.addCookies([{ name: 'shoebox_session', value: headers.cookie!.split('=')[1]!, url: server.url }]);
        const page = await context.newPage();
        const problems = pageProblems(page);
        await page.goto(`${server.url}/albums/${album}`);
        const days = () => page.locator('.day-head time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
        expect(await days()).toEqual(['2022-05-01', '2022-05-02']);

        // One item, in the details: a wall clock in New York.
        await page.click(`.tile[data-id="${ids[0]}"]`);
        await page.waitForSelector('.pswp--open');
        await page.click('.pswp__button--info');
        await page.click('.lb-info-edit');
        await page.fill('.lb-date-form input[name="local"]', '2022-05-03T20:15:00');
        await page.fill('.lb-date-form input[name="zone"]', 'America/New_York');
        await page.click('.lb-date-form button[type="submit"]');
        await page.waitForFunction(() => /^Saved: Tue, 3 May 2022, 20:15 \(UTC-04:00\)/.test(document.querySelector('.lb-date-form [role="status"]')?.textContent ?? ''));
        await page.screenshot({ path: join(OUT, `change-date-${size.name}.png`) });
        const reloaded = page.waitForEvent('load');
        await page.keyboard.press('Escape');
        await page.keyboard.press('Escape');
        await reloaded;
        expect(await days()).toEqual(['2022-05-02', '2022-05-03']);

        // Both, from select mode: two days earlier.
        if (size.touch) {
          await longPress(page, `.tile[data-id="${ids[1]}"]`);
          await page.tap(`.tile[data-id="${ids[0]}"]`);
          await page.tap('#select-bar [popovertarget="select-more"]');
          await page.tap('#select-more [data-action="shift"]');
        } else {
          await page.click(`.tile[data-id="${ids[0]}"] .tile-check`);
          await page.click(`.tile[data-id="${ids[1]}"] .tile-check`);
          await page.click('#select-bar [data-action="shift"]');
        }
        await page.waitForSelector('#shift-dates:popover-open');
        expect(await page.textContent('#shift-dates h2')).toBe('Change the dates of 2 items');
        await page.screenshot({ path: join(OUT, `change-dates-${size.name}.png`) });
        await page.fill('#shift-dates input[name="days"]', '2');
        await page.fill('#shift-dates input[name="hours"]', '0');
        await page.check('#shift-dates input[name="direction"][value="-1"]');
        const again = page.waitForEvent('load');
        await page.click('#shift-dates button[type="submit"]');
        await again;
        expect(await days()).toEqual(['2022-04-30', '2022-05-01']);
        expect((await page.textContent('.album-meta'))!).toMatch(/30 Apr – 1 May 2022/);
        expect(problems).toEqual([]);
        await context.close();
      } finally {
        await browser.close();
      }
    });
  }
});
