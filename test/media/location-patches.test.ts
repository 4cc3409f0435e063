// "Strip location" byte patches, judged by exiftool: on a patched copy it reports no tag
// whose name says GPS or Location (Composite included), and every other tag it reported
// before is still there with the same value. The size is unchanged, bytes outside the
// patches are identical, and the file decodes to the same pixels / frames.
// Files: every shared fixture where exiftool finds location, plus files made here with
// ffmpeg, exiftool and by hand for the places the fixtures lack (©xyz, mdta keys, PNG eXIf
// and XMP, WebP, GIF, AVIF, TIFF-based RAWs, RAF, Extended XMP across chunks, motion photos,
// MPF, Matroska tags), and a sparse 5 GiB MP4 for the cost of the search.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { text } from 'node:stream/consumers';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFileType, HEAD_BYTES, type MediaFormat } from '../../src/media/file-type.ts';
import { findRemainingLocation } from '../../src/media/location-check.ts';
import { probeHeic } from '../../src/media/heic-decoder.ts';
import { applyEdits, xmpLocationEdits } from '../../src/media/location-records.ts';
import {
  applyPatches,
  createPatchedReadStream,
  fileReader,
  findLocationPatches,
  locationEdits,
  toPatches,
  type Patch,
} from '../../src/media/location-patches.ts';
import { readFileHead } from '../../src/media/read-bytes.ts';
import { exiftool, FIXTURES_DIR, HAS_EXIFTOOL, HAS_FFMPEG, HAS_FIXTURES, readManifest, SKIP_REASON, type ExifTags } from './fixtures.ts';

if (!HAS_EXIFTOOL) console.warn('exiftool not found: location patch tests skipped (apt-get install libimage-exiftool-perl)');

