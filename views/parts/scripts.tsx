// The head of grid pages: render-blocking until the content is parsed (<PageEnd/> after
// it), a small inline script (allowed by its hash in the CSP, see
// src/http/inline-scripts.ts) that marks the page as scripted and then painted, the page's own small script
// (album.js, which imports the lightbox module from the URL it carries when a tile is
// first pressed; the module then loads PhotoSwipe and its styles), and htmx when asked.
// Owner pages run their scripts deferred; the guest page has the inline script load them
// once its first screen of thumbnails is in (or at the first touch, key, scroll or dragged file):
// until then its tiles are plain links to the photos.
import { raw } from 'hono/html';
import { PAGE_START } from '../../src/http/inline-scripts.ts';
import { staticUrl } from '../../src/static-files.ts';

// htmx's injected indicator style would break the CSP; eval is never needed; 422 answers
// (a form with a mistake) are swapped in like successes.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '422', swap: true },
    { code: '[45]..', swap: false, error: true },
  ],
});

/** Marks where the first screen's HTML is complete; see PageScripts. */
export const PageEnd = () => <div id="page-end" hidden />;

export function PageScripts({
  htmx,
  guest,
  upload,
  grid = true,
  extra = [],
}: {
  htmx?: boolean;
  guest?: boolean;
  upload?: boolean;
  /** The page has a tile grid (static/js/grid-window.js keeps its DOM bounded). */
  grid?: boolean;
  /** More of static/, after the rest, in this order. */
  extra?: string[];
}) {
  const scripts = (
    <>
      {htmx && <script src={staticUrl('vendor/htmx.min.js')} defer />}
      <script
        src={staticUrl('js/album.js')}
        defer
        data-lightbox={staticUrl('js/lightbox.js')}
        data-photoswipe={staticUrl('vendor/photoswipe.esm.min.js')}
        data-css={`${staticUrl('vendor/photoswipe.css')} ${staticUrl('css/lightbox.css')}`}
      />
      {grid && <script src={staticUrl('js/grid-window.js')} defer />}
      {guest && <script src={staticUrl('js/more.js')} defer />}
      {upload && <script src={staticUrl('js/upload.js')} defer />}
      {upload && <script src={staticUrl('js/live-grid.js')} defer />}
      {upload && guest && <script src={staticUrl('js/guest-upload.js')} defer />}
      {extra.map((name) => (
        <script src={staticUrl(name)} defer />
      ))}
    </>
  );
  return (
    <>
      {/* Paint nothing until the page's content is parsed: on a slow connection the browser
          would otherwise paint half a grid, whose last row re-flows when the rest arrives. */}
      {raw('<link rel="expect" href="#page-end" blocking="render">') /* hono/jsx drops `blocking` */}
      {htmx && <meta name="htmx-config" content={HTMX_CONFIG} />}
      {guest ? <template id="page-scripts">{scripts}</template> : scripts}
      <script dangerouslySetInnerHTML={{ __html: PAGE_START }} />
    </>
  );
}
