// "Strip location" for originals served through a share link: byte patches, worked out once
// from the stored original, that neutralise every location record in place. The file keeps
// its size, so Content-Length, Range and ZIP entry lengths stay exact; the original on disk
// is never written.
//
//   findLocationPatches(path, format) → Promise<Patch[]>
//       Reads only headers and metadata blocks (bounded reads, never the whole file: a 16 GB
//       video costs a few KB). [] means nothing to patch. Rejects only when the file cannot
//       be read; a malformed structure ends the walk of that structure.
//   createPatchedReadStream(path, patches, { start?, end? }) → Readable
//       The file's bytes [start, end] (inclusive, like fs.createReadStream; default: the whole
//       file) with every patch that overlaps that range applied. For a Range request:
//       createPatchedReadStream(path, asset.location_patches, { start, end }).
//   applyPatches(bytes, patches, at = 0) → bytes, patched in place
//       For a buffer holding the file's bytes from offset `at` (tests, small files).
//   Patch = { offset, data } (base64 of the bytes to put there) | { offset, length, fill }
//       (a run of one byte value): plain JSON, kept in assets.location_patches.
//
// Where location lives, per accepted format (file-type.ts), and what is done to it (the
// record-level rules are in location-records.ts):
//   JPEG     APP1 Exif (GPS IFD; Samsung/Nikon/Panasonic maker-note location), APP1 XMP and
//            Extended XMP (properties blanked with spaces, across chunk boundaries), APP13
//            Photoshop IPTC and Exif/XMP resources, APP2 MPF secondary images (JPEGs with
//            their own Exif), and a motion photo's trailing MP4 (Google XMP offsets, Samsung
//            SEFT trailer); whatever else follows the end of the image (another JPEG
//            appended, with its own GPS) that none of those claims is zeroed
//   PNG      eXIf (then the chunk CRC recomputed), iTXt XMP (blanked, CRC); a compressed XMP
//            or "Raw profile type" text chunk that holds location, or a text chunk whose
//            keyword names a place ("Location", "GPS"), becomes a private ancillary chunk no
//            reader knows, its data zeroed, CRC recomputed
//   WebP     EXIF and XMP chunks (RIFF has no checksums)
//   GIF      the XMP application extension (spaces keep the packet's sub-block trick valid)
//   HEIC/AVIF  the Exif item and XMP (mime) items, wherever iloc puts their extents (idat too)
//   TIFF, DNG, CR2, NEF, ARW, ORF, RW2   the file's own TIFF structure, with its IPTC,
//            Photoshop and XMP tags, and RW2's JpgFromRaw (a JPEG with its own Exif)
//   CR3      CMT4 (the GPS IFD) zeroed and renamed 'free'; CMT1/CMT2 IFDs; the XMP uuid box
//   RAF      the embedded JPEG (the one exiftool reads the Exif of)
//   MP4/MOV/3GP  udta/ilst ©xyz, loci and dashcam gps index atoms: renamed 'free', zeroed;
//            a position written as text at the head of the media data (GoPro's GPRO
//            record: the first 64 KiB of each mdat) blanked with spaces;
//            mdta location keys (com.apple.quicktime.location.*): the ilst item renamed
//            'free' and zeroed, the key name blanked; XMP_ and XMP uuid boxes; udta WLOC too
//            (a player window position, not a place, but its tag is named WindowLocation)
//   MKV/WebM Tags: a SimpleTag whose name says location/GPS becomes an EBML Void element
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { crc32, inflateSync } from 'node:zlib';
import type { MediaFormat } from './file-type.ts';
import { listBoxes, parseBoxHeader, type Box } from './iso-bmff.ts';
import { gpmfLocationEdits, timedMetadataEdits } from './timed-metadata.ts';
import {
  applyEdits,
  bufferReader,
  irbLocationEdits,
  iimLocationEdits,
  shiftEdits,
  textLocationEdits,
  tiffLocationEdits,
  xmpLocationEdits,
  zeros,
  type Edit,
  type Reader,
} from './location-records.ts';

export type Patch = { offset: number; data: string } | { offset: number; length: number; fill: number };

/** A file reader that reads in cached 4 KiB blocks and counts what it read from disk. */
export interface CountingReader extends Reader {
  bytesRead: number;
}

const BLOCK = 4 * 1024;
const CACHE_BLOCKS = 1024;

