// Inline SVG icons from lucide-static (no icon font, nothing from a CDN), read once.
// Decorative: the control that holds one carries the accessible name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { raw } from 'hono/html';
import { fromAppRoot } from '../../src/app-root.ts';

const dir = fromAppRoot('node_modules/lucide-static/icons');
const cache = new Map<string, string>();

export type IconName = 'arrow-left' | 'upload' | 'plus' | 'pencil' | 'ellipsis-vertical' | 'play' | 'circle-alert' | 'images' | 'trash-2' | 'x' | 'menu' | 'settings'
  // uploads
  | 'chevron-down' | 'rotate-cw' | 'check' | 'copy-check';

// select mode and the trash
export type SelectIconName = 'check' | 'folder-plus' | 'folder-minus' | 'download' | 'image' | 'rotate-ccw' | 'arrow-right' | 'square-check-big' | 'share';

// sharing
export type ShareIconName = 'calendar-clock' | 'share-2' | 'link' | 'qr-code' | 'copy' | 'lock' | 'clock' | 'eye' | 'ban';

function svg(name: IconName | SelectIconName | ShareIconName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(dir, `${name}.svg`), 'utf8')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/\s*\n\s*/g, ' ')
      .replace(/>\s+</g, '><')
      .replace(/class="[^"]*"/, 'class="icon" aria-hidden="true" focusable="false"')
      .trim();
    cache.set(name, text);
  }
  return text;
}

export function Icon({ name }: { name: IconName | SelectIconName | ShareIconName }) {
  return raw(svg(name));
}
