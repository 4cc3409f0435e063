// The inline scripts pages carry, and the CSP sources that allow them: their hashes, so the
// policy is the same on every response and a page's HTML can be reused between requests
// (a nonce would have to change with each one).
import { createHash } from 'node:crypto';

/**
 * Marks the page as scripted before it paints (images stay hidden until they have loaded),
 * then, once the first frame is painted, as painted (the thumbnails below the first screen
 * are asked for only then, see css/grid.css) and loads the page's scripts if it defers them
 * that far (a <template id="page-scripts"> holding their tags), in their order. On a slow
 * phone, starting dozens of image requests, or fetching, compiling and running scripts,
 * before that frame would hold back the first screen of photos.
 */
export const PAGE_START = `{
  const root = document.documentElement;
  root.classList.add('js');
  requestAnimationFrame(() => setTimeout(() => {
    root.classList.add('painted');
    for (const tag of document.getElementById('page-scripts')?.content.children ?? []) {
      const script = document.createElement('script');
      for (const { name, value } of tag.attributes) script.setAttribute(name, value);
      script.async = false;
      document.head.append(script);
    }
  }));
}`;

export const INLINE_SCRIPT_SOURCES = [PAGE_START].map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ');
