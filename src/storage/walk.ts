// Listing the files under a folder of DATA_DIR (fsck, backup and restore).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UPLOAD_PARTS_DIR } from './upload-parts.ts';

export interface FileEntry {
  rel: string;
  size: number;
  mtimeMs: number;
}

/** Every regular file under DATA_DIR/<top>, with its path relative to DATA_DIR. Symlinks count as files. */
export async function walkFiles(root: string, top: string): Promise<FileEntry[]> {
  const found: FileEntry[] = [];
  async function visit(rel: string) {
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const childRel = `${rel}/${entry.name}`;
      if (childRel === UPLOAD_PARTS_DIR) continue; // resumable uploads: scanUploadParts
      if (entry.isDirectory()) {
        await visit(childRel);
        continue;
      }
      const info = await stat(join(root, childRel)).catch(() => undefined);
      found.push({ rel: childRel, size: info?.size ?? 0, mtimeMs: info?.mtimeMs ?? 0 });
    }
  }
  await visit(top);
  return found;
}
