// What a guest may learn about an asset, as the link allows. With showMetadata off: no
// EXIF at all. With stripLocation on: no key that names a location anywhere in the JSON,
// not even null (a key named GPS with a null value still tells that there was one).
import type { LinkPermissions } from './link-settings.ts';

const LOCATION_KEY = /gps|latitude|longitude|altitude|location|xyz|iso6709|geo/i;

/** A deep copy without any key that names a location. */
export function withoutLocation(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocation);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (!LOCATION_KEY.test(key)) out[key] = withoutLocation(inner);
    return out;
  }
  return value;
}

const GUEST_FIELDS = [
  'id', 'originalFilename', 'fileSize', 'mimeType', 'kind', 'width', 'height', 'durationSeconds', 'takenAt', 'takenAtLocal', 'takenAtOffset',
] as const;

/** The owner's JSON of an asset (src/routes/asset-json.ts), or anything with these keys. */
type AssetJson = Record<(typeof GUEST_FIELDS)[number] | 'metadata', unknown>;

/** The drawer's data for a guest: the file's own facts, and its EXIF only when shown. */
export function guestAssetInfo(asset: AssetJson, permissions: LinkPermissions): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  for (const key of GUEST_FIELDS) info[key] = asset[key];
  if (permissions.showMetadata) info.metadata = permissions.stripLocation ? withoutLocation(asset.metadata) : asset.metadata;
  return info;
}
