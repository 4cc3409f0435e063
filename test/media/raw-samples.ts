// RAW files the shared fixtures lack, built from real pieces for the embedded-preview tests:
//   writeOrf(path, { preview, thumbnail, orientation, style })  → an Olympus ORF laid out as the
//     cameras write it: "IIRO" TIFF, IFD0 (make, model, orientation, Exif pointer, a 160x120 IFD1
//     thumbnail), the Exif IFD's MakerNote "OLYMPUS\0II\3\0" whose CameraSettings sub-IFD holds
//     PreviewImageValid/Start/Length counted from the maker note's start, the preview JPEG
//     inside the maker note. style 'inline' stores CameraSettings inline (E-1/E-300).
//   rebuildCr3(fixturePath, jpeg, path, orientation?) → the pruned CR3 fixture with its mdat put back:
//     exiv2 cut the file just before the mdat that track 1's co64 points at, so a 16-byte
//     large-size mdat header brings the full-size JPEG sample back to where the moov says.
// exiftool reads both as it reads camera files (the tests check that where it is installed).
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