export function fileReader(handle: FileHandle, size: number): CountingReader {
  const cache = new Map<number, Buffer>();
  const reader: CountingReader = {
    size,
    bytesRead: 0,
    async read(offset, length) {
      const from = Math.max(0, offset);
      const to = Math.min(size, offset + Math.max(0, length));
      if (to <= from) return Buffer.alloc(0);
      if (to - from > 4 * BLOCK) return readDirect(from, to - from);
      const parts: Buffer[] = [];
      for (let b = Math.floor(from / BLOCK); b * BLOCK < to; b++) {
        let block = cache.get(b);
        if (!block) {
          block = await readDirect(b * BLOCK, BLOCK);
          if (cache.size >= CACHE_BLOCKS) cache.delete(cache.keys().next().value!);
          cache.set(b, block);
        }
        const s = Math.max(from - b * BLOCK, 0);
        const e = Math.min(to - b * BLOCK, block.length);
        parts.push(block.subarray(s, e));
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    },
  };
  async function readDirect(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    reader.bytesRead += filled;
    return buf.subarray(0, filled);
  }
  return reader;
}

export async function findLocationPatches(path: string, format: MediaFormat): Promise<Patch[]> {
  const handle = await open(path, 'r');
  try {
    const reader = fileReader(handle, (await handle.stat()).size);
    return toPatches(await locationEdits(reader, format));
  } finally {
    await handle.close();
  }
}

/** The edits for a whole file (or any Reader holding one), in its coordinates. */
export async function locationEdits(r: Reader, format: MediaFormat): Promise<Edit[]> {
  switch (format) {
    case 'jpeg':
      return jpegEdits(r, 0, r.size, 0);
    case 'png':
      return pngEdits(r);
    case 'webp':
      return webpEdits(r);
    case 'gif':
      return gifEdits(r);
    case 'tiff':
    case 'dng':
    case 'cr2':
    case 'nef':
    case 'arw':
    case 'orf':
    case 'rw2':
    case 'raw':
      return tiffLocationEdits(r, 0, r.size, { embeddedJpeg: (at, length) => jpegEdits(r, at, at + length, 1) });
    case 'raf':
      return rafEdits(r);
    case 'heic':
    case 'avif':
    case 'cr3':
    case 'mp4':
    case 'mov':
    case '3gp':
      return bmffEdits(r, 0, r.size);
    case 'webm':
    case 'mkv':
      return matroskaEdits(r);
    case 'jxl':
    case 'crw':
    case 'mrw':
    case 'x3f':
      // Not read here: location-check.ts never calls these clean (UNREAD_LOCATION).
      return [];
    case 'avi':
    case 'mts':
    case 'mpg':
      // No location records of these are known here: blanked-original.ts treats them as
      // unknown, and "strip location" guests play their web copy, which carries none.
      return [];
  }
}

// ---------------------------------------------------------------------------------------
// Patches: normalised (sorted, merged, non-overlapping), applied to buffers and streams

export function toPatches(edits: Edit[]): Patch[] {
  const sorted = edits.filter((e) => e.bytes.length > 0).sort((a, b) => a.at - b.at);
  const runs: { at: number; bytes: Buffer }[] = [];
  for (const e of sorted) {
    const last = runs[runs.length - 1];
    if (last && e.at <= last.at + last.bytes.length) {
      const end = Math.max(last.at + last.bytes.length, e.at + e.bytes.length);
      const merged = Buffer.alloc(end - last.at);
      last.bytes.copy(merged, 0);
      e.bytes.copy(merged, e.at - last.at);
      last.bytes = merged;
    } else {
      runs.push({ at: e.at, bytes: Buffer.from(e.bytes) });
    }
  }
  return runs.map(({ at, bytes }) =>
    bytes.length >= 16 && bytes.every((b) => b === bytes[0])
      ? { offset: at, length: bytes.length, fill: bytes[0]! }
      : { offset: at, data: bytes.toString('base64') },
  );
}

function patchBytes(p: Patch): Buffer {
  return 'data' in p ? Buffer.from(p.data, 'base64') : Buffer.alloc(p.length, p.fill);
}

export function patchLength(p: Patch): number {
  return 'data' in p ? Buffer.byteLength(p.data, 'base64') : p.length;
}

/** Applies the patches overlapping `bytes`, which hold the file's bytes from offset `at`. */
export function applyPatches<T extends Uint8Array>(bytes: T, patches: readonly Patch[], at = 0): T {
  const end = at + bytes.length;
  for (const p of patches) {
    const length = patchLength(p);
    if (p.offset >= end || p.offset + length <= at) continue;
    const from = Math.max(p.offset, at);
    const to = Math.min(p.offset + length, end);
    if ('data' in p) bytes.set(patchBytes(p).subarray(from - p.offset, to - p.offset), from - at);
    else bytes.fill(p.fill, from - at, to - at);
  }
  return bytes;
}

/**
 * A Readable of the file's bytes [start, end] (inclusive; defaults: 0 and the last byte)
 * with the patches applied: what a share link with "strip location" serves, Range included.
 */
export function createPatchedReadStream(
  path: string,
  patches: readonly Patch[],
  range: { start?: number; end?: number; highWaterMark?: number } = {},
): Readable {
  const start = range.start ?? 0;
  const source = createReadStream(path, { start, end: range.end, highWaterMark: range.highWaterMark });
  if (!patches.length) return source;
  let position = start;
  const patcher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const at = position;
      position += chunk.length;
      callback(null, applyPatches(chunk, patches, at));
    },
  });
  source.on('error', (err) => patcher.destroy(err));
  patcher.on('close', () => source.destroy());
  return source.pipe(patcher);
}

// ---------------------------------------------------------------------------------------
// Regions: metadata assembled from pieces of the file (HEIF extents, Extended XMP chunks)

interface Piece {
  /** Offset in the assembled buffer. */
  at: number;
  file: number;
  length: number;
}

function mapEdits(edits: Edit[], pieces: Piece[]): Edit[] {
  const out: Edit[] = [];
  for (const e of edits) {
    const end = e.at + e.bytes.length;
    for (const p of pieces) {
      const from = Math.max(e.at, p.at);
      const to = Math.min(end, p.at + p.length);
      if (from < to) out.push({ at: p.file + (from - p.at), bytes: e.bytes.subarray(from - e.at, to - e.at) });
    }
  }
  return out;
}

const MAX_METADATA = 16 * 1024 * 1024;

async function assemble(r: Reader, pieces: Piece[], total: number): Promise<Buffer> {
  const buf = Buffer.alloc(total);
  for (const p of pieces) (await r.read(p.file, p.length)).copy(buf, p.at);
  return buf;
}

// ---------------------------------------------------------------------------------------
// JPEG

const XMP_SIG = 'http://ns.adobe.com/xap/1.0/\0';
const XMP_EXT_SIG = 'http://ns.adobe.com/xmp/extension/\0';

