// SHA-256, CRC-32, size and the first bytes of a stream, computed as it flows through.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { HEAD_BYTES } from '../media/file-type.ts';

export interface Checksums {
  size: number;
  sha256: string;
  crc32: number;
  head: Buffer;
}

export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the file is larger than the ${formatBytes(limit)} limit`);
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

/** SHA-256, CRC-32, size and first bytes of what it is given, chunk after chunk. */
export class RunningChecksums {
  #hash = createHash('sha256');
  #crc = 0;
  #head: Buffer[] = [];
  #headLength = 0;
  size = 0;

  update(chunk: Buffer): void {
    this.size += chunk.length;
    this.#hash.update(chunk);
    this.#crc = crc32(chunk, this.#crc);
    if (this.#headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.#headLength);
      this.#head.push(Buffer.from(part));
      this.#headLength += part.length;
    }
  }

  /** Once: the hash is finished by it. */
  result(): Checksums {
    return { size: this.size, sha256: this.#hash.digest('hex'), crc32: this.#crc >>> 0, head: Buffer.concat(this.#head) };
  }
}

/** A pass-through that measures; it fails as soon as more than `maxBytes` went through. */
export function checksumMeter(maxBytes = Number.POSITIVE_INFINITY): { stream: Transform; result(): Checksums } {
  const sums = new RunningChecksums();
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (sums.size + chunk.length > maxBytes) return done(new FileTooLargeError(maxBytes));
      sums.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, result: () => sums.result() };
}

export async function checksumFile(path: string): Promise<Checksums> {
  const meter = checksumMeter();
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), meter.stream, new Writable({ write: (_c, _e, done) => done() }));
  return meter.result();
}
