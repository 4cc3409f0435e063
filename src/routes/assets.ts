// An asset's data (owner API) and its files: /media/assets/:id/{thumb,preview,original}.
// Media URLs here answer the signed-in owner (or an uploader); signed guest URLs are
// answered before this, by share-media.ts.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { Asset } from '../db/schema.ts';
import { findAsset, listEntryAttributions, requeueAssets, setTakenAt, shiftTakenAt } from '../queries/assets.ts';
import { parseDateTime, takenAtInZone } from '../media/taken-at.ts';
import { uploaderSeesAsset } from '../queries/users.ts';
import { absolute, previewRelPath } from '../storage/layout.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { sendFile } from '../http/send-file.ts';
import { readJson, Uuid } from '../http/validate.ts';
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

const TakenAtInput = v.object({
  local: v.pipe(v.string('local is required'), v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'local must be a date and time like 2024-07-13T14:05:00')),
  zone: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64, 'zone is too long')))),
});
const MAX_SHIFT_MINUTES = 200 * 366 * 24 * 60;
const ShiftInput = v.object({
  ids: v.pipe(v.array(v.pipe(Uuid, v.toLowerCase()), 'ids must be a list of asset ids'), v.minLength(1, 'ids is empty'), v.maxLength(10_000, 'at most 10,000 ids at once')),
  minutes: v.pipe(
    v.number('minutes must be a whole number'),
    v.integer('minutes must be a whole number'),
    v.check((n) => n !== 0 && Math.abs(n) <= MAX_SHIFT_MINUTES, 'minutes must be a shift of at least one minute and at most 200 years'),
  ),
});

export const assetRoutes = new Hono<AppEnv>()
  .get('/api/assets/:id', async (c) => {
    currentUser(c);
    const asset = await assetOr404(c, c.req.param('id'));
    const owner = c.get('auth')?.user.role === 'owner';
    const addedBy = owner ? await listEntryAttributions(c.get('deps').database.db, asset.id) : [];
    return c.json({
      asset: {
        ...publicAsset(asset),
        ...(asset.status === 'failed' ? { retryUrl: `/api/assets/${asset.id}/retry` } : {}),
        ...(owner ? { takenAtUrl: `/api/assets/${asset.id}/taken-at`, defaultZone: c.get('deps').config.defaultTz } : {}),
        ...(addedBy.length ? { addedBy: addedBy.map((a) => ({ album: a.album_title, name: a.name, via: a.via })) } : {}),
      },
    });
  })
  // The owner sets when it was taken: the wall clock, and where (an offset or a zone; none:
  // the library's DEFAULT_TZ, as for a file that says no zone).
  .patch('/api/assets/:id/taken-at', async (c) => {
    const asset = await assetOr404(c, c.req.param('id'));
    if (asset.deleted_at) throw httpError(404, 'no such asset');
    const { local, zone } = await readJson(c, TakenAtInput);
    const parsed = parseDateTime(local);
    if (!parsed) throw httpError(400, `${local} is not a date and time`);
    const takenAt = takenAtInZone(parsed.local, zone ?? c.get('deps').config.defaultTz);
    if (!takenAt) throw httpError(400, `zone must be an offset like +02:00 or a time zone like Europe/Paris, not ${zone}`);
    await setTakenAt(c.get('deps').database.db, asset.id, zone ? takenAt : { ...takenAt, offset: null });
    return c.json({ asset: publicAsset((await findAsset(c.get('deps').database.db, asset.id))!) });
  })
  // The owner moves a selection's dates by an offset (the camera's clock was an hour off).
  .post('/api/assets/taken-at/shift', async (c) => {
    const { ids, minutes } = await readJson(c, ShiftInput);
    const shifted = await shiftTakenAt(c.get('deps').database.db, [...new Set(ids)], minutes);
    if (!shifted) throw httpError(404, 'none of these items is in the library');
    return c.json({ shifted });
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
