// Downloads as one ZIP: a whole album, or a selection posted once and fetched by a short
// GET URL (valid 7 days) that the browser's own download manager runs and resumes.
//   owner:  GET  /api/albums/:id/download.zip
//           POST /api/downloads {assetIds, albumId?} → {url}, then GET /api/downloads/<id>.zip
//   guest:  GET  /s/:token/download.zip            (links that allow downloads)
//           POST /api/share/:token/downloads {assetIds} → {url}, then GET /s/:token/downloads/<id>.zip
// A guest's ZIP follows the link's rules (downloads on, location blanked when it strips
// location), stops at the next file when the link is turned off, and at most 3 run at once
// per IP and 10 per link; a resume (a Range request) may go past those, up to twice
// each, before it too is answered 429.
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../http/env.ts';
import { clientKey } from '../http/client-ip.ts';
import { httpError } from '../http/errors.tsx';
import { AssetIdList, LowerUuid, parseInput, readJson } from '../http/validate.ts';
import { findAlbum, type AlbumSummary } from '../queries/albums.ts';
import { deleteExpiredSelections, findSelection, listAlbumZipItems, listLibraryZipItems, trimLinkSelections, upsertSelection, type ZipItemRow } from '../queries/downloads.ts';
import { countDownload } from '../queries/links.ts';
import { judgeLink, type LinkState } from '../sharing/link-cache.ts';
import { rowsAwaitingLocation, rowsWithLocationLeft, zipEntries, zipFolderName } from '../downloads/zip-entries.ts';
import { sendZip, type SendZipOptions } from '../downloads/send-zip.ts';
import { layoutZip } from '../zip/zip-layout.ts';
import { ZipSourceError, type ZipFileSource, type ZipOutcome } from '../zip/zip-stream.ts';
import { absolute } from '../storage/layout.ts';
import { sharedAlbum, unlockedLink } from './share-access.ts';

const SELECTION_DAYS = 7;
const SELECTIONS_PER_LINK = 100;
const ZIPS_PER_IP = 3;
const ZIPS_PER_LINK = 10;
const RETRY_AFTER_BUSY_S = 30;
const RETRY_AFTER_PREPARING_S = 5;

const SelectionFile = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}\.zip$/));
const OwnerSelection = v.object({ assetIds: AssetIdList, albumId: v.optional(LowerUuid) });
const GuestSelection = v.object({ assetIds: AssetIdList });

const db = (c: Context<AppEnv>) => c.get('deps').database.db;
const tz = (c: Context<AppEnv>) => c.get('deps').config.defaultTz;

async function albumOr404(c: Context<AppEnv>, id: string): Promise<AlbumSummary> {
  const album = v.is(LowerUuid, id) ? await findAlbum(db(c), id.toLowerCase(), { tz: tz(c) }) : undefined;
  if (!album) throw httpError(404, 'no such album');
  return album;
}

/** The selection id from its file name, and the selection while it is valid. */
async function selectionOr404(c: Context<AppEnv>, file: string) {
  const selection = v.is(SelectionFile, file) ? await findSelection(db(c), file.slice(0, -4)) : undefined;
  if (!selection) throw httpError(404, 'this download has expired or does not exist; select the items again');
  return selection;
}

/**
 * The selection's short id: a hash of what it holds, so posting the same selection again
 * gives the same URL (and a browser's resume of it still matches) and adds no row. A
 * link keeps its newest selections only: a guest cannot fill the table.
 */
async function saveSelection(c: Context<AppEnv>, row: { albumId: string | null; linkId: string | null; assetIds: string[] }): Promise<string> {
  await deleteExpiredSelections(db(c));
  const key = [row.linkId ?? 'owner', row.albumId ?? 'library', ...[...row.assetIds].sort()].join('\n');
  const id = createHash('sha256').update(key).digest('base64url').slice(0, 22);
  await upsertSelection(db(c), { ...row, id, expiresAt: new Date(Date.now() + SELECTION_DAYS * 86_400_000) });
  if (row.linkId) await trimLinkSelections(db(c), row.linkId, SELECTIONS_PER_LINK);
  return id;
}

const summary = (rows: ZipItemRow[]) => ({ items: rows.length, bytes: rows.reduce((n, r) => n + r.file_size, 0) });

