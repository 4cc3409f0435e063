// Albums: the JSON API (create, list, read, add/remove items, order, edit, delete) and the
// album page with its grid fragments and small forms. Uploaders may read the albums granted
// to them (anything else answers 404, as if it did not exist); everything else is the owner's.
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { AlbumHead, AlbumPage } from '../../views/pages/album.tsx';
import { HomePage } from '../../views/pages/home.tsx';
import { GridContinuationFragment, GridSections, ownerGridContext } from '../../views/parts/album-grid.tsx';
import { yearIn } from '../../views/parts/dates.ts';
import { ALBUM_SORT_ORDERS } from '../db/schema.ts';
import {
  appendAssetsToAlbum,
  assetIdsNotInAlbum,
  deleteAlbum,
  findAlbum,
  insertAlbum,
  listAlbumAssets,
  listAlbums,
  missingAssetIds,
  removeAssetsFromAlbum,
  reorderAlbum,
  updateAlbum,
  type AlbumAssetRow,
  type AlbumChanges,
  type AlbumSummary,
} from '../queries/albums.ts';
import { isUploaderOfAlbum } from '../queries/users.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { AssetIdList, describeIssues, LowerUuid, parseInput, readForm, readJson, Uuid } from '../http/validate.ts';
import { GridPageQuery as PageQuery, GridTilesQuery as TilesQuery, loadGridContinuation, loadGridPage } from './album-grid.ts';

// Fields
const Id = LowerUuid;
const Title = v.pipe(v.string('title is required'), v.trim(), v.nonEmpty('title is required'), v.maxLength(200, 'title is too long (200 characters at most)'));
const Description = v.pipe(v.string('description must be text'), v.trim(), v.maxLength(5000, 'description is too long (5,000 characters at most)'));
const SortOrder = v.picklist(ALBUM_SORT_ORDERS, `sortOrder must be one of ${ALBUM_SORT_ORDERS.join(', ')}`);
const IdList = AssetIdList;

// Bodies and queries
const NewAlbum = v.object({ title: Title, description: v.optional(Description, '') });
const AssetIds = v.object({ assetIds: IdList });
const Order = v.object({
  assetIds: v.pipe(
    IdList,
    v.check((ids) => new Set(ids).size === ids.length, 'assetIds names an asset more than once'),
  ),
});
const AlbumPatch = v.pipe(
  v.strictObject({
    title: v.optional(Title),
    description: v.optional(Description),
    coverAssetId: v.optional(v.nullable(Id)),
    sortOrder: v.optional(SortOrder),
  }),
  v.check((p) => Object.values(p).some((x) => x !== undefined), 'nothing to change: send title, description, coverAssetId or sortOrder'),
);
const AssetsQuery = v.object({
  after: v.optional(Id),
  limit: v.optional(v.pipe(v.string(), v.toNumber('limit must be a number'), v.integer('limit must be a whole number'), v.minValue(1, 'limit must be at least 1'), v.maxValue(1000, 'limit is at most 1000')), '1000'),
});

const db = (c: Context<AppEnv>) => c.get('deps').database.db;
const tz = (c: Context<AppEnv>) => c.get('deps').config.defaultTz;
const isHtmx = (c: Context<AppEnv>) => c.req.header('hx-request') === 'true';

/** The album, if this user may see it: the owner always, an uploader when granted. */
async function albumOr404(c: Context<AppEnv>): Promise<AlbumSummary> {
  const id = c.req.param('id') ?? '';
  const user = currentUser(c);
  const album = v.is(Uuid, id) ? await findAlbum(db(c), id.toLowerCase(), { tz: tz(c) }) : undefined;
  if (!album || (user.role !== 'owner' && !(await isUploaderOfAlbum(db(c), user.id, album.id)))) {
    throw httpError(404, c.req.path.startsWith('/api/') ? 'no such album' : 'This album does not exist.');
  }
  return album;
}

