// What a file is, from its first bytes, never from its name.
//   HEAD_BYTES                          → how many bytes callers should read and pass in
//   detectFileType(head) → DetectedType | undefined (unknown, unsupported or empty)
//   DetectedType = { kind: 'photo' | 'raw' | 'video', format, mime, ext }
// TIFF-based RAWs (DNG, NEF, ARW, ...) start like any TIFF: they are told apart by their
// tags (DNGVersion, a colour-filter-array IFD, Make), which sit in the head of the file.
// Not TIFF: JPEG XL (FF 0A, or its container box "JXL "), CRW ("HEAPCCDR"), MRW ("\0MRM"),
// X3F ("FOVb"); BigTIFF (magic 43) is taken as a plain TIFF.
import { readFtyp } from './iso-bmff.ts';
import { collectIfds, openTiff, TAG, type TiffReader } from './tiff-ifd.ts';

export const HEAD_BYTES = 64 * 1024;

export type MediaKind = 'photo' | 'raw' | 'video';
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heic' | 'tiff' | 'jxl';
/** 'raw': a TIFF-based RAW of a camera maker not named here, kept all the same. */
export type RawFormat = 'dng' | 'cr2' | 'cr3' | 'nef' | 'arw' | 'orf' | 'raf' | 'rw2' | 'crw' | 'mrw' | 'x3f' | 'raw';
export type VideoFormat = 'mp4' | 'mov' | 'webm' | '3gp' | 'mkv' | 'avi' | 'mts' | 'mpg';
export type MediaFormat = PhotoFormat | RawFormat | VideoFormat;

export interface DetectedType {
  kind: MediaKind;
  format: MediaFormat;
  mime: string;
  /** Extension to store the original under, without the dot. */
  ext: string;
}

const TYPES: Record<MediaFormat, DetectedType> = {
  jpeg: { kind: 'photo', format: 'jpeg', mime: 'image/jpeg', ext: 'jpg' },
  png: { kind: 'photo', format: 'png', mime: 'image/png', ext: 'png' },
  webp: { kind: 'photo', format: 'webp', mime: 'image/webp', ext: 'webp' },
  gif: { kind: 'photo', format: 'gif', mime: 'image/gif', ext: 'gif' },
  avif: { kind: 'photo', format: 'avif', mime: 'image/avif', ext: 'avif' },
  heic: { kind: 'photo', format: 'heic', mime: 'image/heic', ext: 'heic' },
  tiff: { kind: 'photo', format: 'tiff', mime: 'image/tiff', ext: 'tif' },
  /** JPEG XL, bare codestream or ISO BMFF container. */
  jxl: { kind: 'photo', format: 'jxl', mime: 'image/jxl', ext: 'jxl' },
  dng: { kind: 'raw', format: 'dng', mime: 'image/x-adobe-dng', ext: 'dng' },
  cr2: { kind: 'raw', format: 'cr2', mime: 'image/x-canon-cr2', ext: 'cr2' },
  cr3: { kind: 'raw', format: 'cr3', mime: 'image/x-canon-cr3', ext: 'cr3' },
  nef: { kind: 'raw', format: 'nef', mime: 'image/x-nikon-nef', ext: 'nef' },
  arw: { kind: 'raw', format: 'arw', mime: 'image/x-sony-arw', ext: 'arw' },
  orf: { kind: 'raw', format: 'orf', mime: 'image/x-olympus-orf', ext: 'orf' },
  raf: { kind: 'raw', format: 'raf', mime: 'image/x-fuji-raf', ext: 'raf' },
  rw2: { kind: 'raw', format: 'rw2', mime: 'image/x-panasonic-rw2', ext: 'rw2' },
  /** Canon's RAW before CR2 (CIFF: a heap of records, not a TIFF). */
  crw: { kind: 'raw', format: 'crw', mime: 'image/x-canon-crw', ext: 'crw' },
  /** Konica Minolta: blocks (PRD, TTW holding a TIFF, WBG, RIF) behind an "MRM" header. */
  mrw: { kind: 'raw', format: 'mrw', mime: 'image/x-minolta-mrw', ext: 'mrw' },
  /** Sigma / Foveon: "FOVb" header, sections listed in a directory at the end of the file. */
  x3f: { kind: 'raw', format: 'x3f', mime: 'image/x-sigma-x3f', ext: 'x3f' },
  raw: { kind: 'raw', format: 'raw', mime: 'image/x-raw', ext: 'raw' },
  mp4: { kind: 'video', format: 'mp4', mime: 'video/mp4', ext: 'mp4' },
  mov: { kind: 'video', format: 'mov', mime: 'video/quicktime', ext: 'mov' },
  webm: { kind: 'video', format: 'webm', mime: 'video/webm', ext: 'webm' },
  '3gp': { kind: 'video', format: '3gp', mime: 'video/3gpp', ext: '3gp' },
  mkv: { kind: 'video', format: 'mkv', mime: 'video/x-matroska', ext: 'mkv' },
  avi: { kind: 'video', format: 'avi', mime: 'video/x-msvideo', ext: 'avi' },
  /** MPEG transport stream: 188-byte packets (.ts, .mts) or AVCHD's 192 (.m2ts). */
  mts: { kind: 'video', format: 'mts', mime: 'video/mp2t', ext: 'mts' },
  /** MPEG program stream (.mpg, .vob, old camcorders' .mod). */
  mpg: { kind: 'video', format: 'mpg', mime: 'video/mpeg', ext: 'mpg' },
};

