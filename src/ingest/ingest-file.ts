// One received file → a stored asset, a duplicate of one, or a refusal that leaves nothing
// behind. Order: type by content, decodability, dedup, metadata, then under the hash's lock
// the rename into originals/ (atomic, on the same filesystem, its folder synced) and the
// row (the unique hash decides races: a loser's rename put identical bytes at the same
// path, so nothing needs undoing).
import { mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Config } from '../config.ts';
import type { Asset } from '../db/schema.ts';
import { ACCEPTED_TYPES, detectFileType } from '../media/file-type.ts';
import { plainRefusal } from '../media/failure-words.ts';
import { probeUpload } from '../media/probe.ts';
import { findAssetByHash, insertAssetIfNew } from '../queries/assets.ts';
import { restoreAssets, takeOutOfTrashAlone } from '../queries/trash.ts';
import type { Db } from '../queries/users.ts';
import { absolute, originalRelPath } from '../storage/layout.ts';
import { syncDir } from '../storage/sync-dir.ts';
import { withHashLock } from '../db/hash-lock.ts';
import { crashPoint } from '../crash-points.ts';
import { assetRow, describeAsset } from './describe-asset.ts';
import type { ReceivedFile } from './receive-file.ts';
import { isXmp, MAX_SIDECAR_BYTES, sidecarRefusal } from './sidecars.ts';
import { countUploadBytes } from '../metrics/counters.ts';

export type IngestResult =
  | { status: 'created'; asset: Asset; /** The bytes were in the trash: that asset is back, in its albums. */ restoredFromTrash?: true }
  | { status: 'duplicate'; asset: Asset }
  | {
      status: 'rejected';
      httpStatus: 413 | 415 | 422 | 429 | 507;
      error: string;
      /** An XMP sidecar, not stored as an asset: placeUploads keeps it with its photo when that is in the same upload. */
      sidecar?: Buffer;
    };

export interface IngestContext {
  db: Db;
  dataRoot: string;
  config: Pick<Config, 'defaultTz'>;
  originalFilename: string;
  lastModified?: number;
  uploadedBy: string | null;
  /** The owner: bytes in the trash come back into their albums. Anyone else only gets an entry in their own album. */
  restoresFromTrash: boolean;
}

/** Takes ownership of `file.tmpPath`: it is renamed or removed. */
export async function ingestFile(file: ReceivedFile, ctx: IngestContext): Promise<IngestResult> {
  const discard = () => unlink(file.tmpPath).catch(() => {});
  const name = ctx.originalFilename;
  countUploadBytes(file.size);
  if (file.size === 0) {
    await discard();
    return { status: 'rejected', httpStatus: 415, error: `${name} was not stored: it is empty (0 bytes).` };
  }
  const type = detectFileType(file.head);
  if (!type && file.size <= MAX_SIDECAR_BYTES && isXmp(file.head)) {
    const sidecar = await readFile(file.tmpPath);
    await discard();
    return { status: 'rejected', httpStatus: 422, error: sidecarRefusal(name), sidecar };
  }
  if (!type) {
    await discard();
    return { status: 'rejected', httpStatus: 415, error: `${name} is not a photo or video Shoebox accepts. It takes ${ACCEPTED_TYPES}.` };
  }
  const existing = await findAssetByHash(ctx.db, file.sha256);
  if (existing?.deleted_at) {
    // The owner uploading what is in the trash takes it out, back into its albums; a guest
    // or an uploader only out of the trash, for their own album entry (unless a purge
    // deleted it just now: then it is stored anew below).
    if (ctx.restoresFromTrash && (await restoreAssets(ctx.db, [existing.id])).length) {
      await discard();
      return { status: 'created', asset: { ...existing, deleted_at: null }, restoredFromTrash: true };
    }
    if (!ctx.restoresFromTrash && (await takeOutOfTrashAlone(ctx.db, existing.id))) {
      await discard();
      return { status: 'duplicate', asset: { ...existing, deleted_at: null } };
    }
  } else if (existing) {
    await discard();
    return { status: 'duplicate', asset: existing };
  }
  const probe = await probeUpload(file.tmpPath, type);
  if (!probe.ok) {
    await discard();
    return { status: 'rejected', httpStatus: 422, error: plainRefusal(name, probe.error) };
  }
  const rel = originalRelPath(file.sha256, type.ext);
  const target = absolute(ctx.dataRoot, rel);
  // Described while still a temp file: the same bytes, and the lock below stays short.
  const described = await describeAsset(file.tmpPath, type, {
    fileName: name,
    lastModified: ctx.lastModified,
    now: new Date(),
    defaultTz: ctx.config.defaultTz,
  });
  await mkdir(dirname(target), { recursive: true });
  // The name and the row together, under the lock a trash purge of these bytes also takes.
  const inserted = await withHashLock(ctx.db, file.sha256, async () => {
    crashPoint('before-rename');
    await rename(file.tmpPath, target);
    await syncDir(dirname(target)); // before the row: the row must never outlive the name
    crashPoint('after-rename');
    return insertAssetIfNew(ctx.db, assetRow(file, type, described, { originalFilename: name, storagePath: rel, uploadedBy: ctx.uploadedBy }));
  });
  if (inserted) return { status: 'created', asset: inserted };
  const winner = await findAssetByHash(ctx.db, file.sha256);
  if (!winner) throw new Error(`asset ${file.sha256} vanished during a concurrent upload`);
  return { status: 'duplicate', asset: winner };
}
