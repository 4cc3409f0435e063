// Reading parts of a file without loading the whole of it.
//   readFileHead(path, length)         → the first `length` bytes (fewer if the file is shorter)
//   readRange(handle, offset, length)  → bytes at [offset, offset+length), clipped at end of file
import { open, type FileHandle } from 'node:fs/promises';

export async function readFileHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    return await readRange(handle, 0, length);
  } finally {
    await handle.close();
  }
}

export async function readRange(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(Math.max(0, length));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
