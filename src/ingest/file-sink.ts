// A writable file for large uploads: the socket's 64 KiB chunks are written in batches of
// 1 MiB with one writev each (a write per chunk cost ~35 µs of main-thread time, ~0.5 s per
// GiB), the data is flushed to disk in the background every 64 MiB so the final flush has
// little left to do, and the file is made durable before the stream finishes.
import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { crashPoint } from '../crash-points.ts';

const BATCH_BYTES = 1024 * 1024;
const FLUSH_EVERY = 64 * 1024 * 1024;

export class FileSink extends Writable {
  readonly path: string;
  #file: FileHandle | undefined;
  #batch: Buffer[] = [];
  #batchBytes = 0;
  #unflushed = 0;
  #flushing: Promise<void> | undefined;

  constructor(path: string) {
    super({ highWaterMark: BATCH_BYTES });
    this.path = path;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'wx').then((file) => {
      this.#file = file;
      callback();
    }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#batch.push(chunk);
    this.#batchBytes += chunk.length;
    if (this.#batchBytes < BATCH_BYTES) return callback();
    this.#writeBatch().then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const file = this.#file;
    this.#file = undefined;
    if (!file) return callback(error);
    // A flush still running holds the descriptor; close once it has settled.
    Promise.resolve(this.#flushing)
      .then(() => file.close())
      .then(() => callback(error), (closeError: Error) => callback(error ?? closeError));
  }

  async #writeBatch(): Promise<void> {
    let buffers = this.#batch;
    let left = this.#batchBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#unflushed += left;
    // A short write only happens when the disk fills up; write the rest, and let the next
    // attempt report ENOSPC.
    while (left > 0) {
      const { bytesWritten } = await this.#file!.writev(buffers);
      left -= bytesWritten;
      if (left > 0) buffers = skipBytes(buffers, bytesWritten);
    }
    crashPoint('upload-body');
    if (this.#unflushed >= FLUSH_EVERY && !this.#flushing) {
      this.#unflushed = 0;
      // In the background: the final datasync still makes everything durable and reports errors.
      this.#flushing = this.#file!.datasync().then(
        () => (this.#flushing = undefined),
        () => (this.#flushing = undefined),
      );
    }
  }

  async #finish(): Promise<void> {
    if (this.#batchBytes > 0) await this.#writeBatch();
    await this.#flushing;
    const file = this.#file!;
    await file.datasync();
    this.#file = undefined;
    await file.close();
  }
}

function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (count >= buffer.length) {
      count -= buffer.length;
      continue;
    }
    rest.push(count > 0 ? buffer.subarray(count) : buffer);
    count = 0;
  }
  return rest;
}
