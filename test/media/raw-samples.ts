// RAW files the shared fixtures lack, built from real pieces for the embedded-preview tests:
//   writeOrf(path, { preview, thumbnail, orientation, style })  → an Olympus ORF laid out as the
//     cameras write it: "IIRO" TIFF, IFD0 (make, model, orientation, Exif pointer, a 160x120 IFD1
//     thumbnail), the Exif IFD's MakerNote "OLYMPUS\0II\3\0" whose CameraSettings sub-IFD holds
//     PreviewImageValid/Start/Length counted from the maker note's start, the preview JPEG
//     inside the maker note. style 'inline' stores CameraSettings inline (E-1/E-300).
//   rebuildCr3(fixturePath, jpeg, path, orientation?) → the pruned CR3 fixture with its mdat put back:
//     exiv2 cut the file just before the mdat that track 1's co64 points at, so a 16-byte
//     large-size mdat header brings the full-size JPEG sample back to where the moov says.
//   writeArw / writeRaf / writeRw2(path, { preview, thumbnail, orientation }) → a Sony ARW, a
//     Fujifilm RAF and a Panasonic RW2 laid out as those cameras write them (see each writer);
//     they return the preview JPEG as stored (RAF and RW2 carry the EXIF inside it).
// exiftool reads them all as it reads camera files (the tests check that where it is installed).
import { readFileSync, writeFileSync } from 'node:fs';
import { readBoxes } from '../../src/media/iso-bmff.ts';
import { openTiff } from '../../src/media/tiff-ifd.ts';

type Entry = [tag: number, type: number, count: number, value: number | Buffer];

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 7: 1, 13: 4 };

/** Writes an IFD at `at` (little-endian); values longer than 4 bytes go at `data`. Returns the next free data offset. */
function writeIfd(buf: Buffer, at: number, entries: Entry[], data: number, next = 0): number {
  buf.writeUInt16LE(entries.length, at);
  entries.sort((a, b) => a[0] - b[0]);
  entries.forEach(([tag, type, count, value], i) => {
    const e = at + 2 + i * 12;
    buf.writeUInt16LE(tag, e);
    buf.writeUInt16LE(type, e + 2);
    buf.writeUInt32LE(count, e + 4);
    if (Buffer.isBuffer(value)) {
      if (value.length <= 4) value.copy(buf, e + 8);
      else {
        value.copy(buf, data);
        buf.writeUInt32LE(data, e + 8);
        data += value.length + (value.length % 2);
      }
    } else if (type === 3) buf.writeUInt16LE(value, e + 8);
    else buf.writeUInt32LE(value, e + 8);
  });
  buf.writeUInt32LE(next, at + 2 + entries.length * 12);
  return data;
}

const ascii = (s: string) => Buffer.from(`${s}\0`, 'latin1');

export interface OrfOptions {
  preview: Buffer;
  thumbnail: Buffer;
  orientation?: number;
  /** 'ifd': CameraSettings is a sub-IFD pointer (most cameras); 'inline': its IFD is the value (E-1, E-300). */
  style?: 'ifd' | 'inline';
}

