// What a "strip location" link serves of an original: its location patches
// (assets.location_patches) and the CRC-32 of the patched bytes (assets.location_crc32),
// worked out once, at ingest (describeAsset), or here on first use for assets stored
// before migrations 0008 / 0011.
//   blankedOriginal(db, asset, dataRoot) → { patches, crc32 } (patches [] when nothing to patch)
// Serving a "strip location" link's original:
//   createPatchedReadStream(path, (await blankedOriginal(db, asset, root)).patches, { start, end })
import type { Asset } from '../db/schema.ts';
import { blankOriginal, patchedCrc32, type BlankedOriginal } from '../media/blanked-original.ts';
import type { Patch } from '../media/location-patches.ts';
import { absolute } from '../storage/layout.ts';
import type { Db } from './users.ts';

export type BlankableAsset = Pick<Asset, 'id' | 'storage_path' | 'format' | 'file_size' | 'crc32'> & {
  location_patches?: Patch[] | null;
  location_crc32?: number | null;
};

/**
 * The stored patches and CRC, or works out what is missing and stores it. Rejects when
 * the original cannot be read: a caller serving a "strip location" link must then refuse
 * rather than send the unpatched file.
 */
export async function blankedOriginal(db: Db, asset: BlankableAsset, dataRoot: string): Promise<BlankedOriginal> {
  if (asset.location_patches && asset.location_crc32 != null) return { patches: asset.location_patches, crc32: asset.location_crc32 };
  const row = await db.selectFrom('assets').select(['location_patches', 'location_crc32']).where('id', '=', asset.id).executeTakeFirst();
  if (row?.location_patches && row.location_crc32 !== null) return { patches: row.location_patches, crc32: row.location_crc32 };
  const path = absolute(dataRoot, asset.storage_path);
  const blanked = row?.location_patches
    ? { patches: row.location_patches, crc32: await patchedCrc32(path, asset.file_size, asset.crc32, row.location_patches) }
    : await blankOriginal(path, asset.format, { size: asset.file_size, crc32: asset.crc32 });
  await db
    .updateTable('assets')
    .set({ location_patches: blanked.patches, location_crc32: blanked.crc32 })
    .where('id', '=', asset.id)
    .execute();
  return blanked;
}
