// A video's web-playable copy (videos/, media/web-video.ts): for the owner's and guests'
// players. It holds no location and no metadata, so "strip location" links and links
// without downloads serve it as it is.
import type { Context } from 'hono';
import type { Asset } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { sendFile } from '../http/send-file.ts';
import { absolute, videoCopyRelPath } from '../storage/layout.ts';

export function sendVideoCopy(c: Context<AppEnv>, asset: Asset, o: { cacheControl: string; etag: string; accel?: (rel: string) => string | undefined }): Promise<Response> {
  if (asset.playback !== 'copy') throw httpError(404, 'this video has no web copy');
  const rel = videoCopyRelPath(asset.file_hash);
  return sendFile(c, absolute(c.get('deps').dataDir.root, rel), {
    contentType: 'video/mp4',
    etag: o.etag,
    cacheControl: o.cacheControl,
    accelRedirect: o.accel?.(rel),
  });
}