async function jpegEdits(r: Reader, start: number, end: number, depth: number, found?: { motionClips: Span[] }): Promise<Edit[]> {
  const soi = await r.read(start, 2);
  if (soi.length < 2 || soi[0] !== 0xff || soi[1] !== 0xd8) return [];
  const edits: Edit[] = [];
  const extended = new Map<string, { total: number; pieces: Piece[] }>();
  /** Byte ranges after the image that a known structure (MPF images, a motion photo's clip) holds. */
  const claimed: { from: number; to: number }[] = [];
  let mainXmp = '';
  let p = start + 2;
  while (p + 4 <= end) {
    const h = await r.read(p, 4);
    if (h.length < 4 || h[0] !== 0xff) break;
    const marker = h[1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // image data: no metadata segment follows
    const length = h.readUInt16BE(2);
    if (length < 2) break;
    const seg = p + 4;
    const segLength = Math.min(length - 2, end - seg);
    p = seg + length - 2;
    if (marker !== 0xe1 && marker !== 0xed && marker !== 0xe2) continue;
    const payload = await r.read(seg, segLength);
    const text = payload.toString('latin1', 0, 64);
    if (marker === 0xe1 && text.startsWith('Exif\0')) {
      edits.push(...shiftEdits(await tiffLocationEdits(bufferReader(payload), 6), seg));
    } else if (marker === 0xe1 && text.startsWith(XMP_SIG)) {
      const xmp = payload.subarray(XMP_SIG.length);
      if (depth === 0) mainXmp = xmp.toString('latin1');
      edits.push(...shiftEdits(xmpLocationEdits(xmp), seg + XMP_SIG.length));
    } else if (marker === 0xe1 && text.startsWith(XMP_EXT_SIG) && payload.length >= XMP_EXT_SIG.length + 40) {
      // GUID (32), full length (4), this chunk's offset (4), then the chunk.
      const o = XMP_EXT_SIG.length;
      const guid = payload.toString('latin1', o, o + 32);
      const total = payload.readUInt32BE(o + 32);
      const offset = payload.readUInt32BE(o + 36);
      const length = payload.length - (o + 40);
      if (total > MAX_METADATA || offset + length > total) continue;
      const entry = extended.get(guid) ?? { total, pieces: [] };
      entry.pieces.push({ at: offset, file: seg + o + 40, length });
      extended.set(guid, entry);
    } else if (marker === 0xed && text.startsWith('Photoshop 3.0\0')) {
      edits.push(...shiftEdits(await irbLocationEdits(payload.subarray(14)), seg + 14));
    } else if (marker === 0xe2 && text.startsWith('MPF\0') && depth < 2) {
      for (const image of mpfImages(payload.subarray(4))) {
        const at = seg + 4 + image.offset;
        if (at > start && at + image.size <= r.size) {
          edits.push(...(await jpegEdits(r, at, at + image.size, depth + 1)));
          claimed.push({ from: at, to: at + image.size });
        }
      }
    }
  }
  // Extended XMP: one property may straddle two chunks, so blank on the assembled packet.
  for (const { total, pieces } of extended.values()) {
    const xmp = await assemble(r, pieces, total);
    edits.push(...mapEdits(xmpLocationEdits(xmp), pieces));
  }
  if (depth === 0) {
    const motion = await motionPhotoEdits(r, mainXmp);
    edits.push(...motion.edits);
    claimed.push(...motion.claimed);
    if (found) found.motionClips = motion.clips;
    const imageEnd = await jpegImageEnd(r, p, end);
    if (imageEnd !== undefined) edits.push(...unclaimedTail(imageEnd, r.size, claimed));
  }
  return edits;
}

/**
 * Where the image's data ends (after its EOI marker), from the marker at `p` on: marker
 * segments are skipped by their length, entropy-coded data up to the next real marker
 * (0xFF not followed by 0x00, a restart marker or fill). Undefined for a truncated image.
 */
async function jpegImageEnd(r: Reader, p: number, end: number): Promise<number | undefined> {
  const CHUNK = 256 * 1024;
  while (p + 2 <= end) {
    const h = await r.read(p, 4);
    if (h.length < 2 || h[0] !== 0xff) return undefined;
    const marker = h[1]!;
    if (marker === 0xd9) return p + 2;
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    if (h.length < 4) return undefined;
    p += 2 + h.readUInt16BE(2);
    if (marker !== 0xda) continue;
    // Scan data: up to the next marker.
    let found: number | undefined;
    while (found === undefined && p < end) {
      const chunk = await r.read(p, Math.min(CHUNK, end - p) + 1); // one more: the byte after a trailing 0xFF
      if (chunk.length < 2) return undefined;
      for (let i = chunk.indexOf(0xff); i >= 0 && i + 1 < chunk.length; i = chunk.indexOf(0xff, i + 1)) {
        const next = chunk[i + 1]!;
        if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) continue;
        found = p + i;
        break;
      }
      if (found === undefined) p += chunk.length - 1;
    }
    if (found === undefined) return undefined;
    p = found;
  }
  return undefined;
}

/** Zeros over [from, to) but for the claimed ranges. */
function unclaimedTail(from: number, to: number, claimed: { from: number; to: number }[]): Edit[] {
  const edits: Edit[] = [];
  let at = from;
  for (const c of [...claimed].sort((a, b) => a.from - b.from)) {
    if (c.to <= at) continue;
    if (c.from > at) edits.push(zeros(at, Math.min(c.from, to) - at));
    at = Math.max(at, c.to);
    if (at >= to) break;
  }
  if (at < to) edits.push(zeros(at, to - at));
  return edits.filter((e) => e.bytes.length > 0);
}

/** Secondary images of a Multi-Picture Format index (offsets from the MPF TIFF header). */
function mpfImages(tiff: Buffer): { offset: number; size: number }[] {
  if (tiff.length < 8) return [];
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const rd16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const rd32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = rd32(4);
  if (ifd + 2 > tiff.length) return [];
  const count = rd16(ifd);
  const images: { offset: number; size: number }[] = [];
  for (let i = 0; i < count && ifd + 2 + i * 12 + 12 <= tiff.length; i++) {
    const e = ifd + 2 + i * 12;
    if (rd16(e) !== 0xb002) continue; // MPEntry: 16 bytes per image
    const n = rd32(e + 4);
    const at = rd32(e + 8);
    for (let k = 0; k + 16 <= n && at + k + 16 <= tiff.length; k += 16) {
      const size = rd32(at + k + 4);
      const offset = rd32(at + k + 8);
      if (offset > 0 && size > 4) images.push({ offset, size });
    }
  }
  return images;
}

