// The stored-ZIP writer on its own: CRC-32 arithmetic, safe names, the layout's bytes as
// three real unzippers read them, any range equal to the same slice of the whole, dates,
// and ZIP64 only where it is needed.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32Combine, crc32OfZeros } from '../../src/zip/crc32-shift.ts';
import { dosDateTime, layoutZip, type ZipEntryInput, type ZipLayout } from '../../src/zip/zip-layout.ts';
import { NameAllocator, safeFileName } from '../../src/zip/zip-names.ts';
import { zipChunks, type ZipFileSource } from '../../src/zip/zip-stream.ts';
import { tempDir } from '../helpers/server.ts';
import { bsdtarTest, pythonZip, unzipTest } from './zip-readers.ts';

async function bytesOf<T extends ZipFileSource>(layout: ZipLayout<T>, start = 0, end = layout.size - 1): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of zipChunks(layout, start, end)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('CRC-32 arithmetic', () => {
  it('combines two CRCs as zlib would over the joined bytes', () => {
    for (const [a, b] of [
      [0, 0],
      [1, 7],
      [1000, 3],
      [65_536, 100_003],
    ]) {
      const x = randomBytes(a!);
      const y = randomBytes(b!);
      expect(crc32Combine(crc32(x), crc32(y), y.length)).toBe(crc32(Buffer.concat([x, y])));
    }
  });

  it('knows the CRC of zero bytes without them, past 4 GiB too', () => {
    for (const n of [0, 1, 4096, 1_000_001]) expect(crc32OfZeros(n)).toBe(crc32(Buffer.alloc(n)));
    // 2^32 + 2^20 zero bytes, as the ZIP64 test stores them: the 1 MiB tail after 4 GiB.
    const fourGiB = crc32OfZeros(2 ** 32);
    expect(crc32Combine(fourGiB, crc32(Buffer.alloc(2 ** 20)), 2 ** 20)).toBe(crc32OfZeros(2 ** 32 + 2 ** 20));
  });
});

describe('names inside the ZIP', () => {
  it('cannot leave the folder or upset an unzipper', () => {
    expect(safeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeFileName('/abs/olute.jpg')).toBe('_abs_olute.jpg');
    expect(safeFileName('C:\\Windows\\evil.jpg')).toBe('C__Windows_evil.jpg');
    expect(safeFileName('..')).toBe('file');
    expect(safeFileName('a\u0000b\u0007c\u007f.jpg')).toBe('abc.jpg');
    expect(safeFileName('photo\u202egpj.exe')).toBe('photogpj.exe');
    expect(safeFileName('con.jpg')).toBe('_con.jpg');
    expect(safeFileName('trailing dots...')).toBe('trailing dots');
  });

  it('shortens names over 255 bytes and keeps the extension', () => {
    const long = `${'ü'.repeat(200)}.jpeg`;
    const safe = safeFileName(long);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(255);
    expect(safe.endsWith('ü.jpeg')).toBe(true);
  });

  it('gives a duplicate, compared as Windows and macOS do, a number', () => {
    const names = new NameAllocator();
    const nfd = 'Cafe\u0301.jpg'; // é as e + combining accent
    expect(['IMG_0001.jpg', 'img_0001.JPG', 'IMG_0001.jpg', 'IMG_0001 (2).jpg', 'Café.jpg', nfd].map((n) => names.allocate(n))).toEqual([
      'IMG_0001.jpg',
      'img_0001 (2).JPG',
      'IMG_0001 (3).jpg',
      'IMG_0001 (2) (2).jpg',
      'Café.jpg',
      'Café (2).jpg',
    ]);
  });
});

describe('DOS dates', () => {
  it('hold the wall clock, clamped to 1980–2107', () => {
    const fields = (local: string) => {
      const { date, time } = dosDateTime(local);
      return [(date >> 9) + 1980, (date >> 5) & 15, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2];
    };
    expect(fields('2024-07-13T22:15:31')).toEqual([2024, 7, 13, 22, 15, 30]);
    expect(fields('1975-05-01T10:00:00')).toEqual([1980, 1, 1, 0, 0, 0]);
    expect(fields('2150-01-01T10:00:00')).toEqual([2107, 12, 31, 23, 59, 58]);
  });
});