const refreshed = async (c: Context<AppEnv>, id: string) => (await findAlbum(db(c), id, { tz: tz(c) }))!;

export function publicAlbum(a: AlbumSummary) {
  return {
    id: a.id,
    title: a.title,
    description: a.description,
    sortOrder: a.sort_order,
    coverAssetId: a.cover_asset_id,
    cover: a.cover && { id: a.cover.id, width: a.cover.width, height: a.cover.height, thumbhash: a.cover.thumbhash },
    itemCount: a.item_count,
    photoCount: a.photo_count,
    videoCount: a.video_count,
    firstDay: a.first_day,
    lastDay: a.last_day,
    createdAt: a.created_at.toISOString(),
  };
}

export function publicAlbumAsset(a: AlbumAssetRow) {
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    width: a.width,
    height: a.height,
    durationSeconds: a.duration_seconds,
    thumbhash: a.thumbhash,
    takenAt: a.taken_at?.toISOString() ?? null,
    takenAtLocal: a.taken_at_local,
    day: a.day,
    position: a.position,
    originalFilename: a.original_filename,
    mimeType: a.mime_type,
    processingError: a.processing_error,
  };
}

/** Applies a validated change set; a cover must be one of the album's items. */
async function applyChanges(c: Context<AppEnv>, album: AlbumSummary, changes: AlbumChanges) {
  if (changes.cover_asset_id && (await assetIdsNotInAlbum(db(c), album.id, [changes.cover_asset_id])).length) {
    throw httpError(400, 'coverAssetId: that asset is not in this album');
  }
  await updateAlbum(db(c), album.id, changes);
}

async function renderAlbumPage(c: Context<AppEnv>, album: AlbumSummary, after?: string) {
  const page = await loadGridPage(db(c), { albumId: album.id, sort: album.sort_order, tz: tz(c), after });
  return c.html(<AlbumPage user={currentUser(c)} album={album} page={page} currentYear={yearIn(tz(c))} continued={after !== undefined} uploadChunkBytes={c.get('deps').config.uploadChunkBytes} />);
}