export function writeOrf(path: string, { preview, thumbnail, orientation = 1, style = 'ifd' }: OrfOptions): void {
  const buf = Buffer.alloc(4096 + thumbnail.length + preview.length);
  buf.write('IIRO', 0, 'latin1');
  buf.writeUInt32LE(8, 4);
  const exifAt = 512;
  const ifd1At = 768;
  const thumbAt = 1024;
  const noteAt = thumbAt + thumbnail.length + 16;
  // IFD0 and IFD1 (the TIFF thumbnail), with their out-of-line values from 300 on.
  let data = writeIfd(
    buf,
    8,
    [
      [0x010f, 2, 22, ascii('OLYMPUS IMAGING CORP.')],
      [0x0110, 2, 7, ascii('E-M10')],
      [0x0112, 3, 1, orientation],
      [0x8769, 4, 1, exifAt],
    ],
    300,
    ifd1At,
  );
  data = writeIfd(buf, ifd1At, [[0x0103, 3, 1, 6], [0x0201, 4, 1, thumbAt], [0x0202, 4, 1, thumbnail.length]], data);
  thumbnail.copy(buf, thumbAt);

  // The maker note: header, main IFD at +12, CameraSettings IFD at +200, preview at +512.
  const note = Buffer.alloc(512 + preview.length);
  note.write('OLYMPUS\0II', 0, 'latin1');
  note.writeUInt16LE(3, 10);
  const settings = Buffer.alloc(2 + 4 * 12 + 4);
  writeIfd(
    settings,
    0,
    [
      [0x0000, 7, 4, Buffer.from('0100')],
      [0x0100, 4, 1, 1],
      [0x0101, 4, 1, 512],
      [0x0102, 4, 1, preview.length],
    ],
    0,
  );
  settings.copy(note, 200);
  writeIfd(
    note,
    12,
    [
      [0x0000, 7, 4, Buffer.from('0100')],
      style === 'ifd' ? [0x2020, 13, 1, 200] : [0x2020, 7, settings.length, 200],
    ],
    0,
  );
  preview.copy(note, 512);
  writeIfd(buf, exifAt, [[0x927c, 7, note.length, noteAt]], 0);
  note.copy(buf, noteAt);
  writeFileSync(path, buf.subarray(0, noteAt + note.length));
}

export function rebuildCr3(fixturePath: string, jpeg: Buffer, path: string, orientation?: number): { sampleSize: number } {
  const file = Buffer.from(readFileSync(fixturePath));
  const moov = readBoxes(file).find((b) => b.type === 'moov')!;
  const trak = readBoxes(file, moov.payload, moov.end).find((b) => b.type === 'trak')!;
  // Track 1's sample size and offset, found by their box names inside trak.
  const stsz = file.indexOf('stsz', trak.start, 'latin1') - 4;
  const co64 = file.indexOf('co64', trak.start, 'latin1') - 4;
  const sampleSize = file.readUInt32BE(stsz + 20);
  const sampleAt = Number(file.readBigUInt64BE(co64 + 16));
  if (sampleAt !== file.length + 16) throw new Error(`the fixture changed: track 1 starts at ${sampleAt}, file is ${file.length}`);
  if (jpeg.length > sampleSize) throw new Error(`JPEG of ${jpeg.length} bytes is larger than the ${sampleSize}-byte sample`);
  if (orientation !== undefined) {
    // IFD0's Orientation in the CMT1 box (a TIFF of its own).
    const cmt1 = file.indexOf('CMT1', moov.start, 'latin1') + 4;
    const reader = openTiff(file.subarray(cmt1))!;
    const entry = reader.readIfd(reader.ifd0)!.entries.get(0x0112)!;
    if (reader.littleEndian) file.writeUInt16LE(orientation, cmt1 + entry.valueAt);
    else file.writeUInt16BE(orientation, cmt1 + entry.valueAt);
  }
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1, 0);
  header.write('mdat', 4, 'latin1');
  header.writeBigUInt64BE(BigInt(16 + sampleSize), 8);
  const sample = Buffer.alloc(sampleSize);
  jpeg.copy(sample);
  writeFileSync(path, Buffer.concat([file, header, sample]));
  return { sampleSize };
}

// ---------------------------------------------------------------------------------------------
// Sony ARW, Fujifilm RAF and Panasonic RW2, laid out as the cameras write them (what exiftool
// reads of each is in the comment above each writer). The sensor data is a short stub behind
// the camera's real dimensions: nothing here decodes it, every reader only needs the layout.

const u16s = (...values: number[]) => {
  const b = Buffer.alloc(2 * values.length);
  values.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
  return b;
};
const rational = (numerator: number, denominator: number): Entry[3] => {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(numerator, 0);
  b.writeUInt32LE(denominator, 4);
  return b;
};
const text = (tag: number, value: string): Entry => [tag, 2, value.length + 1, ascii(value)];
const short = (tag: number, value: number): Entry => [tag, 3, 1, value];
const long = (tag: number, value: number): Entry => [tag, 4, 1, value];