describe('a stored ZIP of real files', () => {
  let dir: string;
  let entries: ZipEntryInput<ZipFileSource>[];
  let layout: ZipLayout<ZipFileSource>;
  let whole: Buffer;
  let zipPath: string;
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = tempDir('sbx-zip-');
    const files: [name: string, bytes: Buffer, local: string, unix: number | null][] = [
      ['IMG_0001.jpg', randomBytes(300_000), '2024-07-13T10:00:00', Date.UTC(2024, 6, 13, 8, 0, 0) / 1000],
      ['Straße & 東京.heic', randomBytes(1_500_000), '2023-01-02T03:04:06', Date.UTC(2023, 0, 2, 3, 4, 6) / 1000],
      ['empty.txt', Buffer.alloc(0), '2020-02-29T23:59:58', Date.UTC(2020, 1, 29, 23, 59, 58) / 1000],
      ['old scan.tif', randomBytes(5_000), '1965-03-04T05:06:07', Date.UTC(1965, 2, 4, 5, 6, 7) / 1000],
      ['far future.png', randomBytes(7_000), '2100-01-01T00:00:00', Date.UTC(2100, 0, 1) / 1000],
    ];
    entries = files.map(([name, bytes, local, unix], i) => {
      const path = join(dir, `f${i}`);
      writeFileSync(path, bytes);
      contents.set(`Holiday/${name}`, bytes);
      return { name: `Holiday/${name}`, size: bytes.length, crc32: crc32(bytes), local, unixTime: unix, contentId: sha256(bytes), source: { path } };
    });
    layout = layoutZip(entries);
    whole = await bytesOf(layout);
    zipPath = join(dir, 'all.zip');
    writeFileSync(zipPath, whole);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is exactly as long as laid out, with no ZIP64 record and no data descriptor', () => {
    expect(whole.length).toBe(layout.size);
    expect(layout.zip64End).toBe(false);
    expect(whole.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(false); // ZIP64 end record
    expect(whole.includes(Buffer.from([0x50, 0x4b, 0x07, 0x08]))).toBe(false); // data descriptor
  });

  it('passes unzip -t, Python zipfile and bsdtar, every file intact', () => {
    unzipTest(zipPath);
    expect(bsdtarTest(zipPath)).toEqual([...contents.keys()]);
    const read = pythonZip(zipPath, { hash: true });
    expect(read.map((e) => e.name)).toEqual([...contents.keys()]);
    for (const e of read) {
      expect(e.sha256).toBe(sha256(contents.get(e.name)!));
      expect(e.flag & 0x0800).toBe(0x0800); // UTF-8 names
      expect(e.flag & 0x0008).toBe(0); // no data descriptor
    }
    const out = join(dir, 'out');
    mkdirSync(out);
    execUnzip(zipPath, out);
    expect(readdirSync(join(out, 'Holiday')).sort()).toEqual([...contents.keys()].map((k) => k.slice('Holiday/'.length)).sort());
    expect(readFileSync(join(out, 'Holiday', 'Straße & 東京.heic')).equals(contents.get('Holiday/Straße & 東京.heic')!)).toBe(true);
    // The extended timestamp sets the file's time to the instant it was taken.
    expect(statSync(join(out, 'Holiday', 'IMG_0001.jpg')).mtime.toISOString()).toBe('2024-07-13T08:00:00.000Z');
  });

  it('dates each entry by the wall clock (DOS) and the instant (extended timestamp, 1901–2038 only)', () => {
    const read = pythonZip(zipPath);
    expect(read.map((e) => e.date_time)).toEqual([
      [2024, 7, 13, 10, 0, 0],
      [2023, 1, 2, 3, 4, 6],
      [2020, 2, 29, 23, 59, 58],
      [1980, 1, 1, 0, 0, 0],
      [2100, 1, 1, 0, 0, 0],
    ]);
    const ut = (e: { extra: string }) => (e.extra.startsWith('5554') ? Buffer.from(e.extra, 'hex').readInt32LE(5) : null);
    expect(read.map(ut)).toEqual([Date.UTC(2024, 6, 13, 8) / 1000, Date.UTC(2023, 0, 2, 3, 4, 6) / 1000, Date.UTC(2020, 1, 29, 23, 59, 58) / 1000, Date.UTC(1965, 2, 4, 5, 6, 7) / 1000, null]);
  });

  it('gives any range exactly the bytes the whole has there: 200 random ranges, some in headers, data and the directory', async () => {
    const starts = [0, 1, 29, 30, layout.entries[1]!.localOffset + 3, layout.entries[2]!.dataOffset, layout.centralStart - 1, layout.centralStart + 10, layout.size - 22, layout.size - 1];
    const ranges: [number, number][] = starts.map((s) => [s, Math.min(layout.size - 1, s + 5000)]);
    while (ranges.length < 200) {
      const a = Math.floor(Math.random() * layout.size);
      const b = Math.min(layout.size - 1, a + Math.floor(Math.random() * 400_000));
      ranges.push([a, b]);
    }
    for (const [a, b] of ranges) expect((await bytesOf(layout, a, b)).equals(whole.subarray(a, b + 1)), `${a}-${b}`).toBe(true);
  });

  it('reads only the file bytes a range covers', async () => {
    // Delete the first file: a range after it must not need it.
    const { path } = entries[0]!.source;
    const kept = readFileSync(path);
    rmSync(path);
    try {
      const from = layout.entries[1]!.dataOffset + 10;
      expect((await bytesOf(layout, from, layout.size - 1)).equals(whole.subarray(from))).toBe(true);
      await expect(bytesOf(layout, 0, 100)).rejects.toThrow();
    } finally {
      writeFileSync(path, kept);
    }
  });

  it('the same entries give the same ETag; any change to the bytes gives another', () => {
    expect(layoutZip(entries).etag).toBe(layout.etag);
    const changed = [
      entries.map((e, i) => (i === 1 ? { ...e, name: 'Holiday/other.heic' } : e)),
      entries.map((e, i) => (i === 1 ? { ...e, local: '2023-01-02T03:04:08' } : e)),
      entries.map((e, i) => (i === 1 ? { ...e, crc32: e.crc32 ^ 1 } : e)),
      entries.map((e, i) => (i === 1 ? { ...e, contentId: 'x' } : e)),
      entries.slice(1),
    ];
    for (const c of changed) expect(layoutZip(c).etag).not.toBe(layout.etag);
  });
});

