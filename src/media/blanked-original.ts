// The CRC-32 of an original as a "strip location" link serves it (with its location
// patches applied), from the stored CRC-32 of the original and the bytes under the
// patches alone. CRC-32 is linear: for two messages of one length,
//   crc(P) = crc(O) xor raw(O xor P),
// where raw is the CRC register with no initial value and no final XOR, and O xor P is
// zero outside the patches, so only the patched spans are read. A ZIP of blanked files
// needs each entry's CRC before its first byte is sent (src/zip/zip-layout.ts).
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { crc32OfZeros, shiftRegister } from '../zip/crc32-shift.ts';
import { detectFileType, HEAD_BYTES, type MediaFormat } from './file-type.ts';
import { applyPatches, findLocationPatches, patchLength, type Patch } from './location-patches.ts';
import { readFileHead } from './read-bytes.ts';
import { findRemainingLocation } from './location-check.ts';

// Formats whose location findLocationPatches knows; others are told by their bytes.
const FORMATS = new Set<string>([
  'jpeg', 'png', 'webp', 'gif', 'avif', 'heic', 'tiff', 'dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'raf', 'rw2',
  'mp4', 'mov', 'webm', '3gp', 'mkv',
]);

export interface BlankedOriginal {
  patches: Patch[];
  /** CRC-32 of the original with the patches applied. */
  crc32: number;
  /** The patched bytes checked again (location-check.ts): 'clean', or why a position remains. */
  check: string;
}

export const LOCATION_CLEAN = 'clean';

/** A check that found a position left (null: not checked yet, which the server decides on first use). */
export const locationLeft = (check: string | null) => check !== null && check !== LOCATION_CLEAN;

/** The patches, CRC-32 and check for the original at `path`, of `format` and the given size and CRC-32. */
export async function blankOriginal(path: string, format: string, original: { size: number; crc32: number }): Promise<BlankedOriginal> {
  const known = FORMATS.has(format) ? (format as MediaFormat) : detectFileType(await readFileHead(path, HEAD_BYTES))?.format;
  const patches = known ? await findLocationPatches(path, known) : [];
  const crc32 = await patchedCrc32(path, original.size, original.crc32, patches);
  const remaining = known ? await findRemainingLocation(path, known, patches) : 'the file is of no format whose location records are known';
  return { patches, crc32, check: remaining ?? LOCATION_CLEAN };
}

/** raw(bytes): the register after `bytes` from zero, without the final XOR. */
const rawCrc = (bytes: Uint8Array) => (crc32(bytes) ^ crc32OfZeros(bytes.length)) >>> 0;

/** Patches are sorted and do not overlap (toPatches); `crc` is the unpatched file's CRC-32. */
export async function patchedCrc32(path: string, size: number, crc: number, patches: readonly Patch[]): Promise<number> {
  if (!patches.length) return crc >>> 0;
  const file = await open(path, 'r');
  try {
    let result = crc >>> 0;
    for (const p of patches) {
      const length = Math.min(patchLength(p), size - p.offset);
      if (length <= 0) continue;
      const original = Buffer.alloc(length);
      const { bytesRead } = await file.read(original, 0, length, p.offset);
      if (bytesRead !== length) throw new Error(`${path} is shorter than its location patches`);
      const difference = applyPatches(Buffer.from(original), [p], p.offset);
      for (let i = 0; i < length; i++) difference[i]! ^= original[i]!;
      result ^= shiftRegister(rawCrc(difference), size - p.offset - length);
    }
    return result >>> 0;
  } finally {
    await file.close();
  }
}
