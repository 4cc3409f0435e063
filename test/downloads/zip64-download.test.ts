// ZIP64 over real HTTP: an album holding an original past 4 GiB (a sparse file of zeros,
// its SHA-256 and CRC-32 known constants) and a photo after it, whose local header then
// starts past 4 GiB. The ZIP is fetched and written sparsely (all-zero blocks skipped),
// then listed and tested by unzip, Python's zipfile and bsdtar. One database: the layout
// does not depend on it.
import { open, type FileHandle } from 'node:fs/promises';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { absolute } from '../../src/storage/layout.ts';
import { newAlbum, newAsset, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { crc32OfFile } from '../media/crc-helpers.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { bsdtarTest, pythonZip, unzipList, unzipTest } from './zip-readers.ts';

const HUGE_BYTES = 2 ** 32 + 2 ** 20; // 4 GiB and 1 MiB of zeros
// `head -c 4296015872 /dev/zero | sha256sum`, and zlib.crc32 over the same bytes.
const HUGE_SHA256 = '829816e339ff597ec3ada4c30fc840d3f2298444169d242952a54bcf3fcd7747';
const HUGE_CRC32 = 3332672296;
const PHOTO = 'jpeg/orientation/landscape_1.jpg';

const ZEROS = Buffer.alloc(65536);

/** Writes a response body to `path` without the blocks that are all zeros (the file stays sparse). */
async function saveSparse(res: Response, path: string): Promise<number> {
  const file: FileHandle = await open(path, 'w');
  let at = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // Written in 64 KiB blocks, skipping those with nothing but zeros.
      for (let i = 0; i < bytes.length; i += ZEROS.length) {
        const block = bytes.subarray(i, i + ZEROS.length);
        if (!block.equals(ZEROS.subarray(0, block.length))) await file.write(block, 0, block.length, at + i);
      }
      at += bytes.length;
    }
    await file.truncate(at);
  } finally {
    await file.close();
  }
  return at;
}

describe.skipIf(!HAS_FIXTURES)('a ZIP past 4 GiB', () => {
  let server: TestServer;
  let work: string;
  let cookie: string;
  let albumId: string;

  beforeAll(async () => {
    work = tempDir('sbx-zip64-');
    server = await startTestServer({ backend: 'pglite' });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    cookie = await sessionCookie(db, owner);
    albumId = (await newAlbum(db, owner.id, { title: 'Big' })).id;
    const rel = `originals/82/98/${HUGE_SHA256}.mov`;
    const path = absolute(server.deps.dataDir.root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
    truncateSync(path, HUGE_BYTES);
    const huge = await newAsset(db, {
      file_hash: HUGE_SHA256, storage_path: rel, file_size: HUGE_BYTES, crc32: HUGE_CRC32,
      original_filename: 'long take.mov', mime_type: 'video/quicktime', kind: 'video', taken_at: new Date('2024-05-01T10:00:00Z'),
    });
    const photoBytes = readFileSync(fixture(PHOTO));
    const photoRel = 'originals/aa/bb/photo.jpg';
    mkdirSync(dirname(absolute(server.deps.dataDir.root, photoRel)), { recursive: true });
    writeFileSync(absolute(server.deps.dataDir.root, photoRel), photoBytes);
    const photo = await newAsset(db, {
      storage_path: photoRel, file_size: photoBytes.length, crc32: await crc32OfFile(fixture(PHOTO)),
      original_filename: 'after.jpg', taken_at: new Date('2024-05-02T10:00:00Z'),
    });
    await db.insertInto('album_assets').values([
      { album_id: albumId, asset_id: huge.id, position: 0 },
      { album_id: albumId, asset_id: photo.id, position: 1 },
    ]).execute();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('is sent whole with its exact length, and unzip, zipfile and bsdtar list and test it', async () => {
    const res = await server.fetch(`/api/albums/${albumId}/download.zip`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const length = Number(res.headers.get('content-length'));
    expect(length).toBeGreaterThan(HUGE_BYTES);
    const zipPath = join(work, 'big.zip');
    expect(await saveSparse(res, zipPath)).toBe(length);

    const tail = Buffer.alloc(98);
    const file = await open(zipPath, 'r');
    await file.read(tail, 0, tail.length, length - tail.length);
    await file.close();
    // ZIP64 end record, its locator, then the classic end record (22 bytes, no comment).
    expect(tail.readUInt32LE(0)).toBe(0x06064b50);
    expect(tail.readUInt32LE(56)).toBe(0x07064b50);
    expect(tail.readUInt32LE(76)).toBe(0x06054b50);

    // Info-ZIP lists both and tests the entry whose header lies past 4 GiB (its CRC code
    // takes ~20 s over 4 GiB here; zipfile and bsdtar check every byte of the big one).
    expect(unzipList(zipPath)).toEqual([
      { name: 'Big/long take.mov', size: HUGE_BYTES },
      { name: 'Big/after.jpg', size: readFileSync(fixture(PHOTO)).length },
    ]);
    unzipTest(zipPath, ['Big/after.jpg']);
    expect(bsdtarTest(zipPath)).toEqual(['Big/long take.mov', 'Big/after.jpg']);
    const entries = pythonZip(zipPath);
    expect(entries.map((e) => [e.name, e.size, e.crc])).toEqual([
      ['Big/long take.mov', HUGE_BYTES, HUGE_CRC32],
      ['Big/after.jpg', readFileSync(fixture(PHOTO)).length, await crc32OfFile(fixture(PHOTO))],
    ]);
  }, 60_000);

  it('a range at the end answers at once, without reading the big file', async () => {
    const head = await server.fetch(`/api/albums/${albumId}/download.zip`, { method: 'HEAD', headers: { cookie } });
    const length = Number(head.headers.get('content-length'));
    const res = await server.fetch(`/api/albums/${albumId}/download.zip`, { headers: { cookie, range: `bytes=${length - 1_000_000}-` } });
    expect(res.status).toBe(206);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(1_000_000);
    expect(bytes.readUInt32LE(bytes.length - 22)).toBe(0x06054b50);
  });
});