/** Bytes an IFD takes with its out-of-line values (as writeIfd lays them out). */
function ifdSize(entries: Entry[]): number {
  let size = 2 + 12 * entries.length + 4;
  for (const [, , , value] of entries) if (Buffer.isBuffer(value) && value.length > 4) size += value.length + (value.length % 2);
  return size;
}

/** An IFD at `at` with its out-of-line values right behind it. */
function putIfd(buf: Buffer, at: number, entries: Entry[], next = 0): void {
  writeIfd(buf, at, entries, at + 2 + 12 * entries.length + 4, next);
}

/** Offsets of blocks laid one after another from `start`, each at an even offset. */
function layOut<K extends string>(start: number, blocks: Array<[K, number]>): Record<K, number> & { end: number } {
  const at: Record<string, number> = {};
  let next = start;
  for (const [name, size] of blocks) {
    at[name] = next;
    next += size + (size % 2);
  }
  at.end = next;
  return at as Record<K, number> & { end: number };
}

/** Bytes standing in for sensor data (a repeating ramp, so it compresses and is not all zero). */
function sensorStub(length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7) & 0xff;
  return b;
}

export interface CameraShot {
  make: string;
  model: string;
  software: string;
  /** 'YYYY:MM:DD HH:MM:SS', as EXIF writes it. */
  taken: string;
  /** Full image size the camera records in ExifImageWidth/Height (its JPEGs' size). */
  imageSize: [width: number, height: number];
  lens: string;
}

/** The Exif IFD a camera writes: exposure, dates, image size, lens. */
function exifEntries(shot: CameraShot): Entry[] {
  return [
    [0x829a, 5, 1, rational(1, 250)], // ExposureTime
    [0x829d, 5, 1, rational(56, 10)], // FNumber
    short(0x8827, 400), // ISO
    [0x9000, 7, 4, Buffer.from('0231')], // ExifVersion
    text(0x9003, shot.taken), // DateTimeOriginal
    text(0x9004, shot.taken), // CreateDate
    [0x920a, 5, 1, rational(35, 1)], // FocalLength
    short(0xa001, 1), // ColorSpace sRGB
    long(0xa002, shot.imageSize[0]), // ExifImageWidth
    long(0xa003, shot.imageSize[1]), // ExifImageHeight
    text(0xa434, shot.lens), // LensModel
  ];
}

/** IFD0 tags every camera writes (make, model, orientation, resolution, software, date). */
function ifd0Entries(shot: CameraShot, orientation: number): Entry[] {
  return [
    text(0x010f, shot.make),
    text(0x0110, shot.model),
    short(0x0112, orientation),
    [0x011a, 5, 1, rational(72, 1)],
    [0x011b, 5, 1, rational(72, 1)],
    short(0x0128, 2),
    text(0x0131, shot.software),
    text(0x0132, shot.taken),
  ];
}

/**
 * A camera JPEG's APP1 EXIF, as Fuji and Panasonic put it in their embedded JPEGs: a
 * little-endian TIFF with IFD0 (make, model, orientation, ...), the Exif IFD and IFD1 holding
 * the 160x120 thumbnail. Returns the JPEG with that APP1 right after SOI, where cameras put it
 * (no JFIF segment: dcraw reads a RAF's EXIF at the JPEG's offset + 12).
 */
