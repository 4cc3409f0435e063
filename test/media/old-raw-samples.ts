// Old and rare RAW formats the shared fixtures lack, laid out by hand with their real
// signatures and structures (as dcraw/LibRaw and exiftool read them), with or without an
// embedded JPEG preview. The sensor data is a short stub: nothing here decodes it.
//   writeCrw(path, preview?)  Canon CIFF: "II", header length 26, "HEAPCCDR", version 1.2;
//                             the root heap holds RawData (0x2005), JpgFromRaw (0x2007, when a
//                             preview is given) and an ImageProps sub-heap (0x300a) with the
//                             make/model record (0x080a); each heap ends with its directory's offset.
//   writeMrw(path, preview?)  Minolta MRW: "\0MRM" + blocks PRD, TTW (a big-endian TIFF: IFD0
//                             make/model, Exif IFD, Minolta maker note with PreviewImageStart/
//                             Length 0x0088/0x0089 counted from the TIFF's start), WBG, then the
//                             sensor stub. The preview is stored with 00 as its first byte, as
//                             Minolta cameras write it.
//   writeX3f(path, preview?)  Sigma X3F 2.1: "FOVb" header, an IMA2 section "SECi" of data format
//                             18 (JPEG) when a preview is given, a raw IMA2 section (format 30)
//                             stub, the "SECd" directory, and its offset as the file's last 4 bytes.
//   writeUnknownTiffRaw(path, preview) a TIFF-based RAW of a maker Shoebox does not name
//                             (Pentax): IFD0 JPEG preview (0x201/0x202), a CFA sub-IFD.
import { writeFileSync } from 'node:fs';

const u16le = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32le = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const u16be = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32be = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const stub = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 7) & 0xff));
const even = (b: Buffer) => (b.length % 2 ? Buffer.concat([b, Buffer.alloc(1)]) : b);

/** A CIFF heap: the records' data, then the directory (count, 10-byte records), then its offset. */
function ciffHeap(records: Array<[tag: number, data: Buffer]>): Buffer {
  const parts: Buffer[] = [];
  const dir: Buffer[] = [];
  let at = 0;
  for (const [tag, data] of records) {
    const padded = even(data);
    dir.push(Buffer.concat([u16le(tag), u32le(data.length), u32le(at)]));
    parts.push(padded);
    at += padded.length;
  }
  return Buffer.concat([...parts, u16le(records.length), ...dir, u32le(at)]);
}

export function writeCrw(path: string, preview?: Buffer): void {
  const header = Buffer.concat([Buffer.from('II', 'latin1'), u32le(26), Buffer.from('HEAPCCDR', 'latin1'), u32le(0x00010002), Buffer.alloc(8)]);
  const imageProps = ciffHeap([[0x080a, Buffer.from('Canon\0Canon PowerShot G2\0', 'latin1')]]);
  const root = ciffHeap([
    [0x2005, stub(32 * 1024)], // RawData
    ...(preview ? [[0x2007, preview] as [number, Buffer]] : []), // JpgFromRaw
    [0x300a, imageProps], // ImageProps (a sub-heap: data type 0x3000)
  ]);
  writeFileSync(path, Buffer.concat([header, root]));
}

type BeEntry = [tag: number, type: number, count: number, value: Buffer];

/** A big-endian IFD at `at` (its out-of-line values right behind it); returns its bytes. */
function ifdBe(at: number, entries: BeEntry[], next = 0): Buffer {
  entries.sort((a, b) => a[0] - b[0]);
  let data = at + 2 + entries.length * 12 + 4;
  const head: Buffer[] = [u16be(entries.length)];
  const tail: Buffer[] = [];
  for (const [tag, type, count, value] of entries) {
    const field = Buffer.alloc(4);
    if (value.length <= 4) value.copy(field);
    else {
      field.writeUInt32BE(data);
      tail.push(even(value));
      data += even(value).length;
    }
    head.push(u16be(tag), u16be(type), u32be(count), field);
  }
  return Buffer.concat([...head, u32be(next), ...tail]);
}

const asciiBe = (tag: number, s: string): BeEntry => [tag, 2, s.length + 1, Buffer.from(`${s}\0`, 'latin1')];
const longBe = (tag: number, n: number): BeEntry => [tag, 4, 1, u32be(n)];

