// The JPEG previews cameras embed in RAW files, largest first. No library exposes these
// (exifr only gives the small IFD1 thumbnail), so this reads the layout itself:
//   TIFF-based (DNG, NEF, ARW, CR2, ORF, RW2): IFDs with JPEGInterchangeFormat, single-strip
//     JPEG-compressed IFDs that are not sensor data, Panasonic's JpgFromRaw tag
//   CR3: the first sample of each trak (track 1 is the full-size JPEG, in the mdat), the PRVW
//     box (1620x1080) in its uuid box, then the THMB box (160x120); the CRX tracks are skipped
//     by the SOF check
//   ORF: the Olympus maker note's CameraSettings PreviewImageStart/Length (offsets relative to
//     the maker note), and the older PreviewImageStart/Length of the main maker-note IFD
//   RAF: the JPEG whose offset and length sit in the header
//   CRW (CIFF): JpgFromRaw (0x2007) and ThumbnailImage (0x2008) records of the heap and its
//     sub-heaps, offsets counted from each heap's start
//   MRW: the Minolta maker note in the TTW block's TIFF: PreviewImageStart/Length
//     (0x0088/0x0089, from the TIFF's start) and the inline ThumbnailImage (0x0081); some
//     cameras write these JPEGs with 00 for their first byte, read back as FF
//   X3F: image sections ("SECi") of data format 18 (JPEG), found through the section
//     directory ("SECd") whose offset is the file's last 4 bytes
// Each candidate's SOF marker is checked: only baseline/progressive JPEGs that fit the
// file are returned (a CR2's lossless-JPEG sensor data looks like a JPEG but is not one).
//   findRawPreviews(path, format) → { previews: RawPreview[], orientation }
//   readRawPreview(path, preview) → Buffer with the JPEG
import { open, type FileHandle } from 'node:fs/promises';
import type { RawFormat } from './file-type.ts';
import { listTopLevelBoxes, readBoxes, type Box } from './iso-bmff.ts';
import { readRange } from './read-bytes.ts';
import { collectIfds, openTiff, TAG } from './tiff-ifd.ts';

export interface RawPreview {
  offset: number;
  length: number;
  width: number;
  height: number;
}

export interface RawPreviews {
  previews: RawPreview[];
  /** Previews the file ends inside of (a copy cut short), with their size when their header is there. */
  cutOff: RawPreview[];
  /** EXIF orientation of the RAW (1 when unknown); the previews themselves are stored unrotated. */
  orientation: number;
}

const TIFF_HEAD_BYTES = 1024 * 1024;
const CR3_PREVIEW_UUID = 'eaf42b5e1c984b88b9fbb7dc406e4d16';
const CR3_METADATA_UUID = '85c0b687820f11e08111f4ce462b6a48';
const SENSOR_PHOTOMETRIC = new Set([32803, 34892, 52527 /* semantic mask */]);

interface Range {
  offset: number;
  length: number;
}

export async function findRawPreviews(path: string, format: RawFormat): Promise<RawPreviews> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    let ranges: Range[] = [];
    let orientation = 1;
    if (format === 'cr3') {
      ({ ranges, orientation } = await findCr3Ranges(handle, size));
    } else if (format === 'raf') {
      ranges = await findRafRanges(handle);
    } else if (format === 'crw') {
      ranges = await findCrwRanges(handle, size);
    } else if (format === 'mrw') {
      ranges = await findMrwRanges(handle);
    } else if (format === 'x3f') {
      ranges = await findX3fRanges(handle, size);
    } else {
      ({ ranges, orientation } = await findTiffRanges(handle));
    }
    const previews: RawPreview[] = [];
    const cutOff: RawPreview[] = [];
    for (const range of ranges) {
      if (range.offset <= 0 || range.length < 128 || range.offset >= size) continue;
      const dims = jpegSize(withJpegSoi(await readRange(handle, range.offset, Math.min(128 * 1024, size - range.offset))));
      if (!dims) continue;
      (range.offset + range.length > size ? cutOff : previews).push({ ...range, ...dims });
    }
    const largestFirst = (a: RawPreview, b: RawPreview) => b.width * b.height - a.width * a.height || b.length - a.length;
    previews.sort(largestFirst);
    cutOff.sort(largestFirst);
    return { previews, cutOff, orientation: orientation >= 1 && orientation <= 8 ? orientation : 1 };
  } finally {
    await handle.close();
  }
}