function withCameraExif(jpeg: Buffer, shot: CameraShot, orientation: number, thumbnail: Buffer): Buffer {
  const ifd0 = (exifAt: number) => [...ifd0Entries(shot, orientation), short(0x0213, 2), long(0x8769, exifAt)];
  const exif = exifEntries(shot);
  const ifd1 = (thumbAt: number) => [
    short(0x0103, 6),
    [0x011a, 5, 1, rational(72, 1)] as Entry,
    [0x011b, 5, 1, rational(72, 1)] as Entry,
    short(0x0128, 2),
    long(0x0201, thumbAt),
    long(0x0202, thumbnail.length),
  ];
  const at = layOut(8, [
    ['ifd0', ifdSize(ifd0(0))],
    ['exif', ifdSize(exif)],
    ['ifd1', ifdSize(ifd1(0))],
    ['thumbnail', thumbnail.length],
  ]);
  const tiff = Buffer.alloc(at.end);
  tiff.write('II*\0', 0, 'latin1');
  tiff.writeUInt32LE(8, 4);
  putIfd(tiff, at.ifd0, ifd0(at.exif), at.ifd1);
  putIfd(tiff, at.exif, exif);
  putIfd(tiff, at.ifd1, ifd1(at.thumbnail));
  thumbnail.copy(tiff, at.thumbnail);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  if (payload.length + 2 > 0xffff) throw new Error(`EXIF of ${payload.length} bytes does not fit one APP1 segment`);
  const app1 = Buffer.from([0xff, 0xe1, 0, 0]);
  app1.writeUInt16BE(payload.length + 2, 2);
  let rest = jpeg.subarray(2);
  if (rest[0] === 0xff && rest[1] === 0xe0) rest = rest.subarray(2 + rest.readUInt16BE(2)); // a JFIF APP0
  return Buffer.concat([jpeg.subarray(0, 2), app1, payload, rest]);
}

export interface RawSampleOptions {
  /** The large embedded JPEG, bare (as sharp writes it). */
  preview: Buffer;
  /** The 160x120 thumbnail JPEG, bare. */
  thumbnail: Buffer;
  orientation?: number;
}

/** What a writer put in the file: the embedded preview JPEG exactly as stored (RAF and RW2 add EXIF to it). */
export interface RawSample {
  embedded: Buffer;
}

export const SONY_A7M3: CameraShot = {
  make: 'SONY',
  model: 'ILCE-7M3',
  software: 'ILCE-7M3 v3.01',
  taken: '2024:05:18 10:42:07',
  imageSize: [6000, 4000],
  lens: 'FE 35mm F1.8',
};

/**
 * Sony ARW 2.3 (ILCE-7M3): a little-endian TIFF, in the order and at about the offsets an
 * ILCE-9 file has them (lclevy/sony_raw's exiftool -v dump of one):
 *   IFD0       SubfileType 1 (reduced resolution), Compression 6 (old-style JPEG), Make "SONY",
 *              Model, Orientation, ..., SubIFDs → the sensor IFD, JPEGInterchangeFormat/Length
 *              (0x201/0x202) → the preview JPEG (1616x1080 on these cameras), Exif IFD pointer
 *   Exif IFD   exposure, DateTimeOriginal, ExifImageWidth/Height 6000x4000, LensModel, and the
 *              maker note (a Sony IFD with FileFormat "ARW 2.3.3" and SonyModelID, 37 KB long)
 *   IFD1       Compression 6, 0x201/0x202 → the 160x120 thumbnail
 *   (a gap where the camera's enciphered SR2Private data sits)
 *   SubIFD     at ~150 KB, past the first 64 KB: SubfileType 0, 6048x4024, Compression 32767
 *              (Sony ARW Compressed), Photometric 32803 (CFA), CFA pattern RGGB, one strip
 *   the preview JPEG, then the sensor data
 * exiftool 12.57 says: File Type ARW (image/x-sony-arw), Make SONY, Camera Model Name ILCE-7M3,
 * File Format ARW 2.3.3, Preview Image (the 0x201 JPEG), Thumbnail Image (IFD1), SubIFD
 * Compression "Sony ARW Compressed"; it names the type from the tags (IFD0 SubfileType 1,
 * Compression 6, Make SONY, SubIFDs), not from the file name.
 */
