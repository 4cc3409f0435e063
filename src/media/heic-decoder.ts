// HEIC/HEIF decoding off the event loop. sharp's prebuilt libvips cannot decode HEVC, so
// heic-decode (libheif as WASM) runs in worker threads (heic-worker.mjs) and hands back RGBA.
//   probeHeic(path, maxPixels)   → { width, height } when the container parses (no pixel decode)
//   decodeHeic(path, maxPixels)  → { width, height, data: RGBA } with libheif's transformations
//                                  (irot/imir) applied: the pixels are already upright
// Both throw UndecodableError (TooManyPixelsError above maxPixels).
// Workers are kept while busy and ended after a short idle time: the WASM heap never
// shrinks, so an idle worker would keep the memory of the largest image it decoded.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TooManyPixelsError, UndecodableError } from './media-errors.ts';

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

const WORKER_URL = new URL('./heic-worker.mjs', import.meta.url);
const MAX_WORKERS = Math.max(1, Math.min(2, availableParallelism()));
const IDLE_MS = 20_000;

const slots: Slot[] = [];
const queue: Task[] = [];
let nextId = 1;

function startSlot(): Slot {
  const slot: Slot = { worker: new Worker(WORKER_URL), task: undefined, idleTimer: undefined };
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

export async function probeHeic(path: string, maxPixels: number): Promise<{ width: number; height: number }> {
  const reply = await submit('probe', path, maxPixels);
  return { width: reply.width!, height: reply.height! };
}

export async function decodeHeic(path: string, maxPixels: number): Promise<HeicPixels> {
  const reply = await submit('decode', path, maxPixels);
  const data = reply.data!;
  return {
    width: reply.width!,
    height: reply.height!,
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  };
}
