// DATA_DIR layout (README, "Where the data lives"). Every path the app writes is built here.
import { mkdirSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export interface DataDir {
  root: string;
  db: string;
  originals: string;
  thumbnails: string;
  videos: string;
  tmp: string;
  lockFile: string;
  adminSocket: string;
  secretKeyFile: string;
}

export function dataDirLayout(root: string): DataDir {
  return {
    root,
    db: join(root, 'db'),
    originals: join(root, 'originals'),
    thumbnails: join(root, 'thumbnails'),
    videos: join(root, 'videos'),
    tmp: join(root, 'tmp'),
    lockFile: join(root, 'shoebox.lock'),
    adminSocket: join(root, 'admin.sock'),
    secretKeyFile: join(root, 'secret.key'),
  };
}

/** Creates the folders; DATA_DIR itself is made private to this OS user. */
export function prepareDataDir(root: string): DataDir {
  const layout = dataDirLayout(root);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  for (const dir of [layout.originals, layout.thumbnails, layout.videos, layout.tmp]) {
    mkdirSync(dir, { recursive: true });
  }
  return layout;
}

/** The name /healthz's probe files start with: one a killed process left is removed at start (storage/recovery.ts). */
export const PROBE_PREFIX = '.probe-';

/** True when a file can be created and removed under tmp/ (for /healthz). */
export async function isWritable(layout: DataDir): Promise<boolean> {
  const probe = join(layout.tmp, `${PROBE_PREFIX}${randomUUID()}`);
  try {
    await writeFile(probe, 'ok');
    // Gone already: another server sharing DATA_DIR started and removed it; it was written.
    await unlink(probe).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return true;
  } catch {
    return false;
  }
}