export function writeArw(path: string, { preview, thumbnail, orientation = 1 }: RawSampleOptions, shot = SONY_A7M3): RawSample {
  const sensor = sensorStub(64 * 1024);
  const ifd0 = (p: { exif: number; sub: number; preview: number }): Entry[] => [
    long(0x00fe, 1),
    short(0x0103, 6),
    text(0x010e, ' '.repeat(31)),
    ...ifd0Entries(shot, orientation),
    long(0x014a, p.sub),
    long(0x0201, p.preview),
    long(0x0202, preview.length),
    short(0x0213, 2),
    long(0x8769, p.exif),
  ];
  const makerNoteLength = 37466;
  const exif = (makerNoteAt: number): Entry[] => [...exifEntries(shot), [0x927c, 7, makerNoteLength, makerNoteAt]];
  const makerNote: Entry[] = [
    [0xb000, 1, 4, Buffer.from([3, 3, 3, 0])], // FileFormat: ARW 2.3.3
    short(0xb001, 363), // SonyModelID: ILCE-7M3
  ];
  const ifd1 = (thumbAt: number): Entry[] => [
    long(0x00fe, 1),
    short(0x0103, 6),
    text(0x010f, shot.make),
    text(0x0110, shot.model),
    [0x011a, 5, 1, rational(72, 1)],
    [0x011b, 5, 1, rational(72, 1)],
    short(0x0128, 2),
    long(0x0201, thumbAt),
    long(0x0202, thumbnail.length),
    short(0x0213, 2),
  ];
  const sub = (sensorAt: number): Entry[] => [
    long(0x00fe, 0),
    short(0x0100, 6048),
    short(0x0101, 4024),
    short(0x0102, 12),
    short(0x0103, 32767),
    short(0x0106, 32803),
    long(0x0111, sensorAt),
    short(0x0115, 1),
    short(0x0116, 4024),
    long(0x0117, sensor.length),
    short(0x011c, 1),
    [0x828d, 3, 2, u16s(2, 2)], // CFARepeatPatternDim
    [0x828e, 1, 4, Buffer.from([0, 1, 1, 2])], // CFAPattern RGGB
    [0xc620, 3, 2, u16s(6000, 4000)], // DefaultCropSize
  ];
  const at = layOut(8, [
    ['ifd0', ifdSize(ifd0({ exif: 0, sub: 0, preview: 0 }))],
    ['exif', ifdSize(exif(0))],
    ['makerNote', makerNoteLength],
    ['ifd1', ifdSize(ifd1(0))],
    ['thumbnail', thumbnail.length],
    ['sr2', 96 * 1024],
    ['sub', ifdSize(sub(0))],
    ['preview', preview.length],
    ['sensor', sensor.length],
  ]);
  const buf = Buffer.alloc(at.end);
  buf.write('II*\0', 0, 'latin1');
  buf.writeUInt32LE(at.ifd0, 4);
  putIfd(buf, at.ifd0, ifd0(at), at.ifd1);
  putIfd(buf, at.exif, exif(at.makerNote));
  putIfd(buf, at.makerNote, makerNote);
  putIfd(buf, at.ifd1, ifd1(at.thumbnail));
  putIfd(buf, at.sub, sub(at.sensor));
  thumbnail.copy(buf, at.thumbnail);
  preview.copy(buf, at.preview);
  sensor.copy(buf, at.sensor);
  writeFileSync(path, buf);
  return { embedded: preview };
}

export const FUJI_XT3: CameraShot = {
  make: 'FUJIFILM',
  model: 'X-T3',
  software: 'Digital Camera X-T3 Ver3.20',
  taken: '2024:06:02 18:15:44',
  imageSize: [6240, 4160],
  lens: 'XF23mmF2 R WR',
};

/**
 * Fujifilm RAF (X-T3), big-endian throughout its own header:
 *   0    "FUJIFILMCCD-RAW " · format "0201" · an 8-byte camera ID · model, 32 bytes NUL-padded
 *   60   RAF version "0100", then 20 bytes unknown (zero)
 *   84   JPEG offset, JPEG length (the embedded JPEG, which carries all the EXIF)
 *   92   RAF directory ("CFA header") offset and length: count, then (tag, size, value)
 *        records: RawImageFullSize 6384x4182, crop, RawImageCroppedSize 6240x4160, aspect 3:2,
 *        RawImageSize
 *   100  CFA offset and length: a little-endian TIFF whose IFD0 holds one FujiIFD pointer
 *        (0xf000) to RawImageFullWidth/Height, BitsPerSample, StripOffsets/ByteCounts
 *   148  the JPEG (1920x1280 here): APP1 EXIF first (Make FUJIFILM, Model, Orientation,
 *        Exif IFD, IFD1 with the 160x120 thumbnail), then the image
 * exiftool 12.57 says: File Type RAF (image/x-fujifilm-raf), RAF Version 0100, Make FUJIFILM,
 * Camera Model Name X-T3 (from the JPEG's EXIF), Preview Image (the whole JPEG), Thumbnail
 * Image (its IFD1), Raw Image Full Size 6384x4182, FujiIFD Raw Image Full Width 6384. The
 * order (header, JPEG, RAF directory, CFA) is a real RAF's (exifprobe's dump of a FinePix S5000).
 */
