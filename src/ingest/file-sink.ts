// A writable file for large uploads: the socket's 64 KiB chunks are written in batches of
// 1 MiB with one writev each (a write per chunk cost ~35 µs of main-thread time, ~0.5 s per
// GiB), the data is flushed to disk in the background every 64 MiB so the final flush has
// little left to do, and the file is made durable before the stream finishes. A new file by
// default (it must not exist); with `position`, bytes go into an existing file from there
// (a resumable upload's part, one chunk at a time: with `durable: false` the chunk's flush
// runs in the background, not waited for, and the end of the whole file waits for what is
// left; in bench/tus-upload.ts this kept 1 GiB at ~6 s where one flush at the end took ~8 s).
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
  /** Where the next batch goes; undefined: a new file, written from its start in order. */
  #position: number | undefined;
  readonly #durable: boolean;

  constructor(path: string, options: { position?: number; durable?: boolean } = {}) {
    super({ highWaterMark: BATCH_BYTES });
    this.path = path;
    this.#position = options.position;
    this.#durable = options.durable ?? true;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, this.#position === undefined ? 'wx' : 'r+').then((file) => {
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
    if (!file) return callback(error);
    // Into an existing file (a resumable part): what arrived before the break is kept, so the
    // client goes on from there. A new file is removed by its owner anyway.
    const kept = this.#position !== undefined && this.#batchBytes > 0 ? this.#writeBatch().catch(() => {}) : undefined;
    // A flush still running holds the descriptor; close once it has settled.
    Promise.resolve(kept)
      .then(() => {
        this.#file = undefined;
        return this.#flushing;
      })
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
      const { bytesWritten } = await this.#file!.writev(buffers, this.#position);
      if (this.#position !== undefined) this.#position += bytesWritten;
      left -= bytesWritten;
      if (left > 0) buffers = skipBytes(buffers, bytesWritten);
    }
    crashPoint('upload-body');
    if (this.#durable && this.#unflushed >= FLUSH_EVERY && !this.#flushing) {
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
    this.#file = undefined;
    if (!this.#durable) {
      void file.datasync().catch(() => {}).finally(() => file.close().catch(() => {}));
      return;
    }
    await file.datasync();
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
