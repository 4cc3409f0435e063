// What every upload path (multipart, tus, a guest's) answers, and what it does once files are
// stored: the client's file name cleaned, the caps' refusals in words, the files placed in
// their album, and one entry per file with the overall status.
import { basename } from 'node:path';
import type { AppDeps } from '../http/env.ts';
import { pairLivePhotos } from './live-photos.ts';
import { appendAssetsToAlbum, type EntryAttribution } from '../queries/albums.ts';
import type { UploadRefusal } from '../queries/upload-usage.ts';
import type { IngestResult } from './ingest-file.ts';
import type { Asset } from '../db/schema.ts';
import { attachSidecar, findSidecarPhotoInAlbum, isSidecarOf } from './sidecars.ts';

export interface UploadEntry {
  id?: string;
  status: 'created' | 'duplicate' | 'rejected';
  originalFilename: string;
  error?: string;
  /** These bytes were in the trash: the upload took them out (back into their albums). */
  restoredFromTrash?: true;
  /** An XMP sidecar kept with this photo of the same upload (`id` is the photo's). */
  sidecarOf?: string;
}

/** 10000-01-01T00:00:00Z: a file modified later is a made-up time (and no date a timestamptz takes as written). */
export const LAST_MODIFIED_LIMIT = Date.UTC(10000, 0, 1);

/** A client's file name, for display and downloads only (never used as a path). */
export function cleanFilename(name: string | undefined): string {
  const base = basename((name ?? '').replaceAll('\\', '/')).normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '');
  return base.slice(0, 255) || 'unnamed';
}

export const REFUSED_BY_CAP: Record<UploadRefusal, string> = {
  files: 'this link has taken as many files as it may today',
  bytes: 'this link has taken as many bytes as it may today',
  'file size': 'the file is larger than this link takes',
};

function toEntry(name: string, result: IngestResult): UploadEntry {
  if (result.status === 'rejected') return { status: 'rejected', originalFilename: name, error: result.error };
  if (result.status === 'created' && result.restoredFromTrash) return { id: result.asset.id, status: result.status, originalFilename: name, restoredFromTrash: true };
  return { id: result.asset.id, status: result.status, originalFilename: name };
}

/** 201 when anything was created, 200 when the rest were duplicates, else the refusal's status. */
function overallStatus(results: IngestResult[]): 200 | 201 | 413 | 415 | 422 | 429 | 507 {
  if (results.some((r) => r.status === 'created')) return 201;
  if (results.some((r) => r.status === 'duplicate')) return 200;
  const first = results.find((r) => r.status === 'rejected');
  return first && first.status === 'rejected' ? first.httpStatus : 422;
}

/**
 * Adds what was stored to the album, wakes the worker, and gives one entry per file.
 * `addedBy`: a guest or an uploader. Their upload of bytes the library already holds is
 * their own entry in this album (their file name, their name on it), answered "created";
 * "duplicate" only when this album holds it already, which they can see.
 */
export async function placeUploads(deps: AppDeps, names: string[], results: IngestResult[], albumId: string | undefined, addedBy?: Omit<EntryAttribution, 'entryNames'>) {
  if (albumId !== undefined) {
    const ids = results.flatMap((r) => (r.status === 'rejected' ? [] : [r.asset.id]));
    const entryNames = addedBy ? new Map(results.flatMap((r, i) => (r.status === 'rejected' ? [] : [[r.asset.id, names[i]!] as const]))) : undefined;
    const added = new Set(await appendAssetsToAlbum(deps.database.db, albumId, ids, addedBy && { ...addedBy, entryNames }));
    if (addedBy) results = results.map((r) => (r.status === 'duplicate' && added.has(r.asset.id) ? { status: 'created', asset: r.asset } : r));
  }
  await pairLivePhotos(deps.database.db, results.flatMap((r) => (r.status === 'rejected' ? [] : [r.asset.id])));
  if (results.some((r) => r.status === 'created')) deps.worker?.wake();
  const sidecars = await keepSidecars(deps, names, results, albumId, addedBy);
  const assets = results.map((r, i) => {
    const photo = sidecars.get(i);
    return photo ? { id: photo.id, status: 'created' as const, originalFilename: names[i]!, sidecarOf: photo.name } : toEntry(names[i]!, r);
  });
  // A kept sidecar made no asset: it counts as the photo's bytes already stored would.
  const answered = results.map((r, i): IngestResult => (sidecars.has(i) ? { status: 'duplicate', asset: sidecars.get(i)!.asset } : r));
  return { assets, status: overallStatus(answered) };
}

/**
 * XMP sidecars of this upload kept with their photos: one of the same upload, else (the
 * browser sends each file on its own, the sidecar after its photo) the album's newest entry
 * of that name that the caller added: a guest or an uploader never touches the owner's
 * items. By the sidecar's index, its photo.
 */
async function keepSidecars(deps: AppDeps, names: string[], results: IngestResult[], albumId: string | undefined, addedBy?: Omit<EntryAttribution, 'entryNames'>) {
  const kept = new Map<number, { id: string; name: string; asset: Asset }>();
  for (const [i, r] of results.entries()) {
    if (r.status !== 'rejected' || !r.sidecar) continue;
    const index = results.findIndex((p, j) => p.status !== 'rejected' && isSidecarOf(names[i]!, names[j]!));
    const photo = results[index];
    const found =
      photo && photo.status !== 'rejected'
        ? { id: photo.asset.id, name: names[index]!, asset: photo.asset }
        : albumId !== undefined
          ? await findSidecarPhotoInAlbum(deps.database.db, albumId, names[i]!, addedBy)
          : undefined;
    if (!found) continue;
    await attachSidecar(deps.database.db, found.id, names[i]!, r.sidecar);
    kept.set(i, found);
  }
  return kept;
}
