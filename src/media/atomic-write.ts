// Writing a derived file so that readers see the old file or the whole new one, never half:
// a temp file in the same folder, fsync, rename over the target.
//   writeFileAtomic(path, data)
//   removeTempLeftovers(path) → removes the temp files a crash left beside path
//   TEMP_FILE_PATTERN → matches the temp names left behind by a crash (for fsck)
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crashPoint } from '../crash-points.ts';

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
    crashPoint('thumbnail');
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Temp files of earlier writes of `path` whose process died before the rename. Only for a
 *  path no one else is writing now (a derived file is written by the job that claimed it). */
export async function removeTempLeftovers(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix) && TEMP_FILE_PATTERN.test(name)) await unlink(join(dirname(path), name)).catch(() => {});
  }
}
