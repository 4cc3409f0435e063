// Files of a backup are the owner's alone: folders 0700, files 0600, each written under a
// temp name, fsynced and renamed, so a run cut short leaves no half file under a real name.
import { copyFile, mkdir, open, rename, unlink } from 'node:fs/promises';

export const PARTIAL = '.partial';

/** mkdir -p with 0700 for each folder it makes. */
export async function makePrivateDirs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Gives a written file its mode (0600 unless said) and makes it durable. */
export async function syncFileWithMode(path: string, mode = 0o600): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `path` in whole or not at all: `write` fills the temp file it is given. */
export async function writePrivateFile(path: string, write: (temp: string) => Promise<void>, mode = 0o600): Promise<void> {
  const temp = `${path}${PARTIAL}`;
  try {
    await write(temp);
    await syncFileWithMode(temp, mode);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

export const writePrivateText = (path: string, text: string) =>
  writePrivateFile(path, async (temp) => {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  });

export const copyPrivateFile = (from: string, to: string) => writePrivateFile(to, (temp) => copyFile(from, temp));
