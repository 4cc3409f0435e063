// ISO base media (MP4 / MOV / HEIF / CR3) box walking, only as much as the media layer needs.
//   readBoxes(bytes, from?, to?)          → the boxes laid end to end in bytes[from, to)
//   listTopLevelBoxes(handle, fileSize)    → the file's top-level boxes, reading only their headers
//   readFtyp(bytes)                        → { major, compatible } when bytes start with an ftyp box
import type { FileHandle } from 'node:fs/promises';
import { readRange } from './read-bytes.ts';

export interface Box {
  type: string;
  /** Offset of the box header. */
  start: number;
  /** Offset of the payload (after size, type, large size and uuid). */
  payload: number;
  /** Offset just past the box; may exceed the bytes given when the box runs on. */
  end: number;
  /** Hex of the 16-byte user type, for 'uuid' boxes. */
  uuid?: string;
}

const MAX_BOXES = 4096;

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses one box header at `at`, or undefined when there is no sane header there. */
export function parseBoxHeader(bytes: Uint8Array, at: number, limit: number): Box | undefined {
  if (at + 8 > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size = view.getUint32(at);
  const type = fourcc(bytes, at + 4);
  if (!/^[\x20-\x7e©]{4}$/.test(type)) return undefined;
  let payload = at + 8;
  if (size === 1) {
    if (at + 16 > bytes.length) return undefined;
    size = Number(view.getBigUint64(at + 8));
    payload += 8;
  } else if (size === 0) {
    size = limit - at;
  }
  if (size < payload - at) return undefined;
  const box: Box = { type, start: at, payload, end: at + size };
  if (type === 'uuid') {
    if (payload + 16 > bytes.length) return undefined;
    box.uuid = hex(bytes.subarray(payload, payload + 16));
    box.payload += 16;
  }
  return box;
}

export function readBoxes(bytes: Uint8Array, from = 0, to = bytes.length): Box[] {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to && boxes.length < MAX_BOXES) {
    const box = parseBoxHeader(bytes, at, to);
    if (!box) break;
    boxes.push(box);
    at = box.end;
  }
  return boxes;
}

export async function listTopLevelBoxes(handle: FileHandle, fileSize: number): Promise<Box[]> {
  const boxes: Box[] = [];
  let at = 0;
  while (at + 8 <= fileSize && boxes.length < MAX_BOXES) {
    const header = await readRange(handle, at, 32);
    const box = parseBoxHeader(header, 0, fileSize - at);
    if (!box) break;
    boxes.push({ ...box, start: at, payload: at + box.payload, end: at + (box.end - box.start) });
    at += box.end - box.start;
  }
  return boxes;
}

/**
 * The boxes laid end to end in [from, to) of what `r` reads, reading only their headers.
 * `anyType`: boxes typed by a number (an mdta 'ilst''s children, an mebx key table's
 * local ids), not by letters.
 */
const MAX_LISTED_BOXES = 10_000;

export async function listBoxes(
  r: { read(offset: number, length: number): Promise<Uint8Array> },
  from: number,
  to: number,
  anyType = false,
): Promise<Box[]> {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to && boxes.length < MAX_LISTED_BOXES) {
    const header = Buffer.from(await r.read(at, 32)); // a copy: readers may cache their blocks
    const type = header.toString('latin1', 4, 8);
    if (anyType && header.length >= 8) header.write('xxxx', 4, 'latin1');
    const box = parseBoxHeader(header, 0, to - at);
    if (!box || box.end - box.start < 8) break;
    const size = box.end - box.start;
    boxes.push({ ...box, type: anyType ? type : box.type, start: at, payload: at + box.payload, end: Math.min(at + size, to) });
    at += size;
  }
  return boxes;
}

export function readFtyp(bytes: Uint8Array): { major: string; compatible: string[] } | undefined {
  const box = parseBoxHeader(bytes, 0, bytes.length);
  if (!box || box.type !== 'ftyp' || box.end > 4096 || box.payload + 8 > bytes.length) return undefined;
  const major = fourcc(bytes, box.payload);
  const compatible: string[] = [];
  for (let at = box.payload + 8; at + 4 <= Math.min(box.end, bytes.length); at += 4) {
    compatible.push(fourcc(bytes, at));
  }
  return { major, compatible };
}
