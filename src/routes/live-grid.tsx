// A grid on screen takes in new uploads and newly processed items without a reload
// (static/js/live-grid.js): tiles for given ids with their neighbours, so the page knows
// where each goes (GET /albums/:id/placed-tiles, GET /library/placed-tiles), and the
// processing state of given ids with the worker's backlog (GET /api/assets/status), polled
// only while some item on the page is still waiting for its thumbnail. Guests of a link
// that takes uploads have the same for its album (src/routes/share.tsx).
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { albumMetaLine } from '../../views/pages/album.tsx';
import { ownerGridContext, tileState, type GridContext } from '../../views/parts/album-grid.tsx';
import { plural, yearIn } from '../../views/parts/dates.ts';
import { PlacedTiles } from '../../views/parts/live-grid.tsx';
import { findAlbum, type AlbumSummary, type AudienceOptions } from '../queries/albums.ts';
import { resolveGrouping } from './album-grid.ts';
import { countLibraryAssets } from '../queries/library.ts';
import { countBacklog } from '../queries/jobs.ts';
import { listAssetStates, listPlacedAlbumTiles, listPlacedLibraryTiles, type AssetState } from '../queries/live-grid.ts';
import { isUploaderOfAlbum } from '../queries/users.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { parseInput, Uuid } from '../http/validate.ts';

/** At most this many ids per request (a query string of ~3.7 kB). */
export const MAX_IDS = 100;

const Ids = v.pipe(
  v.string('ids is required: asset ids separated by commas'),
  v.transform((s) => [...new Set(s.split(',').map((id) => id.trim().toLowerCase()).filter(Boolean))]),
  v.minLength(1, 'ids must name at least one asset'),
  v.maxLength(MAX_IDS, `ids: at most ${MAX_IDS} at a time`),
  v.check((ids) => ids.every((id) => v.is(Uuid, id)), 'ids must be asset ids separated by commas'),
);
// Missing reads as empty, so it gets the same plain message as `ids=`.
export const IdsQuery = v.object({ ids: v.optional(Ids, '') });
const LibraryIdsQuery = v.object({
  ids: v.optional(Ids, ''),
  filter: v.optional(v.picklist(['all', 'unsorted'], 'filter must be all or unsorted'), 'all'),
});

const db = (c: Context<AppEnv>) => c.get('deps').database.db;
const tz = (c: Context<AppEnv>) => c.get('deps').config.defaultTz;

/** The album, if this user may see it (the owner always, an uploader when granted), as albums.tsx does. */
async function albumOr404(c: Context<AppEnv>): Promise<AlbumSummary> {
  const id = c.req.param('id') ?? '';
  const user = currentUser(c);
  const album = v.is(Uuid, id) ? await findAlbum(db(c), id.toLowerCase(), { tz: tz(c) }) : undefined;
  if (!album || (user.role !== 'owner' && !(await isUploaderOfAlbum(db(c), user.id, album.id)))) {
    throw httpError(404, 'This album does not exist.');
  }
  return album;
}

/** The album's tiles for the ids in the query (others are left out), drawn with `ctx`. */
export async function placedAlbumTiles(c: Context<AppEnv>, album: AlbumSummary, ctx: GridContext, audience: AudienceOptions = {}) {
  const { ids } = parseInput(IdsQuery, c.req.query());
  const rows = await listPlacedAlbumTiles(db(c), album.id, ids, { sort: album.sort_order, tz: tz(c), ...audience });
  c.header('Cache-Control', 'no-store');
  return c.html(<PlacedTiles rows={rows} ctx={ctx} grouping={resolveGrouping(album)} meta={albumMetaLine(album)} count={album.item_count} />);
}

/** The states live-grid.js polls for; the worker's backlog only where the caller may know it. */
export function assetStates(c: Context<AppEnv>, states: AssetState[], backlog?: number) {
  c.header('Cache-Control', 'no-store');
  const answer = states.map((s) => ({
    id: s.id,
    status: tileState(s),
    error: s.processing_error,
    ...(s.playback === 'preparing' && s.progress !== null ? { progress: Math.floor(s.progress * 100) } : {}),
  }));
  return c.json({ assets: answer, ...(backlog === undefined ? {} : { backlog }) });
}

export const liveGridRoutes = new Hono<AppEnv>()
  .get('/albums/:id/placed-tiles', async (c) => placedAlbumTiles(c, await albumOr404(c), ownerGridContext(currentUser(c), yearIn(tz(c)))))
  .get('/library/placed-tiles', async (c) => {
    const { ids, filter } = parseInput(LibraryIdsQuery, c.req.query());
    const rows = await listPlacedLibraryTiles(db(c), ids, { filter, tz: tz(c) });
    const total = await countLibraryAssets(db(c), filter);
    const meta = filter === 'unsorted' ? `${plural(total, 'item')} not in any album` : plural(total, 'item');
    const ctx = ownerGridContext(currentUser(c), yearIn(tz(c)));
    c.header('Cache-Control', 'no-store');
    return c.html(<PlacedTiles rows={rows} ctx={ctx} grouping="day" meta={meta} />);
  })
  .get('/api/assets/status', async (c) => {
    const user = currentUser(c);
    const { ids } = parseInput(IdsQuery, c.req.query());
    const states = await listAssetStates(db(c), ids, { uploaderId: user.role === 'owner' ? undefined : user.id });
    return assetStates(c, states, await countBacklog(db(c)));
  });
