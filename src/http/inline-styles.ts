// The guest album page's styles, carried in the page itself: on a phone's first visit the
// stylesheet would be one more request after the HTML, racing the first thumbnails for
// the same thin connection, before anything can be painted. The CSP allows the block by
// its hash (like the inline script, see inline-scripts.ts).
import { createHash } from 'node:crypto';
import { staticFiles } from '../static-files.ts';

let guestStyles: { text: string; source: string } | undefined;

function load() {
  // Comments are for whoever reads the file, not for every guest's download.
  const text = staticFiles()
    .text('css/guest.css')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\n\s*\n/g, '\n');
  return { text, source: `'sha256-${createHash('sha256').update(text).digest('base64')}'` };
}

/** The text of the guest album page's <style> block. */
export function guestPageStyles(): string {
  guestStyles ??= load();
  return guestStyles.text;
}

/** The CSP source that allows that block. */
export function inlineStyleSources(): string {
  guestStyles ??= load();
  return guestStyles.source;
}
