// The justified grid: rows that fill the width, each tile at its true aspect ratio, laid
// out by CSS from the known width and height alone (nothing moves while images load).
// Each tile carries --ar (width / height); the stylesheet turns that into its flex-grow,
// its base width (ar × row height) and its height (the <i> spacer's padding), and a
// filler after the last tile keeps the last row from stretching. The placeholder is the
// tile's background; the thumbnail fades in over it when it has loaded.
// More tiles come as you scroll: a "more" link that htmx fetches when it is revealed
// (a plain link to the next page without JavaScript).
import type { GridContinuation, GridPage, GridSection, MoreLink } from '../../src/routes/album-grid.ts';
import type { AlbumAssetRow, GridAssetRow } from '../../src/queries/albums.ts';
import { dayHeading, dayHeadingParts, duration, monthHeading, monthHeadingParts } from './dates.ts';
import { Icon } from './icons.tsx';
import { placeholderBackground } from './placeholder.ts';

// Rendered row heights (about 1.2 × the base heights in css/grid.css, .grid --row-h) for the
// images' `sizes`: phones, from 600 px and from 1024 px wide.
const ROW_PHONE = 115;
const ROW_TABLET = 190;
const ROW_DESKTOP = 240;
// Derived image sizes (src/media/derivatives.ts): grid thumbnail short edge, preview long edge.
const THUMB_SHORT_EDGE = 360;
const PREVIEW_LONG_EDGE = 2048;
// Panoramas and slivers would make rows of one tile; show them cropped to these.
const MIN_AR = 0.25;
const MAX_AR = 4;
// The grid crops wider tiles to this (css/grid.css --ar-max): a section's width is the sum of these.
const GRID_AR_MAX = 2;
// The badges' words (the tile's name repeats them: tileLabel).
const LIVE_BADGE = 'Live';
const PREPARING_BADGE = 'Preparing video…';
const FAILED_BADGE = 'Failed';

/** 'video': a video's web-playable copy. */
/** 'motion': a motion photo's clip, from inside its JPEG. */
export type MediaVariant = 'thumb' | 'preview' | 'original' | 'video' | 'motion';
/** The URL of one of an asset's files: plain for the owner, signed for a guest link. */
export type MediaUrlFor = (id: string, variant: MediaVariant) => string;

/**
 * The first tiles of a page load at once and ahead of everything else; the rest are asked
 * for once the first frame is painted (css/grid.css). A few, not the whole first screen: on
 * a slow phone each image streaming in takes the main thread from parsing the page, so
 * more of them delayed the first paint more than they filled it.
 */
const FIRST_TILES = 4;

export interface GridContext {
  /** Day headers leave out the year when it is this one. */
  currentYear: number;
  /** Where tiles point; the owner's plain URLs when absent. */
  media?: MediaUrlFor;
  /** The JSON the lightbox's info drawer reads for an asset; no drawer when absent. */
  infoUrl?: (id: string) => string;
  /** Originals may be fetched and downloaded (a guest link can forbid it; videos still play). */
  originals?: boolean;
  /** An item whose original is not sent at all (a "strip location" link, a file whose location could not be removed). */
  withholdOriginal?: (a: GridAssetRow) => boolean;
  /** Select mode (the owner's, or a guest's who may download): a check on each tile and on each day header (static/js/select-core.js). */
  selectable?: boolean;
  /** The page's first tiles (loaded at once, ahead of everything else). */
  firstTiles?: Set<string>;
}

export const mediaUrl: MediaUrlFor = (id, variant) => `/media/assets/${id}/${variant}`;

/** The grid as the signed-in owner or an uploader sees it: plain media URLs; the drawer for the owner. */
export function ownerGridContext(user: { role: string }, currentYear: number): GridContext {
  const owner = user.role === 'owner';
  return { currentYear, infoUrl: owner ? (id) => `/api/assets/${id}` : undefined, selectable: owner };
}

const withParam = (url: string, param: string) => `${url}${url.includes('?') ? '&' : '?'}${param}`;

/** Originals every browser can show; for the rest (HEIC, RAW, TIFF) zoom stops at the preview. */
const BROWSER_IMAGES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

function sizesOf(w: number, h: number) {
  const thumb = Math.min(1, THUMB_SHORT_EDGE / Math.min(w, h));
  const preview = Math.min(1, PREVIEW_LONG_EDGE / Math.max(w, h));
  return { thumbWidth: Math.round(w * thumb), previewWidth: Math.round(w * preview) };
}

/** What the tile shows of the work on it: the asset's status, or 'preparing' while its video's web copy is made. */
export const tileState = (a: Pick<GridAssetRow, 'status' | 'playback'>) => (a.status === 'ready' && a.playback === 'preparing' ? 'preparing' : a.status);

/** The words a tile shows over its thumbnail, in its order: a video's length, its badges, the guest who added it. */
function tileTexts(a: GridAssetRow, live: boolean): string[] {
  const addedBy = 'added_by_name' in a ? (a as AlbumAssetRow).added_by_name : null;
  const texts: string[] = [];
  if (a.kind === 'video' && a.duration_seconds !== null) texts.push(duration(a.duration_seconds));
  if (live) texts.push(LIVE_BADGE);
  if (tileState(a) === 'preparing') texts.push(PREPARING_BADGE);
  if (a.status === 'failed') texts.push(FAILED_BADGE);
  if (addedBy) texts.push(addedBy);
  return texts;
}

