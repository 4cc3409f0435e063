// An asset's data (owner API) and its files: /media/assets/:id/{thumb,preview,original}.
// Media URLs here answer the signed-in owner (or an uploader); signed guest URLs are
// answered before this, by share-media.ts.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { Asset } from '../db/schema.ts';
import { findAsset, requeueAssets } from '../queries/assets.ts';
import { uploaderSeesAsset } from '../queries/users.ts';
import { absolute, previewRelPath } from '../storage/layout.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { sendFile } from '../http/send-file.ts';
import { Uuid } from '../http/validate.ts';
import { publicAsset } from './asset-json.ts';
import { listAssetJobs } from '../queries/jobs.ts';
import { sendVideoCopy } from './video-copy.ts';
import { sendMotionClip } from './motion-clip.ts';
import { sendGridThumbnail } from './grid-thumbnail.ts';
import type { MediaVariant } from './share-media.ts';


async function assetOr404(c: Context<AppEnv>, id: string): Promise<Asset> {
  const asset = v.is(Uuid, id) ? await findAsset(c.get('deps').database.db, id) : undefined;
  if (!asset) throw httpError(404, 'no such asset');
  return asset;
}

/** The owner sees every file; an uploader those in albums granted to them, and their own uploads. */
async function requireMediaAccess(c: Context<AppEnv>, asset: Asset) {
  const auth = c.get('auth');
  if (!auth) throw httpError(401, 'sign in required');
  if (auth.user.role === 'owner') return;
  if (asset.uploaded_by !== auth.user.id && !(await uploaderSeesAsset(c.get('deps').database.db, auth.user.id, asset.id))) {
    throw httpError(404, 'no such asset');
  }
}

function sendOriginal(c: Context<AppEnv>, asset: Asset, o: { download: boolean }) {
  return sendFile(c, absolute(c.get('deps').dataDir.root, asset.storage_path), {
    contentType: asset.mime_type,
    etag: asset.file_hash,
    cacheControl: 'private, max-age=3600',
    downloadName: o.download ? asset.original_filename : undefined,
  });
}

const DERIVED_CACHE = 'private, max-age=31536000, immutable';

export const assetRoutes = new Hono<AppEnv>()
  .get('/api/assets/:id', async (c) => {
    currentUser(c);
    const asset = await assetOr404(c, c.req.param('id'));
    return c.json({ asset: { ...publicAsset(asset), ...(asset.status === 'failed' ? { retryUrl: `/api/assets/${asset.id}/retry` } : {}) } });
  })
  // The owner tries the processing again (from the details panel of a failed item).
  .post('/api/assets/:id/retry', async (c) => {
    const asset = await assetOr404(c, c.req.param('id'));
    if (asset.status === 'pending') return c.json({ status: 'pending' });
    await requeueAssets(c.get('deps').database.db, [asset.id]);
    c.get('deps').worker?.wake();
    return c.json({ status: 'pending' });
  })
  // The background work on one asset (derived files, its video's web copy): where it stands.
  .get('/api/assets/:id/jobs', async (c) => {
    const asset = await assetOr404(c, c.req.param('id'));
    const jobs = await listAssetJobs(c.get('deps').database.db, asset.id);
    c.header('Cache-Control', 'no-store');
    return c.json({
      jobs: jobs.map((j) => ({
        kind: j.kind,
        status: j.status,
        attempts: j.attempts,
        progress: j.progress,
        error: j.error,
        startedAt: j.started_at ? new Date(j.started_at).toISOString() : null,
        finishedAt: j.finished_at ? new Date(j.finished_at).toISOString() : null,
      })),
    });
  })
  // The original as uploaded, under its own name: the owner, an uploader for what they
  // can see, bearer tokens. Range, ETag, HEAD (send-file.ts).
  .on(['GET', 'HEAD'], '/api/assets/:id/download', async (c) => {
    const asset = await assetOr404(c, c.req.param('id'));
    await requireMediaAccess(c, asset);
    return sendOriginal(c, asset, { download: true });
  })
  .on(['GET', 'HEAD'], '/media/assets/:id/:variant{thumb|preview|original|video|motion}', async (c) => {
    const variant = c.req.param('variant') as MediaVariant; // signed URLs were answered by signedMediaRoutes
    if (!c.get('auth')) throw httpError(401, 'sign in required');
    const asset = await assetOr404(c, c.req.param('id'));
    await requireMediaAccess(c, asset);
    const root = c.get('deps').dataDir.root;
    if (variant === 'original') return sendOriginal(c, asset, { download: c.req.query('download') !== undefined });
    if (variant === 'video') return sendVideoCopy(c, asset, { cacheControl: DERIVED_CACHE, etag: `${asset.file_hash}-video` });
    if (variant === 'motion') return sendMotionClip(c, asset, { cacheControl: DERIVED_CACHE, etag: `${asset.file_hash}-motion`, stripLocation: false });
    if (asset.status !== 'ready') throw httpError(404, 'not ready yet');
    if (variant === 'thumb') return sendGridThumbnail(c, root, asset.file_hash, { cacheControl: DERIVED_CACHE });
    return sendFile(c, absolute(root, previewRelPath(asset.file_hash)), { contentType: 'image/webp', etag: `${asset.file_hash}-preview`, cacheControl: DERIVED_CACHE });
  });
