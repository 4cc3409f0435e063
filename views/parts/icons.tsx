// Inline SVG icons from lucide-static (no icon font, nothing from a CDN), read once.
// Decorative: the control that holds one carries the accessible name.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { raw } from 'hono/html';

const dir = fileURLToPath(new URL('../../node_modules/lucide-static/icons/', import.meta.url));
const cache = new Map<string, string>();

export type IconName = 'arrow-left' | 'upload' | 'plus' | 'pencil' | 'ellipsis-vertical' | 'play' | 'circle-alert' | 'images' | 'trash-2' | 'x';

function svg(name: IconName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(`${dir}${name}.svg`, 'utf8')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/\s*\n\s*/g, ' ')
      .replace(/>\s+</g, '><')
      .replace(/class="[^"]*"/, 'class="icon" aria-hidden="true" focusable="false"')
      .trim();
    cache.set(name, text);
  }
  return text;
}

export function Icon({ name }: { name: IconName }) {
  return raw(svg(name));
}
