// A motion photo's clip: the MP4 its camera put inside the JPEG, after the image, sent as a
// video of its own (the lightbox plays it as a Live Photo's). Through a "strip location"
// link its bytes go out with the original's location patches applied, and not at all when
// the original's check found a position left.
import type { Context } from 'hono';
import type { Asset } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { sendFile } from '../http/send-file.ts';
import { LOCATION_CLEAN } from '../media/blanked-original.ts';
import { createPatchedReadStream } from '../media/location-patches.ts';
import { blankedOriginal } from '../queries/location-patches.ts';
import { absolute } from '../storage/layout.ts';

export async function sendMotionClip(c: Context<AppEnv>, asset: Asset, o: { cacheControl: string; etag: string; stripLocation: boolean }): Promise<Response> {
  if (asset.motion_offset === null || asset.motion_length === null) throw httpError(404, 'this photo has no motion clip');
  const { database, dataDir } = c.get('deps');
  const path = absolute(dataDir.root, asset.storage_path);
  const slice = { offset: asset.motion_offset, length: asset.motion_length };
  const common = { contentType: 'video/mp4', cacheControl: o.cacheControl, slice };
  if (!o.stripLocation) return sendFile(c, path, { ...common, etag: o.etag });
  const blanked = await blankedOriginal(database.db, asset, dataDir.root);
  if (blanked.check !== LOCATION_CLEAN) throw httpError(403, 'the location in this file could not be removed, so this link shares its photo only');
  return sendFile(c, path, {
    ...common,
    etag: `${o.etag}-nolocation`,
    open: (start, end) => createPatchedReadStream(path, blanked.patches, { start: slice.offset + start, end: slice.offset + end }),
  });
}
