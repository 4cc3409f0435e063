// HEIC/HEIF decoding off the event loop. sharp's prebuilt libvips cannot decode HEVC, so
// heic-decode (libheif as WASM) runs in worker threads (heic-worker.mjs) and hands back RGBA.
//   probeHeic(path, maxPixels)   → { width, height } when the container parses (no pixel decode)
//   decodeHeic(path, maxPixels)  → { width, height, data: RGBA } with libheif's transformations
//                                  (irot/imir) applied: the pixels are already upright
// Both throw UndecodableError (TooManyPixelsError above maxPixels). libheif reads a whole
// file into memory: a file over MAX_DECODE_BYTES (a guest may upload 4 GiB named .heic) is
// never handed to it: its probe reads the primary image's size from the meta box alone, and
// it is not decoded (kept as uploaded, with a placeholder).
//   readHeicColour(path)         → the primary image's colour description from its 'colr'
//                                  property: { icc } (prof/rICC) and/or { nclx }; {} when none.
//                                  heic-decode hands back the pixels in the file's colour space
//                                  (iPhones: Display P3), this says which one that is.
// Workers are kept while busy and ended after a short idle time: the WASM heap never
// shrinks, so an idle worker would keep the memory of the largest image it decoded.
import { open } from 'node:fs/promises';
import { fromAppRoot } from '../app-root.ts';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { listTopLevelBoxes, readBoxes, type Box } from './iso-bmff.ts';
import { TooManyPixelsError, UndecodableError } from './media-errors.ts';
import { readRange } from './read-bytes.ts';

export interface HeicPixels {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  data: Buffer;
}

interface Task {
  id: number;
  op: 'probe' | 'decode';
  path: string;
  maxPixels: number;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

interface Reply {
  id: number;
  ok: boolean;
  width?: number;
  height?: number;
  data?: Uint8ClampedArray;
  error?: string;
  tooLarge?: boolean;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

const WORKER_PATH = fromAppRoot('src/media/heic-worker.mjs');
const MAX_WORKERS = Math.max(1, Math.min(2, availableParallelism()));
const IDLE_MS = 20_000;

const slots: Slot[] = [];
const queue: Task[] = [];
let nextId = 1;

function startSlot(): Slot {
  const slot: Slot = { worker: new Worker(WORKER_PATH), task: undefined, idleTimer: undefined };
  slot.worker.on('message', (reply: Reply) => {
    const task = slot.task;
    slot.task = undefined;
    if (task && reply.id === task.id) task.resolve(reply);
    dispatch();
  });
  const fail = (error: Error) => {
    removeSlot(slot);
    slot.task?.reject(new UndecodableError(`HEIC decoder stopped: ${error.message}`));
    slot.task = undefined;
    dispatch();
  };
  slot.worker.on('error', fail);
  slot.worker.on('exit', (code) => {
    if (slot.task) fail(new Error(`worker exited with code ${code}`));
    removeSlot(slot);
  });
  slots.push(slot);
  return slot;
}

function removeSlot(slot: Slot): void {
  const at = slots.indexOf(slot);
  if (at >= 0) slots.splice(at, 1);
  if (slot.idleTimer) clearTimeout(slot.idleTimer);
}

function dispatch(): void {
  for (const slot of slots) {
    if (slot.task) continue;
    const task = queue.shift();
    if (!task) {
      // Idle: do not hold the process open, and end the worker after a while.
      slot.worker.unref();
      slot.idleTimer ??= setTimeout(() => {
        removeSlot(slot);
        void slot.worker.terminate();
      }, IDLE_MS).unref();
      continue;
    }
    run(slot, task);
  }
  while (queue.length > 0 && slots.length < MAX_WORKERS) run(startSlot(), queue.shift()!);
}

function run(slot: Slot, task: Task): void {
  if (slot.idleTimer) clearTimeout(slot.idleTimer);
  slot.idleTimer = undefined;
  slot.task = task;
  slot.worker.ref();
  slot.worker.postMessage({ id: task.id, op: task.op, path: task.path, maxPixels: task.maxPixels });
}

function submit(op: Task['op'], path: string, maxPixels: number): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    queue.push({ id: nextId++, op, path, maxPixels, resolve, reject });
    dispatch();
  }).then((reply) => {
    if (reply.ok) return reply;
    if (reply.tooLarge && reply.width && reply.height) throw new TooManyPixelsError(reply.width, reply.height, maxPixels);
    throw new UndecodableError(`cannot decode HEIC/HEIF image: ${reply.error ?? 'unknown error'}`);
  });
}

const MAX_DECODE_BYTES = 256 * 1024 * 1024;
const MiB = 1024 * 1024;

