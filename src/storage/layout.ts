// Where an asset's files live, relative to DATA_DIR (DESIGN.md section 4). Names come from
// the SHA-256 of the bytes, never from the uploaded file name.
import { join } from 'node:path';

const shard = (hash: string) => `${hash.slice(0, 2)}/${hash.slice(2, 4)}`;

export const originalRelPath = (hash: string, ext: string) => `originals/${shard(hash)}/${hash}.${ext}`;
export const smallThumbRelPath = (hash: string) => `thumbnails/${shard(hash)}/${hash}_sm.webp`;
export const previewRelPath = (hash: string) => `thumbnails/${shard(hash)}/${hash}_lg.webp`;

export const absolute = (root: string, rel: string) => join(root, rel);

const SHA256_NAME = /^([0-9a-f]{64})\.([a-z0-9]{1,5})$/;
/** The hash and extension of a file name under originals/, or undefined for a stranger. */
export function parseOriginalName(name: string): { hash: string; ext: string } | undefined {
  const m = SHA256_NAME.exec(name);
  return m ? { hash: m[1]!, ext: m[2]! } : undefined;
}
