// The grid thumbnail's two files: the worker makes an AVIF copy beside the WebP, and a
// browser whose Accept header names image/avif gets it (about half the bytes); others,
// and assets derived before the copies existed, get the WebP. fsck counts the copy as a
// derived file.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '../../src/db/schema.ts';
import { acceptsAvif } from '../../src/routes/grid-thumbnail.ts';
import { scanStorage } from '../../src/storage/fsck.ts';
import { absolute, smallAvifRelPath, smallThumbRelPath } from '../../src/storage/layout.ts';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from './fixtures.ts';

const CHROME_IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const OLD_SAFARI_IMAGE_ACCEPT = 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5';

describe('acceptsAvif', () => {
  it('takes AVIF only where the browser names it', () => {
    expect(acceptsAvif(CHROME_IMAGE_ACCEPT)).toBe(true);
    expect(acceptsAvif('image/webp,image/avif,image/jxl,image/heic,image/*;q=0.8')).toBe(true); // Safari 17
    expect(acceptsAvif('image/avif;q=0.9, image/webp')).toBe(true);
    expect(acceptsAvif(OLD_SAFARI_IMAGE_ACCEPT)).toBe(false);
    expect(acceptsAvif('*/*')).toBe(false);
    expect(acceptsAvif(undefined)).toBe(false);
    expect(acceptsAvif('image/avif;q=0, image/webp')).toBe(false);
    expect(acceptsAvif('image/avif; q=0.0')).toBe(false);
    expect(acceptsAvif('image/avifx')).toBe(false);
  });
});

describe.skipIf(!HAS_FIXTURES).each(backends())('grid thumbnails as AVIF and WebP on %s', (backend) => {
  let server: TestServer;
  let cookie: string;
  const root = () => server.deps.dataDir.root;

  async function upload(path: string): Promise<Asset> {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(fixture(path))]), basename(path));
    const res = await server.fetch('/api/assets/upload', { method: 'POST', headers: { cookie, origin: server.url }, body: form });
    expect(res.status).toBe(201);
    const id = (await res.json()).assets[0].id as string;
    await server.idle();
    return server.database.db.selectFrom('assets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }
  const thumb = (a: Asset, headers: Record<string, string> = {}) => server.fetch(`/media/assets/${a.id}/thumb`, { headers: { cookie, ...headers } });

  beforeAll(async () => {
    server = await startTestServer({ backend, worker: true });
    cookie = await sessionCookie(server.database.db, await newUser(server.database.db, { role: 'owner' }));
  });
  afterAll(() => server.close());

  it('makes both files at upload, upright and the same size, the AVIF smaller', async () => {
    const asset = await upload('jpeg/orientation/landscape_6.jpg'); // stored 450×600, shown 600×450
    const webp = await sharp(absolute(root(), smallThumbRelPath(asset.file_hash))).metadata();
    const avifPath = absolute(root(), smallAvifRelPath(asset.file_hash));
    const avif = await sharp(avifPath).metadata();
    expect([webp.format, webp.width, webp.height]).toEqual(['webp', 480, 360]);
    expect([avif.format, avif.compression, avif.width, avif.height]).toEqual(['heif', 'av1', 480, 360]);
    expect(avif.exif).toBeUndefined(); // derived files carry no metadata
    expect(readFileSync(avifPath).length).toBeLessThan(readFileSync(absolute(root(), smallThumbRelPath(asset.file_hash))).length);
  });

  it('sends the AVIF to browsers that name it and the WebP to the rest, varying on Accept', async () => {
    const asset = await upload('jpeg/gps/FurnaceCreekInn.jpg');
    const avif = await thumb(asset, { accept: CHROME_IMAGE_ACCEPT });
    expect(avif.status).toBe(200);
    expect(avif.headers.get('content-type')).toBe('image/avif');
    expect(avif.headers.get('vary')).toBe('Accept');
    expect(avif.headers.get('etag')).toBe(`"${asset.file_hash}-thumb-avif"`);
    expect(Buffer.from(await avif.arrayBuffer()).equals(readFileSync(absolute(root(), smallAvifRelPath(asset.file_hash))))).toBe(true);
    expect((await thumb(asset, { accept: CHROME_IMAGE_ACCEPT, 'if-none-match': `"${asset.file_hash}-thumb-avif"` })).status).toBe(304);

    const webp = await thumb(asset, { accept: OLD_SAFARI_IMAGE_ACCEPT });
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(webp.headers.get('vary')).toBe('Accept');
    expect(webp.headers.get('etag')).toBe(`"${asset.file_hash}-thumb"`);
    expect(Buffer.from(await webp.arrayBuffer()).equals(readFileSync(absolute(root(), smallThumbRelPath(asset.file_hash))))).toBe(true);
  });

  it('falls back to the WebP for an asset without its AVIF copy, which fsck reports missing', async () => {
    const asset = await upload('jpeg/orientation/landscape_3.jpg');
    unlinkSync(absolute(root(), smallAvifRelPath(asset.file_hash))); // as derived by an earlier version
    const res = await thumb(asset, { accept: CHROME_IMAGE_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');

    const report = await scanStorage(server.deps, { tempMinAgeMs: 0 });
    expect(report.missingDerived).toEqual([expect.objectContaining({ id: asset.id, missing: [smallAvifRelPath(asset.file_hash)] })]);
    expect(existsSync(absolute(root(), smallThumbRelPath(asset.file_hash)))).toBe(true);
  });
});
