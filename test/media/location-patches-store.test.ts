// Location patches, the CRC-32 of the patched bytes and the check of them are kept with the
// asset: worked out by the worker after ingest, or on first use, on both database backends.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFileType } from '../../src/media/file-type.ts';
import { findLocationPatches } from '../../src/media/location-patches.ts';
import { readFileHead } from '../../src/media/read-bytes.ts';
import { blankedOriginal } from '../../src/queries/location-patches.ts';
import { crc32OfFile, patchedBytesCrc32 } from './crc-helpers.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { newAsset } from '../helpers/factories.ts';
import { fixture, HAS_FIXTURES } from './fixtures.ts';

describe.skipIf(!HAS_FIXTURES).each(backends())('location patches on %s', (backend) => {
  let database: TestDatabase;
  let root: string;
  const db = () => database.db;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    root = mkdtempSync(join(tmpdir(), 'shoebox-locpatch-'));
  });
  afterAll(async () => {
    await database?.close();
    rmSync(root, { recursive: true, force: true });
  });

  function store(relative: string, name: string): string {
    const rel = `originals/${name}`;
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    copyFileSync(fixture(relative), join(root, rel));
    return rel;
  }

  it('an asset stored before the migration has none; the first use works them out and keeps them', async () => {
    const rel = store('jpeg/phone/IMG_4120.JPG', 'a.jpg');
    const path = join(root, rel);
    const asset = await newAsset(db(), { storage_path: rel, file_size: statSync(path).size, crc32: await crc32OfFile(path) });
    expect(asset.location_patches).toBeNull();
    expect(asset.location_crc32).toBeNull();
    const expected = await findLocationPatches(path, 'jpeg');
    expect(expected.length).toBeGreaterThan(0);
    const blankedCrc = await patchedBytesCrc32(path, expected);
    expect(blankedCrc).not.toBe(asset.crc32);
    expect(await blankedOriginal(db(), asset, root)).toEqual({ patches: expected, crc32: blankedCrc, check: 'clean' });
    const row = await db().selectFrom('assets').select(['location_patches', 'location_crc32', 'location_check']).where('id', '=', asset.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ location_patches: expected, location_crc32: blankedCrc, location_check: 'clean' });
    // Kept: the stored value answers without the file.
    unlinkSync(path);
    expect(await blankedOriginal(db(), { ...asset, location_patches: null }, root)).toEqual({ patches: expected, crc32: blankedCrc, check: 'clean' });
  });

  it('a file without location keeps [] (worked out, nothing to patch), not null', async () => {
    const rel = store('jpeg/orientation/landscape_3.jpg', 'b.jpg');
    const crc = await crc32OfFile(join(root, rel));
    const asset = await newAsset(db(), { storage_path: rel, crc32: crc });
    expect(await blankedOriginal(db(), asset, root)).toEqual({ patches: [], crc32: crc, check: 'clean' });
    const row = await db().selectFrom('assets').select(['location_patches', 'location_crc32', 'location_check']).where('id', '=', asset.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ location_patches: [], location_crc32: crc, location_check: 'clean' });
  });

  it('a missing original is an error, never an empty list', async () => {
    const asset = await newAsset(db(), { storage_path: 'originals/nowhere.jpg' });
    await expect(blankedOriginal(db(), asset, root)).rejects.toThrow();
    const row = await db().selectFrom('assets').select(['location_patches', 'location_crc32']).where('id', '=', asset.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ location_patches: null, location_crc32: null });
  });

  it('checks the patched bytes again: clean for what the patches cover, else why not (and kept)', async () => {
    for (const [relative, name] of [
      ['heic/iphone_15_pro.heic', 'c.heic'],
      ['video/quicktime-hvc1.mov', 'd.mov'],
    ] as const) {
      const rel = store(relative, name);
      const path = join(root, rel);
      const format = detectFileType(await readFileHead(path, 65536))!.format;
      const asset = await newAsset(db(), { storage_path: rel, file_size: statSync(path).size, crc32: await crc32OfFile(path), format });
      const blanked = await blankedOriginal(db(), asset, root);
      expect(blanked.patches).toEqual(await findLocationPatches(path, format));
      expect(blanked.check).toBe('clean');
    }
    // A position in a place no patch reaches (a PNG chunk of a private type): found, kept, not served.
    const png = readFileSync(fixture('png/IMG_20180725_163423-1.png'));
    const chunk = (type: string, data: Buffer) => {
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      out.write(type, 4, 'latin1');
      data.copy(out, 8);
      out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
      return out;
    };
    const withPrivate = Buffer.concat([png.subarray(0, 33), chunk('prVt', Buffer.from('at +48.8577+002.2950/ that day')), png.subarray(33)]);
    const rel = 'originals/private-chunk.png';
    writeFileSync(join(root, rel), withPrivate);
    const asset = await newAsset(db(), { storage_path: rel, file_size: withPrivate.length, crc32: crc32(withPrivate), format: "png" });
    const blanked = await blankedOriginal(db(), asset, root);
    expect(blanked.check).toMatch(/position written as text is still there/);
    const row = await db().selectFrom('assets').select('location_check').where('id', '=', asset.id).executeTakeFirstOrThrow();
    expect(row.location_check).toBe(blanked.check);
  });
});