const work = mkdtempSync(join(tmpdir(), 'shoebox-location-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Tags = ExifTags;


/** Tag names that say where: the acceptance test, plus place names that do not say "Location". */
const LOCATION_TAG = /GPS|Location|^(City|State|Country|CountryCode|Sub-location|Province-State|Landmark)$/i;
const tagName = (key: string) => key.slice(key.lastIndexOf(':') + 1);
const locationTags = (tags: Tags) => Object.keys(tags).filter((k) => k !== 'SourceFile' && LOCATION_TAG.test(tagName(k)));

/** Everything exiftool reports that must survive: not the file's own facts, warnings or digests. */
function otherTags(tags: Tags): Tags {
  const out: Tags = {};
  for (const [k, v] of Object.entries(tags)) {
    if (k === 'SourceFile' || /^(System|File|ExifTool):/.test(k) || LOCATION_TAG.test(tagName(k)) || /Digest/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

async function formatOf(path: string): Promise<MediaFormat> {
  const type = detectFileType(await readFileHead(path, HEAD_BYTES));
  if (!type) throw new Error(`${path}: not a type Shoebox accepts`);
  return type.format;
}

function patchedMask(size: number, patches: Patch[]): Uint8Array {
  const mask = new Uint8Array(size);
  for (const p of patches) mask.fill(1, p.offset, p.offset + ('data' in p ? Buffer.from(p.data, 'base64').length : p.length));
  return mask;
}

let copies = 0;

interface Checked {
  patches: Patch[];
  original: Buffer;
  patched: Buffer;
  patchedPath: string;
}

interface CheckOptions {
  /** The patches neutralise a whole block (a compressed PNG text chunk): its other tags go too. */
  blockGoes?: boolean;
}

async function checkPatched(path: string, options: CheckOptions = {}): Promise<Checked> {
  const format = await formatOf(path);
  const patches = await findLocationPatches(path, format);
  expect(patches.length).toBeGreaterThan(0);
  expect(JSON.parse(JSON.stringify(patches))).toEqual(patches);
  // Sorted, disjoint: a stream applies them in one pass.
  for (let i = 1; i < patches.length; i++) expect(patches[i]!.offset).toBeGreaterThan(patches[i - 1]!.offset);

  const original = readFileSync(path);
  const patched = applyPatches(Buffer.from(original), patches);
  const patchedPath = join(work, `patched-${copies++}${extname(path) || '.bin'}`);
  writeFileSync(patchedPath, patched);

  expect(patched.length).toBe(original.length);
  const mask = patchedMask(original.length, patches);
  let outside = 0;
  for (let i = 0; i < original.length; i++) if (!mask[i] && original[i] !== patched[i]) outside++;
  expect(outside).toBe(0);

  // Fail closed: the check finds the position in the original, and nothing once patched.
  expect(await findRemainingLocation(path, format, [])).toBeDefined();
  expect(await findRemainingLocation(path, format, patches)).toBeUndefined();

  const [before, after] = exiftool([path, patchedPath]);
  expect(locationTags(before!).length).toBeGreaterThan(0);
  expect(locationTags(after!)).toEqual([]);
  if (!options.blockGoes) expect(otherTags(after!)).toEqual(otherTags(before!));
  const errors = (tags: Tags) => Object.keys(tags).filter((k) => k.endsWith(':Error'));
  expect(errors(after!)).toEqual(errors(before!));

  // No place text left behind in the bytes (ISO 6709 strings, XMP values, IPTC names, ...),
  // unless other tags hold the same text (a GPS time stamp is also in DateTimeOriginal).
  const elsewhere = JSON.stringify(Object.values(otherTags(before!)));
  for (const key of locationTags(before!)) {
    const value = before![key];
    const needles = typeof value === 'string' ? [value] : typeof value === 'number' && /Latitude|Longitude/.test(key) ? [String(value).slice(0, 7)] : [];
    for (const needle of needles) {
      if (needle.trim().length < 5 || !original.includes(needle, 0, 'latin1') || elsewhere.includes(needle)) continue;
      expect(patched.includes(needle, 0, 'latin1'), `${key} "${needle}" still in the bytes`).toBe(false);
    }
  }

  if (format === 'png') expect(badPngCrcs(patched)).toEqual([]);
  await expectSameDecode(path, patchedPath, format);
  return { patches, original, patched, patchedPath };
}

/** Chunks whose CRC does not match their type and data. */
function badPngCrcs(png: Buffer): string[] {
  const bad: string[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const crc = png.readUInt32BE(at + 8 + length);
    if ((crc32(png.subarray(at + 4, at + 8 + length)) >>> 0) !== crc) bad.push(`${png.toString('latin1', at + 4, at + 8)}@${at}`);
    at += 12 + length;
  }
  return bad;
}

async function pixels(input: string | Buffer): Promise<Buffer | undefined> {
  try {
    return await sharp(input, { failOn: 'none' }).resize(48, 48, { fit: 'inside' }).raw().toBuffer();
  } catch {
    return undefined;
  }
}

function ffprobe(path: string): unknown {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height,nb_frames:format=duration', '-of', 'json', path], { encoding: 'utf8' }),
  );
}

function frameHashes(path: string): string {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:v:0', '-frames:v', '12', '-f', 'framemd5', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

async function expectSameDecode(original: string, patched: string, format: MediaFormat) {
  if (format === 'heic') {
    expect(await probeHeic(patched, 1e9)).toEqual(await probeHeic(original, 1e9));
  } else if (['mp4', 'mov', '3gp', 'mkv', 'webm'].includes(format)) {
    if (!HAS_FFMPEG) return;
    expect(ffprobe(patched)).toEqual(ffprobe(original));
    let hashes: string | undefined;
    try {
      hashes = frameHashes(original);
    } catch {
      // not decodable here (no such decoder): nothing to compare
    }
    if (hashes !== undefined) expect(frameHashes(patched)).toBe(hashes);
  } else {
    const want = await pixels(original);
    if (want) expect(await pixels(patched)).toEqual(want);
  }
}

// ---------------------------------------------------------------------------------------
// The shared fixtures: which carry location is exiftool's word, read once here.

const manifest = readManifest().filter((e) => e.bytes > 17);
const fixtureTags = HAS_EXIFTOOL && HAS_FIXTURES ? exiftool(manifest.map((e) => `${FIXTURES_DIR}${e.path}`)) : [];
const withLocation = manifest.filter((_, i) => fixtureTags[i] && locationTags(fixtureTags[i]!).length > 0).map((e) => e.path);
const withoutLocation = manifest.filter((e) => !withLocation.includes(e.path)).map((e) => e.path);

describe.skipIf(!HAS_FIXTURES || !HAS_EXIFTOOL)('location patches on the shared fixtures', () => {
  it('exiftool finds location in every fixture the manifest says has GPS (and more)', () => {
    const gps = manifest.filter((e) => e.gps).map((e) => e.path);
    expect(gps.length).toBeGreaterThan(10);
    for (const p of gps) expect(withLocation).toContain(p);
    expect(withLocation.length).toBeGreaterThanOrEqual(gps.length);
  });

  it.each(withLocation)('%s: exiftool finds no location after patching, everything else is unchanged', async (relative) => {
    await checkPatched(`${FIXTURES_DIR}${relative}`);
  });

  it.each(withoutLocation)('%s: nothing to patch', async (relative) => {
    const path = `${FIXTURES_DIR}${relative}`;
    const type = detectFileType(await readFileHead(path, HEAD_BYTES));
    if (type) expect(await findLocationPatches(path, type.format)).toEqual([]);
  });
});
if (!HAS_FIXTURES) console.warn(SKIP_REASON);

// ---------------------------------------------------------------------------------------
// Files made here

const F = (relative: string) => `${FIXTURES_DIR}${relative}`;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
const exifWrite = (path: string, args: string[]) => run('exiftool', ['-q', '-q', '-m', '-overwrite_original', ...args, path]);
const GPS_ARGS = ['-GPSLatitude=48.8577', '-GPSLatitudeRef=N', '-GPSLongitude=2.295', '-GPSLongitudeRef=E', '-GPSAltitude=35', '-GPSAltitudeRef=0'];
const CAMERA_ARGS = ['-Make=Shoebox Camera', '-Model=Test 1', '-DateTimeOriginal=2024:07:13 10:00:00'];

function ffmpeg(out: string, args: string[], codec = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']) {
  run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', ...codec, ...args, out]);
}

function copy(relative: string, name: string): string {
  const path = join(work, name);
  copyFileSync(F(relative), path);
  return path;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG with the given chunks inserted before IEND. */
function pngWith(name: string, chunks: Buffer[]): string {
  const png = readFileSync(F('png/IMG_20180725_163423-1.png'));
  const iend = png.length - 12;
  const path = join(work, name);
  writeFileSync(path, Buffer.concat([png.subarray(0, iend), ...chunks, png.subarray(iend)]));
  return path;
}

function app1(payload: Buffer, marker = 0xe1): Buffer {
  const h = Buffer.alloc(4);
  h[0] = 0xff;
  h[1] = marker;
  h.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([h, payload]);
}

/** The EXIF TIFF block of a JPEG's APP1 segment ("Exif\0\0" included). */
function exifBlock(jpeg: Buffer): Buffer {
  const at = jpeg.indexOf('Exif\0\0', 0, 'latin1');
  return jpeg.subarray(at, at - 4 + jpeg.readUInt16BE(at - 2) + 2);
}

const XMP_HEAD = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">';
const XMP_TAIL = '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
const GPS_XMP = `${XMP_HEAD}<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" exif:GPSLatitude="48,51.462N"><exif:GPSLongitude>2,17.7E</exif:GPSLongitude><dc:format>image/png</dc:format></rdf:Description>${XMP_TAIL}`;

/** A JPEG with these APPn segments right after SOI, then `trailer`. */
function jpegWith(name: string, base: string, segments: Buffer[], trailer: Buffer = Buffer.alloc(0)): string {
  const jpeg = readFileSync(F(base));
  const path = join(work, name);
  writeFileSync(path, Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2), trailer]));
  return path;
}

let phoneClip: Buffer | undefined;
/** An MP4 like a phone's: udta ©xyz, make and model. */
function phoneMp4(): Buffer {
  if (!phoneClip) {
    const path = join(work, 'phone-clip.mp4');
    ffmpeg(path, ['-metadata', 'location=+48.8577+002.2950/', '-metadata', 'make=Shoebox', '-metadata', 'model=Phone 1', '-metadata', 'creation_time=2024-07-13T10:00:00Z']);
    phoneClip = readFileSync(path);
  }
  return phoneClip;
}

/**
 * The clip with one more mdat, holding `record`, after its own media data and before its
 * moov (ffmpeg writes moov last): the clip's chunk offsets stay right, so it still plays.
 */
function withMdatRecord(clip: Buffer, record: Buffer): Buffer {
  let moov = -1;
  for (let at = 0; at + 8 <= clip.length; ) {
    const size = clip.readUInt32BE(at);
    if (clip.toString('latin1', at + 4, at + 8) === 'moov') moov = at;
    if (size < 8) break;
    at += size;
  }
  if (moov < 0) throw new Error('no moov in the clip');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + record.length);
  head.write('mdat', 4, 'latin1');
  return Buffer.concat([clip.subarray(0, moov), head, record, clip.subarray(moov)]);
}

/** exiftool on a slice of a file (an MP4 or JPEG embedded in another). */
function sliceTags(buffer: Buffer, from: number, to: number, ext: string): Tags {
  const path = join(work, `slice-${copies++}${ext}`);
  writeFileSync(path, buffer.subarray(from, to));
  return exiftool([path])[0]!;
}

const MADE: Record<string, { needs: ('ffmpeg' | 'exiftool')[]; make: () => string; options?: CheckOptions; embedded?: (c: Checked) => void }> = {
  'MP4 with udta ©xyz (ffmpeg -metadata location=)': {
    needs: ['ffmpeg'],
    make: () => {
      const path = join(work, 'xyz.mp4');
      writeFileSync(path, phoneMp4());
      return path;
    },
  },
  "MOV with mdta keys com.apple.quicktime.location.ISO6709 and accuracy (-movflags use_metadata_tags)": {
    needs: ['ffmpeg'],
    make: () => {
      const path = join(work, 'keys.mov');
      ffmpeg(path, [
        '-movflags', 'use_metadata_tags',
        '-metadata', 'com.apple.quicktime.location.ISO6709=+48.8577+002.2950+035.000/',
        '-metadata', 'com.apple.quicktime.location.accuracy.horizontal=5.0',
        '-metadata', 'com.apple.quicktime.make=Apple',
        '-metadata', 'com.apple.quicktime.model=iPhone 12',
        '-metadata', 'creation_time=2024-07-13T10:00:00Z',
      ]);
      return path;
    },
  },
  '3GP with a location': {
    needs: ['ffmpeg'],
    make: () => {
      const path = join(work, 'clip.3gp');
      ffmpeg(path, ['-metadata', 'location=+48.8577+002.2950/', '-metadata', 'title=Keep']);
      return path;
    },
  },
  'MKV with a LOCATION tag': {
    needs: ['ffmpeg'],
    make: () => {
      const path = join(work, 'clip.mkv');
      ffmpeg(path, ['-metadata', 'location=+48.8577+002.2950/', '-metadata', 'title=Keep']);
      return path;
    },
  },
  'WebM with LOCATION and LOCATION_NOTE tags': {
    needs: ['ffmpeg'],
    make: () => {
      const path = join(work, 'clip.webm');
      ffmpeg(path, ['-metadata', 'location=+48.8577+002.2950/', '-metadata', 'LOCATION_NOTE=Eiffel', '-metadata', 'title=Keep'], ['-c:v', 'libvpx']);
      return path;
    },
  },
  'PNG with eXIf and iTXt XMP (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('png/IMG_20180725_163423-1.png', 'exif.png');
      exifWrite(path, [...CAMERA_ARGS, ...GPS_ARGS, '-XMP-exif:GPSLatitude=48.8577', '-XMP-photoshop:City=Paris', '-XMP-iptcExt:LocationShownCity=Paris', '-XMP-dc:Title=Keep']);
      return path;
    },
  },
  'PNG with a compressed iTXt XMP packet (whole chunk neutralised)': {
    needs: [],
    make: () => {
      const data = Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\x01\x00\0\0', 'latin1'), deflateSync(Buffer.from(GPS_XMP))]);
      return pngWith('zxmp.png', [pngChunk('iTXt', data)]);
    },
    options: { blockGoes: true },
  },
  'PNG with an ImageMagick "Raw profile type exif" zTXt (whole chunk neutralised)': {
    needs: [],
    make: () => {
      const exif = exifBlock(readFileSync(F('jpeg/phone/IMG_4120.JPG')));
      const hex = exif.toString('hex').replace(/(.{72})/g, '$1\n');
      const profile = `\nexif\n${String(exif.length).padStart(8)}\n${hex}\n`;
      const data = Buffer.concat([Buffer.from('Raw profile type exif\0\0', 'latin1'), deflateSync(Buffer.from(profile))]);
      return pngWith('rawprofile.png', [pngChunk('zTXt', data)]);
    },
    options: { blockGoes: true },
  },
  'PNG with text chunks keyed "Location" and "GPS" (exiftool names tags after the keyword)': {
    needs: [],
    make: () =>
      pngWith('text.png', [
        pngChunk('tEXt', Buffer.from('Location\0Paris, France', 'latin1')),
        pngChunk('zTXt', Buffer.concat([Buffer.from('GPS\0\0', 'latin1'), deflateSync(Buffer.from('+48.8577+002.2950/'))])),
        pngChunk('tEXt', Buffer.from('Comment\0keep me', 'latin1')),
      ]),
  },
  'WebP with EXIF and XMP chunks (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('webp/norway-kjetil-moe.webp', 'gps.webp');
      exifWrite(path, [...CAMERA_ARGS, ...GPS_ARGS, '-XMP-exif:GPSLatitude=60.1', '-XMP-exif:GPSLongitude=10.2', '-XMP-iptcCore:Location=Fjord', '-XMP-dc:Title=Keep']);
      return path;
    },
  },
  'JPEG with XMP GPS, IPTC Extension and Photoshop place names (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('jpeg/camera/img_1771.jpg', 'xmp.jpg');
      exifWrite(path, ['-XMP-exif:GPSLatitude=10.5', '-XMP-exif:GPSLongitude=20.5', '-XMP-exif:GPSAltitude=100', '-XMP-iptcExt:LocationCreatedCity=Here', '-XMP-photoshop:Country=There', '-IPTC:City=Here', '-IPTC:Sub-location=Corner', '-XMP-dc:Title=Keep']);
      return path;
    },
  },
  'JPEG with Extended XMP, a GPS property split across two APP1 chunks': {
    needs: [],
    make: () => {
      const ext = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">${'long text '.repeat(500)}</rdf:li></rdf:Alt></dc:description><exif:GPSLatitude>48,51.462N</exif:GPSLatitude><exif:GPSLongitude>2,17.7E</exif:GPSLongitude></rdf:Description></rdf:RDF></x:xmpmeta>`;
      const guid = createHash('md5').update(ext).digest('hex').toUpperCase();
      const main = `${XMP_HEAD}<rdf:Description rdf:about="" xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmpNote:HasExtendedXMP="${guid}"><dc:format>image/jpeg</dc:format></rdf:Description>${XMP_TAIL}`;
      const extBytes = Buffer.from(ext);
      const split = ext.indexOf('<exif:GPSLatitude') + 7;
      const chunk = (from: number, to: number) => {
        const h = Buffer.alloc(8);
        h.writeUInt32BE(extBytes.length, 0);
        h.writeUInt32BE(from, 4);
        return app1(Buffer.concat([Buffer.from('http://ns.adobe.com/xmp/extension/\0'), Buffer.from(guid), h, extBytes.subarray(from, to)]));
      };
      return jpegWith('extended-xmp.jpg', 'jpeg/camera/img_1771.jpg', [
        app1(Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), Buffer.from(main)])),
        chunk(0, split),
        chunk(split, extBytes.length),
      ]);
    },
  },
  'GIF with an XMP application extension (exiftool)': {
    needs: ['ffmpeg', 'exiftool'],
    make: () => {
      const path = join(work, 'anim.gif');
      run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-t', '1', path]);
      exifWrite(path, ['-XMP-exif:GPSLatitude=1.5', '-XMP-exif:GPSLongitude=2.5', '-XMP-dc:Title=Keep']);
      return path;
    },
  },
  'AVIF with GPS in its Exif item and XMP (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('avif/Irvine_CA.avif', 'gps.avif');
      exifWrite(path, [...GPS_ARGS, '-XMP-exif:GPSLatitude=33.68']);
      return path;
    },
  },
  'HEIF (Canon) with GPS in its Exif item and an XMP item (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('heic/Canon.HIF', 'gps.heic');
      exifWrite(path, [...GPS_ARGS, '-XMP-exif:GPSLatitude=33.68', '-XMP-photoshop:City=Irvine']);
      return path;
    },
  },
  'TIFF with GPS, IPTC place names and XMP (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('tiff/tif-with-iptc-icc-xmp.tif', 'gps.tif');
      exifWrite(path, [...GPS_ARGS, '-XMP-exif:GPSLatitude=33.68', '-IPTC:City=Irvine', '-IPTC:Sub-location=Campus']);
      return path;
    },
  },
  'CR2 with GPS (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('raw/CanonRaw.cr2', 'gps.cr2');
      exifWrite(path, GPS_ARGS);
      return path;
    },
  },
  'DNG with GPS and XMP GPS (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('raw/canon_eos_6d.dng', 'gps.dng');
      exifWrite(path, [...GPS_ARGS, '-XMP-exif:GPSLatitude=33.68']);
      return path;
    },
  },
  'NEF with GPS and IPTC (exiftool)': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('raw/Nikon.nef', 'gps.nef');
      exifWrite(path, [...GPS_ARGS, '-IPTC:City=Ottawa']);
      return path;
    },
  },
  'ORF (TIFF structure under the Olympus magic) with GPS, IPTC and XMP': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('tiff/tif-with-iptc-icc-xmp.tif', 'gps.orf');
      exifWrite(path, [...GPS_ARGS, '-XMP-exif:GPSLatitude=33.68', '-IPTC:City=Irvine']);
      const bytes = readFileSync(path);
      bytes.write('RO', 2, 'latin1');
      writeFileSync(path, bytes);
      return path;
    },
  },
  'RW2 (TIFF structure under the Panasonic magic) with GPS': {
    needs: ['exiftool'],
    make: () => {
      const path = copy('tiff/tif-with-iptc-icc-xmp.tif', 'gps.rw2');
      exifWrite(path, [...GPS_ARGS, '-IPTC:City=Irvine']);
      const bytes = readFileSync(path);
      bytes.write('U\0', 2, 'latin1');
      writeFileSync(path, bytes);
      return path;
    },
  },
  'RAF: GPS in the embedded JPEG': {
    needs: [],
    make: () => {
      const jpeg = readFileSync(F('jpeg/phone/IMG_4120.JPG'));
      const head = Buffer.alloc(0x94);
      head.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
      head.write('0100', 0x3c, 'latin1');
      head.writeUInt32BE(head.length, 84);
      head.writeUInt32BE(jpeg.length, 88);
      const path = join(work, 'gps.raf');
      writeFileSync(path, Buffer.concat([head, jpeg, Buffer.alloc(64)]));
      return path;
    },
  },
  'motion photo (Google Container XMP): the trailing MP4 loses its ©xyz too': {
    needs: ['ffmpeg'],
    make: () => {
      const mp4 = phoneMp4();
      const xmp = `${XMP_HEAD}<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" xmlns:Container="http://ns.google.com/photos/1.0/container/" xmlns:Item="http://ns.google.com/photos/1.0/container/item/" GCamera:MotionPhoto="1"><Container:Directory><rdf:Seq><rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0"/></rdf:li><rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="${mp4.length}"/></rdf:li></rdf:Seq></Container:Directory></rdf:Description>${XMP_TAIL}`;
      const exif = app1(exifBlock(readFileSync(F('jpeg/phone/IMG_4120.JPG'))));
      return jpegWith('motion.jpg', 'jpeg/odd-exif/img_1771_no_exif.jpg', [exif, app1(Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), Buffer.from(xmp)]))], mp4);
    },
    embedded: (c) => embeddedVideoClean(c, phoneMp4().length),
  },
  'motion photo (GCamera:MicroVideoOffset)': {
    needs: ['ffmpeg'],
    make: () => {
      const mp4 = phoneMp4();
      const xmp = `${XMP_HEAD}<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="${mp4.length}"/>${XMP_TAIL}`;
      const exif = app1(exifBlock(readFileSync(F('jpeg/phone/IMG_4120.JPG'))));
      return jpegWith('micro.jpg', 'jpeg/odd-exif/img_1771_no_exif.jpg', [exif, app1(Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), Buffer.from(xmp)]))], mp4);
    },
    embedded: (c) => embeddedVideoClean(c, phoneMp4().length),
  },
  'motion photo (Samsung SEFT trailer)': {
    needs: ['ffmpeg'],
    make: () => {
      const mp4 = phoneMp4();
      const name = Buffer.from('MotionPhoto_Data', 'latin1');
      const blockHead = Buffer.alloc(8);
      blockHead.writeUInt16LE(0x0a30, 2);
      blockHead.writeUInt32LE(name.length, 4);
      const block = Buffer.concat([blockHead, name, mp4]);
      const dir = Buffer.alloc(24);
      dir.write('SEFH', 0, 'latin1');
      dir.writeUInt32LE(107, 4);
      dir.writeUInt32LE(1, 8);
      dir.writeUInt16LE(0x0a30, 14);
      dir.writeUInt32LE(block.length, 16); // from the SEFH back to the block
      dir.writeUInt32LE(block.length, 20);
      const footer = Buffer.alloc(8);
      footer.writeUInt32LE(dir.length, 0);
      footer.write('SEFT', 4, 'latin1');
      const exif = app1(exifBlock(readFileSync(F('jpeg/phone/IMG_4120.JPG'))));
      return jpegWith('samsung.jpg', 'jpeg/odd-exif/img_1771_no_exif.jpg', [exif], Buffer.concat([block, dir, footer]));
    },
    embedded: (c) => embeddedVideoClean(c, phoneMp4().length, 32),
  },
  'a second JPEG appended after the end of the image, with its own GPS (no index points at it)': {
    needs: [],
    make: () => jpegWith('appended.jpg', 'jpeg/camera/img_1771.jpg', [], readFileSync(F('jpeg/phone/IMG_4120.JPG'))),
    embedded: (c) => {
      const at = c.original.length - readFileSync(F('jpeg/phone/IMG_4120.JPG')).length;
      expect(locationTags(sliceTags(c.original, at, c.original.length, '.jpg')).length).toBeGreaterThan(0);
      // Nothing claims those bytes: none of them is served.
      expect(c.patched.subarray(at).every((b) => b === 0)).toBe(true);
      expect(c.patched.subarray(0, at).equals(c.original.subarray(0, at))).toBe(true);
    },
  },
  'GoPro-style MP4: a position written as text at the head of the media data (GPRO record)': {
    needs: ['ffmpeg'],
    make: () => {
      const record = Buffer.concat([Buffer.from('GPRO', 'latin1'), Buffer.alloc(4), Buffer.from('HD9.01.01.60.00\0C3441326564213\0+33.1268-117.3273/\0GoPro Max', 'latin1')]);
      const path = join(work, 'gopro-gpro.mp4');
      writeFileSync(path, withMdatRecord(phoneMp4(), record));
      return path;
    },
    embedded: (c) => {
      expect(c.original.includes('+33.1268-117.3273')).toBe(true);
      expect(c.patched.includes('+33.1268-117.3273')).toBe(false);
      expect(c.patched.includes('GoPro Max')).toBe(true); // the rest of the record stays
    },
  },
  'MPF: the secondary image has its own Exif with GPS': {
    needs: [],
    make: () => {
      const primary = readFileSync(F('jpeg/camera/img_1771.jpg'));
      const secondary = readFileSync(F('jpeg/phone/IMG_4120.JPG'));
      // APP2 "MPF\0" + a big-endian TIFF: IFD with MPFVersion, NumberOfImages, MPEntry.
      const tiff = Buffer.alloc(8 + 2 + 3 * 12 + 4 + 32);
      tiff.write('MM\0*', 0, 'latin1');
      tiff.writeUInt32BE(8, 4);
      tiff.writeUInt16BE(3, 8);
      const entry = (i: number, tag: number, type: number, count: number, value: number | string) => {
        const at = 10 + i * 12;
        tiff.writeUInt16BE(tag, at);
        tiff.writeUInt16BE(type, at + 2);
        tiff.writeUInt32BE(count, at + 4);
        if (typeof value === 'string') tiff.write(value, at + 8, 'latin1');
        else tiff.writeUInt32BE(value, at + 8);
      };
      entry(0, 0xb000, 7, 4, '0100');
      entry(1, 0xb001, 4, 1, 2);
      entry(2, 0xb002, 7, 32, 8 + 2 + 36 + 4);
      const segment = app1(Buffer.concat([Buffer.from('MPF\0', 'latin1'), tiff]), 0xe2);
      const primaryLength = primary.length + segment.length;
      const tiffAt = 2 + 4 + 4; // SOI, APP2 header, "MPF\0"
      const e = 8 + 2 + 36 + 4;
      tiff.writeUInt32BE(0x20030000, e);
      tiff.writeUInt32BE(primaryLength, e + 4);
      tiff.writeUInt32BE(0, e + 8);
      tiff.writeUInt32BE(0, e + 16);
      tiff.writeUInt32BE(secondary.length, e + 20);
      tiff.writeUInt32BE(primaryLength - tiffAt, e + 24);
      const withIndex = app1(Buffer.concat([Buffer.from('MPF\0', 'latin1'), tiff]), 0xe2);
      return jpegWith('mpf.jpg', 'jpeg/camera/img_1771.jpg', [withIndex], secondary);
    },
    // The primary has no location of its own: what exiftool must not find is in the second image.
    embedded: (c) => {
      const at = c.original.length - readFileSync(F('jpeg/phone/IMG_4120.JPG')).length;
      expect(locationTags(sliceTags(c.original, at, c.original.length, '.jpg')).length).toBeGreaterThan(0);
      expect(locationTags(sliceTags(c.patched, at, c.patched.length, '.jpg'))).toEqual([]);
    },
  },
};