export async function readRawPreview(path: string, preview: RawPreview): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    return withJpegSoi(Buffer.from(await readRange(handle, preview.offset, preview.length)));
  } finally {
    await handle.close();
  }
}

async function findTiffRanges(handle: FileHandle): Promise<{ ranges: Range[]; orientation: number }> {
  const head = await readRange(handle, 0, TIFF_HEAD_BYTES);
  const reader = openTiff(head);
  if (!reader) return { ranges: [], orientation: 1 };
  const ranges: Range[] = [];
  const ifds = collectIfds(reader);
  for (const { ifd, kind } of ifds) {
    const jpegOffset = reader.number(ifd, TAG.JpegOffset);
    const jpegLength = reader.number(ifd, TAG.JpegLength);
    if (jpegOffset && jpegLength) ranges.push({ offset: jpegOffset, length: jpegLength });
    const rw2Jpeg = ifd.entries.get(TAG.PanasonicJpgFromRaw);
    if (kind === 'ifd' && rw2Jpeg && rw2Jpeg.type === 7) ranges.push({ offset: rw2Jpeg.valueAt, length: rw2Jpeg.count });
    if (kind === 'exif') {
      const makerNote = ifd.entries.get(TAG_MAKER_NOTE);
      if (makerNote && makerNote.type === 7) ranges.push(...(await findOlympusRanges(handle, makerNote.valueAt, makerNote.count)));
      continue;
    }
    const compression = reader.number(ifd, TAG.Compression);
    const photometric = reader.number(ifd, TAG.Photometric);
    const strips = reader.numbers(ifd, TAG.StripOffsets, 2);
    const counts = reader.numbers(ifd, TAG.StripByteCounts, 2);
    if (
      (compression === 6 || compression === 7) &&
      !(photometric !== undefined && SENSOR_PHOTOMETRIC.has(photometric)) &&
      strips.length === 1 &&
      counts.length === 1
    ) {
      ranges.push({ offset: strips[0]!, length: counts[0]! });
    }
  }
  const ifd0 = ifds[0]?.ifd;
  return { ranges, orientation: (ifd0 && reader.number(ifd0, TAG.Orientation)) || 1 };
}

const TAG_MAKER_NOTE = 0x927c;
const OLYMPUS = {
  // Main maker-note IFD
  CameraSettings: 0x2020,
  OldPreviewStart: 0x0088,
  OldPreviewLength: 0x0089,
  // CameraSettings IFD
  PreviewValid: 0x0100,
  PreviewStart: 0x0101,
  PreviewLength: 0x0102,
} as const;

/**
 * The previews an Olympus / OM System maker note points at (ORF files and the cameras' JPEGs).
 * "OLYMPUS\0II\3\0" (E-series) and "OM SYSTEM\0\0\0II\4\0" maker notes carry their own byte
 * order and count offsets from the maker note's start; the CameraSettings sub-IFD (0x2020)
 * holds PreviewImageStart/Length (the 1600x1200 to 3200x2400 JPEG). The older "OLYMP\0"
 * notes count from the TIFF header and keep PreviewImageStart/Length in the main IFD.
 */