const FORMAT_NAMES: Partial<Record<MediaFormat, string>> = {
  webp: 'WebP', tiff: 'TIFF, BigTIFF', jxl: 'JPEG XL', webm: 'WebM', mts: 'MTS/M2TS', mpg: 'MPEG',
};
/** A format's name as people know it ("JPEG XL", "CRW", "MTS/M2TS"): refusals and placeholders. */
export const formatName = (format: MediaFormat) => FORMAT_NAMES[format] ?? format.toUpperCase();
const formatsOf = (kind: MediaKind) =>
  Object.values(TYPES)
    .filter((t) => t.kind === kind && t.format !== 'raw')
    .map((t) => formatName(t.format))
    .join(', ');

/** What Shoebox takes, for the message that refuses anything else (upload and import alike). */
export const ACCEPTED_TYPES = `photos (${formatsOf('photo')}), camera RAW (${formatsOf('raw')}, any TIFF-based RAW) and videos (${formatsOf('video')})`;

const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'miaf', 'mif2']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);
const MP4_BRANDS = new Set([
  'isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso7', 'iso8', 'iso9', 'mp41', 'mp42', 'mp71',
  'avc1', 'hvc1', 'hev1', 'av01', 'dash', 'msnv', 'MSNV', 'mmp4', 'M4V ', 'M4VH', 'M4VP', 'f4v ',
  'XAVC', 'ndas', 'ndsc', 'ndsh', 'ndsm', 'ndsp', 'ndss', 'ndxc', 'ndxh', 'ndxm', 'ndxp', 'ndxs',
  'CAEP', 'caqv', 'nvr1', 'FACE', 'MiPr',
]);
// Top-level box types an old QuickTime file (no ftyp) may start with.
const QUICKTIME_FIRST_BOXES = new Set(['moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));
}

function startsWith(bytes: Uint8Array, signature: number[], at = 0): boolean {
  return signature.every((byte, i) => bytes[at + i] === byte);
}

export function detectFileType(head: Uint8Array): DetectedType | undefined {
  if (head.length < 3) return undefined;
  if (startsWith(head, [0xff, 0xd8, 0xff])) return TYPES.jpeg;
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return TYPES.png;
  const first12 = ascii(head, 0, 12);
  if (first12.startsWith('GIF87a') || first12.startsWith('GIF89a')) return TYPES.gif;
  if (first12.startsWith('RIFF') && first12.slice(8, 12) === 'WEBP') return TYPES.webp;
  if (first12.startsWith('RIFF') && first12.slice(8, 12) === 'AVI ') return TYPES.avi;
  const packets = transportPacketSize(head);
  if (packets === 188) return TYPES.mts;
  if (packets === 192) return { ...TYPES.mts, ext: 'm2ts' };
  if (startsWith(head, [0x00, 0x00, 0x01, 0xba])) return TYPES.mpg;
  if (ascii(head, 0, 15) === 'FUJIFILMCCD-RAW') return TYPES.raf;
  if (startsWith(head, [0xff, 0x0a])) return TYPES.jxl;
  if (startsWith(head, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return TYPES.jxl;
  if (ascii(head, 0, 14) === 'II\x1a\0\0\0HEAPCCDR') return TYPES.crw;
  if (startsWith(head, [0x00, 0x4d, 0x52, 0x4d])) return TYPES.mrw;
  if (first12.startsWith('FOVb')) return TYPES.x3f;
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return detectMatroska(head);
  if (first12.startsWith('II') || first12.startsWith('MM')) {
    const type = detectTiffFamily(head);
    if (type) return type;
    if (isBigTiff(head)) return TYPES.tiff;
  }
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') return detectIsoBmff(head);
  if (head.length >= 8 && QUICKTIME_FIRST_BOXES.has(ascii(head, 4, 8))) {
    const size = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
    if (size === 0 || size === 1 || size >= 8) return TYPES.mov;
  }
  return undefined;
}

/** 188 or 192 when the head is MPEG-TS packets (a 0x47 sync byte at each packet's start, 4 bytes in for 192), else undefined. */
function transportPacketSize(head: Uint8Array): 188 | 192 | undefined {
  const PACKETS = 5;
  for (const [size, offset] of [[188, 0], [192, 4]] as const) {
    if (head.length < size * PACKETS) continue;
    let all = true;
    for (let i = 0; i < PACKETS && all; i++) all = head[offset + i * size] === 0x47;
    if (all) return size;
  }
  return undefined;
}

function detectMatroska(head: Uint8Array): DetectedType | undefined {
  // The EBML header (a few dozen bytes) carries the DocType string.
  const header = ascii(head, 0, 64);
  if (header.includes('webm')) return TYPES.webm;
  if (header.includes('matroska')) return TYPES.mkv;
  return undefined;
}

function detectIsoBmff(head: Uint8Array): DetectedType | undefined {
  const ftyp = readFtyp(head);
  if (!ftyp) return undefined;
  const { major, compatible } = ftyp;
  const brands = [major, ...compatible];
  if (brands.includes('crx ')) return TYPES.cr3;
  if (AVIF_BRANDS.has(major)) return TYPES.avif;
  if (HEIC_BRANDS.has(major)) return TYPES.heic;
  if (HEIF_BRANDS.has(major)) {
    if (compatible.some((b) => AVIF_BRANDS.has(b))) return TYPES.avif;
    if (compatible.some((b) => HEIC_BRANDS.has(b))) return TYPES.heic;
    return { ...TYPES.heic, mime: 'image/heif', ext: 'heif' };
  }
  if (major === 'qt  ') return TYPES.mov;
  if (major.startsWith('3g2')) return { ...TYPES['3gp'], mime: 'video/3gpp2', ext: '3g2' };
  if (major.startsWith('3gp') || major.startsWith('3ge') || major.startsWith('3gg')) return TYPES['3gp'];
  if (AUDIO_BRANDS.has(major)) return undefined;
  if (MP4_BRANDS.has(major)) return TYPES.mp4;
  if (compatible.includes('qt  ')) return TYPES.mov;
  if (compatible.some((b) => MP4_BRANDS.has(b))) return TYPES.mp4;
  return undefined;
}

const RAW_PHOTOMETRIC = new Set([32803 /* CFA */, 34892 /* LinearRaw */]);
const RAW_COMPRESSION = new Set([34713 /* Nikon NEF */, 32767 /* Sony ARW */, 32769, 32770]);

function rawFormatForMake(make: string | undefined): RawFormat | undefined {
  const m = (make ?? '').toUpperCase();
  if (m.startsWith('NIKON')) return 'nef';
  if (m.startsWith('SONY')) return 'arw';
  if (m.startsWith('CANON')) return 'cr2';
  if (m.startsWith('OLYMPUS') || m.startsWith('OM DIGITAL')) return 'orf';
  if (m.startsWith('PANASONIC') || m.startsWith('LEICA')) return 'rw2';
  if (m.startsWith('FUJIFILM')) return 'raf';
  return undefined;
}

function detectTiffFamily(head: Uint8Array): DetectedType | undefined {
  const reader = openTiff(head);
  if (!reader) return undefined;
  const magic = ascii(head, 0, 4);
  if (magic === 'IIU\0') return TYPES.rw2;
  if (magic === 'IIRO' || magic === 'IIRS' || magic === 'MMOR') return TYPES.orf;
  if (ascii(head, 8, 10) === 'CR' && head[10] === 2) return TYPES.cr2;

  const ifds = collectIfds(reader);
  if (ifds.some(({ ifd }) => ifd.entries.has(TAG.DNGVersion))) return TYPES.dng;
  const ifd0 = ifds[0]?.ifd;
  const make = ifd0 ? reader.text(ifd0, TAG.Make) : undefined;
  if (hasSensorData(reader, ifds) || looksLikeRawLayout(reader, ifds)) {
    // A sensor-data TIFF from a maker not named here is a RAW all the same, kept as one.
    return TYPES[rawFormatForMake(make) ?? 'raw'];
  }
  return TYPES.tiff;
}

/** BigTIFF: "II" 43 or "MM" 43, offset size 8, then a zero (cameras do not write RAWs as BigTIFF). */
function isBigTiff(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const little = head[0] === 0x49;
  return view.getUint16(2, little) === 43 && view.getUint16(4, little) === 8 && view.getUint16(6, little) === 0;
}

function hasSensorData(reader: TiffReader, ifds: ReturnType<typeof collectIfds>): boolean {
  return ifds.some(({ ifd, kind }) => {
    if (kind === 'exif') return false;
    const photometric = reader.number(ifd, TAG.Photometric);
    const compression = reader.number(ifd, TAG.Compression);
    return (
      (photometric !== undefined && RAW_PHOTOMETRIC.has(photometric)) ||
      (compression !== undefined && RAW_COMPRESSION.has(compression))
    );
  });
}

// When the sensor-data IFD lies past the head: IFD0 declared as a reduced-resolution
// image with SubIFDs is how NEF and ARW files are laid out; an edited TIFF is not.
function looksLikeRawLayout(reader: TiffReader, ifds: ReturnType<typeof collectIfds>): boolean {
  const ifd0 = ifds[0]?.ifd;
  if (!ifd0) return false;
  const make = reader.text(ifd0, TAG.Make) ?? '';
  return (
    reader.number(ifd0, TAG.NewSubfileType) === 1 &&
    ifd0.entries.has(TAG.SubIFDs) &&
    /^(NIKON|SONY)/i.test(make) &&
    !ifds.some(({ kind }) => kind === 'sub')
  );
}
