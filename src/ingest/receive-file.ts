// Streams one file into DATA_DIR/tmp/ while measuring it (SHA-256, CRC-32, first bytes).
// Memory stays flat whatever the size; the temp file is fsynced before it is handed on and
// removed on every failure.
import { randomUUID } from 'node:crypto';
import { createWriteStream, fdatasync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checksumMeter, type Checksums } from './checksum.ts';

export { FileTooLargeError } from './checksum.ts';

export interface ReceivedFile extends Checksums {
  tmpPath: string;
}

export const TMP_PREFIX = 'upload-';
export const tmpFileName = () => `${TMP_PREFIX}${randomUUID()}.part`;

// Flushing as the file arrives keeps the disk busy during the transfer, so the final
// fsync has little left to write (instead of a whole large file at the end).
const FLUSH_EVERY = 64 * 1024 * 1024;

export async function receiveFile(source: Readable, tmpDir: string, options: { maxBytes: number }): Promise<ReceivedFile> {
  const tmpPath = join(tmpDir, tmpFileName());
  const meter = checksumMeter(options.maxBytes);
  const sink = createWriteStream(tmpPath, { flush: true });
  let unflushed = 0;
  let flushing = false;
  meter.stream.on('data', (chunk: Buffer) => {
    unflushed += chunk.length;
    const fd = (sink as unknown as { fd: number | null }).fd; // set once the file is open
    // One flush at a time: a slow disk would otherwise stack them up on libuv's threads,
    // where the file's own writes then wait their turn.
    if (unflushed < FLUSH_EVERY || typeof fd !== 'number' || flushing) return;
    unflushed = 0;
    flushing = true;
    fdatasync(fd, () => (flushing = false)); // in the background; the final flush still makes it durable
  });
  try {
    await pipeline(source, meter.stream, sink);
  } catch (err) {
    source.resume(); // drain what is left so the rest of the request can be read
    // A sink destroyed while its file was still opening creates the file after this point:
    // wait until it has closed, then remove it.
    if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()));
    await unlink(tmpPath).catch(() => {});
    throw err;
  }
  return { tmpPath, ...meter.result() };
}
