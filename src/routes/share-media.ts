// A guest's media request: `/media/assets/:id/:variant?l=…&exp=…&sig=…`. Before a byte
// is sent: the signature (asset, expiry, link, and the IP when bound), the expiry, the
// link still open (cached state, dropped on every change), its password cookie, the
// asset still in the link's album (cached for ready assets, emptied by every change),
// and downloads allowed for originals (videos may still play). Grid thumbnails' bytes
// are kept in memory: every guest of an album asks for the same ones. Through a link with stripLocation, originals go out with their location
// records blanked in place (same size, so lengths and ranges stay exact).
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { Asset } from '../db/schema.ts';
import { countDownload } from '../queries/links.ts';
import { judgeLink } from '../sharing/link-cache.ts';
import { absolute, previewRelPath } from '../storage/layout.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { sendFile } from '../http/send-file.ts';
import { Uuid } from '../http/validate.ts';
import { createPatchedReadStream } from '../media/location-patches.ts';
import { blankedOriginal } from '../queries/location-patches.ts';
import { LOCATION_CLEAN } from '../media/blanked-original.ts';
import { sendVideoCopy } from './video-copy.ts';
import { sendMotionClip } from './motion-clip.ts';
import { sendGridThumbnail } from './grid-thumbnail.ts';
import { boundIp, passwordGranted } from './share-access.ts';

export type MediaVariant = 'thumb' | 'preview' | 'original' | 'video' | 'motion';

const denied = () => httpError(404, 'not found');

/**
 * Mounted ahead of the session, CSRF and page middleware: a signed URL carries all it
 * needs, and a shared album's page asks for its thumbnails by the hundred. Without `sig`
 * the request goes on to the owner's media route.
 */
export const signedMediaRoutes = new Hono<AppEnv>().on(['GET', 'HEAD'], '/media/assets/:id/:variant{thumb|preview|original|video|motion}', async (c, next) => {
  if (c.req.query('sig') === undefined) return next();
  const id = c.req.param('id');
  if (!v.is(Uuid, id) || id !== id.toLowerCase()) throw httpError(404, 'not found');
  return serveSignedMedia(c, id, c.req.param('variant') as MediaVariant);
});

/** Signed URLs are good until `exp`: browsers may keep the bytes as long. */
export function signedCacheControl(exp: string, nowMs = Date.now()): string {
  return `private, max-age=${Math.max(0, Number(exp) - Math.floor(nowMs / 1000))}, immutable`;
}

async function serveSignedMedia(c: Context<AppEnv>, assetId: string, variant: MediaVariant): Promise<Response> {
  const { signer, links, albumAssets, thumbnails } = c.get('sharing');
  const query = { l: c.req.query('l'), exp: c.req.query('exp'), sig: c.req.query('sig') };
  const problem = signer.checkMedia(assetId, query, boundIp(c));
  if (problem === 'bad signature') throw httpError(403, 'invalid signature');
  if (problem === 'expired') throw httpError(410, 'this address has expired; reload the page');

  const verdict = judgeLink(await links.byId(query.l!));
  if (verdict.kind === 'gone') throw denied();
  if (verdict.kind === 'expired') throw httpError(410, 'this link has expired');
  const link = verdict.link;
  if (!passwordGranted(c, link)) throw httpError(401, 'password required');

  const { database, dataDir, config } = c.get('deps');
  const db = database.db;
  const asset = await albumAssets.get(link.albumId, assetId);
  if (!asset) throw denied();

  const cacheControl = signedCacheControl(query.exp!);
  const accel = (rel: string) => (config.mediaAccel === 'nginx' ? `/_accel/${rel}` : undefined);

  if (variant === 'video') return sendVideoCopy(c, asset, { cacheControl, etag: signer.mediaTag(asset.file_hash, 'video'), accel });
  // Played as the photo's Live Photo clip: allowed where downloads are off, as videos are.
  if (variant === 'motion') return sendMotionClip(c, asset, { cacheControl, etag: signer.mediaTag(asset.file_hash, 'motion'), stripLocation: link.permissions.stripLocation });
  if (variant !== 'original') {
    if (asset.status !== 'ready') throw httpError(404, 'not ready yet');
    // Grid thumbnails come from memory, with MEDIA_ACCEL=nginx too: for a file this small,
    // handing it to nginx costs more than sending it (bench/RESULTS.md, session 8).
    if (variant === 'thumb') return sendGridThumbnail(c, dataDir.root, asset.file_hash, { cacheControl, memo: thumbnails, tag: signer.mediaTag });
    const rel = previewRelPath(asset.file_hash);
    return sendFile(c, absolute(dataDir.root, rel), { contentType: 'image/webp', etag: signer.mediaTag(asset.file_hash, 'preview'), cacheControl, accelRedirect: accel(rel) });
  }

  const download = c.req.query('download') !== undefined;
  if (!link.permissions.allowDownload && (download || asset.kind !== 'video')) throw httpError(403, 'downloads are turned off for this link');
  if (download && c.req.method === 'GET' && !c.req.header('range')) await countDownload(db, link.id);
  return sendOriginal(c, asset, link.permissions.stripLocation, { cacheControl, download, accel: accel(asset.storage_path) });
}

async function sendOriginal(
  c: Context<AppEnv>,
  asset: Asset,
  stripLocation: boolean,
  o: { cacheControl: string; download: boolean; accel?: string },
): Promise<Response> {
  const { database, dataDir } = c.get('deps');
  const path = absolute(dataDir.root, asset.storage_path);
  const common = { contentType: asset.mime_type, cacheControl: o.cacheControl, downloadName: o.download ? asset.original_filename : undefined };
  const tag = c.get('sharing').signer.mediaTag;
  // When the patches cannot be worked out (the original is unreadable) this throws: nothing
  // is sent; and a file whose patched bytes still hold a position is not sent either.
  const blanked = stripLocation ? await blankedOriginal(database.db, asset, dataDir.root) : undefined;
  if (blanked && blanked.check !== LOCATION_CLEAN) throw httpError(403, 'the location in this file could not be removed, so this link shares its preview only');
  const patches = blanked?.patches ?? [];
  if (patches.length === 0) return sendFile(c, path, { ...common, etag: tag(asset.file_hash, 'original'), accelRedirect: o.accel });
  // The blanked bytes differ from the file: nginx cannot send them, and they get their own tag.
  return sendFile(c, path, {
    ...common,
    etag: tag(asset.file_hash, 'original-nolocation'),
    open: (start, end) => createPatchedReadStream(path, patches, { start, end }),
  });
}