function answerZip(
  c: Context<AppEnv>,
  rows: ZipItemRow[],
  folderTitle: string,
  o: { stripLocation?: boolean } & Pick<SendZipOptions<ZipFileSource>, 'probe' | 'starting'>,
) {
  const root = c.get('deps').dataDir.root;
  const unreadable = c.get('sharing').unreadableOriginals;
  const readable = rows.filter((r) => !unreadable.has(absolute(root, r.storage_path)));
  if (!readable.length) throw httpError(404, 'there is nothing to download here');
  const folder = zipFolderName(folderTitle);
  const layout = layoutZip(zipEntries(readable, { folder, dataRoot: root, stripLocation: o.stripLocation ?? false }));
  return sendZip(c, layout, { filename: `${folder}.zip`, probe: o.probe, starting: o.starting });
}

// --- Guests ---------------------------------------------------------------------------

async function downloadableLink(c: Context<AppEnv>): Promise<LinkState> {
  const link = await unlockedLink(c);
  if (!link.permissions.allowDownload) throw httpError(403, 'downloads are turned off for this link');
  return link;
}

/**
 * What a guest of this link may download of the album (all of it, or of `onlyIds`), in
 * the album's order. Through a "strip location" link, items whose blanked CRC-32 is not
 * known yet are worked out in the background while this answers 503.
 */
async function guestZipRows(c: Context<AppEnv>, link: LinkState, album: AlbumSummary, onlyIds?: string[]): Promise<ZipItemRow[]> {
  const strip = link.permissions.stripLocation;
  let rows = await listAlbumZipItems(db(c), album.id, { sort: album.sort_order, tz: tz(c), withPatches: strip, onlyIds, forGuests: true });
  if (!strip) return rows; // (answerZip leaves out unreadable originals)
  const { locationPrep: prep, unreadableOriginals: unreadable } = c.get('sharing');
  const root = c.get('deps').dataDir.root;
  rows = rows.filter((r) => !unreadable.has(absolute(root, r.storage_path)));
  const waiting = rowsAwaitingLocation(rows);
  if (waiting.length) {
    prep.request(waiting);
    c.header('Retry-After', String(RETRY_AFTER_PREPARING_S));
    throw httpError(503, `the download is being prepared (${waiting.length} of ${rows.length} items to check for location data); try again in a few seconds`);
  }
  // A file whose location could not be removed is never in it.
  const withheld = new Set(rowsWithLocationLeft(rows));
  return rows.filter((r) => !withheld.has(r));
}

const busy = (c: Context<AppEnv>) => {
  c.header('Retry-After', String(RETRY_AFTER_BUSY_S));
  return httpError(429, 'too many downloads are running at once; try again when one has finished');
};

/**
 * A guest's ZIP: 429 past the running-ZIP limits (a HEAD asks without taking a slot; a
 * resume is let through up to twice the limit), one count per new download, and a stop at
 * the next file once the link is turned off or its switches or password change (a ZIP
 * begun with location kept must not go on after "hide location" is switched on).
 */
function guestZip(c: Context<AppEnv>, link: LinkState): Pick<SendZipOptions<ZipFileSource>, 'probe' | 'starting'> {
  const slots = [
    { key: `ip:${clientKey(c)}`, max: ZIPS_PER_IP },
    { key: `link:${link.id}`, max: ZIPS_PER_LINK },
    { key: 'all', max: Infinity },
  ];
  const running = c.get('limits').runningZips;
  return {
    probe: ({ start }) => {
      if (running.refuses(slots, start > 0)) throw busy(c);
    },
    starting: async ({ start }) => {
      if (running.refuses(slots, start > 0)) throw busy(c);
      if (start === 0) await countDownload(db(c), link.id);
      const release = running.take(slots, start > 0);
      if (!release) throw busy(c);
      const links = c.get('sharing').links;
      const terms = linkTerms(link);
      return {
        async beforeEntry() {
          const now = judgeLink(await links.byId(link.id));
          if (now.kind !== 'open' || linkTerms(now.link) !== terms) throw new Error('the share link was turned off or changed during the download');
        },
        done: finished(c, release),
      };
    },
  };
}

/** What a running ZIP was begun under: the link's switches and password. */
const linkTerms = (link: LinkState) => JSON.stringify([link.permissions, link.passwordHash]);