async function findOlympusRanges(handle: FileHandle, at: number, length: number): Promise<Range[]> {
  const note = Buffer.from(await readRange(handle, at, Math.min(length, 4 * 1024 * 1024)));
  let ifdAt: number;
  let base: number;
  if (note.subarray(0, 8).toString('latin1') === 'OLYMPUS\0') {
    ifdAt = 12;
    base = at;
  } else if (note.subarray(0, 12).toString('latin1') === 'OM SYSTEM\0\0\0') {
    ifdAt = 16;
    base = at;
  } else if (note.subarray(0, 6).toString('latin1') === 'OLYMP\0') {
    ifdAt = 8;
    base = 0;
  } else {
    return [];
  }
  if (note.length < ifdAt + 2) return [];
  // Give the maker note a TIFF header of its own so the IFD reader works in its coordinates:
  // the byte order is the note's own ("II"/"MM" at ifdAt - 4) for the new styles, and the
  // file's for the old style (whose IFD is read in place, offsets being the file's anyway).
  const order = base === 0 ? undefined : note.subarray(ifdAt - 4, ifdAt - 2).toString('latin1');
  if (base === 0) {
    const head = await readRange(handle, 0, 8);
    note.set(head.subarray(0, 4), 0);
  } else {
    if (order !== 'II' && order !== 'MM') return [];
    note.write(order, 0, 'latin1');
    note[2] = order === 'II' ? 42 : 0;
    note[3] = order === 'II' ? 0 : 42;
  }
  const little = note[0] === 0x49;
  if (little) note.writeUInt32LE(ifdAt, 4);
  else note.writeUInt32BE(ifdAt, 4);
  const reader = openTiff(note);
  const main = reader?.readIfd(ifdAt);
  if (!reader || !main) return [];
  // Old style: offsets in the note's IFD count from the TIFF header, i.e. from `at` back to 0.
  const toFile = (offset: number) => (base === 0 ? offset : base + offset);
  const ranges: Range[] = [];
  const oldStart = reader.number(main, OLYMPUS.OldPreviewStart);
  const oldLength = reader.number(main, OLYMPUS.OldPreviewLength);
  if (oldStart && oldLength) ranges.push({ offset: toFile(oldStart), length: oldLength });
  const settings = main.entries.get(OLYMPUS.CameraSettings);
  if (settings && base !== 0) {
    // An IFD pointer (LONG/IFD) in most cameras; E-1/E-300 store the IFD inline (UNDEFINED).
    const sub = reader.readIfd(settings.type === 7 ? settings.valueAt : (reader.number(main, OLYMPUS.CameraSettings) ?? 0));
    const start = sub && reader.number(sub, OLYMPUS.PreviewStart);
    const size = sub && reader.number(sub, OLYMPUS.PreviewLength);
    if (sub && start && size && reader.number(sub, OLYMPUS.PreviewValid) !== 0) ranges.push({ offset: toFile(start), length: size });
  }
  return ranges;
}

async function findCr3Ranges(handle: FileHandle, size: number): Promise<{ ranges: Range[]; orientation: number }> {
  const ranges: Range[] = [];
  let orientation = 1;
  for (const box of await listTopLevelBoxes(handle, size)) {
    if (box.type === 'uuid' && box.uuid === CR3_PREVIEW_UUID) {
      // 8 bytes of unknown purpose, then the PRVW box.
      const bytes = await readRange(handle, box.payload, Math.min(box.end - box.payload, 64));
      const prvw = readBoxes(bytes, 8).find((b) => b.type === 'PRVW');
      if (prvw) {
        const range = jpegInBox(bytes, prvw.payload, box.payload, box.payload + prvw.end);
        if (range) ranges.push(range);
      }
    } else if (box.type === 'moov' && box.end - box.payload < 16 * 1024 * 1024) {
      const moov = await readRange(handle, box.payload, box.end - box.payload);
      const top = readBoxes(moov);
      // Track 1 holds the full-size JPEG (e.g. 6000x4000), tracks 2-3 CRX sensor data, 4 CTMD:
      // every track's first sample is a candidate, the SOF check keeps the JPEGs.
      for (const trak of top.filter((b) => b.type === 'trak')) {
        const sample = firstSample(moov, trak);
        if (sample) ranges.push(sample);
      }
      const meta = top.find((b) => b.type === 'uuid' && b.uuid === CR3_METADATA_UUID);
      if (!meta) continue;
      for (const child of readBoxes(moov, meta.payload, Math.min(meta.end, moov.length))) {
        if (child.type === 'THMB') {
          const range = jpegInBox(moov, child.payload, box.payload, box.payload + child.end);
          if (range) ranges.push(range);
        } else if (child.type === 'CMT1') {
          const reader = openTiff(moov.subarray(child.payload, Math.min(child.end, moov.length)));
          const ifd0 = reader?.readIfd(reader.ifd0);
          if (reader && ifd0) orientation = reader.number(ifd0, TAG.Orientation) || 1;
        }
      }
    }
  }
  return { ranges, orientation };
}

function children(bytes: Uint8Array, box: Box): Box[] {
  return readBoxes(bytes, box.payload, Math.min(box.end, bytes.length));
}

