// What a "strip location" link serves of an original: its location patches
// (assets.location_patches), the CRC-32 of the patched bytes (assets.location_crc32) and
// the check of them (assets.location_check), worked out once, by the worker after ingest,
// or here on first use.
//   blankedOriginal(db, asset, dataRoot) → { patches, crc32, check } (patches [] when nothing to patch)
// Serving a "strip location" link's original:
//   createPatchedReadStream(path, (await blankedOriginal(db, asset, root)).patches, { start, end })
import type { Asset } from '../db/schema.ts';
import { blankOriginal, type BlankedOriginal } from '../media/blanked-original.ts';
import type { Patch } from '../media/location-patches.ts';
import { absolute } from '../storage/layout.ts';
import type { Db } from './users.ts';

export type BlankableAsset = Pick<Asset, 'id' | 'storage_path' | 'format' | 'file_size' | 'crc32'> & {
  location_patches?: Patch[] | null;
  location_crc32?: number | null;
  location_check?: string | null;
};

const known = (a: { location_patches?: Patch[] | null; location_crc32?: number | null; location_check?: string | null }): BlankedOriginal | undefined =>
  a.location_patches && a.location_crc32 != null && a.location_check ? { patches: a.location_patches, crc32: a.location_crc32, check: a.location_check } : undefined;

/**
 * The stored patches, CRC and check, or works them out and stores them. Rejects when the
 * original cannot be read: a caller serving a "strip location" link must then refuse
 * rather than send the unpatched file; and it serves the patched one only when `check` is
 * clean (LOCATION_CLEAN).
 */
export async function blankedOriginal(db: Db, asset: BlankableAsset, dataRoot: string): Promise<BlankedOriginal> {
  const given = known(asset);
  if (given) return given;
  const row = await db.selectFrom('assets').select(['location_patches', 'location_crc32', 'location_check']).where('id', '=', asset.id).executeTakeFirst();
  const stored = row && known(row);
  if (stored) return stored;
  const blanked = await blankOriginal(absolute(dataRoot, asset.storage_path), asset.format, { size: asset.file_size, crc32: asset.crc32 });
  await db
    .updateTable('assets')
    .set({ location_patches: blanked.patches, location_crc32: blanked.crc32, location_check: blanked.check })
    .where('id', '=', asset.id)
    .execute();
  return blanked;
}