type Span = { from: number; to: number };

/**
 * Where the MP4 a motion photo (a JPEG from Google's or Samsung's camera) carries after its
 * image lies in the file: its motion clip, played by the lightbox. Undefined for other files.
 */
export async function findMotionPhotoClip(path: string): Promise<{ offset: number; length: number } | undefined> {
  const handle = await open(path, 'r');
  try {
    const r = fileReader(handle, (await handle.stat()).size);
    const found = { motionClips: [] as Span[] };
    await jpegEdits(r, 0, r.size, 0, found);
    const clip = found.motionClips[0];
    return clip && clip.to > clip.from ? { offset: clip.from, length: clip.to - clip.from } : undefined;
  } finally {
    await handle.close();
  }
}

/** The MP4 a motion photo carries after its JPEG (Google: XMP offsets; Samsung: SEFT trailer): its edits, the bytes it and its trailer span, and the clip's own. */
async function motionPhotoEdits(r: Reader, xmp: string): Promise<{ edits: Edit[]; claimed: Span[]; clips: Span[] }> {
  const starts = new Set<number>();
  const micro = /MicroVideoOffset\s*=\s*["'](\d+)["']/.exec(xmp) ?? /MicroVideoOffset>(\d+)</.exec(xmp);
  if (micro) starts.add(r.size - Number(micro[1]));
  for (const item of xmp.matchAll(/<rdf:li\b[\s\S]*?(?:\/>|<\/rdf:li>)/g)) {
    if (!/Semantic\s*=\s*["']MotionPhoto["']/.test(item[0])) continue;
    const length = /Length\s*=\s*["'](\d+)["']/.exec(item[0]);
    if (length) starts.add(r.size - Number(length[1]));
  }
  const edits: Edit[] = [];
  const claimed: { from: number; to: number }[] = [];
  const tail = await r.read(r.size - 8, 8);
  if (tail.length === 8 && tail.toString('latin1', 4) === 'SEFT') {
    const sefhLength = tail.readUInt32LE(0);
    const sefh = r.size - 8 - sefhLength;
    const dir = sefhLength <= 1024 * 1024 ? await r.read(sefh, sefhLength) : Buffer.alloc(0);
    if (dir.length >= 12 && dir.toString('latin1', 0, 4) === 'SEFH') {
      const count = dir.readUInt32LE(8);
      let first = sefh;
      for (let i = 0; i < count && 12 + i * 12 + 12 <= dir.length; i++) {
        const e = 12 + i * 12;
        const dataAt = sefh - dir.readUInt32LE(e + 4);
        const length = dir.readUInt32LE(e + 8);
        const head = await r.read(dataAt, 8 + 64);
        if (head.length < 8 || dataAt < 0) continue;
        first = Math.min(first, dataAt);
        const nameLength = head.readUInt32LE(4);
        const name = head.toString('latin1', 8, 8 + Math.min(nameLength, 64));
        if (name === 'MotionPhoto_Data') starts.add(dataAt + 8 + nameLength);
        // An entry that names a place (MCC_Data: the mobile network's country) keeps its header, not its value.
        else if (/mcc|geo|gps|location/i.test(name) && length > 8 + nameLength) edits.push(zeros(dataAt + 8 + nameLength, length - 8 - nameLength));
      }
      claimed.push({ from: first, to: r.size }); // the entries, their directory and the footer
    }
  }
  const clips: Span[] = [];
  for (const at of starts) {
    if (at <= 0 || at >= r.size) continue;
    const head = await r.read(at, 8);
    if (head.length !== 8 || head.toString('latin1', 4, 8) !== 'ftyp') continue;
    edits.push(...(await bmffEdits(r, at, r.size)));
    const boxes = await listBoxes(r, at, r.size);
    const clip = { from: at, to: boxes.length ? boxes[boxes.length - 1]!.end : at };
    claimed.push(clip);
    clips.push(clip);
  }
  return { edits, claimed, clips };
}

// ---------------------------------------------------------------------------------------
// PNG

/** Ancillary (lower-case first letter), private, safe-to-copy: a chunk every reader skips. */
const NEUTRAL_PNG_CHUNK = 'shXx';
const PNG_TEXT = new Set(['iTXt', 'zTXt', 'tEXt']);
const PNG_LOCATION_KEYWORD = /gps|location|latitude|longitude/i;

async function pngEdits(r: Reader): Promise<Edit[]> {
  const edits: Edit[] = [];
  let p = 8;
  while (p + 12 <= r.size) {
    const h = await r.read(p, 8);
    if (h.length < 8) break;
    const length = h.readUInt32BE(0);
    const type = h.toString('latin1', 4, 8);
    const dataAt = p + 8;
    const next = dataAt + length + 4;
    if (type === 'IEND' || next > r.size) break;
    p = next;
    if ((type !== 'eXIf' && !PNG_TEXT.has(type)) || length > MAX_METADATA) continue;
    const data = await r.read(dataAt, length);
    let local: Edit[] = [];
    if (type === 'eXIf') {
      local = await tiffLocationEdits(bufferReader(data), data.toString('latin1', 0, 6) === 'Exif\0\0' ? 6 : 0);
    } else {
      const text = await pngTextLocation(type, data);
      if (text === 'neutralise') {
        const renamed = Buffer.concat([Buffer.from(NEUTRAL_PNG_CHUNK, 'latin1'), Buffer.alloc(length)]);
        edits.push({ at: dataAt - 4, bytes: renamed }, { at: dataAt + length, bytes: crcBytes(renamed) });
        continue;
      }
      local = text;
    }
    if (!local.length) continue;
    edits.push(...shiftEdits(local, dataAt));
    const patched = Buffer.concat([Buffer.from(type, 'latin1'), applyEdits(data, local)]);
    edits.push({ at: dataAt + length, bytes: crcBytes(patched) });
  }
  return edits;
}

function crcBytes(typeAndData: Buffer): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(typeAndData) >>> 0);
  return b;
}

/**
 * Location in a PNG text chunk: edits (uncompressed iTXt XMP: blank in place), 'neutralise'
 * (a text whose keyword names a place, e.g. "Location" or "GPS", which exiftool shows as a
 * tag of that name; compressed XMP; an ImageMagick "Raw profile type" exif/xmp/iptc block
 * with location), or [] when there is none.
 */
async function pngTextLocation(type: string, data: Buffer): Promise<Edit[] | 'neutralise'> {
  const nul = data.indexOf(0);
  if (nul < 0) return [];
  const keyword = data.toString('latin1', 0, nul);
  if (PNG_LOCATION_KEYWORD.test(keyword)) return 'neutralise';
  const isXmp = keyword === 'XML:com.adobe.xmp';
  const rawProfile = /^Raw profile type (exif|app1|xmp|iptc|8bim)$/i.exec(keyword)?.[1]?.toLowerCase();
  if (!isXmp && !rawProfile) return [];
  let text: Buffer;
  let textAt = -1;
  try {
    if (type === 'tEXt') text = data.subarray(nul + 1);
    else if (type === 'zTXt') text = inflateSync(data.subarray(nul + 2));
    else {
      const compressed = data[nul + 1] === 1;
      let q = nul + 3;
      q = data.indexOf(0, q) + 1; // language tag
      q = data.indexOf(0, q) + 1; // translated keyword
      if (q <= 0) return [];
      textAt = compressed ? -1 : q;
      text = compressed ? inflateSync(data.subarray(q)) : data.subarray(q);
    }
  } catch {
    return [];
  }
  if (isXmp) {
    const local = xmpLocationEdits(text);
    if (!local.length) return [];
    return textAt >= 0 ? shiftEdits(local, textAt) : 'neutralise';
  }
  const block = decodeRawProfile(text);
  if (!block) return [];
  let found: Edit[];
  if (rawProfile === 'xmp') found = xmpLocationEdits(block);
  else if (rawProfile === 'iptc' || rawProfile === '8bim') found = block.toString('latin1', 0, 4) === '8BIM' ? await irbLocationEdits(block) : iimLocationEdits(block);
  else {
    const tiffAt = block.toString('latin1', 0, 6) === 'Exif\0\0' ? 6 : 0;
    found = block.toString('latin1', 0, 29) === XMP_SIG ? xmpLocationEdits(block) : await tiffLocationEdits(bufferReader(block), tiffAt);
  }
  return found.length ? 'neutralise' : [];
}

/** ImageMagick's "\n<name>\n<length>\n<hex...>" text encoding of a binary profile. */
function decodeRawProfile(text: Buffer): Buffer | undefined {
  const m = /^\s*\S*\s+(\d+)\s+([0-9a-fA-F\s]+)$/.exec(text.toString('latin1'));
  if (!m) return undefined;
  const hex = m[2]!.replace(/\s+/g, '');
  return Buffer.from(hex.slice(0, Number(m[1]) * 2), 'hex');
}

// ---------------------------------------------------------------------------------------
// WebP, GIF, RAF

async function webpEdits(r: Reader): Promise<Edit[]> {
  const edits: Edit[] = [];
  let p = 12;
  while (p + 8 <= r.size) {
    const h = await r.read(p, 8);
    if (h.length < 8) break;
    const type = h.toString('latin1', 0, 4);
    const length = h.readUInt32LE(4);
    const dataAt = p + 8;
    p = dataAt + length + (length % 2);
    if ((type !== 'EXIF' && type !== 'XMP ') || length > MAX_METADATA) continue;
    const data = await r.read(dataAt, length);
    const local =
      type === 'XMP '
        ? xmpLocationEdits(data)
        : await tiffLocationEdits(bufferReader(data), data.toString('latin1', 0, 6) === 'Exif\0\0' ? 6 : 0);
    edits.push(...shiftEdits(local, dataAt));
  }
  return edits;
}

const GIF_SCAN_LIMIT = 64 * 1024 * 1024;

/** GIF: walk the blocks (sub-block lengths are the only way through) for the XMP extension. */
async function gifEdits(r: Reader): Promise<Edit[]> {
  const head = await r.read(0, 13);
  if (head.length < 13) return [];
  let p = 13;
  if (head[10]! & 0x80) p += 3 * 2 ** ((head[10]! & 7) + 1);
  const edits: Edit[] = [];
  const skipSubBlocks = async (at: number): Promise<number> => {
    while (at < r.size) {
      const n = (await r.read(at, 1))[0];
      if (n === undefined) return r.size;
      at += 1 + n;
      if (n === 0) break;
    }
    return at;
  };
  while (p < r.size && p < GIF_SCAN_LIMIT) {
    const intro = (await r.read(p, 1))[0];
    if (intro === 0x21) {
      const label = (await r.read(p + 1, 1))[0];
      if (label === 0xff) {
        const app = await r.read(p + 2, 12);
        const dataAt = p + 2 + 12;
        const after = await skipSubBlocks(dataAt);
        if (app[0] === 11 && app.toString('latin1', 1, 12) === 'XMP DataXMP' && after - dataAt <= MAX_METADATA) {
          const xmp = await r.read(dataAt, after - dataAt);
          const endOfPacket = xmp.lastIndexOf('<?xpacket end');
          const close = endOfPacket >= 0 ? xmp.indexOf('?>', endOfPacket) : -1;
          edits.push(...shiftEdits(xmpLocationEdits(close >= 0 ? xmp.subarray(0, close + 2) : xmp), dataAt));
        }
        p = after;
      } else {
        p = await skipSubBlocks(p + 2);
      }
    } else if (intro === 0x2c) {
      const d = await r.read(p + 1, 9);
      if (d.length < 9) break;
      p += 10;
      if (d[8]! & 0x80) p += 3 * 2 ** ((d[8]! & 7) + 1);
      p = await skipSubBlocks(p + 1); // LZW minimum code size, then the data
    } else {
      break; // trailer (0x3b) or garbage
    }
  }
  return edits;
}

async function rafEdits(r: Reader): Promise<Edit[]> {
  const h = await r.read(0, 92);
  if (h.length < 92 || !h.toString('latin1', 0, 8).startsWith('FUJIFILM')) return [];
  const at = h.readUInt32BE(84);
  const length = h.readUInt32BE(88);
  if (!at || at + length > r.size) return [];
  return jpegEdits(r, at, at + length, 1);
}

// ---------------------------------------------------------------------------------------
// ISO base media: HEIF/AVIF items, QuickTime/MP4 user data and metadata, CR3

const XMP_UUID = 'be7acfcb97a942e89c71999491e3afac';
const CR3_METADATA_UUID = '85c0b687820f11e08111f4ce462b6a48';
/** User-data atoms that hold a place (exiftool: GPSCoordinates, LocationInformation, GPS logs). */
const LOCATION_ATOMS = new Set(['©xyz', 'loci', 'WLOC', 'gps ', 'GPS ', 'gps0', '©gps']);
const CONTAINERS = new Set(['moov', 'trak', 'udta']);
const MAX_BOXES = 10_000;

function freeBox(box: Box): Edit[] {
  // 'free' over the type (a 'uuid' keeps its 16 bytes, zeroed with the payload).
  return [{ at: box.start + 4, bytes: Buffer.from('free', 'latin1') }, zeros(box.payload - (box.uuid ? 16 : 0), box.end - box.payload + (box.uuid ? 16 : 0))];
}

/** How much of each mdat's head is searched for a position written as text. */
const MDAT_HEAD = 64 * 1024;

async function bmffEdits(r: Reader, start: number, end: number): Promise<Edit[]> {
  const edits: Edit[] = [];
  for (const box of await listBoxes(r, start, end)) {
    if (box.type === 'mdat') edits.push(...shiftEdits(textLocationEdits(await r.read(box.payload, Math.min(MDAT_HEAD, box.end - box.payload))), box.payload));
    else if (box.type === 'meta') edits.push(...(await heifItemEdits(r, box)), ...(await metaEdits(r, box)));
    else if (CONTAINERS.has(box.type)) edits.push(...(await containerEdits(r, box)));
    else if (box.type === 'uuid' && box.uuid === XMP_UUID) edits.push(...(await xmpBoxEdits(r, box)));
  }
  edits.push(...(await timedMetadataEdits(r, start, end)));
  return edits;
}

async function xmpBoxEdits(r: Reader, box: Box): Promise<Edit[]> {
  if (box.end - box.payload > MAX_METADATA) return [];
  return shiftEdits(xmpLocationEdits(await r.read(box.payload, box.end - box.payload)), box.payload);
}

async function containerEdits(r: Reader, parent: Box, depth = 0): Promise<Edit[]> {
  if (depth > 6) return [];
  const edits: Edit[] = [];
  for (const box of await listBoxes(r, parent.payload, parent.end)) {
    if (LOCATION_ATOMS.has(box.type)) edits.push(...freeBox(box));
    else if (CONTAINERS.has(box.type)) edits.push(...(await containerEdits(r, box, depth + 1)));
    else if (box.type === 'meta') edits.push(...(await metaEdits(r, box)));
    else if (box.type === 'XMP_') edits.push(...(await xmpBoxEdits(r, box)));
    else if (box.type === 'uuid' && box.uuid === XMP_UUID) edits.push(...(await xmpBoxEdits(r, box)));
    else if (box.type === 'uuid' && box.uuid === CR3_METADATA_UUID) edits.push(...(await cr3MetadataEdits(r, box)));
    else if (box.type === 'GPMF' && box.end - box.payload <= MAX_METADATA) {
      edits.push(...shiftEdits(gpmfLocationEdits(await r.read(box.payload, box.end - box.payload)), box.payload));
    }
  }
  return edits;
}

/** QuickTime 'meta' is a plain container, ISO 'meta' a full box (4 more bytes first). */
async function metaChildrenStart(r: Reader, meta: Box): Promise<number> {
  const h = await r.read(meta.payload, 12);
  if (h.length === 12 && h.readUInt32BE(0) === 0 && /^[\x20-\x7e©]{4}$/.test(h.toString('latin1', 8, 12))) return meta.payload + 4;
  return meta.payload;
}

async function metaEdits(r: Reader, meta: Box): Promise<Edit[]> {
  const children = await listBoxes(r, await metaChildrenStart(r, meta), meta.end);
  const edits: Edit[] = [];
  const locationKeys = new Set<number>();
  const keys = children.find((b) => b.type === 'keys');
  if (keys && keys.end - keys.payload <= MAX_METADATA) {
    const k = await r.read(keys.payload, keys.end - keys.payload);
    const count = k.length >= 8 ? k.readUInt32BE(4) : 0;
    let p = 8;
    for (let i = 1; i <= count && p + 8 <= k.length; i++) {
      const size = k.readUInt32BE(p);
      if (size < 8 || p + size > k.length) break;
      const name = k.toString('latin1', p + 8, p + size);
      if (/location|gps/i.test(name)) {
        locationKeys.add(i);
        edits.push({ at: keys.payload + p + 8, bytes: Buffer.alloc(size - 8, 'x') });
      }
      p += size;
    }
  }
  for (const box of children) {
    if (box.type === 'ilst') {
      for (const item of await listBoxes(r, box.payload, box.end, true)) {
        const index = Buffer.from(item.type, 'latin1').readUInt32BE(0);
        if (LOCATION_ATOMS.has(item.type) || (keys && locationKeys.has(index))) edits.push(...freeBox(item));
      }
    } else if (box.type === 'XMP_' || (box.type === 'uuid' && box.uuid === XMP_UUID)) {
      edits.push(...(await xmpBoxEdits(r, box)));
    } else if (LOCATION_ATOMS.has(box.type)) {
      edits.push(...freeBox(box));
    }
  }
  return edits;
}

/** CR3: CMT1 (IFD0) and CMT2 (Exif IFD) as TIFFs; CMT4 is the GPS IFD: zeroed and freed. */
async function cr3MetadataEdits(r: Reader, uuidBox: Box): Promise<Edit[]> {
  const edits: Edit[] = [];
  for (const box of await listBoxes(r, uuidBox.payload, uuidBox.end)) {
    if (box.type === 'CMT4') edits.push(...freeBox(box));
    else if ((box.type === 'CMT1' || box.type === 'CMT2') && box.end - box.payload <= MAX_METADATA) {
      const tiff = await r.read(box.payload, box.end - box.payload);
      edits.push(...shiftEdits(await tiffLocationEdits(bufferReader(tiff), 0), box.payload));
    }
  }
  return edits;
}

interface HeifItem {
  id: number;
  type: string;
  contentType: string;
}

/** HEIF/AVIF: the Exif item and XMP items of the top-level meta box, through iinf and iloc. */
async function heifItemEdits(r: Reader, meta: Box): Promise<Edit[]> {
  const children = await listBoxes(r, meta.payload + 4, meta.end);
  const iinf = children.find((b) => b.type === 'iinf');
  const iloc = children.find((b) => b.type === 'iloc');
  const idat = children.find((b) => b.type === 'idat');
  if (!iinf || !iloc || iinf.end - iinf.payload > MAX_METADATA || iloc.end - iloc.payload > MAX_METADATA) return [];
  const items = parseIinf(await r.read(iinf.payload, iinf.end - iinf.payload));
  const wanted = new Map<number, HeifItem>();
  for (const item of items) {
    if (item.type === 'Exif' || (item.type === 'mime' && /rdf\+xml|xmp/i.test(item.contentType))) wanted.set(item.id, item);
  }
  if (!wanted.size) return [];
  const edits: Edit[] = [];
  for (const loc of parseIloc(await r.read(iloc.payload, iloc.end - iloc.payload))) {
    const item = wanted.get(loc.id);
    if (!item || loc.method === 2) continue;
    const origin = loc.method === 1 ? (idat ? idat.payload : -1) : 0;
    if (origin < 0) continue;
    const pieces: Piece[] = [];
    let total = 0;
    for (const ext of loc.extents) {
      const file = origin + loc.base + ext.offset;
      const length = ext.length || Math.min(r.size - file, MAX_METADATA);
      if (file < 0 || file + length > r.size || total + length > MAX_METADATA) break;
      pieces.push({ at: total, file, length });
      total += length;
    }
    const data = await assemble(r, pieces, total);
    let local: Edit[];
    if (item.type === 'Exif') {
      // A 4-byte offset to the TIFF header (often past an "Exif\0\0" prefix).
      const skip = data.length >= 4 ? data.readUInt32BE(0) : 0;
      local = await tiffLocationEdits(bufferReader(data), 4 + skip);
      if (!local.length) {
        const at = data.subarray(0, 64).findIndex((_, i) => /^(II\*\0|MM\0\*)$/.test(data.toString('latin1', i, i + 4)));
        if (at >= 0 && at !== 4 + skip) local = await tiffLocationEdits(bufferReader(data), at);
      }
    } else {
      local = xmpLocationEdits(data);
    }
    edits.push(...mapEdits(local, pieces));
  }
  return edits;
}

function cstring(b: Buffer, at: number): [string, number] {
  const end = b.indexOf(0, at);
  const stop = end < 0 ? b.length : end;
  return [b.toString('utf8', at, stop), stop + 1];
}

function parseIinf(b: Buffer): HeifItem[] {
  if (b.length < 6) return [];
  const version = b[0]!;
  const first = version === 0 ? 6 : 8;
  const items: HeifItem[] = [];
  for (const infe of readBoxesOf(b, first)) {
    if (infe.type !== 'infe' || infe.payload + 4 > b.length) continue;
    const v = b[infe.payload]!;
    let p = infe.payload + 4;
    const end = Math.min(infe.end, b.length);
    if (v >= 2) {
      if (p + (v === 2 ? 2 : 4) + 6 > end) continue;
      const id = v === 2 ? b.readUInt16BE(p) : b.readUInt32BE(p);
      p += (v === 2 ? 2 : 4) + 2;
      const type = b.toString('latin1', p, p + 4);
      p += 4;
      const slice = b.subarray(0, end);
      const [, afterName] = cstring(slice, p);
      const contentType = type === 'mime' ? cstring(slice, afterName)[0] : '';
      items.push({ id, type, contentType });
    } else {
      if (p + 4 > end) continue;
      const id = b.readUInt16BE(p);
      const slice = b.subarray(0, end);
      const [, afterName] = cstring(slice, p + 4);
      items.push({ id, type: 'mime', contentType: cstring(slice, afterName)[0] });
    }
  }
  return items;
}

function readBoxesOf(b: Buffer, from: number): Box[] {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= b.length && boxes.length < MAX_BOXES) {
    const box = parseBoxHeader(b, at, b.length);
    if (!box || box.end - box.start < 8) break;
    boxes.push(box);
    at = box.end;
  }
  return boxes;
}

interface ItemLocation {
  id: number;
  method: number;
  base: number;
  extents: { offset: number; length: number }[];
}

function parseIloc(b: Buffer): ItemLocation[] {
  if (b.length < 8) return [];
  const version = b[0]!;
  const offsetSize = b[4]! >> 4;
  const lengthSize = b[4]! & 15;
  const baseSize = b[5]! >> 4;
  const indexSize = version >= 1 ? b[5]! & 15 : 0;
  let p = 6;
  const readN = (n: number): number => {
    if (p + n > b.length) throw new RangeError('iloc');
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[p + i]!;
    p += n;
    return v;
  };
  const out: ItemLocation[] = [];
  try {
    const count = readN(version < 2 ? 2 : 4);
    for (let i = 0; i < count; i++) {
      const id = readN(version < 2 ? 2 : 4);
      const method = version >= 1 ? readN(2) & 15 : 0;
      readN(2); // data reference index
      const base = readN(baseSize);
      const extentCount = readN(2);
      const extents: ItemLocation['extents'] = [];
      for (let k = 0; k < extentCount; k++) {
        if (indexSize) readN(indexSize);
        extents.push({ offset: readN(offsetSize), length: readN(lengthSize) });
      }
      out.push({ id, method, base, extents });
    }
  } catch {
    // a truncated iloc: keep what was read whole
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Matroska / WebM

const EBML = { Segment: 0x18538067, SeekHead: 0x114d9b74, Seek: 0x4dbb, SeekID: 0x53ab, SeekPosition: 0x53ac, Tags: 0x1254c367, Tag: 0x7373, SimpleTag: 0x67c8, TagName: 0x45a3, Cluster: 0x1f43b675 };
const MKV_LOCATION_NAME = /location|gps|latitude|longitude|coordinates/i;

interface Element {
  id: number;
  start: number;
  data: number;
  end: number;
  /** Size unknown (live streams): runs to the end of its parent. */
  unknown: boolean;
}

function readVint(b: Buffer, at: number, keepMarker: boolean): { value: number; length: number; allOnes: boolean } | undefined {
  const first = b[at];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (length > 8 || at + length > b.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, allOnes };
}

async function readElement(r: Reader, at: number, limit: number): Promise<Element | undefined> {
  const h = await r.read(at, 12);
  const id = readVint(h, 0, true);
  if (!id || id.length > 4) return undefined;
  const size = readVint(h, id.length, false);
  if (!size) return undefined;
  const data = at + id.length + size.length;
  const end = size.allOnes ? limit : data + size.value;
  return { id: id.value, start: at, data, end: Math.min(end, limit), unknown: size.allOnes };
}

async function childElements(r: Reader, parent: { data: number; end: number }, max = 100_000): Promise<Element[]> {
  const out: Element[] = [];
  let at = parent.data;
  while (at + 2 <= parent.end && out.length < max) {
    const e = await readElement(r, at, parent.end);
    if (!e || e.end <= at) break;
    out.push(e);
    if (e.unknown) break;
    at = e.end;
  }
  return out;
}

async function matroskaEdits(r: Reader): Promise<Edit[]> {
  const header = await readElement(r, 0, r.size);
  if (!header) return [];
  const segment = await readElement(r, header.end, r.size);
  if (!segment || segment.id !== EBML.Segment) return [];
  const tagsAt = new Set<number>();
  for (const child of await childElements(r, segment)) {
    if (child.id === EBML.Tags) tagsAt.add(child.start);
    if (child.id === EBML.SeekHead && child.end - child.data <= MAX_METADATA) {
      for (const seek of await childElements(r, child)) {
        if (seek.id !== EBML.Seek) continue;
        let id = 0;
        let position = -1;
        for (const f of await childElements(r, seek)) {
          const v = await r.read(f.data, f.end - f.data);
          const n = v.reduce((acc, byte) => acc * 256 + byte, 0);
          if (f.id === EBML.SeekID) id = n;
          if (f.id === EBML.SeekPosition) position = n;
        }
        if (id === EBML.Tags && position >= 0) tagsAt.add(segment.data + position);
      }
    }
    if (child.unknown) break; // an unsized cluster: the SeekHead has said where Tags are
  }
  const edits: Edit[] = [];
  for (const at of tagsAt) {
    const tags = await readElement(r, at, segment.end);
    if (!tags || tags.id !== EBML.Tags || tags.end - tags.data > MAX_METADATA) continue;
    for (const tag of await childElements(r, tags)) {
      if (tag.id === EBML.Tag) edits.push(...(await simpleTagEdits(r, tag, 0)));
    }
  }
  return edits;
}

async function simpleTagEdits(r: Reader, parent: Element, depth: number): Promise<Edit[]> {
  if (depth > 4) return [];
  const edits: Edit[] = [];
  for (const simple of await childElements(r, parent)) {
    if (simple.id !== EBML.SimpleTag) continue;
    const fields = await childElements(r, simple);
    const name = fields.find((f) => f.id === EBML.TagName);
    const text = name ? (await r.read(name.data, Math.min(name.end - name.data, 256))).toString('utf8') : '';
    if (MKV_LOCATION_NAME.test(text)) edits.push(...voidElement(simple));
    else edits.push(...(await simpleTagEdits(r, simple, depth + 1)));
  }
  return edits;
}

/** The element becomes an EBML Void (0xEC) of the same total length, its content zeroed. */
function voidElement(e: Element): Edit[] {
  const total = e.end - e.start;
  const sizeLength = total - 2 <= 126 ? 1 : 8;
  const payload = total - 1 - sizeLength;
  if (payload < 0) return [];
  const head = Buffer.alloc(1 + sizeLength);
  head[0] = 0xec;
  if (sizeLength === 1) head[1] = 0x80 | payload;
  else {
    head[1] = 0x01; // an 8-byte size: marker byte, then 7 bytes big-endian
    let v = payload;
    for (let i = 8; i >= 2; i--) {
      head[i] = v & 0xff;
      v = Math.floor(v / 256);
    }
  }
  return [{ at: e.start, bytes: head }, zeros(e.start + head.length, payload)];
}