export function writeRaf(path: string, { preview, thumbnail, orientation = 1 }: RawSampleOptions, shot = FUJI_XT3): RawSample {
  const jpeg = withCameraExif(preview, shot, orientation, thumbnail);
  const records: Array<[number, Buffer]> = [
    [0x100, Buffer.from([0x10, 0x56, 0x18, 0xf0])], // RawImageFullSize: height 4182, width 6384
    [0x110, Buffer.from([0x00, 0x0b, 0x00, 0x48])], // RawImageCropTopLeft: 11, 72
    [0x111, Buffer.from([0x10, 0x40, 0x18, 0x60])], // RawImageCroppedSize: 4160, 6240
    [0x115, Buffer.from([0x00, 0x02, 0x00, 0x03])], // RawImageAspectRatio 2:3 (height, width)
    [0x121, Buffer.from([0x10, 0x56, 0x18, 0xf0])], // RawImageSize
  ];
  const directory = Buffer.concat([
    Buffer.from([0, 0, 0, records.length]),
    ...records.map(([tag, value]) => {
      const head = Buffer.alloc(4);
      head.writeUInt16BE(tag, 0);
      head.writeUInt16BE(value.length, 2);
      return Buffer.concat([head, value]);
    }),
  ]);
  const sensor = sensorStub(64 * 1024);
  // The CFA block: TIFF header, IFD0 with the FujiIFD pointer, the FujiIFD, then the sensor data
  // (offsets inside it count from the CFA block's start).
  const fujiIfd = (sensorAt: number): Entry[] => [
    long(0xf001, 6384),
    long(0xf002, 4182),
    long(0xf003, 14),
    long(0xf007, sensorAt),
    long(0xf008, sensor.length),
  ];
  const cfaAt = layOut(8, [
    ['ifd0', 2 + 12 + 4],
    ['fuji', ifdSize(fujiIfd(0))],
    ['sensor', sensor.length],
  ]);
  const cfa = Buffer.alloc(cfaAt.end);
  cfa.write('II*\0', 0, 'latin1');
  cfa.writeUInt32LE(cfaAt.ifd0, 4);
  putIfd(cfa, cfaAt.ifd0, [[0xf000, 13, 1, cfaAt.fuji]]);
  putIfd(cfa, cfaAt.fuji, fujiIfd(cfaAt.sensor));
  sensor.copy(cfa, cfaAt.sensor);

  const at = layOut(0x94, [
    ['jpeg', jpeg.length],
    ['directory', directory.length],
    ['cfa', cfa.length],
  ]);
  const header = Buffer.alloc(0x94);
  header.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
  header.write(shot.model, 0x1c, 'latin1');
  header.write('0100', 0x3c, 'latin1');
  header.writeUInt32BE(at.jpeg, 84);
  header.writeUInt32BE(jpeg.length, 88);
  header.writeUInt32BE(at.directory, 92);
  header.writeUInt32BE(directory.length, 96);
  header.writeUInt32BE(at.cfa, 100);
  header.writeUInt32BE(cfa.length, 104);
  const buf = Buffer.alloc(at.end);
  header.copy(buf, 0);
  jpeg.copy(buf, at.jpeg);
  directory.copy(buf, at.directory);
  cfa.copy(buf, at.cfa);
  writeFileSync(path, buf);
  return { embedded: jpeg };
}

