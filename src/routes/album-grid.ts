// The album grid a page at a time. A page holds at most GRID_PAGE_SIZE tiles (the first,
// sent with the page itself, FIRST_PAGE_SIZE: about two phone screens, so a phone on a
// slow network parses, lays out and paints it sooner; the rest come once its first
// thumbnails are in or as the guest scrolls) and, where it can, ends where a day ends,
// so each day's rows are laid out in one piece. A day longer
// than a page is split: the next page continues inside that day's section (its last row
// re-flows while it is still far below the screen) and the page after starts new days.
import * as v from 'valibot';
import { ALBUM_SORT_ORDERS, type AlbumGrouping, type AlbumSortOrder } from '../db/schema.ts';
import { Uuid } from '../http/validate.ts';
import { listAlbumAssets, type AlbumAssetRow, type AlbumSummary, type GridAssetRow } from '../queries/albums.ts';
import type { Db } from '../queries/users.ts';

export const GRID_PAGE_SIZE = 200;
export const FIRST_PAGE_SIZE = 40;

/** The next page: the fragment htmx fetches, and the whole page for a browser without script. */
export interface MoreLink {
  url: string;
  fallback: string;
}

export interface GridSection {
  /** The day ('YYYY-MM-DD') or month ('YYYY-MM') under its header, or none (one section: manual order, or grouping 'none'). */
  key?: string;
  tiles: GridAssetRow[];
  /** Set when the section goes on in the next page. */
  more?: MoreLink;
}

export interface GridPage {
  sections: GridSection[];
  /** The next page (new sections), when there is one. */
  more?: MoreLink;
}

/** The next page continuing an open section: its tiles, then where to go on from there. */
export interface GridContinuation {
  tiles: GridAssetRow[];
  /** The section still goes on: the next page, placed inside it. */
  moreInside?: MoreLink;
  /** The section ended and new ones follow: the next page, placed after the sections. */
  moreAfter?: MoreLink;
}

const Id = v.pipe(Uuid, v.toLowerCase());

/** How a grid groups its items as shown: 'auto' resolved (resolveGrouping). */
export type GridGrouping = Exclude<AlbumGrouping, 'auto'>;
const GRID_GROUPINGS = ['day', 'month', 'none'] as const satisfies readonly GridGrouping[];

// 'auto' groups by month an album of at least AUTO_MONTH_MIN_ITEMS that spans more than a
// year with fewer than AUTO_MONTH_MAX_ITEMS_PER_DAY items a day over its span on average (a
// family album of years, a few photos a week); a trip, years shot densely, or a handful of
// items (their day headers sit side by side anyway) stay by day.
const AUTO_MONTH_MIN_ITEMS = 60;
const AUTO_MONTH_MIN_SPAN_DAYS = 366;
const AUTO_MONTH_MAX_ITEMS_PER_DAY = 2;

/** The album's grouping, 'auto' decided from its span and size. Manual order has no groups. */
export function resolveGrouping(album: Pick<AlbumSummary, 'group_by' | 'sort_order' | 'first_day' | 'last_day' | 'item_count'>): GridGrouping {
  if (album.sort_order === 'manual') return 'none';
  if (album.group_by !== 'auto') return album.group_by;
  if (!album.first_day || !album.last_day || album.item_count < AUTO_MONTH_MIN_ITEMS) return 'day';
  const spanDays = (Date.parse(album.last_day) - Date.parse(album.first_day)) / 86_400_000 + 1;
  return spanDays > AUTO_MONTH_MIN_SPAN_DAYS && album.item_count < spanDays * AUTO_MONTH_MAX_ITEMS_PER_DAY ? 'month' : 'day';
}

/** The album page's query: where a page without script continues. */
export const GridPageQuery = v.object({ after: v.optional(Id) });
/** The tiles fragment's query (see moreLink). */
export const GridTilesQuery = v.object({
  after: Id,
  sort: v.optional(v.picklist(ALBUM_SORT_ORDERS, `sort must be one of ${ALBUM_SORT_ORDERS.join(', ')}`)),
  group: v.optional(v.picklist(GRID_GROUPINGS, `group must be one of ${GRID_GROUPINGS.join(', ')}`)),
  open: v.optional(v.union([v.literal('all'), v.pipe(v.string(), v.regex(/^\d{4}-\d{2}(-\d{2})?$/))], 'open must be a day, a month or all')),
});

