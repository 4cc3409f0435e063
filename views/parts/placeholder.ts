// Tile and cover placeholders: a stored ThumbHash drawn as a CSS gradient of its colours
// from top to bottom (sky over ground, a face over a shirt), three stops of the hash's
// image averaged in bands. It paints at once and costs the browser nearly nothing: the
// tiny PNG data URLs it replaced were an image resource each, which made a phone (Chrome,
// CPU ×4) spend ~1.1 s more on style before the first paint of a 160-tile page, and
// they were ~30 bytes a tile more of compressed HTML.
import { thumbHashToRGBA } from 'thumbhash';

const STOPS = 3;
const CACHE_SIZE = 20_000;
const cache = new Map<string, string>();

/** A CSS background-image value for the base64 ThumbHash, or undefined when it is not one. */
export function placeholderBackground(thumbhash: string | null | undefined): string | undefined {
  if (!thumbhash) return undefined;
  let css = cache.get(thumbhash);
  if (css === undefined) {
    try {
      css = gradient(thumbhash);
    } catch {
      return undefined;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(thumbhash, css);
  }
  return css;
}

function gradient(thumbhash: string): string {
  const { w, h, rgba } = thumbHashToRGBA(new Uint8Array(Buffer.from(thumbhash, 'base64')));
  const stops: string[] = [];
  for (let band = 0; band < STOPS; band++) {
    const y0 = Math.floor((band * h) / STOPS);
    const y1 = Math.max(y0 + 1, Math.floor(((band + 1) * h) / STOPS));
    const sum = [0, 0, 0];
    for (let y = y0; y < y1; y++) {
      for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) sum[c]! += rgba[(y * w + x) * 4 + c]!;
    }
    const n = (y1 - y0) * w;
    stops.push('#' + sum.map((v) => Math.round(v / n).toString(16).padStart(2, '0')).join(''));
  }
  return `linear-gradient(${stops.join(',')})`;
}
