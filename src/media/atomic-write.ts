// Writing a derived file so that readers see the old file or the whole new one, never half:
// a temp file in the same folder, fsync, rename over the target.
//   writeFileAtomic(path, data)
//   TEMP_FILE_PATTERN → matches the temp names left behind by a crash (for fsck)
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const TEMP_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
