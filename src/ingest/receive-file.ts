// Streams one file into DATA_DIR/tmp/ while measuring it (SHA-256, CRC-32, first bytes).
// Memory stays flat whatever the size; the temp file is fsynced before it is handed on and
// removed on every failure.
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checksumMeter, type Checksums } from './checksum.ts';
import { FileSink } from './file-sink.ts';

export { FileTooLargeError } from './checksum.ts';

export interface ReceivedFile extends Checksums {
  tmpPath: string;
}

/** The disk holding DATA_DIR filled up (or its quota ran out) while the file arrived. */
export class DiskFullError extends Error {
  constructor(cause: Error) {
    super("the server's disk is full, so nothing of this file was kept", { cause });
  }
}

const isDiskFull = (err: unknown) => ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException).code ?? '');

export const TMP_PREFIX = 'upload-';
export const tmpFileName = () => `${TMP_PREFIX}${randomUUID()}.part`;

export async function receiveFile(source: Readable, tmpDir: string, options: { maxBytes: number }): Promise<ReceivedFile> {
  const tmpPath = join(tmpDir, tmpFileName());
  const meter = checksumMeter(options.maxBytes);
  const sink = new FileSink(tmpPath);
  try {
    await pipeline(source, meter.stream, sink);
  } catch (err) {
    source.resume(); // drain what is left so the rest of the request can be read
    // A sink destroyed while its file was still opening creates the file after this point:
    // wait until it has closed, then remove it.
    if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()));
    await unlink(tmpPath).catch(() => {});
    throw isDiskFull(err) ? new DiskFullError(err as Error) : err;
  }
  return { tmpPath, ...meter.result() };
}