export function writeMrw(path: string, preview?: Buffer): void {
  // TTW: TIFF header, IFD0 at 8, the Exif IFD, the maker note IFD, the preview; offsets count
  // from the TIFF's start. A 4-byte field holds the maker note's offset (its count is its length).
  const ifd0 = (exifAt: number) => ifdBe(8, [asciiBe(0x010f, 'Konica Minolta Camera, Inc.'), asciiBe(0x0110, 'DiMAGE A2'), longBe(0x8769, exifAt)]);
  const note = (at: number, previewAt: number) =>
    ifdBe(at, [[0x0000, 7, 4, Buffer.from('MLT0')], ...(preview ? [longBe(0x0088, previewAt), longBe(0x0089, preview.length)] : [])]);
  const exif = (at: number, noteAt: number, noteLength: number) => ifdBe(at, [asciiBe(0x9003, '2005:04:09 14:21:03'), [0x927c, 7, noteLength, u32be(noteAt)]]);
  const exifAt = 8 + ifd0(0).length;
  const noteAt = exifAt + exif(0, 0, 0).length;
  const noteLength = note(0, 0).length;
  const previewAt = noteAt + noteLength;
  // Minolta writes the preview's first byte as 00 (readers put the FF back).
  const stored = preview ? Buffer.concat([Buffer.from([0x00]), preview.subarray(1)]) : Buffer.alloc(0);
  const ttw = Buffer.concat([Buffer.from('MM\0*', 'latin1'), u32be(8), ifd0(exifAt), exif(exifAt, noteAt, noteLength), note(noteAt, previewAt), stored]);
  const prd = Buffer.concat([Buffer.from('21810002', 'latin1'), u16be(2448), u16be(3272), u16be(2448), u16be(3264), Buffer.from([12, 12, 0x59, 0]), u16be(0), u16be(1), Buffer.alloc(2)]);
  const wbg = Buffer.concat([Buffer.alloc(4), u16be(512), u16be(256), u16be(256), u16be(384)]);
  const block = (name: string, data: Buffer) => Buffer.concat([Buffer.from(`\0${name}`, 'latin1'), u32be(data.length), data]);
  const blocks = Buffer.concat([block('PRD', prd), block('TTW', even(ttw)), block('WBG', wbg)]);
  writeFileSync(path, Buffer.concat([Buffer.from('\0MRM', 'latin1'), u32be(blocks.length), blocks, stub(32 * 1024)]));
}

export function writeX3f(path: string, preview?: { jpeg: Buffer; width: number; height: number }): void {
  const header = Buffer.concat([
    Buffer.from('FOVb', 'latin1'),
    u32le(0x00020001), // version 2.1
    stub(16), // unique identifier
    u32le(0), // mark bits
    u32le(2268), // columns
    u32le(1512), // rows
    u32le(0), // rotation
    Buffer.alloc(32 + 32 * 4), // white balance label, extended data types and values
  ]);
  const image = (format: number, width: number, height: number, data: Buffer) =>
    Buffer.concat([Buffer.from('SECi', 'latin1'), u32le(0x00020000), u32le(format === 18 ? 2 : 3), u32le(format), u32le(width), u32le(height), u32le(0), data]);
  const sections: Array<[type: string, bytes: Buffer]> = [];
  if (preview) sections.push(['IMA2', image(18, preview.width, preview.height, preview.jpeg)]);
  sections.push(['IMA2', image(30, 2268, 1512, stub(32 * 1024))]);
  const parts: Buffer[] = [header];
  const entries: Buffer[] = [];
  let at = header.length;
  for (const [type, bytes] of sections) {
    entries.push(Buffer.concat([u32le(at), u32le(bytes.length), Buffer.from(type, 'latin1')]));
    parts.push(bytes);
    at += bytes.length;
  }
  const directory = Buffer.concat([Buffer.from('SECd', 'latin1'), u32le(0x00020000), u32le(entries.length), ...entries]);
  writeFileSync(path, Buffer.concat([...parts, directory, u32le(at)]));
}

export function writeUnknownTiffRaw(path: string, preview: Buffer): void {
  // Little-endian TIFF: IFD0 at 8 (make, model, SubIFDs, JPEG preview), the CFA sub-IFD, the data.
  const le = (tag: number, type: number, count: number, value: number | Buffer): Buffer => {
    const field = Buffer.isBuffer(value) ? value : type === 3 ? Buffer.concat([u16le(value), Buffer.alloc(2)]) : u32le(value);
    return Buffer.concat([u16le(tag), u16le(type), u32le(count), field]);
  };
  const make = Buffer.from('PENTAX Corporation\0', 'latin1');
  const model = Buffer.from('PENTAX K10D\0', 'latin1');
  const ifd0At = 8;
  const ifd0Size = 2 + 6 * 12 + 4;
  const makeAt = ifd0At + ifd0Size;
  const modelAt = makeAt + make.length + (make.length % 2);
  const subAt = modelAt + model.length + (model.length % 2);
  const subSize = 2 + 6 * 12 + 4;
  const previewAt = subAt + subSize;
  const sensorAt = previewAt + preview.length + (preview.length % 2);
  const sensor = stub(32 * 1024);
  const ifd0 = Buffer.concat([
    u16le(6),
    le(0x010f, 2, make.length, u32le(makeAt)),
    le(0x0110, 2, model.length, u32le(modelAt)),
    le(0x0112, 3, 1, 1),
    le(0x014a, 4, 1, subAt),
    le(0x0201, 4, 1, previewAt),
    le(0x0202, 4, 1, preview.length),
    u32le(0),
  ]);
  const sub = Buffer.concat([
    u16le(6),
    le(0x0100, 4, 1, 3872),
    le(0x0101, 4, 1, 2592),
    le(0x0103, 3, 1, 1),
    le(0x0106, 3, 1, 32803), // CFA
    le(0x0111, 4, 1, sensorAt),
    le(0x0117, 4, 1, sensor.length),
    u32le(0),
  ]);
  writeFileSync(path, Buffer.concat([Buffer.from('II*\0', 'latin1'), u32le(ifd0At), ifd0, even(make), even(model), sub, even(preview), sensor]));
}
