// What a guest may learn about an asset, as the link allows. With showMetadata off: no
// EXIF at all. With stripLocation on: no key that names a location anywhere in the JSON,
// not even null (a key named GPS with a null value still tells that there was one).
import type { Asset } from '../db/schema.ts';
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

/** The drawer's data for a guest: the file's own facts, and its EXIF only when shown. */
export function guestAssetInfo(a: Asset, permissions: LinkPermissions): Record<string, unknown> {
  const info: Record<string, unknown> = {
    id: a.id,
    originalFilename: a.original_filename,
    fileSize: a.file_size,
    mimeType: a.mime_type,
    kind: a.kind,
    width: a.width,
    height: a.height,
    durationSeconds: a.duration_seconds,
    takenAt: a.taken_at?.toISOString() ?? null,
    takenAtLocal: a.taken_at_local,
    takenAtOffset: a.taken_at_offset,
  };
  if (permissions.showMetadata) {
    info.metadata = permissions.stripLocation ? withoutLocation(a.metadata) : a.metadata;
  }
  return info;
}
