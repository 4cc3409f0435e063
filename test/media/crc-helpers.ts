// CRC-32 worked out the slow, obvious way (every byte read), to check the quick ways against.
import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import { createPatchedReadStream, type Patch } from '../../src/media/location-patches.ts';

async function crcOf(stream: NodeJS.ReadableStream): Promise<number> {
  let crc = 0;
  for await (const chunk of stream) crc = crc32(chunk as Buffer, crc);
  return crc >>> 0;
}

export const crc32OfFile = (path: string) => crcOf(createReadStream(path));

/** CRC-32 of the file as served with the patches applied. */
export const patchedBytesCrc32 = (path: string, patches: readonly Patch[]) => crcOf(createPatchedReadStream(path, patches));
