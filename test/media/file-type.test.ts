import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectFileType, HEAD_BYTES } from '../../src/media/file-type.ts';
import { readFileHead } from '../../src/media/read-bytes.ts';
import { openTiff, TAG } from '../../src/media/tiff-ifd.ts';
import { fixture, HAS_FFMPEG, HAS_FIXTURES, readManifest, SKIP_REASON } from './fixtures.ts';
import { writeArw, writeRaf, writeRw2 } from './raw-samples.ts';

const manifest = readManifest();

function manifestKindOf(type: ReturnType<typeof detectFileType>): string {
  if (!type) return 'empty';
  return type.kind === 'photo' ? type.format : type.kind;
}

describe.skipIf(!HAS_FIXTURES)(`detectFileType on every shared fixture${HAS_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  it.each(manifest.map((e) => [e.path, e.kind] as const))('%s is %s', async (path, kind) => {
    const type = detectFileType(await readFileHead(fixture(path), HEAD_BYTES));
    expect(manifestKindOf(type)).toBe(kind);
  });

  it('tells the RAW formats apart by content', async () => {
    const formats: Record<string, string> = {
      'raw/canon_eos_6d.dng': 'dng',
      'raw/IMG_1361.dng': 'dng',
      'raw/DNG.dng': 'dng',
      'raw/Nikon.nef': 'nef',
      'raw/CanonRaw.cr2': 'cr2',
      'raw/Canon-R6-pruned.CR3': 'cr3',
      'tiff/tif-with-iptc-icc-xmp.tif': 'tiff',
    };
    for (const [path, format] of Object.entries(formats)) {
      expect(detectFileType(await readFileHead(fixture(path), HEAD_BYTES))?.format, path).toBe(format);
    }
  });

  it('names the extension to store under by content, not by the file name', async () => {
    expect(detectFileType(await readFileHead(fixture('misnamed/wrong.heic'), HEAD_BYTES))).toMatchObject({
      format: 'jpeg',
      ext: 'jpg',
      mime: 'image/jpeg',
    });
    expect(detectFileType(await readFileHead(fixture('misnamed/this-is-a-jpeg.png'), HEAD_BYTES))?.ext).toBe('jpg');
    expect(detectFileType(await readFileHead(fixture('heic/Canon.HIF'), HEAD_BYTES))).toMatchObject({ format: 'heic', ext: 'heic' });
    expect(detectFileType(await readFileHead(fixture('video/quicktime-jpeg.mov'), HEAD_BYTES))).toMatchObject({
      format: 'mov',
      mime: 'video/quicktime',
    });
  });
});

describe('detectFileType on synthetic heads', () => {
  const bytes = (...parts: Array<string | number[]>) =>
    new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
  const ftyp = (major: string, ...compatible: string[]) => {
    const size = 16 + 4 * compatible.length;
    return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], ...compatible);
  };

  it('refuses empty, tiny and unknown input', () => {
    expect(detectFileType(new Uint8Array())).toBeUndefined();
    expect(detectFileType(bytes([0xff, 0xd8]))).toBeUndefined();
    expect(detectFileType(bytes('%PDF-1.7\n'))).toBeUndefined();
    expect(detectFileType(bytes('PK', [3, 4, 20, 0, 0, 0]))).toBeUndefined();
    expect(detectFileType(bytes('hello world, this is text'))).toBeUndefined();
  });

  it('reads ISO-BMFF brands', () => {
    expect(detectFileType(ftyp('isom', 'isom', 'iso2', 'mp41'))?.format).toBe('mp4');
    expect(detectFileType(ftyp('qt  ', 'qt  '))?.format).toBe('mov');
    expect(detectFileType(ftyp('3gp4', '3gp4', 'isom'))?.format).toBe('3gp');
    expect(detectFileType(ftyp('3g2a', '3g2a'))).toMatchObject({ format: '3gp', ext: '3g2' });
    expect(detectFileType(ftyp('avif', 'mif1', 'avif'))?.format).toBe('avif');
    expect(detectFileType(ftyp('mif1', 'mif1', 'avif'))?.format).toBe('avif');
    expect(detectFileType(ftyp('mif1', 'mif1', 'heic'))?.format).toBe('heic');
    expect(detectFileType(ftyp('mif1', 'mif1', 'miaf'))).toMatchObject({ format: 'heic', ext: 'heif', mime: 'image/heif' });
    expect(detectFileType(ftyp('crx ', 'crx ', 'isom'))?.format).toBe('cr3');
    expect(detectFileType(ftyp('M4A ', 'M4A ', 'mp42', 'isom'))).toBeUndefined();
    expect(detectFileType(ftyp('zzzz', 'zzzz'))).toBeUndefined();
  });

  it('reads Matroska DocType, RIFF WebP, GIF and Fuji RAF', () => {
    const ebml = (docType: string) => bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x80 | docType.length], docType);
    expect(detectFileType(ebml('webm'))?.format).toBe('webm');
    expect(detectFileType(ebml('matroska'))?.format).toBe('mkv');
    expect(detectFileType(ebml('other'))).toBeUndefined();
    expect(detectFileType(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '))?.format).toBe('webp');
    expect(detectFileType(bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '))).toBeUndefined();
    expect(detectFileType(bytes('GIF89a', [1, 0, 1, 0]))?.format).toBe('gif');
    expect(detectFileType(bytes('FUJIFILMCCD-RAW 0201'))).toMatchObject({ kind: 'raw', format: 'raf' });
  });

  it('reads ORF and RW2 magic numbers', () => {
    expect(detectFileType(bytes('IIRO', [8, 0, 0, 0, 0, 0]))?.format).toBe('orf');
    expect(detectFileType(bytes('IIU', [0, 8, 0, 0, 0, 0, 0]))?.format).toBe('rw2');
  });
});

describe('detectFileType on Sony ARW, Fujifilm RAF and Panasonic RW2 files laid out as the cameras write them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-ft-raw-'));
  // Named .bin: the type comes from the content alone.
  const paths = { arw: join(dir, 'arw.bin'), raf: join(dir, 'raf.bin'), rw2: join(dir, 'rw2.bin') };
  beforeAll(async () => {
    const jpeg = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#6a8fb5' } }).jpeg().toBuffer();
    const thumbnail = await jpeg(160, 120);
    writeArw(paths.arw, { preview: await jpeg(1616, 1080), thumbnail });
    writeRaf(paths.raf, { preview: await jpeg(1920, 1280), thumbnail });
    writeRw2(paths.rw2, { preview: await jpeg(1920, 1440), thumbnail });
  });

  it.each([
    ['arw', 'image/x-sony-arw'],
    ['raf', 'image/x-fuji-raf'],
    ['rw2', 'image/x-panasonic-rw2'],
  ] as const)('%s is a raw %s', async (format, mime) => {
    expect(detectFileType(await readFileHead(paths[format], HEAD_BYTES))).toEqual({ kind: 'raw', format, mime, ext: format });
  });

  it("finds an ARW by IFD0's layout when its sensor IFD lies past the head, as in the cameras' files", async () => {
    // Sony puts a ~37 KB maker note, IFD1 and its SR2 data first: the SubIFD starts past 64 KB.
    const reader = openTiff(readFileSync(paths.arw))!;
    const subIfd = reader.number(reader.readIfd(reader.ifd0)!, TAG.SubIFDs)!;
    expect(subIfd).toBeGreaterThan(HEAD_BYTES);
    expect(detectFileType(await readFileHead(paths.arw, HEAD_BYTES))?.format).toBe('arw');
    // With the whole file in view the sensor IFD itself says so.
    expect(detectFileType(readFileSync(paths.arw))?.format).toBe('arw');
  });
});

describe.skipIf(!HAS_FIXTURES)('detectFileType on videos ffmpeg writes', () => {
  it.skipIf(!HAS_FFMPEG)('detects WebM, MKV and 3GP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoebox-ft-'));
    const make = (name: string, ...args: string[]) => {
      const out = join(dir, name);
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=176x144:rate=5', '-t', '1', ...args, out]);
      return out;
    };
    const cases: Array<[string, string]> = [
      [make('a.webm', '-c:v', 'libvpx-vp9', '-b:v', '100k'), 'webm'],
      [make('a.mkv', '-c:v', 'mpeg4'), 'mkv'],
      [make('a.3gp', '-c:v', 'h263'), '3gp'],
    ];
    for (const [path, format] of cases) {
      expect(detectFileType(await readFileHead(path, HEAD_BYTES))?.format).toBe(format);
    }
    writeFileSync(join(dir, 'empty'), '');
    expect(detectFileType(await readFileHead(join(dir, 'empty'), HEAD_BYTES))).toBeUndefined();
  });
});

describe('camera video containers, as ffmpeg writes them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-containers-'));
  const make = (name: string, args: string[]) => {
    const path = join(dir, name);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=1', ...args, path]);
    return path;
  };

  it('AVI, MPEG-TS with 188-byte packets, AVCHD .m2ts with 192, and MPEG-PS are videos', async () => {
    const cases: [string, string[], { format: string; ext: string; mime: string }][] = [
      ['a.avi', ['-c:v', 'mjpeg'], { format: 'avi', ext: 'avi', mime: 'video/x-msvideo' }],
      ['a.mts', ['-c:v', 'libx264', '-f', 'mpegts'], { format: 'mts', ext: 'mts', mime: 'video/mp2t' }],
      ['a.m2ts', ['-c:v', 'libx264', '-f', 'mpegts', '-mpegts_m2ts_mode', '1'], { format: 'mts', ext: 'm2ts', mime: 'video/mp2t' }],
      ['a.mpg', ['-c:v', 'mpeg2video', '-f', 'mpeg'], { format: 'mpg', ext: 'mpg', mime: 'video/mpeg' }],
    ];
    for (const [name, args, want] of cases) {
      const type = detectFileType(await readFileHead(make(name, args), HEAD_BYTES));
      expect([name, type]).toEqual([name, { kind: 'video', ...want }]);
    }
    // A stray 0x47 is not a transport stream: every packet start must have it.
    const fake = Buffer.alloc(188 * 5, 0);
    fake[0] = 0x47;
    fake[188] = 0x47;
    expect(detectFileType(fake)).toBeUndefined();
  });
});
