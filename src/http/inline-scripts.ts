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
 * before that frame would hold back the first screen of photos. Until upload.js runs, files
 * dragged onto a page that takes them are refused rather than opened by the browser in
 * place of the page (these listeners on window run last: once upload.js has taken the
 * event, they leave it alone).
 */
export const PAGE_START = `{
  const root = document.documentElement;
  root.classList.add('js');
  const hold = (event) => {
    if (!event.defaultPrevented && event.dataTransfer?.types.includes('Files') && document.querySelector('.drop-overlay')) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'none';
    }
  };
  addEventListener('dragover', hold);
  addEventListener('drop', hold);
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
