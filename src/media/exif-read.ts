// Gathering a photo's raw tags, per format, from the sources that work for it:
//   JPEG/WebP/AVIF/HEIC/GIF  sharp reads the container and hands over the EXIF block; exifr
//                            parses that block (exifr alone misses EXIF after a large ICC
//                            segment when reading by chunks, and knows neither WebP nor 'heix')
//   PNG/TIFF                 exifr on the file bytes (eXIf may follow IDAT; TIFF IFDs are the EXIF)
//   TIFF-based RAW           exifr on the head of the file (ORF/RW2 magic patched to TIFF's)
//   CR3                      exifr on the CMT1 (IFD0), CMT2 (Exif) and CMT4 (GPS) boxes
//   RAF                      the embedded JPEG's EXIF
// Plus the XMP packet and IPTC block (dates only) where sharp finds them.
//   readExifSources(path, format) → ExifSources, never throwing: failures go to `warnings`
import { open } from 'node:fs/promises';
// Loaded on first use (~10 MB): only ingest reads EXIF.
let exifrModule: Promise<typeof import('exifr').default> | undefined;
const loadExifr = () => (exifrModule ??= import('exifr').then((m) => m.default));
import sharp, { type Metadata } from './sharp.ts';
import type { MediaFormat } from './file-type.ts';
import { listTopLevelBoxes, readBoxes } from './iso-bmff.ts';
import { readFileHead, readRange } from './read-bytes.ts';
import { findRawPreviews, readMrwTiff, readRawPreview } from './raw-preview.ts';

export type TagBlock = Record<string, unknown>;

export interface ExifSources {
  ifd0: TagBlock;
  exif: TagBlock;
  gps: TagBlock;
  xmp: string | undefined;
  iptc: Uint8Array | undefined;
  /** The maker note's bytes, as the camera wrote them. */
  makerNote: Uint8Array | undefined;
  /** sharp's header read, for the formats sharp can open. */
  sharpMeta: Metadata | undefined;
  /** Bytes of a TIFF-based RAW's head, for layout questions (sensor size). */
  rawHead: Uint8Array | undefined;
  warnings: string[];
}

const FILE_BYTES_LIMIT = 64 * 1024 * 1024;
const RAW_HEAD_BYTES = 16 * 1024 * 1024;
const CR3_METADATA_UUID = '85c0b687820f11e08111f4ce462b6a48';

const EXIFR_OPTIONS = {
  tiff: true,
  ifd0: true,
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  makerNote: true, // raw bytes: Apple's carries a Live Photo's content identifier
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  reviveValues: false,
  translateValues: false,
  translateKeys: true,
  sanitize: true,
  mergeOutput: false,
  silentErrors: true,
  chunked: false,
} as const;

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

function emptySources(): ExifSources {
  return { ifd0: {}, exif: {}, gps: {}, xmp: undefined, iptc: undefined, makerNote: undefined, sharpMeta: undefined, rawHead: undefined, warnings: [] };
}

/** The TIFF structure inside an EXIF payload ('Exif\0\0' prefix, HEIF's 4-byte offset, ...). */
function tiffStart(bytes: Uint8Array): Uint8Array | undefined {
  for (let i = 0; i + 4 <= Math.min(bytes.length, 32); i++) {
    const ii = bytes[i] === 0x49 && bytes[i + 1] === 0x49 && bytes[i + 2] === 0x2a && bytes[i + 3] === 0x00;
    const mm = bytes[i] === 0x4d && bytes[i + 1] === 0x4d && bytes[i + 2] === 0x00 && bytes[i + 3] === 0x2a;
    if (ii || mm) return bytes.subarray(i);
  }
  return undefined;
}

async function parseWithExifr(bytes: Uint8Array, into: ExifSources, what: string, options: object = EXIFR_OPTIONS): Promise<void> {
  try {
    const out = (await (await loadExifr()).parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), options)) as
      | Record<string, unknown>
      | undefined;
    if (!out) return;
    for (const block of ['ifd0', 'exif', 'gps'] as const) {
      const tags = out[block];
      if (tags && typeof tags === 'object') Object.assign(into[block], tags);
    }
    if (out.makerNote instanceof Uint8Array) into.makerNote ??= out.makerNote;
    const errors = out.errors;
    if (Array.isArray(errors)) {
      for (const error of errors) into.warnings.push(`${what}: ${message(error)}`);
    }
  } catch (error) {
    into.warnings.push(`${what}: ${message(error)}`);
  }
}

async function readSharpMeta(input: string | Buffer, into: ExifSources, quiet = false): Promise<Metadata | undefined> {
  try {
    // Header only: no pixels are decoded, so no pixel limit is needed to read a bomb's size.
    const meta = await sharp(input, { limitInputPixels: false }).metadata();
    into.xmp ??= meta.xmp ? meta.xmp.toString('utf8') : undefined;
    into.iptc ??= meta.iptc;
    return meta;
  } catch (error) {
    if (!quiet) into.warnings.push(`image header: ${message(error)}`);
    return undefined;
  }
}

