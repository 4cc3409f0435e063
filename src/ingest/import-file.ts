// Folder import, the part that runs where the database is (the running server, or the CLI's
// own process): one file on this machine's disk → a stored asset, exactly as an upload of
// it would be (streamed into tmp/, measured, typed by content, deduplicated, renamed).
// The CLI walks the folder and hashes the files itself; see src/cli/import.ts.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { AppDeps } from '../http/env.ts';
import { appendAssetsToAlbum } from '../queries/albums.ts';
import { findAssetByHash, findExistingHashes } from '../queries/assets.ts';
import type { Db } from '../queries/users.ts';
import { ingestFile } from './ingest-file.ts';
import { pairLivePhotos } from './live-photos.ts';
import { receiveFile } from './receive-file.ts';
import { attachSidecar, isSidecarOf, isXmp, MAX_SIDECAR_BYTES } from './sidecars.ts';

export interface ImportFileInput {
  /** Absolute path of the file on this machine. */
  path: string;
  albumId?: string;
  /** The file's modification time (ms since epoch): taken_at when the file has no date of its own. */
  lastModified?: number;
}

export interface ImportFileResult {
  /** 'attached': an XMP sidecar, kept with its photo beside it (`id`, once that photo is stored). */
  status: 'created' | 'duplicate' | 'rejected' | 'attached';
  id?: string;
  originalFilename: string;
  /** Why the file was refused (as the upload API says it), or why it could not be read. */
  error?: string;
  httpStatus?: number;
}

/** A refusal that belongs to the whole import (no owner, bad album), not to one file. */
export class ImportError extends Error {}

/** The name kept for display and downloads: as an upload's (routes/upload.ts cleanFilename). */
function displayName(path: string): string {
  return basename(path).normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255) || 'unnamed';
}

export async function ownerId(db: Db): Promise<string | undefined> {
  return (await db.selectFrom('users').select('id').where('role', '=', 'owner').orderBy('created_at').executeTakeFirst())?.id;
}

/** The album titled exactly `title` (the oldest, if several are), else a new one of the owner's. */
export async function findOrCreateAlbum(db: Db, title: string): Promise<{ id: string; title: string; created: boolean }> {
  const owner = await ownerId(db);
  if (!owner) throw new ImportError("there is no owner account yet: run 'shoebox create-owner --email you@example.com' first");
  const existing = await db.selectFrom('albums').select(['id', 'title']).where('title', '=', title).orderBy('created_at').executeTakeFirst();
  if (existing) return { ...existing, created: false };
  const album = await db.insertInto('albums').values({ title, owner_id: owner }).returning(['id', 'title']).executeTakeFirstOrThrow();
  return { ...album, created: true };
}

async function requireAlbum(db: Db, albumId: string): Promise<void> {
  const found = await db.selectFrom('albums').select('id').where('id', '=', albumId).executeTakeFirst();
  if (!found) throw new ImportError(`no album with id ${albumId}`);
}

/** Which of these hashes are stored (as POST /api/assets/check answers); those are added to the album. */
export async function checkHashes(db: Db, hashes: string[], albumId?: string): Promise<{ hash: string; id: string }[]> {
  if (albumId) await requireAlbum(db, albumId);
  const found = await findExistingHashes(db, hashes.map((h) => h.toLowerCase()));
  if (albumId && found.size) await appendAssetsToAlbum(db, albumId, [...found.values()]);
  return [...found].map(([hash, id]) => ({ hash, id }));
}

export async function importFile(deps: Pick<AppDeps, 'database' | 'dataDir' | 'config' | 'worker'>, input: ImportFileInput): Promise<ImportFileResult> {
  const db = deps.database.db;
  const originalFilename = displayName(input.path);
  if (!isAbsolute(input.path)) throw new ImportError(`the path must be absolute: ${input.path}`);
  if (input.albumId) await requireAlbum(db, input.albumId);
  const unreadable = (err: unknown): ImportFileResult => ({
    status: 'rejected',
    originalFilename,
    error: `${originalFilename} cannot be read here: ${(err as Error).message}`,
  });
  try {
    const info = await stat(input.path);
    if (!info.isFile()) return { status: 'rejected', originalFilename, error: `${originalFilename} is not a regular file` };
  } catch (err) {
    return unreadable(err);
  }
  let received;
  try {
    // An import reads the owner's own disk: the upload size limit does not apply.
    received = await receiveFile(createReadStream(input.path, { highWaterMark: 1024 * 1024 }), deps.dataDir.tmp, {
      maxBytes: Number.POSITIVE_INFINITY,
    });
  } catch (err) {
    return unreadable(err);
  }
  const result = await ingestFile(received, {
    db,
    dataRoot: deps.dataDir.root,
    config: deps.config,
    originalFilename,
    lastModified: input.lastModified,
    uploadedBy: (await ownerId(db)) ?? null,
    restoresFromTrash: true,
  });
  if (result.status === 'rejected' && result.sidecar) return importSidecar(db, input.path, originalFilename, result.sidecar, result.error);
  if (result.status === 'rejected') return { status: 'rejected', originalFilename, error: result.error, httpStatus: result.httpStatus };
  if (input.albumId) await appendAssetsToAlbum(db, input.albumId, [result.asset.id]);
  await pairLivePhotos(db, [result.asset.id]);
  const sidecar = await sidecarBeside(input.path);
  if (sidecar) await attachSidecar(db, result.asset.id, sidecar.name, sidecar.bytes);
  if (result.status === 'created') deps.worker?.wake();
  return { status: result.status, id: result.asset.id, originalFilename };
}

/** The folder's other files that `test` picks, by name. */
async function besides(path: string, test: (name: string) => boolean): Promise<string[]> {
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  return names.filter((n) => n !== basename(path) && !n.startsWith('.') && test(n)).sort();
}

/** An XMP sidecar beside a photo (IMG_1234.xmp or IMG_1234.CR2.xmp next to IMG_1234.CR2). */
async function sidecarBeside(photoPath: string): Promise<{ name: string; bytes: Buffer } | undefined> {
  for (const name of await besides(photoPath, (n) => /\.xmp$/i.test(n) && isSidecarOf(n, basename(photoPath)))) {
    const bytes = await readFile(join(dirname(photoPath), name)).catch(() => undefined);
    if (bytes && bytes.length <= MAX_SIDECAR_BYTES && isXmp(bytes)) return { name: displayName(name), bytes };
  }
  return undefined;
}

/**
 * An XMP sidecar met in an import: kept with its photo when that is beside it (now, when the
 * photo is stored already; else the photo's own import attaches it), else refused.
 */
async function importSidecar(db: Db, path: string, originalFilename: string, bytes: Buffer, refusal: string): Promise<ImportFileResult> {
  const [photo] = await besides(path, (n) => !/\.xmp$/i.test(n) && isSidecarOf(basename(path), n));
  if (!photo) return { status: 'rejected', originalFilename, error: refusal, httpStatus: 422 };
  const hash = await sha256Of(join(dirname(path), photo)).catch(() => undefined);
  const stored = hash ? await findAssetByHash(db, hash) : undefined;
  if (stored) await attachSidecar(db, stored.id, originalFilename, bytes);
  return stored ? { status: 'attached', id: stored.id, originalFilename } : { status: 'attached', originalFilename };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
