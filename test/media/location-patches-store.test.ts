// Location patches and the CRC-32 of the patched bytes are kept with the asset: worked out
// at ingest, or on first use for assets stored before migrations 0008 / 0011, on both
// database backends.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetRow, describeAsset } from '../../src/ingest/describe-asset.ts';
import { detectFileType } from '../../src/media/file-type.ts';
import { findLocationPatches } from '../../src/media/location-patches.ts';
import { readFileHead } from '../../src/media/read-bytes.ts';
import { insertAssetIfNew } from '../../src/queries/assets.ts';
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
    expect(await blankedOriginal(db(), asset, root)).toEqual({ patches: expected, crc32: blankedCrc });
    const row = await db().selectFrom('assets').select(['location_patches', 'location_crc32']).where('id', '=', asset.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ location_patches: expected, location_crc32: blankedCrc });
    // Kept: the stored value answers without the file.
    unlinkSync(path);
    expect(await blankedOriginal(db(), { ...asset, location_patches: null }, root)).toEqual({ patches: expected, crc32: blankedCrc });
  });

  it('a file without location keeps [] (worked out, nothing to patch), not null', async () => {
    const rel = store('jpeg/orientation/landscape_3.jpg', 'b.jpg');
    const crc = await crc32OfFile(join(root, rel));
    const asset = await newAsset(db(), { storage_path: rel, crc32: crc });
    expect(await blankedOriginal(db(), asset, root)).toEqual({ patches: [], crc32: crc });
    const row = await db().selectFrom('assets').select(['location_patches', 'location_crc32']).where('id', '=', asset.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ location_patches: [], location_crc32: crc });
  });

  it('a missing original is an error, never an empty list', async () => {
    const asset = await newAsset(db(), { storage_path: 'originals/nowhere.jpg' });
    await expect(blankedOriginal(db(), asset, root)).rejects.toThrow();
    const row = await db().selectFrom('assets').select(['location_patches', 'location_crc32']).where('id', '=', asset.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ location_patches: null, location_crc32: null });
  });

  it('ingest stores them with the row (describeAsset → assetRow)', async () => {
    for (const [relative, name] of [
      ['heic/iphone_15_pro.heic', 'c.heic'],
      ['video/quicktime-hvc1.mov', 'd.mov'],
    ] as const) {
      const rel = store(relative, name);
      const path = join(root, rel);
      const type = detectFileType(await readFileHead(path, 65536))!;
      const sums = { sha256: createHash('sha256').update(name).digest('hex'), size: statSync(path).size, crc32: await crc32OfFile(path) };
      const described = await describeAsset(path, type, { now: new Date(), defaultTz: 'UTC', original: sums });
      const row = await insertAssetIfNew(db(), assetRow(sums, type, described, { originalFilename: name, storagePath: rel, uploadedBy: null }));
      const patches = await findLocationPatches(path, type.format);
      expect(row?.location_patches).toEqual(patches);
      expect(row?.location_patches?.length).toBeGreaterThan(0);
      expect(row?.location_crc32).toBe(await patchedBytesCrc32(path, patches));
    }
  });
});
