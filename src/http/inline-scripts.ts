// The inline scripts pages carry, and the CSP sources that allow them: their hashes, so the
// policy is the same on every response and a page's HTML can be reused between requests
// (a nonce would have to change with each one).
import { createHash } from 'node:crypto';

/**
 * Marks the page as scripted before it paints (images stay hidden until they have loaded),
 * then, once the first frame is painted, as painted (the thumbnails below the first screen
 * are asked for only then, see css/grid.css) and loads the page's scripts if it defers them
 * (a <template id="page-scripts"> holding their tags), in their order, once the first
 * screen's thumbnails are in, or at the guest's first touch, key, scroll or dragged file,
 * or after 5 s.
 * On a slow phone, starting dozens of image requests, or fetching, compiling and running
 * scripts, before then would hold back the first screen of photos (the scripts shared a
 * 400 kbps line with the first thumbnails). Until upload.js runs, files
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
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    for (const tag of document.getElementById('page-scripts')?.content.children ?? []) {
      const script = document.createElement('script');
      for (const { name, value } of tag.attributes) script.setAttribute(name, value);
      script.async = false;
      document.head.append(script);
    }
  };
  requestAnimationFrame(() => setTimeout(() => {
    root.classList.add('painted');
    const first = [...document.querySelectorAll('.tile img[loading="eager"]')].filter((img) => !img.complete);
    let waiting = first.length;
    if (!waiting) return start();
    const settled = () => --waiting || start();
    for (const img of first) {
      img.addEventListener('load', settled, { once: true });
      img.addEventListener('error', settled, { once: true });
    }
    for (const type of ['pointerdown', 'keydown', 'scroll', 'dragenter']) addEventListener(type, start, { once: true, passive: true });
    setTimeout(start, 5000);
  }));
}`;

export const INLINE_SCRIPT_SOURCES = [PAGE_START].map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ');
