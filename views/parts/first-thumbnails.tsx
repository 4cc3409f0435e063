// The first tiles' thumbnails named before the grid: as `<link rel=preload>` in the <head>
// and as a `Link` header on the page's response, so a browser asks for them as soon as the
// response's headers are in rather than once its parser has reached the tiles. Each names
// exactly what the tile's <img> loads (its src, srcset and sizes: a guest's signed URLs
// included), so the browser picks the same candidate and fetches each image once.
import { raw } from 'hono/html';
import type { GridPage } from '../../src/routes/album-grid.ts';
import { firstTilesOf, mediaUrl, tileImage, type GridContext } from './album-grid.tsx';

export interface FirstThumbnail {
  src: string;
  srcset?: string;
  sizes?: string;
}

/** What the page's first tiles load (those that have a thumbnail yet), in their order. */
export function firstThumbnails(page: GridPage, ctx: Pick<GridContext, 'media'>): FirstThumbnail[] {
  return firstTilesOf(page)
    .filter((a) => a.status === 'ready')
    .map((a) => tileImage(a, ctx.media ?? mediaUrl));
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** `<link rel=preload>`s for the <head> (as raw HTML: hono/jsx has no imagesrcset / imagesizes). */
export function PreloadLinks({ images }: { images: FirstThumbnail[] }) {
  return raw(
    images
      .map(
        (i) =>
          `<link rel="preload" as="image" href="${escapeAttr(i.src)}"` +
          (i.srcset ? ` imagesrcset="${escapeAttr(i.srcset)}" imagesizes="${escapeAttr(i.sizes ?? '')}"` : '') +
          ' fetchpriority="high">',
      )
      .join(''),
  );
}

/** The same as a `Link` header's value (RFC 8288); undefined when there is none to name. */
export function preloadLinkHeader(images: FirstThumbnail[]): string | undefined {
  if (!images.length) return undefined;
  return images
    .map((i) => `<${i.src}>; rel=preload; as=image; fetchpriority=high` + (i.srcset ? `; imagesrcset="${i.srcset}"; imagesizes="${i.sizes ?? ''}"` : ''))
    .join(', ');
}
