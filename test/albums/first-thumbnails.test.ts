// The first tiles' thumbnails are named before the grid, over real HTTP: a `Link: rel=preload`
// header on the page's response and `<link rel=preload>`s in its <head>, each naming exactly
// what the tile's <img> loads (src, srcset, sizes; a guest's signed URLs), for the owner's
// page and a guest's; none for an empty album. In Chromium (a phone, DPR 3), each first
// thumbnail is asked for once: the preloads and the <img>s pick the same file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Window } from 'happy-dom';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallAvifRelPath, smallThumbRelPath } from '../../src/storage/layout.ts';
import { CHROMIUM, hasChromium, launchBrowser, PHONE } from '../helpers/browser.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { dayOf, seedAlbum } from './fixtures.ts';

const window = new Window();
const parse = (html: string) => new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;

interface Named {
  href: string;
  srcset?: string;
  sizes?: string;
  fetchpriority?: string;
}

/** A Link header's entries (RFC 8288; parameters' quoted values may hold commas). */
function parseLinkHeader(value: string | null): (Named & { rel?: string; as?: string })[] {
  if (!value) return [];
  return [...value.matchAll(/<([^>]*)>((?:\s*;\s*[a-z-]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g)].map(([, href, params]) => {
    const p = Object.fromEntries([...params!.matchAll(/;\s*([a-z-]+)(?:=(?:"([^"]*)"|([^;,]*)))?/g)].map(([, k, q, t]) => [k!, q ?? t ?? '']));
    return { href: href!, rel: p.rel, as: p.as, fetchpriority: p.fetchpriority, srcset: p.imagesrcset, sizes: p.imagesizes };
  });
}

/** What the page names in its <head>, its Link header and its first tiles' <img>s. */
function named(res: Response, html: string) {
  const doc = parse(html);
  const attr = (el: Element, name: string) => el.getAttribute(name) ?? undefined;
  return {
    imgs: [...doc.querySelectorAll('.tile img[fetchpriority="high"]')].map((i) => ({ href: attr(i, 'src')!, srcset: attr(i, 'srcset'), sizes: attr(i, 'sizes') })),
    head: [...doc.querySelectorAll('head link[rel="preload"]')].map((l) => ({
      href: attr(l, 'href')!,
      as: attr(l, 'as'),
      fetchpriority: attr(l, 'fetchpriority'),
      srcset: attr(l, 'imagesrcset'),
      sizes: attr(l, 'imagesizes'),
    })),
    header: parseLinkHeader(res.headers.get('link')),
  };
}

function expectSameAsImgs(n: ReturnType<typeof named>, count: number) {
  expect(n.imgs).toHaveLength(count);
  const asPreloads = n.imgs.map((i) => ({ ...i, as: 'image', fetchpriority: 'high' }));
  expect(n.head).toEqual(asPreloads);
  expect(n.header).toEqual(asPreloads.map((p) => ({ ...p, rel: 'preload' })));
}

describe('the first thumbnails, named before the grid', () => {
  let server: TestServer;
  let cookie: string;
  let albumId: string;
  let token: string;
  let emptyAlbumId: string;
  let emptyToken: string;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite' });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    cookie = await sessionCookie(db, owner);
    // The second tile has no thumbnail yet: it counts among the first 4 tiles but names no image.
    const items = dayOf('2024-06-01', 12).map((item, i) => (i === 1 ? { ...item, status: 'pending' as const } : item));
    const seeded = await seedAlbum(db, owner.id, items, 'First light');
    albumId = seeded.albumId;
    emptyAlbumId = (await newAlbum(db, owner.id, { title: 'Nothing yet' })).id;
    const share = async (id: string) => {
      const res = await server.fetch(`/api/albums/${id}/share`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(201);
      return ((await res.json()) as { link: { token: string } }).link.token;
    };
    token = await share(albumId);
    emptyToken = await share(emptyAlbumId);
    // Real thumbnails for the browser to load (a plain 4:3 picture will do for every shape).
    const picture = sharp({ create: { width: 480, height: 360, channels: 3, background: '#6a8caf' } });
    const [webp, avif] = await Promise.all([picture.clone().webp().toBuffer(), picture.clone().avif({ effort: 0 }).toBuffer()]);
    for (const a of seeded.assets.filter((x) => x.status === 'ready')) {
      for (const [rel, bytes] of [[smallThumbRelPath(a.file_hash), webp], [smallAvifRelPath(a.file_hash), avif]] as const) {
        const file = join(server.deps.dataDir.root, rel);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, bytes);
      }
    }
  });
  afterAll(() => server?.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await server.fetch(path, { headers: { 'accept-encoding': 'br, gzip', ...headers } });
    expect(res.status).toBe(200);
    return named(res, await res.text());
  };

  it("the owner's page: the header and the head name the first tiles' images as their <img>s do", async () => {
    const n = await get(`/albums/${albumId}`, { cookie });
    expectSameAsImgs(n, 3);
    expect(n.imgs[0]!.href).toMatch(/^\/media\/assets\/[0-9a-f-]+\/thumb$/);
    expect(n.imgs[0]!.srcset).toMatch(/ 480w, \/media\/assets\/[0-9a-f-]+\/preview 2048w$/);
  });

  it("a guest's page: the same signed URLs, also when the page comes from the page cache", async () => {
    const first = await get(`/s/${token}`);
    expectSameAsImgs(first, 3);
    expect(first.imgs[0]!.href).toMatch(/^\/media\/assets\/[0-9a-f-]+\/thumb\?l=[^&]+&exp=\d+&sig=/);
    const again = await get(`/s/${token}`);
    expect(again).toEqual(first);
    // The header's URL is one the server answers (signature and all).
    expect((await server.fetch(first.header[0]!.href)).status).toBe(200);
  });

  it('an empty album names none', async () => {
    for (const [path, headers] of [[`/albums/${emptyAlbumId}`, { cookie }], [`/s/${emptyToken}`, {}]] as const) {
      const res = await server.fetch(path, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('link')).toBeNull();
      expect(parse(await res.text()).querySelectorAll('link[rel="preload"]')).toHaveLength(0);
    }
  });

  it.skipIf(!hasChromium())('Chromium on a phone asks for each first thumbnail once, owner and guest', async () => {
    if (!hasChromium()) console.warn(`[first-thumbnails] skipped: no Chromium at ${CHROMIUM}`);
    const browser = await launchBrowser();
    try {
      for (const [path, withCookie] of [[`/albums/${albumId}`, true], [`/s/${token}`, false]] as const) {
        const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 3, isMobile: true, hasTouch: true });
        if (withCookie) await context.addCookies([{ name: 'shoebox_session', value: cookie.split('=')[1]!, url: server.url }]);
        const page = await context.newPage();
        const asked = new Map<string, number>();
        page.on('request', (r) => {
          const url = new URL(r.url());
          if (url.pathname.startsWith('/media/')) asked.set(url.pathname + url.search, (asked.get(url.pathname + url.search) ?? 0) + 1);
        });
        const res = await page.goto(server.url + path);
        const preloads = parseLinkHeader(res!.headers().link ?? null).map((l) => l.href);
        expect(preloads).toHaveLength(3);
        // Every first tile shows its thumbnail, and each was asked for once (not once by the preload and again by the <img>).
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.tile img[fetchpriority="high"]')].every((i) => i.complete && i.naturalWidth > 0));
        const shown = await page.$$eval('.tile img[fetchpriority="high"]', (imgs) => imgs.map((i) => new URL((i as HTMLImageElement).currentSrc).pathname + new URL((i as HTMLImageElement).currentSrc).search));
        expect(shown).toEqual(preloads);
        await page.waitForTimeout(200);
        expect(preloads.map((u) => asked.get(u))).toEqual([1, 1, 1]);
        expect([...asked.keys()].filter((u) => u.includes('/preview'))).toEqual([]);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  });
});
