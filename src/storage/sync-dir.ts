// A rename is durable only once the folder holding the new name is synced: after a power
// cut, an original renamed into originals/ whose row exists must still be there.
import { open } from 'node:fs/promises';

export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