function embeddedVideoClean(c: Checked, length: number, tail = 0) {
  const from = c.original.length - tail - length;
  const to = c.original.length - tail;
  const before = sliceTags(c.original, from, to, '.mp4');
  expect(locationTags(before).length).toBeGreaterThan(0);
  const after = sliceTags(c.patched, from, to, '.mp4');
  expect(locationTags(after)).toEqual([]);
  expect(otherTags(after)).toEqual(otherTags(before));
}

describe.skipIf(!HAS_FIXTURES || !HAS_EXIFTOOL)('location patches on files made for the places the fixtures lack', () => {
  for (const [label, made] of Object.entries(MADE)) {
    const missing = made.needs.includes('ffmpeg') && !HAS_FFMPEG;
    it.skipIf(missing)(label, async () => {
      const path = made.make();
      if (made.embedded) {
        // The location is inside an embedded file that exiftool reads only from the slice.
        const format = await formatOf(path);
        const patches = await findLocationPatches(path, format);
        expect(patches.length).toBeGreaterThan(0);
        expect(await findRemainingLocation(path, format, patches)).toBeUndefined();
        const original = readFileSync(path);
        const patched = applyPatches(Buffer.from(original), patches);
        const patchedPath = join(work, `patched-${copies++}.jpg`);
        writeFileSync(patchedPath, patched);
        const [before, after] = exiftool([path, patchedPath]);
        expect(locationTags(after!)).toEqual([]);
        expect(otherTags(after!)).toEqual(otherTags(before!));
        expect(await pixels(patched)).toEqual(await pixels(original));
        made.embedded({ patches, original, patched, patchedPath });
      } else {
        await checkPatched(path, made.options);
      }
    });
  }
});

