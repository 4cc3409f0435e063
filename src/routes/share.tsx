// Guests: the shared album page `/s/:token` (or its password gate), its further pages,
// the same as JSON (`/api/share/:token`), the password check, the drawer's data, uploads,
// and what the page's live grid asks for while the guest's uploads are processed.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { yearIn } from '../../views/parts/dates.ts';
import { GridContinuationFragment, GridSections, type GridContext, type MediaVariant, liveClipSource, videoSource } from '../../views/parts/album-grid.tsx';
import { ShareGatePage, SharePage, type OpenGraph } from '../../views/pages/share.tsx';
import { albumMetaLine } from '../../views/pages/album.tsx';
import { listAlbumAssets, type AlbumSummary } from '../queries/albums.ts';
import { findAssetInAlbum } from '../queries/links.ts';
import { reserveUpload, settleUpload, uploadUsageToday, type UploadReservation } from '../queries/upload-usage.ts';
import { listAssetStates } from '../queries/live-grid.ts';
import { guestAssetInfo } from '../sharing/guest-view.ts';
import { locationLeft } from '../media/blanked-original.ts';
import { publicAsset } from './asset-json.ts';
import type { LinkState } from '../sharing/link-cache.ts';
import type { AppEnv } from '../http/env.ts';
import { pickEncoding } from '../http/compression.ts';
import { httpError } from '../http/errors.tsx';
import { parseInput, readForm, readJson, Uuid } from '../http/validate.ts';
import { GridPageQuery, GridTilesQuery, loadGridContinuation, loadGridPage } from './album-grid.ts';
import { answerUpload, parseUpload } from './upload.ts';
import { boundIp, checkLinkPassword, grantPassword, openLink, passwordGranted, sharedAlbum, unlockedLink } from './share-access.ts';
import { assetStates, IdsQuery, placedAlbumTiles } from './live-grid.tsx';

const db = (c: Context<AppEnv>) => c.get('deps').database.db;
const tz = (c: Context<AppEnv>) => c.get('deps').config.defaultTz;
const JSON_PAGE = 500;
const GUEST_FAILURE = 'This file could not be processed. The album’s owner can see why.';

const PasswordInput = v.object({ password: v.pipe(v.string('password is required'), v.maxLength(200, 'password is too long')) });
export const GuestName = v.pipe(
  v.string(),
  v.trim(),
  v.nonEmpty('give your name (a "name" field before the files): it is shown on what you add'),
  v.maxLength(60, 'name is too long (60 characters at most)'),
);
const JsonQuery = v.object({ after: v.optional(v.pipe(Uuid, v.toLowerCase())) });

/** Signed URLs for this link's media. */
export function signedMedia(c: Context<AppEnv>, link: LinkState) {
  const signer = c.get('sharing').signer;
  const ip = boundIp(c);
  return (id: string, variant: MediaVariant) => signer.signMedia(id, variant, link.id, ip);
}

function guestGridContext(c: Context<AppEnv>, link: LinkState): GridContext {
  return {
    currentYear: yearIn(tz(c)),
    media: signedMedia(c, link),
    infoUrl: link.permissions.showMetadata ? (id) => `/api/share/${link.token}/assets/${id}` : undefined,
    originals: link.permissions.allowDownload,
    withholdOriginal: link.permissions.stripLocation ? (a) => locationLeft(a.location_check) : undefined,
    selectable: link.permissions.allowDownload, // select, then one ZIP or Save to Photos
  };
}

function origin(c: Context<AppEnv>): string {
  return c.get('deps').config.publicUrl ?? new URL(c.req.url).origin;
}

function openGraph(c: Context<AppEnv>, link: LinkState, album: AlbumSummary): OpenGraph | undefined {
  if (link.passwordHash) return undefined; // reveal nothing before the password
  const base = origin(c);
  return {
    title: album.title,
    description: albumMetaLine(album) || 'A shared album',
    url: `${base}/s/${link.token}`,
    image: album.cover?.status === 'ready' ? base + signedMedia(c, link)(album.cover.id, 'preview') : undefined,
  };
}

/** The album page of an open link: the same bytes for every guest of it for a moment (PageCache). */
async function sendSharePage(c: Context<AppEnv>, link: LinkState) {
  const after = parseInput(GridPageQuery, c.req.query()).after;
  if (!after) await c.get('sharing').views.count(link.id);
  // What a page depends on besides the link: its place, and what goes into its URLs.
  return sendCachedHtml(c, ['page', link.id, after ?? '', origin(c), boundIp(c) ?? ''], () => renderSharePage(c, link, after));
}

