// An asset's location patches (assets.location_patches): worked out once, at ingest
// (describeAsset), or here on first use for assets stored before migration 0008.
//   locationPatchesFor(db, asset, dataRoot) → Patch[] ([] when there is nothing to patch)
// Serving a "strip location" link's original:
//   createPatchedReadStream(path, await locationPatchesFor(db, asset, root), { start, end })
import type { Asset } from '../db/schema.ts';
import { detectFileType, HEAD_BYTES, type MediaFormat } from '../media/file-type.ts';
import { findLocationPatches, type Patch } from '../media/location-patches.ts';
import { readFileHead } from '../media/read-bytes.ts';
import { absolute } from '../storage/layout.ts';
import type { Db } from './users.ts';

const FORMATS = new Set<string>([
  'jpeg', 'png', 'webp', 'gif', 'avif', 'heic', 'tiff', 'dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'raf', 'rw2',
  'mp4', 'mov', 'webm', '3gp', 'mkv',
]);

/**
 * The stored patches, or works them out from the original and stores them. Rejects when
 * the original cannot be read: a caller serving a "strip location" link must then refuse
 * rather than send the unpatched file.
 */
export async function locationPatchesFor(
  db: Db,
  asset: Pick<Asset, 'id' | 'storage_path' | 'format'> & { location_patches?: Patch[] | null },
  dataRoot: string,
): Promise<Patch[]> {
  if (asset.location_patches) return asset.location_patches;
  const row = await db.selectFrom('assets').select('location_patches').where('id', '=', asset.id).executeTakeFirst();
  if (row?.location_patches) return row.location_patches;
  const path = absolute(dataRoot, asset.storage_path);
  const format = FORMATS.has(asset.format) ? (asset.format as MediaFormat) : detectFileType(await readFileHead(path, HEAD_BYTES))?.format;
  const patches = format ? await findLocationPatches(path, format) : [];
  await db
    .updateTable('assets')
    .set({ location_patches: patches })
    .where('id', '=', asset.id)
    .where('location_patches', 'is', null)
    .execute();
  return patches;
}