interface GridQuery {
  albumId: string;
  sort: AlbumSortOrder;
  grouping: GridGrouping;
  tz: string;
  after?: string;
  /** Where the album's pages live: `/albums/<id>` (the default) or a share link's `/s/<token>`. */
  base?: string;
  /** A guest's grid: without items whose processing failed. */
  forGuests?: boolean;
}

/** The section a row goes in: its day, its month, or the one section ('all'). */
export function sectionKey(grouping: GridGrouping, row: Pick<GridAssetRow, 'day'>): string {
  if (grouping === 'none') return 'all';
  return grouping === 'month' ? row.day.slice(0, 7) : row.day;
}

/** The header a row goes under (GridSection.key): its day or month, none without grouping. */
export const sectionHeader = (grouping: GridGrouping, row: Pick<GridAssetRow, 'day'>) => (grouping === 'none' ? undefined : sectionKey(grouping, row));

export function moreLink(q: { albumId: string; sort: AlbumSortOrder; grouping: GridGrouping; base?: string }, after: string, open?: string): MoreLink {
  const params = new URLSearchParams({ after, sort: q.sort, group: q.grouping });
  if (open) params.set('open', open);
  const base = q.base ?? `/albums/${q.albumId}`;
  return { url: `${base}/tiles?${params}`, fallback: `${base}?after=${after}` };
}

/** Consecutive items of one day as one section each. */
export function sectionsByDay(rows: GridAssetRow[]): GridSection[] {
  const sections: GridSection[] = [];
  for (const row of rows) {
    if (sections.at(-1)?.key !== row.day) sections.push({ key: row.day, tiles: [] });
    sections.at(-1)!.tiles.push(row);
  }
  return sections;
}

function fetchRows(db: Db, q: GridQuery, size: number) {
  return listAlbumAssets(db, q.albumId, { sort: q.sort, after: q.after, tz: q.tz, limit: size + 1, forGuests: q.forGuests });
}

/** A page of whole sections, starting after `q.after` (or at the start). */
export async function loadGridPage(db: Db, q: GridQuery): Promise<GridPage> {
  const size = q.after ? GRID_PAGE_SIZE : FIRST_PAGE_SIZE;
  const rows = await fetchRows(db, q, size);
  let take = rows.length;
  let open = false;
  if (rows.length > size) {
    take = size;
    // Ending at a day boundary is worth a shorter page, but not one of a handful of tiles.
    for (let i = size; i >= size / 2; i--) {
      if (sectionKey(q.grouping, rows[i - 1]!) !== sectionKey(q.grouping, rows[i]!)) {
        take = i;
        break;
      }
    }
    open = sectionKey(q.grouping, rows[take - 1]!) === sectionKey(q.grouping, rows[take]!);
  }
  const sections: GridSection[] = [];
  let key: string | undefined;
  for (const row of rows.slice(0, take)) {
    const k = sectionKey(q.grouping, row);
    if (k !== key) {
      sections.push({ key: sectionHeader(q.grouping, row), tiles: [] });
      key = k;
    }
    sections.at(-1)!.tiles.push(row);
  }
  if (take === rows.length) return { sections };
  const lastId = rows[take - 1]!.id;
  if (open) {
    sections.at(-1)!.more = moreLink(q, lastId, key);
    return { sections };
  }
  return { sections, more: moreLink(q, lastId) };
}

/** The rest of the open section `open` (up to a page), after `q.after`. */
export async function loadGridContinuation(db: Db, q: GridQuery & { after: string }, open: string): Promise<GridContinuation> {
  const rows = await fetchRows(db, q, GRID_PAGE_SIZE);
  let take = 0;
  while (take < rows.length && take < GRID_PAGE_SIZE && sectionKey(q.grouping, rows[take]!) === open) take++;
  const tiles = rows.slice(0, take);
  const next = rows[take];
  if (!next) return { tiles };
  const lastId = tiles.at(-1)?.id ?? q.after;
  if (sectionKey(q.grouping, next) === open) return { tiles, moreInside: moreLink(q, lastId, open) };
  return { tiles, moreAfter: moreLink(q, lastId) };
}