async function fileBytes(path: string, limit: number, into: ExifSources): Promise<Uint8Array> {
  const bytes = await readFileHead(path, limit);
  if (bytes.length === limit) into.warnings.push(`metadata read from the first ${limit / 1024 / 1024} MiB only`);
  return bytes;
}

export async function readExifSources(path: string, format: MediaFormat): Promise<ExifSources> {
  const into = emptySources();
  try {
    switch (format) {
      case 'jpeg':
      case 'webp':
      case 'avif':
      case 'heic':
      case 'gif': {
        into.sharpMeta = await readSharpMeta(path, into);
        const tiff = into.sharpMeta?.exif && tiffStart(into.sharpMeta.exif);
        if (tiff) await parseWithExifr(tiff, into, 'EXIF');
        break;
      }
      case 'png':
      case 'tiff': {
        into.sharpMeta = await readSharpMeta(path, into);
        await parseWithExifr(await fileBytes(path, FILE_BYTES_LIMIT, into), into, 'EXIF');
        break;
      }
      case 'cr3':
        await readCr3(path, into);
        break;
      case 'raf': {
        const { previews } = await findRawPreviews(path, 'raf');
        if (previews[0]) {
          const meta = await readSharpMeta(await readRawPreview(path, previews[0]), into);
          const tiff = meta?.exif && tiffStart(meta.exif);
          if (tiff) await parseWithExifr(tiff, into, 'EXIF');
        }
        break;
      }
      case 'mrw': {
        const tiff = await readMrwTiff(path);
        if (tiff) await parseWithExifr(tiff, into, 'EXIF');
        break;
      }
      case 'dng':
      case 'cr2':
      case 'nef':
      case 'arw':
      case 'orf':
      case 'rw2':
      case 'raw': {
        const head = await readFileHead(path, RAW_HEAD_BYTES);
        into.rawHead = head;
        const bytes = format === 'orf' || format === 'rw2' ? withTiffMagic(head) : head;
        await parseWithExifr(bytes, into, 'EXIF');
        // Only for the XMP packet (DNG, NEF): sharp reads IFD0 of TIFF-based RAWs.
        await readSharpMeta(path, into, true);
        break;
      }
      default:
        into.warnings.push(`no photo metadata reader for ${format}`);
    }
  } catch (error) {
    into.warnings.push(`metadata: ${message(error)}`);
  }
  return into;
}

/** ORF ('IIRO') and RW2 ('IIU\0') are TIFF with another magic number. */
function withTiffMagic(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes);
  if (copy[0] === 0x49) {
    copy[2] = 0x2a;
    copy[3] = 0x00;
  } else {
    copy[2] = 0x00;
    copy[3] = 0x2a;
  }
  return copy;
}

async function readCr3(path: string, into: ExifSources): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const moovBox = (await listTopLevelBoxes(handle, size)).find((b) => b.type === 'moov');
    if (!moovBox || moovBox.end - moovBox.payload > 16 * 1024 * 1024) {
      into.warnings.push('CR3: no metadata box');
      return;
    }
    const moov = await readRange(handle, moovBox.payload, moovBox.end - moovBox.payload);
    const meta = readBoxes(moov).find((b) => b.type === 'uuid' && b.uuid === CR3_METADATA_UUID);
    if (!meta) {
      into.warnings.push('CR3: no metadata box');
      return;
    }
    for (const box of readBoxes(moov, meta.payload, Math.min(meta.end, moov.length))) {
      const block = ({ CMT1: 'ifd0', CMT2: 'exif', CMT4: 'gps' } as const)[box.type as 'CMT1' | 'CMT2' | 'CMT4'];
      if (!block) continue;
      await parseTiffAsBlock(moov.subarray(box.payload, Math.min(box.end, moov.length)), block, into);
    }
  } finally {
    await handle.close();
  }
}

// CMT2 and CMT4 are TIFF structures whose IFD0 holds Exif or GPS tags: parse untranslated
// and name the tags with exifr's dictionary for that block.
async function parseTiffAsBlock(bytes: Uint8Array, block: 'ifd0' | 'exif' | 'gps', into: ExifSources): Promise<void> {
  const scratch = emptySources();
  await parseWithExifr(bytes, scratch, `CR3 ${block}`, { ...EXIFR_OPTIONS, exif: false, gps: false, translateKeys: false });
  into.warnings.push(...scratch.warnings);
  const names = ((await loadExifr()) as unknown as { tagKeys: Map<string, Map<number, string>> }).tagKeys.get(block);
  for (const [key, value] of Object.entries(scratch.ifd0)) {
    const name = names?.get(Number(key)) ?? key;
    into[block][name] = value;
  }
}