/** File offset and size of a track's first sample: trak/mdia/minf/stbl, stsz and stco/co64. */
function firstSample(moov: Uint8Array, trak: Box): Range | undefined {
  const mdia = children(moov, trak).find((b) => b.type === 'mdia');
  const minf = mdia && children(moov, mdia).find((b) => b.type === 'minf');
  const stbl = minf && children(moov, minf).find((b) => b.type === 'stbl');
  if (!stbl) return undefined;
  const boxes = children(moov, stbl);
  const stsz = boxes.find((b) => b.type === 'stsz');
  const chunks = boxes.find((b) => b.type === 'co64' || b.type === 'stco');
  if (!stsz || !chunks || stsz.payload + 16 > moov.length || chunks.payload + 16 > moov.length) return undefined;
  const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
  // stsz: version/flags, sample_size (0: sizes follow), sample_count, [entry_size...]
  const fixed = view.getUint32(stsz.payload + 4);
  const count = view.getUint32(stsz.payload + 8);
  if (count < 1) return undefined;
  const length = fixed !== 0 ? fixed : view.getUint32(stsz.payload + 12);
  // stco/co64: version/flags, entry_count, chunk offsets (32 or 64 bits)
  if (view.getUint32(chunks.payload + 4) < 1) return undefined;
  const offset = chunks.type === 'co64' ? Number(view.getBigUint64(chunks.payload + 8)) : view.getUint32(chunks.payload + 8);
  return { offset, length };
}

/** The JPEG inside a CR3 preview box: it starts within the first bytes of the payload and runs to the box end. */
function jpegInBox(bytes: Uint8Array, payload: number, base: number, absoluteEnd: number): Range | undefined {
  for (let at = payload; at < Math.min(payload + 32, bytes.length - 2); at++) {
    if (bytes[at] === 0xff && bytes[at + 1] === 0xd8 && bytes[at + 2] === 0xff) {
      return { offset: base + at, length: absoluteEnd - (base + at) };
    }
  }
  return undefined;
}

async function findRafRanges(handle: FileHandle): Promise<Range[]> {
  const head = await readRange(handle, 0, 100);
  if (head.length < 92) return [];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return [{ offset: view.getUint32(84), length: view.getUint32(88) }];
}

/** Minolta's previews start 00 D8 (exiv2 and exiftool put the FF back, as here); any other bytes are left alone. */
function withJpegSoi<T extends Uint8Array>(bytes: T): T {
  if (bytes[0] === 0x00 && bytes[1] === 0xd8 && bytes[2] === 0xff) bytes[0] = 0xff;
  return bytes;
}

/**
 * CRW (Canon CIFF, dcraw's parse_ciff): "II", header length, "HEAPCCDR"; the root heap runs
 * from the header's end to the file's. A heap's last 4 bytes give its directory's offset:
 * a count, then 10-byte records (tag, size, offset from the heap's start). Tags whose
 * type bits are 0x2800 or 0x3000 are sub-heaps; records stored in the directory itself
 * (0x4000) hold no JPEG.
 */
async function findCrwRanges(handle: FileHandle, size: number): Promise<Range[]> {
  const head = Buffer.from(await readRange(handle, 0, 26));
  if (head.length < 26) return [];
  const ranges: Range[] = [];
  const heap = async (start: number, length: number, depth: number): Promise<void> => {
    if (depth > 4 || length < 4 || start + length > size) return;
    const dirAt = start + Buffer.from(await readRange(handle, start + length - 4, 4)).readUInt32LE(0);
    const countBytes = Buffer.from(await readRange(handle, dirAt, 2));
    if (countBytes.length < 2) return;
    const count = countBytes.readUInt16LE(0);
    if (count > 512) return;
    const records = Buffer.from(await readRange(handle, dirAt + 2, count * 10));
    for (let at = 0; at + 10 <= records.length; at += 10) {
      const tag = records.readUInt16LE(at);
      const recordSize = records.readUInt32LE(at + 2);
      const offset = start + records.readUInt32LE(at + 6);
      if (tag & 0x4000) continue;
      const dataType = tag & 0x3800;
      if (dataType === 0x2800 || dataType === 0x3000) await heap(offset, recordSize, depth + 1);
      else if ((tag & 0x3fff) === 0x2007 || (tag & 0x3fff) === 0x2008) ranges.push({ offset, length: recordSize });
    }
  };
  const headerLength = head.readUInt32LE(2);
  await heap(headerLength, size - headerLength, 0);
  return ranges;
}

