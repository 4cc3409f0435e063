// ZIPs through nginx/shoebox.conf as shipped, run by the real nginx: streamed with their
// exact length, Range and If-Range passed through to the app, the app's reading stopped
// when the client leaves, and running ZIPs per IP limited by limit_conn, which leaves a
// resume room where the app's own limit of 3 has refused a fourth new download.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { absolute } from '../../src/storage/layout.ts';
import { crc32OfZeros } from '../../src/zip/crc32-shift.ts';
import { newAlbum, newAsset, newUser } from '../helpers/factories.ts';
import { NGINX, startShippedNginx } from '../helpers/nginx.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { crc32OfFile } from '../media/crc-helpers.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const BIG_BYTES = 256 * 1024 * 1024;

async function sha256Of(res: Response): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

describe.skipIf(!HAS_FIXTURES || !existsSync(NGINX))('ZIPs through nginx/shoebox.conf', () => {
  let server: TestServer;
  let nginx: { base: string; stop(): void };
  let zipPath: string;
  const logged: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', config: { trustProxy: true }, log: createLogger('debug', (line) => logged.push(line)) });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    const album = await newAlbum(db, owner.id, { title: 'Via nginx' });
    const root = server.deps.dataDir.root;
    const big = 'originals/00/00/big.mp4';
    mkdirSync(dirname(absolute(root, big)), { recursive: true });
    writeFileSync(absolute(root, big), '');
    truncateSync(absolute(root, big), BIG_BYTES);
    const photo = 'originals/00/00/photo.jpg';
    writeFileSync(absolute(root, photo), readFileSync(fixture('jpeg/orientation/landscape_1.jpg')));
    const assets = [
      await newAsset(db, { storage_path: big, file_size: BIG_BYTES, crc32: crc32OfZeros(BIG_BYTES), original_filename: 'big.mp4', taken_at: new Date('2024-01-01') }),
      await newAsset(db, { storage_path: photo, file_size: readFileSync(absolute(root, photo)).length, crc32: await crc32OfFile(absolute(root, photo)), original_filename: 'photo.jpg', taken_at: new Date('2024-01-02') }),
    ];
    for (const [i, a] of assets.entries()) {
      await db.updateTable('assets').set({ location_patches: [], location_crc32: a.crc32, location_check: 'clean' }).where('id', '=', a.id).execute();
      await db.insertInto('album_assets').values({ album_id: album.id, asset_id: a.id, position: i }).execute();
    }
    const link = await db
      .insertInto('shared_links')
      .values({ album_id: album.id, token: 'a'.repeat(64), permissions: { allowDownload: true } })
      .returning('token')
      .executeTakeFirstOrThrow();
    zipPath = `/s/${link.token}/download.zip`;
    nginx = await startShippedNginx(tempDir('sbx-nginx-zip-'), { appUrl: server.url, dataRoot: root });
  });
  afterAll(async () => {
    nginx?.stop();
    await server?.close();
  });

  it('streams the same bytes with the same length; ranges and If-Range pass through', async () => {
    const direct = await server.fetch(zipPath);
    const via = await fetch(nginx.base + zipPath);
    expect(via.status).toBe(200);
    expect(via.headers.get('content-length')).toBe(direct.headers.get('content-length'));
    expect(via.headers.get('transfer-encoding')).toBeNull();
    expect(via.headers.get('etag')).toBe(direct.headers.get('etag'));
    expect(await sha256Of(via)).toEqual(await sha256Of(direct));

    const size = Number(direct.headers.get('content-length'));
    const etag = direct.headers.get('etag')!;
    const range = `bytes=${size - 1_000_000}-`;
    const part = await fetch(nginx.base + zipPath, { headers: { range, 'if-range': etag } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes ${size - 1_000_000}-${size - 1}/${size}`]);
    const directPart = await server.fetch(zipPath, { headers: { range } });
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(await directPart.arrayBuffer()))).toBe(true);
    // An old tag: the whole ZIP again.
    const stale = await fetch(nginx.base + zipPath, { headers: { range, 'if-range': '"zip-old"' } });
    expect(stale.status).toBe(200);
    await stale.body?.cancel();
  });

  /** ZIPs the app still sends: one a test left (a cancelled body) ends when the app sees the client gone, later on a busy machine. */
  const running = () => server.limits.runningZips.running('all');
  async function noZipRunning() {
    for (let i = 0; i < 400 && running() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(running()).toBe(0);
  }

  it('a client that leaves stops the app reading', async () => {
    await noZipRunning(); // the test before cancelled one
    const res = await fetch(nginx.base + zipPath);
    const reader = res.body!.getReader();
    await reader.read();
    expect(running()).toBe(1);
    await reader.cancel();
    await noZipRunning();
    // It stopped because the client left, well before the 256 MB were read.
    const left = logged.find((line) => line.includes('download left by the client'));
    expect(left).toBeDefined();
    expect(Number(/sent=(\d+)/.exec(left!)?.[1])).toBeLessThan(BIG_BYTES / 2);
  });

  it('limits running ZIPs per IP with limit_conn, after the app has let a resume through', async () => {
    await noZipRunning();
    const held: Response[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(await fetch(nginx.base + zipPath));
      expect(held.map((r) => r.status)).toEqual([200, 200, 200]);
      const fourth = await fetch(nginx.base + zipPath);
      expect(fourth.status).toBe(429); // the app's: 3 per IP
      expect(fourth.headers.get('retry-after')).toBeTruthy();
      await fourth.arrayBuffer();
      const resume = await fetch(nginx.base + zipPath, { headers: { range: 'bytes=1000-' } });
      expect(resume.status).toBe(206); // never refused by the app
      held.push(resume);
      const fifth = await fetch(nginx.base + zipPath, { headers: { range: 'bytes=2000-' } });
      expect(fifth.status).toBe(429); // nginx's limit_conn: 4
      expect(fifth.headers.get('retry-after')).toBeNull();
      await fifth.arrayBuffer();
    } finally {
      for (const r of held) await r.body?.cancel();
    }
  });
});
