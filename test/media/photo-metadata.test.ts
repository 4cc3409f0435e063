import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectFileType, HEAD_BYTES, type DetectedType } from '../../src/media/file-type.ts';
import { readPhotoMetadata, type PhotoMetadata } from '../../src/media/photo-metadata.ts';
import { readFileHead } from '../../src/media/read-bytes.ts';
import { fixture, HAS_FIXTURES, readManifest, SKIP_REASON, type ManifestEntry } from './fixtures.ts';

const photos = readManifest().filter((e) => e.kind !== 'video' && e.kind !== 'empty');

const types = new Map<string, DetectedType>();
const results = new Map<string, PhotoMetadata>();

function hasExiftool(): boolean {
  try {
    execFileSync('exiftool', ['-ver'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!HAS_FIXTURES)(`readPhotoMetadata on the shared fixtures${HAS_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  beforeAll(async () => {
    for (const entry of photos) {
      const type = detectFileType(await readFileHead(fixture(entry.path), HEAD_BYTES));
      if (!type) throw new Error(`${entry.path}: not detected`);
      types.set(entry.path, type);
      results.set(entry.path, await readPhotoMetadata(fixture(entry.path), type.format));
    }
  });

  const each = (title: string, check: (entry: ManifestEntry, meta: PhotoMetadata) => void) =>
    it.each(photos.map((e) => [e.path, e] as const))(`${title}: %s`, (_path, entry) => check(entry, results.get(entry.path)!));

  each('camera make and model', (entry, meta) => {
    if (entry.camera) expect(`${meta.make} ${meta.model}`).toBe(entry.camera);
    if (entry.noMakeModel) expect([meta.make, meta.model]).toEqual([null, null]);
  });

  each('GPS to 4 decimals, or none', (entry, meta) => {
    if (entry.gps) {
      expect(meta.gps).not.toBeNull();
      expect(Math.abs(meta.gps!.latitude - entry.gps.latitude)).toBeLessThan(1e-4);
      expect(Math.abs(meta.gps!.longitude - entry.gps.longitude)).toBeLessThan(1e-4);
    }
    if (entry.noGps) expect(meta.gps).toBeNull();
  });

  each('orientation (invalid reads as 1)', (entry, meta) => {
    const expected = entry.orientation === undefined || entry.orientation < 1 || entry.orientation > 8 ? 1 : entry.orientation;
    expect(meta.orientation).toBe(expected);
  });

  each('size as displayed', (entry, meta) => {
    if (!entry.size) return;
    const swap = (entry.orientation ?? 1) >= 5;
    expect({ width: meta.width, height: meta.height }).toEqual(
      swap ? { width: entry.size.height, height: entry.size.width } : entry.size,
    );
  });

  each('taken time', (entry, meta) => {
    if (!entry.taken) return;
    const local = entry.taken.wallClock.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T');
    expect(meta.takenAt?.local).toBe(local);
    if (entry.taken.offset) expect(meta.takenAt?.offset).toBe(entry.taken.offset);
  });

  each('JSON-safe raw tags', (_entry, meta) => {
    const json = JSON.stringify(meta.raw);
    expect(JSON.parse(json)).toEqual(meta.raw);
    expect(json).not.toMatch(/\\u0000/);
  });

  it('combines DateTimeOriginal with OffsetTimeOriginal, not the process time zone', () => {
    const iphone = results.get('heic/iphone_15_pro.heic')!;
    expect(iphone.takenAt).toEqual({
      instant: new Date('2023-10-31T10:44:43.432Z'),
      local: '2023-10-31T11:44:43',
      offset: '+01:00',
    });
    const xr = results.get('heic/2021-02-13-1929.heic')!;
    expect(xr.takenAt?.instant.toISOString()).toBe('2021-02-13T17:03:31.864Z');
  });

  it('reads a wall clock without offset in the given default zone', async () => {
    const meta = await readPhotoMetadata(fixture('jpeg/camera/canon-dslr.jpg'), 'jpeg', { defaultTz: 'Europe/Berlin' });
    expect(meta.takenAt).toEqual({ instant: new Date('2019-10-26T14:07:24.540Z'), local: '2019-10-26T16:07:24', offset: null });
    const utc = results.get('jpeg/camera/canon-dslr.jpg')!;
    expect(utc.takenAt?.instant.toISOString()).toBe('2019-10-26T16:07:24.540Z');
  });

  it('reads exposure values', () => {
    expect(results.get('jpeg/camera/canon-dslr.jpg')).toMatchObject({
      lens: 'EF-S18-55mm f/3.5-5.6 III',
      iso: 400,
      exposureTime: 0.00625,
      fNumber: 10,
      focalLength: 36,
    });
    expect(results.get('heic/iphone_15_pro.heic')?.gps?.altitude).toBeCloseTo(50.16, 2);
  });

  it('survives corrupt and missing EXIF with warnings instead of errors', () => {
    expect(results.get('broken/broken.jpg')?.warnings.join(' ')).toMatch(/orientation 0/);
    const stub = results.get('broken/exiv2-bug1247.jpg')!;
    expect(stub).toMatchObject({ make: null, width: null, takenAt: null, gps: null });
    expect(stub.warnings.length).toBeGreaterThan(0);
    expect(results.get('broken/broken1.jpg')).toMatchObject({ make: 'Canon', gps: null });
    expect(results.get('jpeg/odd-exif/img_1771_no_exif.jpg')).toMatchObject({ make: null, takenAt: null, width: 480, height: 360 });
  });

  it('falls back to IPTC and XMP capture dates', () => {
    expect(results.get('broken/RangeError_Offset_outside_bounds.jpg')?.takenAt?.instant.toISOString()).toBe('2020-07-23T11:32:20.000Z');
    expect(results.get('broken/RangeError_Offset_outside_bounds.jpg')?.raw.CaptureDateSource).toMatch(/^iptc/);
  });

  it('never throws, even for a file that is not an image', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoebox-pm-'));
    writeFileSync(join(dir, 'junk.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10, 0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d]));
    const meta = await readPhotoMetadata(join(dir, 'junk.jpg'), 'jpeg');
    expect(meta.make).toBeNull();
    const missing = await readPhotoMetadata(join(dir, 'nope.dng'), 'dng');
    expect(missing.warnings.length).toBeGreaterThan(0);
  });

  it('reads EXIF written into WebP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoebox-pm-'));
    const out = join(dir, 'exif.webp');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
      .withExif({ IFD0: { Make: 'TestMake', Model: 'TestModel' }, IFD2: { DateTimeOriginal: '2022:02:02 10:11:12', OffsetTimeOriginal: '-03:00' } })
      .webp()
      .toFile(out);
    const meta = await readPhotoMetadata(out, 'webp');
    expect(meta).toMatchObject({ make: 'TestMake', model: 'TestModel', width: 40, height: 30 });
    expect(meta.takenAt?.instant.toISOString()).toBe('2022-02-02T13:11:12.000Z');
  });

  it.skipIf(!hasExiftool())('agrees with exiftool -n on the EXIF values', () => {
    const files = photos.filter((e) => e.bytes > 0).map((e) => fixture(e.path));
    const fields = ['ISO', 'FNumber', 'ExposureTime', 'FocalLength', 'Orientation', 'Make', 'Model', 'DateTimeOriginal'];
    const out = execFileSync('exiftool', ['-j', '-n', '-G0', ...fields.map((f) => `-EXIF:${f}`), '-Composite:GPSLatitude', '-Composite:GPSLongitude', ...files], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const rows = JSON.parse(out) as Array<Record<string, string | number>>;
    let compared = 0;
    for (const row of rows) {
      const path = String(row.SourceFile).slice(fixture('').length);
      const meta = results.get(path)!;
      const numeric: Array<[string, number | null]> = [
        ['EXIF:ISO', meta.iso],
        ['EXIF:FNumber', meta.fNumber],
        ['EXIF:ExposureTime', meta.exposureTime],
        ['EXIF:FocalLength', meta.focalLength],
        ['Composite:GPSLatitude', meta.gps?.latitude ?? null],
        ['Composite:GPSLongitude', meta.gps?.longitude ?? null],
      ];
      for (const [key, ours] of numeric) {
        const theirs = row[key];
        if (typeof theirs !== 'number' || theirs === 0) continue;
        expect(ours, `${path} ${key}`).not.toBeNull();
        expect(Math.abs(ours! - theirs) / Math.abs(theirs), `${path} ${key}: ${ours} vs ${theirs}`).toBeLessThan(1e-6);
        compared++;
      }
      if (typeof row['EXIF:Make'] === 'string') expect(meta.make, path).toBe(row['EXIF:Make'].trim());
      if (typeof row['EXIF:Orientation'] === 'number' && row['EXIF:Orientation'] >= 1) expect(meta.orientation, path).toBe(row['EXIF:Orientation']);
      if (typeof row['EXIF:DateTimeOriginal'] === 'string' && /^\d{4}/.test(row['EXIF:DateTimeOriginal'])) {
        expect(meta.takenAt?.local.replace(/-/g, ':').replace('T', ' '), path).toBe(row['EXIF:DateTimeOriginal']);
      }
    }
    expect(compared).toBeGreaterThan(50);
  });
});