describe('XMP', () => {
  it('each location property, name and value, element or attribute or whole structure, becomes spaces of its length', () => {
    const keep = (s: string) => s;
    const blank = (s: string) => ' '.repeat(Buffer.byteLength(s));
    const parts: [string, (s: string) => string][] = [
      [`${XMP_HEAD}<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"`, keep],
      [' ', keep],
      ['exif:GPSLatitude="48,51.462N"', blank],
      [' dc:format="image/jpeg">', keep],
      ['<exif:GPSLongitude>2,17.7E</exif:GPSLongitude>', blank],
      ['<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Tour Eiffel — été</rdf:li></rdf:Alt></dc:title>', keep],
      ["<Iptc4xmpExt:LocationShown><rdf:Bag><rdf:li rdf:parseType='Resource'><Iptc4xmpExt:City>Paris</Iptc4xmpExt:City><Iptc4xmpExt:CountryName>Frankreich — Ça</Iptc4xmpExt:CountryName></rdf:li></rdf:Bag></Iptc4xmpExt:LocationShown>", blank],
      ['<photoshop:City>Paris</photoshop:City><photoshop:Credit>me</photoshop:Credit><exif:GPSAltitudeRef/>', (s) => s.replace('<photoshop:City>Paris</photoshop:City>', blank).replace('<exif:GPSAltitudeRef/>', blank)],
      [`</rdf:Description>${XMP_TAIL}`, keep],
    ];
    const packet = Buffer.from(parts.map(([s]) => s).join(''));
    const expected = Buffer.from(parts.map(([s, f]) => f(s)).join(''));
    expect(expected.length).toBe(packet.length);
    expect(applyEdits(packet, xmpLocationEdits(packet)).toString()).toBe(expected.toString());
  });
});