/** When a ZIP stops: its slot is free again, and one that failed part way is logged. */
function finished(c: Context<AppEnv>, release: () => void) {
  return ({ sent, error, clientGone }: ZipOutcome) => {
    release();
    const log = c.get('deps').log;
    if (error instanceof ZipSourceError) c.get('sharing').unreadableOriginals.add(error.path, error.message);
    if (error) log.warn('download stopped part way', { path: c.req.path, sent, error: (error as Error).message });
    else if (clientGone) log.debug('download left by the client', { path: c.req.path, sent });
  };
}

// --- Owner ----------------------------------------------------------------------------

/** The owner's own downloads: every item, processed or not, bytes as stored; no limits. */
const ownerZip = (c: Context<AppEnv>): Pick<SendZipOptions<ZipFileSource>, 'starting'> => ({
  starting: () => ({ done: finished(c, c.get('limits').runningZips.take([{ key: 'all', max: Infinity }])!) }),
});

export const downloadRoutes = new Hono<AppEnv>()
  .on(['GET', 'HEAD'], '/api/albums/:id/download.zip', async (c) => {
    const album = await albumOr404(c, c.req.param('id'));
    const rows = await listAlbumZipItems(db(c), album.id, { sort: album.sort_order, tz: tz(c) });
    return answerZip(c, rows, album.title, ownerZip(c));
  })
  .post('/api/downloads', async (c) => {
    const { assetIds, albumId } = await readJson(c, OwnerSelection);
    const ids = [...new Set(assetIds)];
    const album = albumId ? await albumOr404(c, albumId) : undefined;
    const rows = album
      ? await listAlbumZipItems(db(c), album.id, { sort: album.sort_order, tz: tz(c), onlyIds: ids })
      : await listLibraryZipItems(db(c), ids, { tz: tz(c) });
    if (!rows.length) throw httpError(404, album ? 'none of these items is in this album' : 'none of these items is in the library');
    const id = await saveSelection(c, { albumId: album?.id ?? null, linkId: null, assetIds: rows.map((r) => r.id) });
    return c.json({ url: `/api/downloads/${id}.zip`, ...summary(rows) }, 201);
  })
  .on(['GET', 'HEAD'], '/api/downloads/:file', async (c) => {
    const selection = await selectionOr404(c, c.req.param('file'));
    if (selection.link_id) throw httpError(404, 'this download has expired or does not exist; select the items again');
    const album = selection.album_id ? await findAlbum(db(c), selection.album_id, { tz: tz(c) }) : undefined;
    const rows = album
      ? await listAlbumZipItems(db(c), album.id, { sort: album.sort_order, tz: tz(c), onlyIds: selection.asset_ids })
      : await listLibraryZipItems(db(c), selection.asset_ids, { tz: tz(c) });
    const title = album?.title ?? `Shoebox ${selection.created_at.toISOString().slice(0, 10)}`;
    return answerZip(c, rows, title, ownerZip(c));
  })
  .on(['GET', 'HEAD'], '/s/:token/download.zip', async (c) => {
    const link = await downloadableLink(c);
    const album = await sharedAlbum(c, link);
    const rows = await guestZipRows(c, link, album);
    return answerZip(c, rows, album.title, { stripLocation: link.permissions.stripLocation, ...guestZip(c, link) });
  })
  .post('/api/share/:token/downloads', async (c) => {
    const link = await downloadableLink(c);
    const { assetIds } = await readJson(c, GuestSelection);
    const album = await sharedAlbum(c, link);
    const rows = await listAlbumZipItems(db(c), album.id, { sort: album.sort_order, tz: tz(c), onlyIds: [...new Set(assetIds)], forGuests: true });
    if (!rows.length) throw httpError(404, 'none of these items is in this album');
    const id = await saveSelection(c, { albumId: album.id, linkId: link.id, assetIds: rows.map((r) => r.id) });
    return c.json({ url: `/s/${link.token}/downloads/${id}.zip`, ...summary(rows) }, 201);
  })
  .on(['GET', 'HEAD'], '/s/:token/downloads/:file', async (c) => {
    const link = await downloadableLink(c);
    const selection = await selectionOr404(c, c.req.param('file'));
    if (selection.link_id !== link.id) throw httpError(404, 'this download has expired or does not exist; select the items again');
    const album = await sharedAlbum(c, link);
    const rows = await guestZipRows(c, link, album, selection.asset_ids);
    return answerZip(c, rows, album.title, { stripLocation: link.permissions.stripLocation, ...guestZip(c, link) });
  });