export const albumRoutes = new Hono<AppEnv>()
  // JSON API
  .post('/api/albums', async (c) => {
    const input = await readJson(c, NewAlbum);
    const album = await insertAlbum(db(c), { ownerId: currentUser(c).id, title: input.title, description: input.description });
    return c.json({ album: publicAlbum(await refreshed(c, album.id)) }, 201);
  })
  .get('/api/albums', async (c) => {
    const user = currentUser(c);
    const albums = await listAlbums(db(c), { tz: tz(c), uploaderId: user.role === 'owner' ? undefined : user.id });
    return c.json({ albums: albums.map(publicAlbum) });
  })
  .get('/api/albums/:id', async (c) => {
    const album = await albumOr404(c);
    const { after, limit } = parseInput(AssetsQuery, c.req.query());
    const rows = await listAlbumAssets(db(c), album.id, { sort: album.sort_order, after, limit: limit + 1, tz: tz(c) });
    const assets = rows.slice(0, limit);
    return c.json({ album: publicAlbum(album), assets: assets.map(publicAlbumAsset), nextCursor: rows.length > limit ? assets.at(-1)!.id : null });
  })
  .patch('/api/albums/:id', async (c) => {
    const album = await albumOr404(c);
    const patch = await readJson(c, AlbumPatch);
    await applyChanges(c, album, {
      title: patch.title,
      description: patch.description,
      cover_asset_id: patch.coverAssetId,
      sort_order: patch.sortOrder,
    });
    return c.json({ album: publicAlbum(await refreshed(c, album.id)) });
  })
  .delete('/api/albums/:id', async (c) => {
    const album = await albumOr404(c);
    await deleteAlbum(db(c), album.id);
    c.get('sharing').links.clear(); // its links went with it
    return c.body(null, 204);
  })
  .post('/api/albums/:id/assets', async (c) => {
    const album = await albumOr404(c);
    const { assetIds } = await readJson(c, AssetIds);
    const missing = await missingAssetIds(db(c), [...new Set(assetIds)]);
    if (missing.length) throw httpError(400, `assetIds: no such assets: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`, { missing });
    const added = await appendAssetsToAlbum(db(c), album.id, assetIds);
    return c.json({ added: added.length, alreadyInAlbum: new Set(assetIds).size - added.length, album: publicAlbum(await refreshed(c, album.id)) });
  })
  .delete('/api/albums/:id/assets', async (c) => {
    const album = await albumOr404(c);
    const { assetIds } = await readJson(c, AssetIds);
    const removed = await removeAssetsFromAlbum(db(c), album.id, assetIds);
    return c.json({ removed, album: publicAlbum(await refreshed(c, album.id)) });
  })
  .put('/api/albums/:id/order', async (c) => {
    const album = await albumOr404(c);
    const { assetIds } = await readJson(c, Order);
    const strangers = await assetIdsNotInAlbum(db(c), album.id, assetIds);
    if (strangers.length) throw httpError(400, `assetIds: not in this album: ${strangers.slice(0, 20).join(', ')}${strangers.length > 20 ? ', …' : ''}`, { notInAlbum: strangers });
    await reorderAlbum(db(c), album.id, assetIds);
    return c.json({ album: publicAlbum(await refreshed(c, album.id)) });
  })

  // Pages and forms
  .post('/albums', async (c) => {
    const form = await readForm(c);
    const input = v.safeParse(NewAlbum, form);
    if (!input.success) {
      const user = currentUser(c);
      const albums = await listAlbums(db(c), { tz: tz(c) });
      return c.html(<HomePage user={user} albums={albums} error={describeIssues(input.issues)} form={form} />, 400);
    }
    const album = await insertAlbum(db(c), { ownerId: currentUser(c).id, ...input.output });
    return c.redirect(`/albums/${album.id}`, 303);
  })
  .get('/albums/:id', async (c) => {
    const album = await albumOr404(c);
    return renderAlbumPage(c, album, parseInput(PageQuery, c.req.query()).after);
  })
  .get('/albums/:id/tiles', async (c) => {
    const album = await albumOr404(c);
    const q = parseInput(TilesQuery, c.req.query());
    const grid = { albumId: album.id, sort: q.sort ?? album.sort_order, tz: tz(c), after: q.after };
    const ctx = ownerGridContext(currentUser(c), yearIn(tz(c)));
    if (q.open) return c.html(<GridContinuationFragment part={await loadGridContinuation(db(c), grid, q.open)} ctx={ctx} />);
    return c.html(<GridSections page={await loadGridPage(db(c), grid)} ctx={ctx} />);
  })
  .post('/albums/:id/details', async (c) => {
    const album = await albumOr404(c);
    const form = await readForm(c);
    const input = v.safeParse(v.object({ title: Title, description: v.optional(Description, '') }), form);
    if (!input.success) {
      const error = describeIssues(input.issues);
      if (isHtmx(c)) return c.html(<AlbumHead album={album} canEdit canDownload error={error} form={form} />, 422);
      throw httpError(400, error);
    }
    await updateAlbum(db(c), album.id, input.output);
    if (isHtmx(c)) return c.html(<AlbumHead album={await refreshed(c, album.id)} canEdit canDownload />);
    return c.redirect(`/albums/${album.id}`, 303);
  })
  .post('/albums/:id/sort', async (c) => {
    const album = await albumOr404(c);
    const { sortOrder } = parseInput(v.object({ sortOrder: SortOrder }), await readForm(c));
    await updateAlbum(db(c), album.id, { sort_order: sortOrder });
    return c.redirect(`/albums/${album.id}`, 303);
  })
  .post('/albums/:id/delete', async (c) => {
    const album = await albumOr404(c);
    await deleteAlbum(db(c), album.id);
    c.get('sharing').links.clear(); // its links went with it
    return c.redirect('/', 303);
  });