/** HTML that is the same for every guest of a link for a moment, from the PageCache, compressed once. */
async function sendCachedHtml(c: Context<AppEnv>, key: string[], render: () => Promise<string>) {
  const encoding = pickEncoding(c.req.header('Accept-Encoding'));
  const body = await c.get('sharing').pages.get(key.join(' '), encoding, render);
  c.header('Cache-Control', 'private, no-cache');
  c.header('Content-Type', 'text/html; charset=UTF-8');
  c.header('Vary', 'Accept-Encoding');
  if (encoding) c.header('Content-Encoding', encoding);
  return c.body(body as Uint8Array<ArrayBuffer>);
}

async function renderSharePage(c: Context<AppEnv>, link: LinkState, after: string | undefined): Promise<string> {
  const album = await sharedAlbum(c, link);
  const base = `/s/${link.token}`;
  const page = await loadGridPage(db(c), { albumId: album.id, sort: album.sort_order, tz: tz(c), after, base, forGuests: true });
  const config = c.get('deps').config;
  return String(
    await (
      <SharePage
        album={album}
        page={page}
        ctx={guestGridContext(c, link)}
        og={openGraph(c, link, album)}
        continuedFrom={after ? base : undefined}
        linkState={`/api/share/${link.token}/status`}
        download={link.permissions.allowDownload ? { url: `${base}/download.zip`, selectionUrl: `/api/share/${link.token}/downloads` } : undefined}
        upload={
          link.permissions.allowUpload
            ? {
                url: `/api/share/${link.token}/upload`,
                resumableUrl: `/api/share/${link.token}/uploads`,
                chunkBytes: config.uploadChunkBytes,
                maxBytes: Math.min(config.maxUploadBytes, config.shareUpload.maxFileBytes),
                placeUrl: `/s/${link.token}/placed-tiles`,
                statusUrl: `/api/share/${link.token}/status`,
              }
            : undefined
        }
      />
    ).toString(),
  );
}

