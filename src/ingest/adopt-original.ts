// Gives a row to an original that has none (it was renamed into place, then the process
// died before the insert). Its bytes must still match the hash in its name.
import type { AppDeps } from '../http/env.ts';
import { detectFileType } from '../media/file-type.ts';
import { stat } from 'node:fs/promises';
import { withHashLock } from '../db/hash-lock.ts';
import { findAssetByHash, insertAssetIfNew } from '../queries/assets.ts';
import { isBeingPurged } from '../queries/trash.ts';
import { absolute, parseOriginalName } from '../storage/layout.ts';
import { checksumFile } from './checksum.ts';
import { assetRow, describeAsset } from './describe-asset.ts';

export async function adoptOriginal(deps: Pick<AppDeps, 'database' | 'dataDir' | 'config'>, rel: string): Promise<{ adopted: boolean; note: string }> {
  const name = rel.split('/').at(-1)!;
  const parsed = parseOriginalName(name);
  if (!parsed) return { adopted: false, note: 'not a Shoebox original name; left alone' };
  const path = absolute(deps.dataDir.root, rel);
  const sums = await checksumFile(path);
  if (sums.sha256 !== parsed.hash) return { adopted: false, note: `content no longer matches its SHA-256 (now ${sums.sha256}); left alone` };
  const type = detectFileType(sums.head);
  if (!type) return { adopted: false, note: 'not a recognised photo or video; left alone' };
  const described = await describeAsset(path, type, { now: new Date(), defaultTz: deps.config.defaultTz });
  const db = deps.database.db;
  // Under the bytes' lock, as a trash purge decides whether to delete the file: one being
  // purged is the purge's to remove, not ours to bring back.
  return withHashLock(db, sums.sha256, async () => {
    if (await isBeingPurged(db, rel)) return { adopted: false, note: 'its asset is being deleted for good; left to that' };
    // An upload holds this lock from its rename to its row: one that was mid-way has finished.
    if (await findAssetByHash(db, sums.sha256)) return { adopted: false, note: 'has its row: the upload that renamed it finished meanwhile' };
    if (!(await stat(path).then(() => true, () => false))) return { adopted: false, note: 'gone while it was read; nothing to adopt' };
    const row = await insertAssetIfNew(db, assetRow(sums, type, described, { originalFilename: name, storagePath: rel, uploadedBy: null, extraMetadata: { recovered: true } }));
    return row ? { adopted: true, note: 'row recreated from the file' } : { adopted: false, note: 'another row holds this hash' };
  });
}