/**
 * "Video, 0:05, Anna, Sat, 13 Jul, 14:05": the kind, then what the tile shows in words, one
 * after the other as they appear (a voice user says what they see: WCAG 2.5.3, axe's
 * label-content-name-mismatch), then when it was taken. The lightbox reads it as the slide's alt.
 */
function tileLabel(a: GridAssetRow, live: boolean): string {
  const time = a.taken_at_local?.slice(11, 16);
  const when = dayHeading(a.day, 0) + (time ? `, ${time}` : '');
  const kind = a.kind === 'video' ? 'Video' : live ? 'Live Photo' : 'Photo';
  const texts = tileTexts(a, live);
  // "Live Photo" already says the badge's "Live" when nothing follows it.
  const shown = texts.length === 1 && texts[0] === LIVE_BADGE ? [] : texts;
  return [kind, ...shown, when].join(', ');
}

/** What a photo plays as its motion: a Live Photo's video (its web copy, else as uploaded), or a motion photo's own clip. */
export function liveClipSource(a: Pick<GridAssetRow, 'id' | 'live_clip_id' | 'live_clip_playback' | 'motion_length'>, url: MediaUrlFor): string | undefined {
  if (a.live_clip_id) return videoSource({ id: a.live_clip_id, kind: 'video', playback: a.live_clip_playback }, url, false);
  return a.motion_length ? url(a.id, 'motion') : undefined;
}

/** What a video tile plays: its copy when it has one, else the original unless that is withheld. */
export function videoSource(a: Pick<GridAssetRow, 'id' | 'kind' | 'playback'>, url: MediaUrlFor, withheld: boolean): string | undefined {
  if (a.kind !== 'video') return undefined;
  if (a.playback === 'copy') return url(a.id, 'video');
  return withheld ? undefined : url(a.id, 'original');
}

/** The tile's width / height as the grid shows it (before the grid's own crop to GRID_AR_MAX). */
function tileAspect(a: Pick<GridAssetRow, 'width' | 'height'>) {
  const w = a.width && a.width > 0 ? a.width : 1;
  const h = a.height && a.height > 0 ? a.height : 1;
  return { w, h, ar: Math.min(MAX_AR, Math.max(MIN_AR, w / h)) };
}

export function Tile({ a, ctx }: { a: GridAssetRow; ctx: GridContext }) {
  const url = ctx.media ?? mediaUrl;
  const withheld = ctx.withholdOriginal?.(a) ?? false;
  const originals = (ctx.originals ?? true) && !withheld;
  const addedBy = 'added_by_name' in a ? (a as AlbumAssetRow).added_by_name : null;
  const { w, h, ar } = tileAspect(a);
  const placeholder = placeholderBackground(a.thumbhash);
  const style = `--ar:${+ar.toFixed(4)}${placeholder ? `;background-image:${placeholder}` : ''}`;
  const ready = a.status === 'ready';
  const { thumbWidth, previewWidth } = sizesOf(w, h);
  const live = liveClipSource(a, url);
  return (
    <a
      class="tile"
      href={url(a.id, ready ? 'preview' : 'original')}
      style={style}
      data-id={a.id}
      data-status={tileState(a)}
      data-kind={a.kind}
      data-video={videoSource(a, url, withheld)}
      data-live={live}
      data-playback={a.playback ?? undefined}
      data-w={w}
      data-h={h}
      data-original={(a.kind === 'video' && !withheld) || (originals && BROWSER_IMAGES.has(a.mime_type)) ? url(a.id, 'original') : undefined}
      data-download={originals ? withParam(url(a.id, 'original'), 'download=1') : undefined}
      data-info={ctx.infoUrl?.(a.id)}
      aria-label={tileLabel(a, live !== undefined)}
    >
      <i />
      {ctx.selectable && (
        <span class="tile-check" aria-hidden="true">
          <Icon name="check" />
        </span>
      )}
      {ready && (
        <img
          src={url(a.id, 'thumb')}
          srcset={
            previewWidth > thumbWidth
              ? `${url(a.id, 'thumb')} ${thumbWidth}w, ${url(a.id, 'preview')} ${previewWidth}w`
              : undefined
          }
          sizes={
            previewWidth > thumbWidth
              ? `(min-width: 1024px) ${Math.round(ar * ROW_DESKTOP)}px, (min-width: 600px) ${Math.round(ar * ROW_TABLET)}px, ${Math.round(ar * ROW_PHONE)}px`
              : undefined
          }
          loading={ctx.firstTiles?.has(a.id) ? 'eager' : 'lazy'}
          fetchpriority={ctx.firstTiles?.has(a.id) ? 'high' : undefined}
          decoding="async"
          alt=""
        />
      )}
      {a.kind === 'video' && (
        <span class="badge">
          <Icon name="play" />
          {a.duration_seconds !== null ? duration(a.duration_seconds) : null}
        </span>
      )}
      {live && (
        <span class="badge live" title="Live Photo">
          {LIVE_BADGE}
        </span>
      )}
      {tileState(a) === 'preparing' && <span class="badge preparing">{PREPARING_BADGE}</span>}
      {a.status === 'failed' && (
        <span class="badge failed" title={a.processing_error ?? 'Could not be processed'}>
          <Icon name="circle-alert" />
          {FAILED_BADGE}
        </span>
      )}
      {addedBy && (
        <span class="by" title={`Added by ${addedBy} through a shared link`}>
          {addedBy}
        </span>
      )}
    </a>
  );
}