export const shareRoutes = new Hono<AppEnv>()
  .get('/s/:token', async (c) => {
    const link = await openLink(c, c.req.param('token'));
    if (!passwordGranted(c, link)) return c.html(<ShareGatePage token={link.token} />, 401);
    return sendSharePage(c, link);
  })
  // The gate's form.
  .post('/s/:token', async (c) => {
    const link = await openLink(c, c.req.param('token'));
    if (!link.passwordHash) return c.redirect(`/s/${link.token}`, 303);
    const form = await readForm(c);
    if (await checkLinkPassword(c, link, form.password ?? '')) {
      grantPassword(c, link);
      return c.redirect(`/s/${link.token}`, 303);
    }
    return c.html(<ShareGatePage token={link.token} error="That password is not right." />, 401);
  })
  .get('/s/:token/tiles', async (c) => {
    const link = await unlockedLink(c);
    const album = await sharedAlbum(c, link);
    const q = parseInput(GridTilesQuery, c.req.query());
    const grid = { albumId: album.id, sort: q.sort ?? album.sort_order, tz: tz(c), after: q.after, base: `/s/${link.token}`, forGuests: true };
    // Every guest scrolling the album asks for the same pages of tiles: rendered once a moment.
    return sendCachedHtml(c, ['tiles', link.id, grid.sort, q.after ?? '', q.open ?? '', boundIp(c) ?? ''], async () => {
      const ctx = guestGridContext(c, link);
      const fragment = q.open
        ? <GridContinuationFragment part={await loadGridContinuation(db(c), grid, q.open)} ctx={ctx} />
        : <GridSections page={await loadGridPage(db(c), grid)} ctx={ctx} />;
      return String(await fragment.toString());
    });
  })
  // The live grid (static/js/live-grid.js): tiles of new items in place, and their states;
  // only items of the link's album answer, and no word of the owner's other work.
  .get('/s/:token/placed-tiles', async (c) => {
    const link = await unlockedLink(c);
    return placedAlbumTiles(c, await sharedAlbum(c, link), guestGridContext(c, link), { forGuests: true });
  })
  .get('/api/share/:token/status', async (c) => {
    const link = await unlockedLink(c);
    const { ids } = parseInput(IdsQuery, c.req.query());
    const states = await listAssetStates(db(c), ids, { albumId: link.albumId });
    // A guest is told that their file failed, in their words: why is for the owner (storage, limits).
    return assetStates(c, states.map((s) => (s.status === 'failed' ? { ...s, processing_error: GUEST_FAILURE } : s)));
  })
  .get('/api/share/:token', async (c) => {
    const link = await unlockedLink(c);
    const album = await sharedAlbum(c, link);
    const { after } = parseInput(JsonQuery, c.req.query());
    const rows = await listAlbumAssets(db(c), album.id, { sort: album.sort_order, after, tz: tz(c), limit: JSON_PAGE + 1, forGuests: true });
    const more = rows.length > JSON_PAGE;
    const media = signedMedia(c, link);
    const { allowDownload, showMetadata, allowUpload } = link.permissions;
    if (!after) await c.get('sharing').views.count(link.id);
    c.header('Cache-Control', 'private, no-cache');
    return c.json({
      album: {
        title: album.title,
        description: album.description,
        itemCount: album.item_count,
        photoCount: album.photo_count,
        videoCount: album.video_count,
        firstDay: album.first_day,
        lastDay: album.last_day,
      },
      link: {
        // Not its label: that is the owner's note to themselves ("for Grandma").
        allowDownload,
        showMetadata,
        allowUpload,
        expiresAt: link.expiresAt?.toISOString() ?? null,
        ...(allowDownload ? { zipUrl: `/s/${link.token}/download.zip` } : {}),
      },
      assets: rows.slice(0, JSON_PAGE).map((a) => ({
        id: a.id,
        kind: a.kind,
        mimeType: a.mime_type,
        width: a.width,
        height: a.height,
        fileSize: a.file_size,
        durationSeconds: a.duration_seconds,
        takenAtLocal: a.taken_at_local,
        day: a.day,
        originalFilename: a.original_filename,
        status: a.status,
        placeholder: a.thumbhash,
        addedBy: a.added_by_name,
        thumbUrl: a.status === 'ready' ? media(a.id, 'thumb') : null,
        previewUrl: a.status === 'ready' ? media(a.id, 'preview') : null,
        ...(allowDownload && !(link.permissions.stripLocation && locationLeft(a.location_check)) ? { originalUrl: media(a.id, 'original') } : {}),
        ...(a.kind === 'video' ? { playback: a.playback, videoUrl: videoSource(a, media, link.permissions.stripLocation && locationLeft(a.location_check)) ?? null } : {}),
        ...(a.live_clip_id || a.motion_length ? { liveVideoUrl: liveClipSource(a, media) } : {}),
      })),
      next: more ? `/api/share/${link.token}?after=${rows[JSON_PAGE - 1]!.id}` : null,
    });
  })
  .post('/api/share/:token/auth', async (c) => {
    const link = await openLink(c, c.req.param('token'));
    const { password } = await readJson(c, PasswordInput);
    if (!link.passwordHash) return c.body(null, 204);
    if (await checkLinkPassword(c, link, password)) {
      grantPassword(c, link);
      return c.body(null, 204);
    }
    throw httpError(401, 'wrong password');
  })
  // Guests add photos (links with allowUpload): into this album only, under the name they
  // give, within the link's caps on file size and files and bytes per day.
  .post('/api/share/:token/upload', async (c) => {
    const link = await unlockedLink(c);
    if (!link.permissions.allowUpload) throw httpError(403, 'this link does not take uploads');
    const caps = c.get('deps').config.shareUpload;
    // A quick refusal before the body is read; each file's reservation is what holds.
    const used = await uploadUsageToday(db(c), link.id);
    if (used.files >= caps.maxFilesPerDay || used.bytes >= caps.maxBytesPerDay) throw httpError(429, 'this link has taken as much as it may today; try again tomorrow');
    let guestName = '';
    const admit = async (fields: Record<string, string>) => {
      guestName = parseInput(GuestName, fields.name ?? '');
    };
    const quota = {
      reserve: () => reserveUpload(db(c), link.id, caps),
      settle: (r: UploadReservation, stored: number | null) => settleUpload(db(c), link.id, r, stored),
    };
    // A refused or broken request keeps nothing, and counts nothing.
    const upload = await parseUpload(c, { uploadedBy: null, restoresFromTrash: false, admit, quota });
    return answerUpload(c, upload, link.albumId, { linkId: link.id, name: guestName });
  })
  // The lightbox drawer's data: only when the link shows metadata, only for its album's items.
  .get('/api/share/:token/assets/:id', async (c) => {
    const link = await unlockedLink(c);
    const id = c.req.param('id').toLowerCase();
    const asset = link.permissions.showMetadata && v.is(Uuid, id) ? await findAssetInAlbum(db(c), link.albumId, id) : undefined;
    if (!asset || asset.status === 'failed') throw httpError(404, 'not found'); // guests are not shown failed items
    c.header('Cache-Control', 'private, no-cache');
    return c.json({ asset: guestAssetInfo(publicAsset(asset), link.permissions) });
  });
