// A small TIFF structure reader for what exifr does not expose: IFD layout of RAW files
// (which IFD holds the sensor data, where the embedded JPEG previews are) and TIFF-based
// type detection. Works on a byte range (usually the head of the file); IFDs or values
// beyond it are skipped, never read out of bounds.
//   openTiff(bytes)        → TiffReader | undefined (II*\0, MM\0*, and ORF/RW2 variants)
//   collectIfds(reader)    → IFD0 chain + SubIFDs + the Exif IFD, each once
//   TAG                    → the tag numbers used in this layer

export const TAG = {
  NewSubfileType: 0x00fe,
  ImageWidth: 0x0100,
  ImageLength: 0x0101,
  Compression: 0x0103,
  Photometric: 0x0106,
  Make: 0x010f,
  Model: 0x0110,
  StripOffsets: 0x0111,
  Orientation: 0x0112,
  StripByteCounts: 0x0117,
  SubIFDs: 0x014a,
  JpegOffset: 0x0201,
  JpegLength: 0x0202,
  ExifIFD: 0x8769,
  PanasonicJpgFromRaw: 0x002e,
  DNGVersion: 0xc612,
  DefaultCropSize: 0xc620,
  ExifImageWidth: 0xa002,
  ExifImageHeight: 0xa003,
} as const;

// Bytes per value for TIFF field types 1..13 (0 = unknown type).
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute offset of the value bytes within the reader's bytes. */
  valueAt: number;
}

export interface TiffIfd {
  offset: number;
  entries: Map<number, TiffEntry>;
  next: number;
}

export interface TiffReader {
  bytes: Uint8Array;
  littleEndian: boolean;
  ifd0: number;
  readIfd(offset: number): TiffIfd | undefined;
  /** Unsigned integer values of an entry (BYTE/SHORT/LONG/IFD), clipped to what is in range. */
  numbers(ifd: TiffIfd, tag: number, max?: number): number[];
  number(ifd: TiffIfd, tag: number): number | undefined;
  text(ifd: TiffIfd, tag: number): string | undefined;
}

export function openTiff(bytes: Uint8Array): TiffReader | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0]!, bytes[1]!);
  if (order !== 'II' && order !== 'MM') return undefined;
  const littleEndian = order === 'II';
  const magic = view.getUint16(2, littleEndian);
  // 42 = TIFF; 0x4f52 / 0x5352 = Olympus ORF; 0x55 = Panasonic RW2.
  if (magic !== 42 && magic !== 0x4f52 && magic !== 0x5352 && magic !== 0x55) return undefined;
  const ifd0 = view.getUint32(4, littleEndian);

  const u16 = (at: number) => view.getUint16(at, littleEndian);
  const u32 = (at: number) => view.getUint32(at, littleEndian);

  const readIfd = (offset: number): TiffIfd | undefined => {
    if (offset < 8 || offset + 2 > bytes.length) return undefined;
    const count = u16(offset);
    if (count === 0 || count > 1000 || offset + 2 + count * 12 > bytes.length) return undefined;
    const entries = new Map<number, TiffEntry>();
    for (let i = 0; i < count; i++) {
      const at = offset + 2 + i * 12;
      const type = u16(at + 2);
      const n = u32(at + 4);
      const size = (TYPE_SIZE[type] ?? 0) * n;
      const valueAt = size <= 4 ? at + 8 : u32(at + 8);
      entries.set(u16(at), { tag: u16(at), type, count: n, valueAt });
    }
    const nextAt = offset + 2 + count * 12;
    const next = nextAt + 4 <= bytes.length ? u32(nextAt) : 0;
    return { offset, entries, next };
  };

  const numbers = (ifd: TiffIfd, tag: number, max = 64): number[] => {
    const entry = ifd.entries.get(tag);
    if (!entry) return [];
    const size = TYPE_SIZE[entry.type] ?? 0;
    const out: number[] = [];
    for (let i = 0; i < Math.min(entry.count, max); i++) {
      const at = entry.valueAt + i * size;
      if (at + size > bytes.length) break;
      if (entry.type === 1 || entry.type === 7) out.push(bytes[at]!);
      else if (entry.type === 3) out.push(u16(at));
      else if (entry.type === 4 || entry.type === 13) out.push(u32(at));
      else break;
    }
    return out;
  };

  const text = (ifd: TiffIfd, tag: number): string | undefined => {
    const entry = ifd.entries.get(tag);
    if (!entry || entry.type !== 2) return undefined;
    const end = Math.min(entry.valueAt + entry.count, bytes.length);
    if (entry.valueAt >= end) return undefined;
    const raw = Buffer.from(bytes.buffer, bytes.byteOffset + entry.valueAt, end - entry.valueAt).toString('latin1');
    const value = raw.replace(/\0.*$/s, '').trim();
    return value || undefined;
  };

  return {
    bytes,
    littleEndian,
    ifd0,
    readIfd,
    numbers,
    number: (ifd, tag) => numbers(ifd, tag, 1)[0],
    text,
  };
}

export interface FoundIfd {
  ifd: TiffIfd;
  /** 'ifd' for the IFD0 chain (IFD0, IFD1, ...), 'sub' for SubIFDs, 'exif' for the Exif IFD. */
  kind: 'ifd' | 'sub' | 'exif';
  index: number;
}

/** Every IFD reachable from IFD0 through next-IFD links, SubIFDs and the Exif pointer. */
export function collectIfds(reader: TiffReader, limit = 64): FoundIfd[] {
  const found: FoundIfd[] = [];
  const seen = new Set<number>();
  const visit = (offset: number, kind: FoundIfd['kind'], depth: number) => {
    if (found.length >= limit || depth > 3 || seen.has(offset)) return;
    seen.add(offset);
    const ifd = reader.readIfd(offset);
    if (!ifd) return;
    found.push({ ifd, kind, index: found.length });
    for (const sub of reader.numbers(ifd, TAG.SubIFDs, 16)) visit(sub, 'sub', depth + 1);
    const exif = reader.number(ifd, TAG.ExifIFD);
    if (exif) visit(exif, 'exif', depth + 1);
  };
  let next = reader.ifd0;
  for (let i = 0; next && i < 16 && !seen.has(next); i++) {
    visit(next, 'ifd', 0);
    const ifd = reader.readIfd(next);
    next = ifd?.next ?? 0;
  }
  return found;
}