/** The sentinel: htmx swaps it for the next page when it scrolls near; without JS a link. */
function More({ link }: { link: MoreLink }) {
  return (
    <a class="more" href={link.fallback} hx-get={link.url} hx-trigger="revealed" hx-swap="outerHTML">
      Show more
    </a>
  );
}

/**
 * A section's size for the stylesheet: --s, the sum of its tiles' aspect ratios as the grid
 * shows them, and --n, how many there are. From them css/grid.css knows the section's
 * natural width (its tiles at the base row height), so small sections flow side by side on
 * one justified row and a section wider than the grid takes whole rows of its own.
 * static/js/grid-window.js tallies them again when tiles come or go.
 */
export function sectionSize(tiles: GridAssetRow[]): string {
  const sum = tiles.reduce((total, a) => total + Math.min(GRID_AR_MAX, tileAspect(a).ar), 0);
  return `--s:${+sum.toFixed(4)};--n:${tiles.length}`;
}

/**
 * The header: "Sat, 13 Jul 2024" for a day, "September 2024" for a month, in parts a narrow
 * section leaves out (css/grid.css).
 */
function SectionHeading({ sectionKey, currentYear }: { sectionKey: string; currentYear: number }) {
  if (sectionKey.length === 7) {
    const { short, rest, year } = monthHeadingParts(sectionKey, currentYear);
    return (
      <time class="month" datetime={sectionKey} title={short + rest + year}>
        {short}
        {rest && <span class="month-rest">{rest}</span>}
        {year && <span class="year">{year}</span>}
      </time>
    );
  }
  const { weekday, date, year } = dayHeadingParts(sectionKey, currentYear);
  return (
    <time datetime={sectionKey} title={weekday + date + year}>
      <span class="weekday">{weekday}</span>
      {date}
      {year && <span class="year">{year}</span>}
    </time>
  );
}

export function Section({ s, ctx }: { s: GridSection; ctx: GridContext }) {
  const heading = s.key && (s.key.length === 7 ? monthHeading(s.key, ctx.currentYear) : dayHeading(s.key, ctx.currentYear));
  return (
    <section class="day" style={sectionSize(s.tiles)}>
      {s.key && (
        <h2 class="day-head">
          <SectionHeading sectionKey={s.key} currentYear={ctx.currentYear} />
          {ctx.selectable && (
            <button type="button" class="day-check" aria-label={`Select all of ${heading}`} title={s.key.length === 7 ? 'Select the whole month' : 'Select the whole day'}>
              <Icon name="check" />
            </button>
          )}
        </h2>
      )}
      <div class="tiles">
        {s.tiles.map((a) => (
          <Tile a={a} ctx={ctx} />
        ))}
        {s.more && <More link={s.more} />}
      </div>
    </section>
  );
}

/** Sections and the sentinel for the next page: the grid's content, or a page fragment. */
export function GridSections({ page, ctx }: { page: GridPage; ctx: GridContext }) {
  return (
    <>
      {page.sections.map((s) => (
        <Section s={s} ctx={ctx} />
      ))}
      {page.more && <More link={page.more} />}
    </>
  );
}

/**
 * `total`: how many items the whole grid holds, pages not loaded yet included (the
 * lightbox counts and walks them all from the start). `linkState`: on a guest page, where
 * the lightbox asks whether the link still opens (static/js/lightbox-core.js).
 */
export function AlbumGrid({ page, ctx, total, linkState }: { page: GridPage; ctx: GridContext; total?: number; linkState?: string }) {
  const firstTiles = new Set(
    page.sections
      .flatMap((s) => s.tiles)
      .slice(0, FIRST_TILES)
      .map((a) => a.id),
  );
  return (
    <div id="album-grid" class="grid" data-total={total} data-link-state={linkState}>
      <GridSections page={page} ctx={{ ...ctx, firstTiles }} />
    </div>
  );
}

/** A fragment continuing an open section in place of its sentinel. */
export function GridContinuationFragment({ part, ctx }: { part: GridContinuation; ctx: GridContext }) {
  return (
    <>
      {part.tiles.map((a) => (
        <Tile a={a} ctx={ctx} />
      ))}
      {part.moreInside && <More link={part.moreInside} />}
      {part.moreAfter && (
        <div hx-swap-oob="beforeend:#album-grid">
          <More link={part.moreAfter} />
        </div>
      )}
    </>
  );
}