describe('ZIP64 end records where the entries pass 65,534', () => {
  it('are written, and the three readers list all 70,000 entries', async () => {
    const dir = tempDir('sbx-zip64n-');
    try {
      // Empty entries: the count is what is tested, not 70,000 file opens.
      const path = join(dir, 'none');
      const entries = Array.from({ length: 70_000 }, (_, i) => ({
        name: `Many/${i}.txt`,
        size: 0,
        crc32: 0,
        local: '2024-01-01T00:00:00',
        unixTime: null,
        contentId: String(i),
        source: { path },
      }));
      const layout = layoutZip(entries);
      expect(layout.zip64End).toBe(true);
      const zipPath = join(dir, 'many.zip');
      writeFileSync(zipPath, await bytesOf(layout));
      unzipTest(zipPath);
      expect(pythonZip(zipPath)).toHaveLength(70_000);
      expect(bsdtarTest(zipPath)).toHaveLength(70_000);
      // One entry fewer than the 16-bit limit needs no ZIP64 record.
      expect(layoutZip(entries.slice(0, 65_534)).zip64End).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function execUnzip(zipPath: string, out: string) {
  // -q quiet, -o overwrite; Info-ZIP applies the extended timestamp to the file.
  execFileSync('unzip', ['-q', '-o', zipPath, '-d', out]);
}