export const PANASONIC_G9: CameraShot = {
  make: 'Panasonic',
  model: 'DC-G9',
  software: 'Ver.1.3',
  taken: '2024:07:21 07:03:12',
  imageSize: [5184, 3888],
  lens: 'LUMIX G VARIO 12-60/F3.5-5.6',
};

/** The 16 bytes after an RW2's TIFF header, before IFD0 at 0x18 (exiftool checks them). */
const RW2_SIGNATURE = Buffer.from('88e774d8f8251d4d947a6e77822b5d6a', 'hex');

/**
 * Panasonic RW2 (DC-G9): "IIU\0", IFD0 at 0x18 behind a 16-byte signature. IFD0 holds the
 * Panasonic tags (PanasonicRawVersion, SensorWidth/Height and borders, SamplesPerPixel,
 * CFAPattern, BitsPerSample, Compression 34316 "Panasonic RAW 1" as tag 0x0b, ISO, RawFormat),
 * JpgFromRaw (0x002e, UNDEFINED: the whole 1920x1440 JPEG, with its own EXIF — Make
 * "Panasonic", Orientation, IFD1 160x120 thumbnail), Make, Model, StripOffsets, Orientation,
 * StripByteCounts, RawDataOffset (0x118) and the Exif IFD pointer. The JPEG sits right after
 * IFD0's values, the sensor data after it (as in the cameras' files).
 * exiftool 12.57 says: File Type RW2 (image/x-panasonic-rw2; it checks the signature), Panasonic
 * Raw Version 0420, Make Panasonic, Camera Model Name DC-G9, Compression "Panasonic RAW 1", Jpg
 * From Raw (the embedded JPEG, read as document 1 with its EXIF and Thumbnail Image). -validate
 * notes only "[minor] Non-standard EXIF at TIFF-IFD0-JPEG-APP1-IFD0", which is where RW2 keeps it.
 */
export function writeRw2(path: string, { preview, thumbnail, orientation = 1 }: RawSampleOptions, shot = PANASONIC_G9): RawSample {
  const jpeg = withCameraExif(preview, shot, orientation, thumbnail);
  const sensor = sensorStub(64 * 1024);
  const ifd0 = (p: { exif: number; sensor: number }): Entry[] => [
    [0x0001, 7, 4, Buffer.from('0420')], // PanasonicRawVersion
    short(0x0002, 5248), // SensorWidth
    short(0x0003, 3920), // SensorHeight
    short(0x0004, 16), // SensorTopBorder
    short(0x0005, 32), // SensorLeftBorder
    short(0x0006, 3904), // SensorBottomBorder
    short(0x0007, 5216), // SensorRightBorder
    short(0x0008, 1), // SamplesPerPixel
    short(0x0009, 3), // CFAPattern
    short(0x000a, 12), // BitsPerSample
    short(0x000b, 34316), // Compression: Panasonic RAW 1
    short(0x0017, 400), // ISO
    short(0x002d, 4), // RawFormat
    [0x002e, 7, jpeg.length, jpeg], // JpgFromRaw
    text(0x010f, shot.make),
    text(0x0110, shot.model),
    long(0x0111, p.sensor), // StripOffsets
    short(0x0112, orientation),
    short(0x0116, 3920), // RowsPerStrip
    long(0x0117, sensor.length), // StripByteCounts
    long(0x0118, p.sensor), // RawDataOffset
    long(0x8769, p.exif),
  ];
  const exif = exifEntries(shot);
  const at = layOut(0x18, [
    ['ifd0', ifdSize(ifd0({ exif: 0, sensor: 0 }))],
    ['exif', ifdSize(exif)],
    ['sensor', sensor.length],
  ]);
  const buf = Buffer.alloc(at.end);
  buf.write('IIU\0', 0, 'latin1');
  buf.writeUInt32LE(at.ifd0, 4);
  RW2_SIGNATURE.copy(buf, 8);
  putIfd(buf, at.ifd0, ifd0(at));
  putIfd(buf, at.exif, exif);
  sensor.copy(buf, at.sensor);
  writeFileSync(path, buf);
  return { embedded: jpeg };
}
