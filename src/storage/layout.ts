// Where an asset's files live, relative to DATA_DIR (README, "Where the data lives"). Names come from
// the SHA-256 of the bytes, never from the uploaded file name.
import { join } from 'node:path';

const shard = (hash: string) => `${hash.slice(0, 2)}/${hash.slice(2, 4)}`;

export const originalRelPath = (hash: string, ext: string) => `originals/${shard(hash)}/${hash}.${ext}`;
export const smallThumbRelPath = (hash: string) => `thumbnails/${shard(hash)}/${hash}_sm.webp`;
/** The grid thumbnail again as AVIF: about half the bytes, for browsers that take it. */
export const smallAvifRelPath = (hash: string) => `thumbnails/${shard(hash)}/${hash}_sm.avif`;
export const previewRelPath = (hash: string) => `thumbnails/${shard(hash)}/${hash}_lg.webp`;
/** A video's web-playable copy (H.264/AAC MP4), made only for videos browsers cannot play as uploaded. */
export const videoCopyRelPath = (hash: string) => `videos/${shard(hash)}/${hash}.mp4`;
/** The derived files every processed original has (a video copy only some have). */
export const derivedRelPaths = (hash: string) => [smallThumbRelPath(hash), smallAvifRelPath(hash), previewRelPath(hash)];
/** Every file made from an original, to remove with it. */
export const allDerivedRelPaths = (hash: string) => [...derivedRelPaths(hash), videoCopyRelPath(hash)];
/** The hash in a derived file's name (thumbnails/ or videos/), or undefined for a stranger. */
export const derivedFileHash = (name: string) => /^([0-9a-f]{64})(?:_(?:sm\.(?:webp|avif)|lg\.webp)|\.mp4)$/.exec(name)?.[1];

export const absolute = (root: string, rel: string) => join(root, rel);

const SHA256_NAME = /^([0-9a-f]{64})\.([a-z0-9]{1,5})$/;
/** The hash and extension of a file name under originals/, or undefined for a stranger. */
export function parseOriginalName(name: string): { hash: string; ext: string } | undefined {
  const m = SHA256_NAME.exec(name);
  return m ? { hash: m[1]!, ext: m[2]! } : undefined;
}