/** MRW (dcraw's parse_minolta): "\0MRM", the blocks' total length, then blocks (4-byte name, length), all big-endian. */
async function findMrwTiff(handle: FileHandle): Promise<{ at: number; length: number } | undefined> {
  const head = Buffer.from(await readRange(handle, 0, 8));
  if (head.length < 8) return undefined;
  const end = 8 + head.readUInt32BE(4);
  for (let at = 8; at + 8 <= end; ) {
    const block = Buffer.from(await readRange(handle, at, 8));
    if (block.length < 8) return undefined;
    const length = block.readUInt32BE(4);
    if (block.toString('latin1', 0, 4) === '\0TTW') return { at: at + 8, length: Math.min(length, 4 * 1024 * 1024) };
    at += 8 + length;
  }
  return undefined;
}

/** The TIFF (IFD0, Exif, maker note) in an MRW's TTW block, for the metadata readers. */
export async function readMrwTiff(path: string): Promise<Uint8Array | undefined> {
  const handle = await open(path, 'r');
  try {
    const tiff = await findMrwTiff(handle);
    return tiff && (await readRange(handle, tiff.at, tiff.length));
  } finally {
    await handle.close();
  }
}

async function findMrwRanges(handle: FileHandle): Promise<Range[]> {
  const tiff = await findMrwTiff(handle);
  return tiff ? minoltaMakerNoteRanges(handle, tiff.at, tiff.length) : [];
}

const MINOLTA = { Thumbnail: 0x0081, PreviewStart: 0x0088, PreviewLength: 0x0089 } as const;

async function minoltaMakerNoteRanges(handle: FileHandle, tiffAt: number, length: number): Promise<Range[]> {
  const reader = openTiff(await readRange(handle, tiffAt, length));
  if (!reader) return [];
  const exif = collectIfds(reader).find(({ kind }) => kind === 'exif')?.ifd;
  const note = exif?.entries.get(TAG_MAKER_NOTE);
  // The maker note is a bare IFD in the TIFF's byte order, its offsets counted from the TIFF's start.
  const ifd = note && reader.readIfd(note.valueAt);
  if (!ifd) return [];
  const ranges: Range[] = [];
  const start = reader.number(ifd, MINOLTA.PreviewStart);
  const previewLength = reader.number(ifd, MINOLTA.PreviewLength);
  if (start && previewLength) ranges.push({ offset: tiffAt + start, length: previewLength });
  const thumbnail = ifd.entries.get(MINOLTA.Thumbnail);
  if (thumbnail && thumbnail.type === 7) ranges.push({ offset: tiffAt + thumbnail.valueAt, length: thumbnail.count });
  return ranges;
}

/**
 * X3F (dcraw's parse_foveon), little-endian: the last 4 bytes point at "SECd", version,
 * entry count, then (offset, length, type) entries. An "IMAG"/"IMA2" entry's section is
 * "SECi", version, image type, data format (18: JPEG), columns, rows, row size, then the data.
 */
async function findX3fRanges(handle: FileHandle, size: number): Promise<Range[]> {
  if (size < 16) return [];
  const dirAt = Buffer.from(await readRange(handle, size - 4, 4)).readUInt32LE(0);
  const dir = Buffer.from(await readRange(handle, dirAt, 12));
  if (dir.length < 12 || dir.toString('latin1', 0, 4) !== 'SECd') return [];
  const count = Math.min(dir.readUInt32LE(8), 256);
  const entries = Buffer.from(await readRange(handle, dirAt + 12, count * 12));
  const ranges: Range[] = [];
  for (let at = 0; at + 12 <= entries.length; at += 12) {
    const offset = entries.readUInt32LE(at);
    const length = entries.readUInt32LE(at + 4);
    const type = entries.toString('latin1', at + 8, at + 12);
    if ((type !== 'IMAG' && type !== 'IMA2') || length <= 28) continue;
    const section = Buffer.from(await readRange(handle, offset, 28));
    if (section.length < 28 || section.toString('latin1', 0, 4) !== 'SECi' || section.readUInt32LE(12) !== 18) continue;
    ranges.push({ offset: offset + 28, length: length - 28 });
  }
  return ranges;
}

/** Width and height from a baseline/extended/progressive JPEG's SOF marker, else undefined. */
export function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = view.getUint16(at + 2);
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (at + 9 > bytes.length) return undefined;
      const height = view.getUint16(at + 5);
      const width = view.getUint16(at + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    // Any other SOF (lossless, arithmetic, hierarchical) is not for sharp.
    if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return undefined;
    at += 2 + length;
  }
  return undefined;
}
