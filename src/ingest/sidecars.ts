// XMP sidecars: IMG_1234.xmp (or IMG_1234.CR2.xmp) uploaded or imported with IMG_1234.CR2 is
// kept with that photo, byte for byte, in asset_sidecars (migrations/0018); its rating and
// description go into the photo's metadata (metadata.xmp). A sidecar is never an asset. Its
// photo is one of the same upload (or folder), or for an upload into an album (the browser
// sends the sidecar after its photo) the album's entry of that name the caller added; one
// without is refused in plain words.
//   isXmp(head)                          → whether the bytes are an XMP packet
//   sidecarPhotoName(name)               → "IMG_1234" or "IMG_1234.CR2": what its photo is called
//   isSidecarOf(sidecarName, photoName)  → whether that photo is this sidecar's
//   attachSidecar(db, assetId, name, bytes)
import { sql } from 'kysely';
import type { Asset } from '../db/schema.ts';
import type { Db } from '../queries/users.ts';

/** Larger than any sidecar a photo editor writes (a few KB to some hundred); a bigger "XMP" is no sidecar. */
export const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

/** An XMP packet: <?xpacket, <x:xmpmeta, or an XML declaration followed by x:xmpmeta (after an optional BOM). */
export function isXmp(head: Uint8Array): boolean {
  const text = Buffer.from(head.subarray(0, 4096)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<?xpacket') || text.startsWith('<x:xmpmeta')) return true;
  return text.startsWith('<?xml') && /<x:xmpmeta\b/.test(text);
}

const XMP_EXT = /\.xmp$/i;

/** The name a sidecar's photo goes by: the sidecar's without ".xmp" (matched with or without the photo's extension). */
export const sidecarPhotoName = (name: string) => name.replace(XMP_EXT, '');

export function isSidecarOf(sidecarName: string, photoName: string): boolean {
  const want = sidecarPhotoName(sidecarName).toLowerCase();
  const photo = photoName.toLowerCase();
  return photo === want || photo.replace(/\.[^.]*$/, '') === want;
}

export function sidecarRefusal(name: string): string {
  return `${name} was not stored: an XMP sidecar is kept with its photo; upload it together with ${sidecarPhotoName(name)}.…`;
}

/** The simple things a sidecar says of its photo: rating (-1..5) and description. */
export function readXmpFields(bytes: Buffer): { rating?: number; description?: string } {
  const text = bytes.toString('utf8');
  const out: { rating?: number; description?: string } = {};
  const rating = /xmp:Rating(?:=["']|>)\s*(-?\d+)/.exec(text)?.[1];
  if (rating !== undefined && Number(rating) >= -1 && Number(rating) <= 5) out.rating = Number(rating);
  const description = /<dc:description>[\s\S]*?<rdf:li[^>]*>([\s\S]*?)<\/rdf:li>/.exec(text)?.[1]?.trim();
  if (description) out.description = unescapeXml(description).slice(0, 2000);
  return out;
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

/** Keeps the sidecar with the asset (replacing one it had) and puts its rating and description in the asset's metadata. */
export async function attachSidecar(db: Db, assetId: string, filename: string, bytes: Buffer): Promise<void> {
  const fields = readXmpFields(bytes);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('asset_sidecars')
      .values({ asset_id: assetId, filename, bytes })
      .onConflict((oc) => oc.column('asset_id').doUpdateSet({ filename, bytes }))
      .execute();
    await trx
      .updateTable('assets')
      .set({ metadata: sql`metadata || ${JSON.stringify({ xmp: { sidecar: filename, ...fields } })}::jsonb` })
      .where('id', '=', assetId)
      .execute();
  });
}

/**
 * The photo a lone sidecar belongs with in this album: the newest entry named as its photo
 * is ("IMG_1234.CR2", or "IMG_1234" with any extension), among those `addedBy` added when
 * given (a guest's link or an uploader), else any of the album's; not one in the trash.
 */
export async function findSidecarPhotoInAlbum(
  db: Db,
  albumId: string,
  sidecarName: string,
  addedBy?: { linkId?: string; userId?: string },
): Promise<{ id: string; name: string; asset: Asset } | undefined> {
  const want = sidecarPhotoName(sidecarName).toLowerCase();
  const entryName = sql<string>`coalesce(aa.entry_filename, a.original_filename)`;
  const mine = addedBy?.linkId
    ? sql`AND aa.added_by_link = ${addedBy.linkId}`
    : addedBy?.userId
      ? sql`AND aa.added_by_user = ${addedBy.userId}`
      : addedBy
        ? sql`AND false`
        : sql``;
  const { rows } = await sql<Asset & { entry_name: string }>`
    SELECT a.*, ${entryName} AS entry_name FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
    WHERE aa.album_id = ${albumId} AND a.deleted_at IS NULL AND a.kind <> 'video' ${mine}
      AND (lower(${entryName}) = ${want} OR lower(regexp_replace(${entryName}, '\\.[^.]*$', '')) = ${want})
    ORDER BY aa.added_at DESC LIMIT 1`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { entry_name, ...asset } = row;
  return { id: asset.id, name: entry_name, asset };
}