// ---------------------------------------------------------------------------------------
// Serving: any Range of the patched stream is the patched file's slice

async function streamed(path: string, patches: Patch[], range: { start?: number; end?: number; highWaterMark?: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createPatchedReadStream(path, patches, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(!HAS_FIXTURES)('createPatchedReadStream', () => {
  it('gives, for any range and any chunk size, the bytes of the patched file', async () => {
    const path = F('jpeg/phone/IMG_4120.JPG');
    const patches = await findLocationPatches(path, 'jpeg');
    const original = readFileSync(path);
    const patched = applyPatches(Buffer.from(original), patches);
    expect(patched.equals(original)).toBe(false);
    expect((await streamed(path, patches, {})).equals(patched)).toBe(true);

    // Ranges that start, end and sit inside patches, single bytes at their edges, random ones.
    const ranges: [number, number][] = [];
    for (const p of patches) {
      const length = 'data' in p ? Buffer.from(p.data, 'base64').length : p.length;
      ranges.push([p.offset, p.offset], [p.offset - 1, p.offset], [p.offset + length - 1, p.offset + length], [p.offset + 1, p.offset + length - 2]);
    }
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 150; i++) {
      const start = random(original.length);
      ranges.push([start, Math.min(original.length - 1, start + random(4096))]);
    }
    for (const [start, end] of ranges) {
      if (start < 0 || end < start) continue;
      const highWaterMark = 1 + random(700);
      const got = await streamed(path, patches, { start, end, highWaterMark });
      expect(got.equals(patched.subarray(start, end + 1)), `bytes ${start}-${end} by ${highWaterMark}`).toBe(true);
    }
  });

  it('without patches is the file itself', async () => {
    const path = F('jpeg/orientation/landscape_1.jpg');
    expect((await streamed(path, [], { start: 10, end: 99 })).equals(readFileSync(path).subarray(10, 100))).toBe(true);
  });

  it('patches are plain JSON: base64 bytes, or a run of one byte', async () => {
    const patches = toPatches([
      { at: 10, bytes: Buffer.from('abc') },
      { at: 12, bytes: Buffer.from('XY') }, // overlaps and extends the first
      { at: 100, bytes: Buffer.alloc(40, 0x20) },
    ]);
    expect(patches).toEqual([
      { offset: 10, data: Buffer.from('abXY').toString('base64') },
      { offset: 100, length: 40, fill: 0x20 },
    ]);
    const bytes = applyPatches(Buffer.alloc(50, 1), patches, 90);
    expect([...bytes.subarray(9, 11)]).toEqual([1, 0x20]);
    expect(await text(createPatchedReadStream(F('jpeg/orientation/landscape_1.jpg'), [], { start: 0, end: 1 }))).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------
// Cost: headers and metadata only, whatever the size of the file

describe.skipIf(!HAS_FFMPEG || !HAS_EXIFTOOL)('a 5 GiB video', () => {
  it('is searched by reading a few KB (moov after a sparse 5 GiB mdat), and its ©xyz is gone', async () => {
    // The clip's boxes: ftyp ... mdat, moov. Keep ftyp and moov around a 5 GiB mdat.
    const clip = phoneMp4();
    const boxes: { type: string; start: number; end: number }[] = [];
    for (let at = 0; at + 8 <= clip.length; ) {
      const size = clip.readUInt32BE(at);
      boxes.push({ type: clip.toString('latin1', at + 4, at + 8), start: at, end: at + size });
      at += size;
    }
    const ftyp = boxes.find((b) => b.type === 'ftyp')!;
    const moov = boxes.find((b) => b.type === 'moov')!;
    const mdatSize = 5 * 2 ** 30;
    const mdatHead = Buffer.alloc(16);
    mdatHead.writeUInt32BE(1, 0);
    mdatHead.write('mdat', 4, 'latin1');
    mdatHead.writeBigUInt64BE(BigInt(mdatSize), 8);
    const moovAt = ftyp.end + mdatSize;
    const big = (name: string, moovBytes: Buffer) => {
      const path = join(work, name);
      const fd = openSync(path, 'w');
      writeSync(fd, clip.subarray(ftyp.start, ftyp.end), 0, ftyp.end - ftyp.start, 0);
      writeSync(fd, mdatHead, 0, 16, ftyp.end);
      ftruncateSync(fd, moovAt);
      writeSync(fd, moovBytes, 0, moovBytes.length, moovAt);
      closeSync(fd);
      return path;
    };
    const path = big('big.mp4', clip.subarray(moov.start, moov.end));

    const handle = await open(path, 'r');
    let patches: Patch[];
    let bytesRead: number;
    try {
      const reader = fileReader(handle, (await handle.stat()).size);
      patches = toPatches(await locationEdits(reader, 'mp4'));
      bytesRead = reader.bytesRead;
    } finally {
      await handle.close();
    }
    expect(bytesRead).toBeLessThan(256 * 1024); // the boxes it walks, not the 4 GiB between them
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.every((p) => p.offset >= moovAt)).toBe(true);
    expect(await findLocationPatches(path, 'mp4')).toEqual(patches);

    // What a Range request past 4 GiB gets: the moov with ©xyz turned into 'free'.
    const served = await streamed(path, patches, { start: moovAt, end: moovAt + moov.end - moov.start - 1 });
    expect(served.includes('©xyz', 0, 'latin1')).toBe(false);
    expect(served.equals(applyPatches(Buffer.from(clip.subarray(moov.start, moov.end)), patches, moovAt))).toBe(true);
    const servedCopy = big('big-served.mp4', served);
    const [before, after] = exiftool([path, servedCopy]);
    expect(locationTags(before!).length).toBeGreaterThan(0);
    expect(locationTags(after!)).toEqual([]);
    rmSync(servedCopy);
    rmSync(path);
  });
});
