// The library page: every asset newest first in numbered pages of 200, grouped by day,
// filtered to those in no album; bad page numbers and filters say so.
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { dayOf, insertAssets, seedAlbum } from './fixtures.ts';

const window = new Window();
const parse = (html: string) => new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;

describe.each(backends())('library on %s', (backend) => {
  let server: TestServer;
  let cookie: string;
  let ownerId: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const owner = await newUser(server.database.db, { role: 'owner' });
    ownerId = owner.id;
    cookie = await sessionCookie(server.database.db, owner);
  });
  afterAll(() => server.close());

  async function page(path: string) {
    const res = await server.fetch(path, { headers: { cookie } });
    return { res, doc: parse(await res.text()) };
  }
  const tileIds = (doc: Document) => [...doc.querySelectorAll('.tile')].map((t) => t.getAttribute('data-id'));

  it('says when the library is empty, with one way on', async () => {
    const { res, doc } = await page('/library');
    expect(res.status).toBe(200);
    expect(doc.querySelector('.empty-state h2')?.textContent).toBe('Your library is empty');
    expect(doc.querySelector('.empty-state a')?.getAttribute('href')).toBe('/');
    expect(doc.querySelector('.topnav a[href="/library"]')).not.toBeNull();
  });

  it('lists everything newest first, 200 a page, with day headers and a pager; the filter shows what is in no album', async () => {
    // 150 in an album on 1–3 Mar, 100 in none on 4–5 Mar (newer).
    const inAlbum = await seedAlbum(server.database.db, ownerId, [...dayOf('2024-03-01', 50), ...dayOf('2024-03-02', 50), ...dayOf('2024-03-03', 50)]);
    const loose = await insertAssets(server.database.db, [...dayOf('2024-03-04', 50), ...dayOf('2024-03-05', 50)]);
    const newestFirst = [...inAlbum.assets, ...loose].reverse().map((a) => a.id);

    const first = await page('/library');
    expect(first.doc.querySelector('.album-meta')?.textContent).toBe('250 items');
    expect(tileIds(first.doc)).toEqual(newestFirst.slice(0, 200));
    expect([...first.doc.querySelectorAll('.day-head time')].map((t) => t.textContent)).toEqual([
      'Tue, 5 Mar 2024',
      'Mon, 4 Mar 2024',
      'Sun, 3 Mar 2024',
      'Sat, 2 Mar 2024',
    ]);
    expect(first.doc.querySelector('.pager .muted')?.textContent).toBe('Page 1 of 2');
    expect(first.doc.querySelector('.pager a[rel="prev"]')).toBeNull();
    expect(first.doc.querySelector('.pager a[rel="next"]')?.getAttribute('href')).toBe('/library?page=2');
    expect(first.doc.querySelector('.tab[aria-current="page"]')?.textContent).toBe('All');

    const second = await page('/library?page=2');
    expect(tileIds(second.doc)).toEqual(newestFirst.slice(200));
    expect(second.doc.querySelector('.pager a[rel="prev"]')?.getAttribute('href')).toBe('/library');
    expect(second.doc.querySelector('.pager a[rel="next"]')).toBeNull();

    const unsorted = await page('/library?filter=unsorted');
    expect(unsorted.doc.querySelector('.album-meta')?.textContent).toBe('100 items not in any album');
    expect(tileIds(unsorted.doc)).toEqual([...loose].reverse().map((a) => a.id));
    expect(unsorted.doc.querySelector('.pager')).toBeNull();
    expect(unsorted.doc.querySelector('.tab[aria-current="page"]')?.textContent).toBe('Not in any album');
  });

  it('refuses pages and filters that do not exist', async () => {
    expect((await page('/library?page=0')).res.status).toBe(400);
    expect((await page('/library?page=two')).res.status).toBe(400);
    expect((await page('/library?filter=starred')).res.status).toBe(400);
    const beyond = await page('/library?page=99');
    expect(beyond.res.status).toBe(404);
  });
});
