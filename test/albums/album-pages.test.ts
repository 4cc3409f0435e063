// The album list and album page as HTML: cards, the justified grid's tiles (aspect ratios
// in order, placeholders, badges, srcset), day headers, a first page of 40 tiles and then pages of 200 with an
// htmx sentinel and the fragments that continue them, and the small forms.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { setUploaderAlbums } from '../../src/queries/users.ts';
import { backends } from '../helpers/database.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { dayOf, seedAlbum } from './fixtures.ts';

const window = new Window();
const parse = (html: string) => new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;
const arOf = (el: Element) => Number(/--ar:([\d.]+)/.exec(el.getAttribute('style') ?? '')?.[1]);

describe.each(backends())('album pages on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let cookie: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await newUser(server.database.db, { role: 'owner' });
    cookie = await sessionCookie(server.database.db, owner);
  });
  afterAll(() => server.close());

  const db = () => server.database.db;
  async function page(path: string, as = cookie, headers: Record<string, string> = {}) {
    const res = await server.fetch(path, { headers: { cookie: as, ...headers } });
    const html = await res.text();
    return { res, html, doc: parse(html) };
  }
  function postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return server.fetch(path, {
      method: 'POST',
      headers: { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }
  const tileIds = (root: ParentNode) => [...root.querySelectorAll('.tile')].map((t) => t.getAttribute('data-id'));
  const headings = (root: ParentNode) => [...root.querySelectorAll('.day-head time')].map((t) => t.textContent);

  it('the album list: an empty state with one action, then cards newest first with cover and meta', async () => {
    const fresh = await startTestServer({ backend });
    try {
      const me = await newUser(fresh.database.db, { role: 'owner' });
      const c = await sessionCookie(fresh.database.db, me);
      let doc = parse(await (await fresh.fetch('/', { headers: { cookie: c } })).text());
      expect(doc.querySelector('.empty-state h2')?.textContent).toBe('No albums yet');
      expect(doc.querySelector('.empty-state button[popovertarget="new-album"]')).not.toBeNull();
      expect(doc.querySelector('#new-album form[action="/albums"] input[name="title"]')).not.toBeNull();

      const empty = await newAlbum(fresh.database.db, me.id, { title: 'Nothing yet' });
      await fresh.database.db.updateTable('albums').set({ created_at: new Date('2020-01-01') } as never).where('id', '=', empty.id).execute();
      const { assets } = await seedAlbum(fresh.database.db, me.id, [...dayOf('2024-07-12', 2), ...dayOf('2024-08-01', 1)], 'A very long album title that goes on and on');
      doc = parse(await (await fresh.fetch('/', { headers: { cookie: c } })).text());
      const cards = [...doc.querySelectorAll('.album-card')];
      expect(cards.map((card) => card.querySelector('.card-title')?.textContent)).toEqual(['A very long album title that goes on and on', 'Nothing yet']);
      expect(cards.map((card) => card.querySelector('.card-meta')?.textContent)).toEqual(['3 items · Jul – Aug 2024', 'Empty']);
      const cover = cards[0]!.querySelector('.cover')!;
      expect(cover.getAttribute('style')).toMatch(/^background-image:linear-gradient\((#[0-9a-f]{6},){2}#[0-9a-f]{6}\)$/);
      // The newest well-sized photo (albums-api.test.ts has the rule in full).
      expect(cover.querySelector('img')?.getAttribute('src')).toBe(`/media/assets/${assets.at(-1)!.id}/thumb`);
      expect(cards[0]!.getAttribute('href')).toMatch(/^\/albums\/[0-9a-f-]{36}$/);
      expect(cards[1]!.querySelector('.cover.empty')).not.toBeNull();
      expect(doc.querySelector('button.new-album-button[popovertarget="new-album"]')).not.toBeNull();
    } finally {
      await fresh.close();
    }
  });

  it('creates an album from the form and goes to it; a blank title says why', async () => {
    const res = await postForm('/albums', { title: 'From the form', description: 'Hello' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/albums\/[0-9a-f-]{36}$/);
    const { doc } = await page(location);
    expect(doc.querySelector('.album-title')?.textContent).toBe('From the form');
    expect(doc.querySelector('.album-desc')?.textContent).toBe('Hello');
    expect(doc.querySelector('.empty-state h2')?.textContent).toBe('This album is empty');

    const bad = await postForm('/albums', { title: '  ' });
    expect(bad.status).toBe(400);
    expect(parse(await bad.text()).querySelector('.form-error')?.textContent).toMatch(/title is required/);
    const crossSite = await postForm('/albums', { title: 'x' }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
  });

  it('the album page: header line, tiles at their aspect ratios in date order, day headers, placeholders, badges', async () => {
    const { albumId, assets } = await seedAlbum(
      db(),
      owner.id,
      [
        { local: '2024-07-19T08:00:00', width: 1000, height: 1000 },
        { local: '2024-07-12T18:00:00', width: 4032, height: 3024 },
        { local: '2024-07-12T09:00:00', width: 1080, height: 1920, kind: 'video', duration: 7.5 },
        { local: '2024-07-13T10:00:00', width: 300, height: 200, status: 'failed', error: 'Not a picture we can read', thumbhash: false },
        { local: '2024-07-13T11:00:00', width: 2000, height: 1000, status: 'pending' },
      ],
      'Lake weekend',
      'Three days at the lake',
    );
    const [square, landscape, video, failed, pending] = assets.map((a) => a.id);
    const { res, doc, html } = await page(`/albums/${albumId}`);
    expect(res.status).toBe(200);
    expect(doc.querySelector('title')?.textContent).toBe('Lake weekend · Shoebox');
    expect(doc.querySelector('.album-meta')?.textContent).toBe('4 photos · 1 video · 12–19 Jul 2024');
    expect(doc.querySelector('#upload-button')).not.toBeNull();

    expect(tileIds(doc)).toEqual([video, landscape, failed, pending, square]);
    expect([...doc.querySelectorAll('.tile')].map(arOf)).toEqual([0.5625, 1.3333, 1.5, 2, 1]);
    expect(headings(doc)).toEqual(['Fri, 12 Jul 2024', 'Sat, 13 Jul 2024', 'Fri, 19 Jul 2024']);
    expect([...doc.querySelectorAll('.day-head time')].map((t) => t.getAttribute('datetime'))).toEqual(['2024-07-12', '2024-07-13', '2024-07-19']);
    expect([...doc.querySelectorAll('section.day')].map((s) => s.querySelectorAll('.tile').length)).toEqual([2, 2, 1]);

    const tile = (id: string) => doc.querySelector(`.tile[data-id="${id}"]`)!;
    // Placeholders are gradients of the ThumbHash's colours, painted as the tile's background; none without a ThumbHash.
    expect(tile(landscape!).getAttribute('style')).toMatch(/^--ar:1\.3333;background-image:linear-gradient\((#[0-9a-f]{6},){2}#[0-9a-f]{6}\)$/);
    expect(tile(failed!).getAttribute('style')).toBe('--ar:1.5');
    // Each tile's spacer gives it its height (padding from --ar in the stylesheet).
    expect(tile(landscape!).firstElementChild?.tagName).toBe('I');

    const img = tile(landscape!).querySelector('img')!;
    expect(img.getAttribute('src')).toBe(`/media/assets/${landscape}/thumb`);
    expect(img.getAttribute('srcset')).toBe(`/media/assets/${landscape}/thumb 480w, /media/assets/${landscape}/preview 2048w`);
    expect(img.getAttribute('sizes')).toBe('(min-width: 1024px) 320px, (min-width: 600px) 253px, 153px');
    expect(img.getAttribute('loading')).toBe('eager'); // among a page's first tiles: on the first screen at any width
    expect(img.getAttribute('decoding')).toBe('async');
    // Not processed yet, or failed: no image to ask for.
    expect(tile(pending!).querySelector('img')).toBeNull();
    expect(tile(failed!).querySelector('img')).toBeNull();
    expect(tile(video!).querySelector('.badge')?.textContent).toBe('0:08');
    expect(tile(failed!).querySelector('.badge.failed')?.getAttribute('title')).toBe('Not a picture we can read');
    expect(tile(failed!).getAttribute('aria-label')).toBe('Photo, Failed, Sat, 13 Jul 2024, 10:00');
    expect(tile(video!).getAttribute('aria-label')).toBe('Video, 0:08, Fri, 12 Jul 2024, 09:00');

    // A short album is one page: no sentinel.
    expect(doc.querySelector('.more')).toBeNull();
    // Scripts only from us, or inline ones whose hash the policy names.
    const csp = res.headers.get('content-security-policy')!;
    for (const script of doc.querySelectorAll('script')) {
      const src = script.getAttribute('src');
      if (src) expect(src).toMatch(/^\/static\//);
      else expect(csp).toContain(`'sha256-${createHash('sha256').update(script.textContent!).digest('base64')}'`);
    }
    expect(html).toMatch(/<meta name="htmx-config" content="[^"]*includeIndicatorStyles&quot;:false/);
    // Nothing paints before the content is parsed (a half-parsed grid would re-flow).
    expect(html).toContain('<link rel="expect" href="#page-end" blocking="render">');
    expect(doc.querySelector('main + #page-end')).not.toBeNull();
  });

  it('headers of the current year leave the year out; the wall clock decides the day', async () => {
    const year = new Date().getUTCFullYear();
    const { albumId } = await seedAlbum(db(), owner.id, [{ local: `${year}-03-02T23:30:00` }, { local: `${year}-03-03T00:30:00` }]);
    const { doc } = await page(`/albums/${albumId}`);
    const [first, second] = headings(doc);
    expect(first).toMatch(/^\w{3}, 2 Mar$/);
    expect(second).toMatch(/^\w{3}, 3 Mar$/);
  });

  it('sorts newest first, or in the manual order without day headers', async () => {
    const { albumId, assets } = await seedAlbum(db(), owner.id, [...dayOf('2024-05-01', 2), ...dayOf('2024-05-02', 2)]);
    const ids = assets.map((a) => a.id);
    let res = await postForm(`/albums/${albumId}/sort`, { sortOrder: 'taken_desc' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/albums/${albumId}`);
    let { doc } = await page(`/albums/${albumId}`);
    expect(tileIds(doc)).toEqual([...ids].reverse());
    expect(headings(doc)).toEqual(['Thu, 2 May 2024', 'Wed, 1 May 2024']);
    expect(doc.querySelector('#album-sort option[selected]')?.getAttribute('value')).toBe('taken_desc');

    res = await postForm(`/albums/${albumId}/sort`, { sortOrder: 'manual' });
    ({ doc } = await page(`/albums/${albumId}`));
    expect(tileIds(doc)).toEqual(ids);
    expect(headings(doc)).toEqual([]);
    expect(doc.querySelectorAll('section.day')).toHaveLength(1);
    expect((await postForm(`/albums/${albumId}/sort`, { sortOrder: 'shuffle' })).status).toBe(400);
  });

  it('groups by month, by day or not at all; automatic is by month for years of a few items a day', async () => {
    // Three years, one photo a fortnight: 'auto' groups by month.
    const items = Array.from({ length: 80 }, (_, i) => dayOf(new Date(Date.UTC(2021, 0, 1 + i * 14)).toISOString().slice(0, 10), 1)[0]!);
    const { albumId, assets } = await seedAlbum(db(), owner.id, items, 'Years');
    let { doc } = await page(`/albums/${albumId}`);
    expect(headings(doc).slice(0, 3)).toEqual(['January 2021', 'February 2021', 'March 2021']);
    // In parts a narrow section leaves out: "Jan 2021", then "Jan" (css/grid.css).
    const month = doc.querySelector('.day-head time.month')!;
    expect([month.querySelector('.month-rest')?.textContent, month.querySelector('.year')?.textContent, month.getAttribute('title')]).toEqual(['uary', ' 2021', 'January 2021']);
    expect(doc.querySelector('#album-group option[selected]')?.getAttribute('value')).toBe('auto');
    // The page of 40 ends at a month's end, and the fragment after it goes on by month.
    const more = doc.querySelector('#album-grid > a.more')!.getAttribute('hx-get')!;
    expect(more).toContain('group=month');
    const { doc: fragment } = await page(more, cookie, { 'hx-request': 'true' });
    expect([...fragment.querySelectorAll('.day-head time')].every((t) => /^\d{4}-\d{2}$/.test(t.getAttribute('datetime')!))).toBe(true);
    expect([...doc.querySelectorAll('.tile'), ...fragment.querySelectorAll('.tile')].map((t) => t.getAttribute('data-id'))).toEqual(assets.map((a) => a.id));
    // Each section says its size for the stylesheet.
    expect(doc.querySelector('section.day')!.getAttribute('style')).toMatch(/^--s:[\d.]+;--n:\d+$/);

    expect((await postForm(`/albums/${albumId}/group`, { groupBy: 'day' })).status).toBe(303);
    ({ doc } = await page(`/albums/${albumId}`));
    expect(headings(doc)[0]).toBe('Fri, 1 Jan 2021');
    expect((await postForm(`/albums/${albumId}/group`, { groupBy: 'none' })).status).toBe(303);
    ({ doc } = await page(`/albums/${albumId}`));
    expect(headings(doc)).toEqual([]);
    expect(doc.querySelectorAll('#album-grid > section.day')).toHaveLength(1);
    expect((await postForm(`/albums/${albumId}/group`, { groupBy: 'week' })).status).toBe(400);

    // A trip of a few days stays by day under 'auto'.
    const trip = await seedAlbum(db(), owner.id, [...dayOf('2024-05-01', 2), ...dayOf('2024-05-02', 2)]);
    ({ doc } = await page(`/albums/${trip.albumId}`));
    expect(headings(doc)).toEqual(['Wed, 1 May 2024', 'Thu, 2 May 2024']);
  });

  it('pages: 40 tiles first, ending at a day where it can, then htmx fragments of at most 200 that continue the grid', async () => {
    // 10 on the first day, 200 on the second (longer than a page), 10 on the third.
    const items = [...dayOf('2024-06-01', 10), ...dayOf('2024-06-02', 200), ...dayOf('2024-06-03', 10)];
    const { albumId, assets } = await seedAlbum(db(), owner.id, items, 'Big');
    const { doc, html } = await page(`/albums/${albumId}`);

    // Page 1: day 1 (10) and 30 of day 2, whose section stays open with the sentinel inside it
    // (day 1 ends too early in the page to end it there).
    expect(doc.querySelectorAll('.tile')).toHaveLength(40);
    // Small as sent: 40 tiles with their placeholders (and the owner page around them) in under 10 kB of gzip.
    expect(gzipSync(html).length).toBeLessThan(10_000);
    expect(headings(doc)).toEqual(['Sat, 1 Jun 2024', 'Sun, 2 Jun 2024']);
    const sections = doc.querySelectorAll('section.day');
    const inside = sections[1]!.querySelector('.tiles > a.more')!;
    expect(inside).not.toBeNull();
    expect(inside.getAttribute('hx-trigger')).toBe('revealed');
    expect(inside.getAttribute('hx-swap')).toBe('outerHTML');
    expect(inside.getAttribute('href')).toBe(`/albums/${albumId}?after=${assets[39]!.id}`);
    const seen = tileIds(doc);
    // The first 4 thumbnails load at once, ahead of everything else; the rest when scrolled near.
    const imgs = [...doc.querySelectorAll('.tile img')];
    expect(imgs.map((i) => i.getAttribute('loading'))).toEqual([...Array(4).fill('eager'), ...Array(36).fill('lazy')]);
    expect(imgs.map((i) => i.getAttribute('fetchpriority'))).toEqual([...Array(4).fill('high'), ...Array(36).fill(null)]);

    // Page 2 continues day 2 inside its section (no header), then hands over to new sections.
    let fragment = await page(inside.getAttribute('hx-get')!, cookie, { 'hx-request': 'true' });
    expect(fragment.res.status).toBe(200);
    expect(fragment.html).not.toMatch(/<html|<section|day-head/);
    const tiles2 = tileIds(fragment.doc);
    expect(tiles2).toHaveLength(170);
    seen.push(...tiles2);
    const oob = fragment.doc.querySelector('[hx-swap-oob="beforeend:#album-grid"] > a.more')!;
    expect(oob).not.toBeNull();
    expect(fragment.doc.querySelectorAll('a.more')).toHaveLength(1);

    // Page 3: day 3 as a new section with its header, and the end.
    fragment = await page(oob.getAttribute('hx-get')!, cookie, { 'hx-request': 'true' });
    expect(headings(fragment.doc)).toEqual(['Mon, 3 Jun 2024']);
    seen.push(...tileIds(fragment.doc));
    expect(fragment.doc.querySelector('a.more')).toBeNull();

    expect(seen).toEqual(assets.map((a) => a.id));
  });

  it('pages: a day longer than two pages goes on inside its section; short days end a page early', async () => {
    const items = [...dayOf('2024-02-01', 25), ...dayOf('2024-02-02', 90), ...dayOf('2024-02-03', 450)];
    const { albumId, assets } = await seedAlbum(db(), owner.id, items, 'Bigger');
    const { doc } = await page(`/albums/${albumId}`);
    // Ends after day 1 (25 tiles): days 1+2 would be 115, more than the first page's 40.
    expect(doc.querySelectorAll('.tile')).toHaveLength(25);
    let next = doc.querySelector('#album-grid > a.more')!.getAttribute('hx-get')!;
    const seen = tileIds(doc);
    const sizes: number[] = [25];
    for (let i = 0; i < 10 && next; i++) {
      const fragment = await page(next, cookie, { 'hx-request': 'true' });
      const ids = tileIds(fragment.doc);
      sizes.push(ids.length);
      seen.push(...ids);
      next = fragment.doc.querySelector('a.more')?.getAttribute('hx-get') ?? '';
    }
    // Day 2 (90) fits with 110 of day 3, open; then 200 and 140 more of day 3 inside it.
    expect(sizes).toEqual([25, 200, 200, 140]);
    expect(seen).toEqual(assets.map((a) => a.id));
  });

  it('without script, "Show more" links to the next page as a whole page', async () => {
    const { albumId, assets } = await seedAlbum(db(), owner.id, dayOf('2024-09-09', 230), 'Link');
    const { doc } = await page(`/albums/${albumId}`);
    const href = doc.querySelector('a.more')!.getAttribute('href')!;
    const next = await page(href);
    expect(next.res.status).toBe(200);
    expect(tileIds(next.doc)).toEqual(assets.slice(40).map((a) => a.id));
    expect(next.doc.querySelector(`a[href="/albums/${albumId}"]`)?.textContent).toMatch(/start of the album/);
  });

  it('a bad fragment request is a 400; an unknown album a 404 page', async () => {
    const { albumId } = await seedAlbum(db(), owner.id, dayOf('2024-09-09', 2));
    expect((await page(`/albums/${albumId}/tiles`)).res.status).toBe(400);
    expect((await page(`/albums/${albumId}/tiles?after=x`)).res.status).toBe(400);
    expect((await page(`/albums/${albumId}/tiles?after=00000000-0000-4000-8000-000000000000&open=yesterday`)).res.status).toBe(400);
    const missing = await page('/albums/00000000-0000-4000-8000-000000000000');
    expect(missing.res.status).toBe(404);
    expect(missing.html).toContain('This album does not exist.');
    expect((await page('/albums/nope')).res.status).toBe(404);
  });

  it('edits title and description in place (htmx), or by a plain form post', async () => {
    const { albumId } = await seedAlbum(db(), owner.id, dayOf('2024-09-09', 1), 'Before');
    let res = await postForm(`/albums/${albumId}/details`, { title: 'After', description: 'Now with words' }, { 'hx-request': 'true' });
    expect(res.status).toBe(200);
    let fragment = parse(await res.text());
    expect(fragment.querySelector('#album-head .album-title')?.textContent).toBe('After');
    expect(fragment.querySelector('#album-head .album-desc')?.textContent).toBe('Now with words');
    expect(fragment.querySelector('details.album-edit')?.hasAttribute('open')).toBe(false);

    res = await postForm(`/albums/${albumId}/details`, { title: ' ', description: 'kept' }, { 'hx-request': 'true' });
    expect(res.status).toBe(422);
    fragment = parse(await res.text());
    expect(fragment.querySelector('details.album-edit')?.hasAttribute('open')).toBe(true);
    expect(fragment.querySelector('.form-error')?.textContent).toMatch(/title is required/);
    expect(fragment.querySelector('textarea')?.textContent).toBe('kept');

    res = await postForm(`/albums/${albumId}/details`, { title: 'Plain', description: '' });
    expect(res.status).toBe(303);
    expect((await page(`/albums/${albumId}`)).doc.querySelector('.album-title')?.textContent).toBe('Plain');
  });

  it('deletes from the menu and returns to the list', async () => {
    const { albumId } = await seedAlbum(db(), owner.id, dayOf('2024-09-09', 1), 'Doomed');
    const { doc } = await page(`/albums/${albumId}`);
    expect(doc.querySelector('#delete-album p')?.textContent).toMatch(/1 item in it stay/);
    const res = await postForm(`/albums/${albumId}/delete`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect((await page(`/albums/${albumId}`)).res.status).toBe(404);
  });

  it('an uploader sees granted albums read-only (with Upload); others are 404', async () => {
    const uploader = await newUser(db(), { role: 'uploader' });
    const up = await sessionCookie(db(), uploader);
    const granted = await seedAlbum(db(), owner.id, dayOf('2024-09-09', 3), 'Shared with you');
    const other = await seedAlbum(db(), owner.id, dayOf('2024-09-09', 1), 'Private');
    await setUploaderAlbums(db(), uploader.id, [granted.albumId]);

    const list = await page('/', up);
    expect([...list.doc.querySelectorAll('.card-title')].map((t) => t.textContent)).toEqual(['Shared with you']);
    expect(list.doc.querySelector('[popovertarget="new-album"]')).toBeNull();

    const { res, doc } = await page(`/albums/${granted.albumId}`, up);
    expect(res.status).toBe(200);
    expect(doc.querySelectorAll('.tile')).toHaveLength(3);
    expect(doc.querySelector('#upload-button')).not.toBeNull();
    expect(doc.querySelector('details.album-edit')).toBeNull();
    expect(doc.querySelector('#album-menu')).toBeNull();
    expect((await page(`/albums/${other.albumId}`, up)).res.status).toBe(404);
    expect((await page(`/albums/${other.albumId}/tiles?after=${other.assets[0]!.id}`, up)).res.status).toBe(404);
    expect((await postForm(`/albums/${granted.albumId}/details`, { title: 'x' }, { cookie: up })).status).toBe(403);
  });
});