async function fileSize(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

export async function probeHeic(path: string, maxPixels: number): Promise<{ width: number; height: number }> {
  if ((await fileSize(path)) > MAX_DECODE_BYTES) {
    const size = (await readPrimaryProperties(path))?.size;
    if (!size) throw new UndecodableError('cannot read the size of this HEIC/HEIF image');
    if (size.width * size.height > maxPixels) throw new TooManyPixelsError(size.width, size.height, maxPixels);
    return size;
  }
  const reply = await submit('probe', path, maxPixels);
  return { width: reply.width!, height: reply.height! };
}

export async function decodeHeic(path: string, maxPixels: number): Promise<HeicPixels> {
  const bytes = await fileSize(path);
  if (bytes > MAX_DECODE_BYTES) {
    throw new UndecodableError(`this HEIC/HEIF file is ${Math.round(bytes / MiB)} MB: files over ${MAX_DECODE_BYTES / MiB} MB are kept as uploaded, without a preview`);
  }
  const reply = await submit('decode', path, maxPixels);
  const data = reply.data!;
  return {
    width: reply.width!,
    height: reply.height!,
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  };
}

export interface HeicColour {
  /** An ICC profile ('prof' or 'rICC' colr box). */
  icc?: Buffer;
  /** ISO/IEC 23091-2 code points ('nclx' colr box). */
  nclx?: { primaries: number; transfer: number; matrix: number; fullRange: boolean };
}

const MAX_META_BYTES = 4 * 1024 * 1024;

/**
 * The colr properties associated with the primary item (meta/pitm, meta/iprp/ipma -> ipco).
 * A grid primary without its own colr takes the first one in ipco, as libheif does with the
 * tiles' profile. Reads only the meta box.
 */
export async function readHeicColour(path: string): Promise<HeicColour> {
  return (await readPrimaryProperties(path))?.colour ?? {};
}

/** The primary item's colour and size (its ispe), from the meta box alone; undefined without one. */
async function readPrimaryProperties(path: string): Promise<{ colour: HeicColour; size?: { width: number; height: number } } | undefined> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const metaBox = (await listTopLevelBoxes(handle, size)).find((b) => b.type === 'meta');
    if (!metaBox || metaBox.end - metaBox.payload > MAX_META_BYTES) return undefined;
    const meta = await readRange(handle, metaBox.payload, metaBox.end - metaBox.payload);
    return primaryProperties(meta);
  } finally {
    await handle.close();
  }
}

function primaryProperties(meta: Uint8Array): { colour: HeicColour; size?: { width: number; height: number } } {
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const within = (box: Box) => readBoxes(meta, box.payload, Math.min(box.end, meta.length));
  const boxes = readBoxes(meta, 4); // meta is a full box: version and flags first
  const pitm = boxes.find((b) => b.type === 'pitm');
  const iprp = boxes.find((b) => b.type === 'iprp');
  if (!iprp) return { colour: {} };
  const iprpChildren = within(iprp);
  const ipco = iprpChildren.find((b) => b.type === 'ipco');
  if (!ipco) return { colour: {} };
  const properties = within(ipco);
  const colrs = properties.filter((b) => b.type === 'colr');

  let primary: number | undefined;
  if (pitm && pitm.payload + 6 <= meta.length) primary = meta[pitm.payload] === 0 ? view.getUint16(pitm.payload + 4) : view.getUint32(pitm.payload + 4);
  const associated: Box[] = [];
  for (const ipma of iprpChildren.filter((b) => b.type === 'ipma')) {
    const version = meta[ipma.payload]!;
    const wide = (meta[ipma.payload + 3]! & 1) === 1;
    const end = Math.min(ipma.end, meta.length);
    let at = ipma.payload + 4;
    if (at + 4 > end) continue;
    const entries = view.getUint32(at);
    at += 4;
    for (let i = 0; i < entries && at < end; i++) {
      const item = version < 1 ? view.getUint16(at) : view.getUint32(at);
      at += version < 1 ? 2 : 4;
      const count = meta[at++] ?? 0;
      for (let j = 0; j < count && at < end; j++) {
        const index = wide ? view.getUint16(at) & 0x7fff : meta[at]! & 0x7f;
        at += wide ? 2 : 1;
        const property = properties[index - 1]; // 1-based; 0 means none
        if (item === primary && property) associated.push(property);
      }
    }
  }

  const colour: HeicColour = {};
  const ownColrs = associated.filter((b) => b.type === 'colr');
  for (const colr of ownColrs.length > 0 ? ownColrs : colrs) {
    if (colr.payload + 4 > meta.length) continue;
    const kind = String.fromCharCode(...meta.subarray(colr.payload, colr.payload + 4));
    const end = Math.min(colr.end, meta.length);
    if ((kind === 'prof' || kind === 'rICC') && !colour.icc && end - colr.payload > 4 + 128) {
      colour.icc = Buffer.from(meta.subarray(colr.payload + 4, end));
    } else if (kind === 'nclx' && !colour.nclx && colr.payload + 11 <= end) {
      colour.nclx = {
        primaries: view.getUint16(colr.payload + 4),
        transfer: view.getUint16(colr.payload + 6),
        matrix: view.getUint16(colr.payload + 8),
        fullRange: (meta[colr.payload + 10]! & 0x80) !== 0,
      };
    }
  }
  // ispe: a full box, then width and height (32 bits each).
  const ispe = associated.find((b) => b.type === 'ispe');
  const size = ispe && ispe.payload + 12 <= meta.length ? { width: view.getUint32(ispe.payload + 4), height: view.getUint32(ispe.payload + 8) } : undefined;
  return { colour, ...(size && size.width > 0 && size.height > 0 ? { size } : {}) };
}
