// FileSink: the batched writer behind uploads and imports, on a real temp disk.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSink } from '../../src/ingest/file-sink.ts';

const dir = mkdtempSync(join(tmpdir(), 'sbx-file-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Chunks of uneven sizes, so batches end in the middle of a chunk's worth of bytes. */
function unevenChunks(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = [65536, 1, 12345, 65536, 300000, 7][i % 6]!;
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('FileSink', () => {
  it('writes every byte in order, for sizes below, at and across the batch size', async () => {
    for (const size of [0, 1, 1024 * 1024 - 1, 1024 * 1024, 5 * 1024 * 1024 + 17, 70 * 1024 * 1024 + 3]) {
      const data = randomBytes(size);
      const path = join(dir, `exact-${size}`);
      await pipeline(Readable.from(unevenChunks(data)), new FileSink(path));
      const written = readFileSync(path);
      expect(written.length).toBe(size);
      expect(sha256(written)).toBe(sha256(data));
    }
  });

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'taken');
    writeFileSync(path, 'keep me');
    await expect(pipeline(Readable.from([Buffer.from('new')]), new FileSink(path))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('closes its file when the source fails midway, leaving what it had written', async () => {
    const path = join(dir, 'broken');
    const sink = new FileSink(path);
    async function* failing() {
      yield randomBytes(3 * 1024 * 1024);
      throw new Error('the client went away');
    }
    await expect(pipeline(Readable.from(failing()), sink)).rejects.toThrow('the client went away');
    if (!sink.closed) await new Promise((resolve) => sink.once('close', resolve));
    expect(sink.closed).toBe(true);
    expect(readdirSync(dir)).toContain('broken');
    // No descriptor of this process still points at the file.
    const holders = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false; // the descriptor readdir itself used is gone by now
      }
    });
    expect(holders).toEqual([]);
  });
});
