// Tile placeholders: a stored ThumbHash drawn as a tiny PNG data URL that the browser
// scales up smoothly. A ThumbHash holds little detail, so 6 px on the long side looks
// almost the same as thumbhash's own 32 px PNG (compared side by side in Chromium) at a
// twentieth of the bytes: ~200 vs ~4,200 characters a tile, 200 tiles a page (~20 kB
// of a page's compressed HTML instead of ~300 kB). Rows are Up-filtered and stored
// uncompressed: the page's own gzip/brotli then compresses them better than deflate would.
import { crc32, deflateSync } from 'node:zlib';
import { thumbHashToRGBA } from 'thumbhash';

const LONG_SIDE = 4;
const CACHE_SIZE = 20_000;
const cache = new Map<string, string>();

/** A data URL for the base64 ThumbHash, or undefined when it is not one. */
export function placeholderDataUrl(thumbhash: string | null | undefined): string | undefined {
  if (!thumbhash) return undefined;
  let url = cache.get(thumbhash);
  if (url === undefined) {
    try {
      url = render(thumbhash);
    } catch {
      return undefined;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(thumbhash, url);
  }
  return url;
}

function render(thumbhash: string): string {
  const hash = new Uint8Array(Buffer.from(thumbhash, 'base64'));
  const src = thumbHashToRGBA(hash);
  const scale = LONG_SIDE / Math.max(src.w, src.h);
  const w = Math.max(1, Math.round(src.w * scale));
  const h = Math.max(1, Math.round(src.h * scale));
  const pixels = boxResize(src.rgba, src.w, src.h, w, h);
  let opaque = true;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! < 255) opaque = false;
  return `data:image/png;base64,${encodePng(pixels, w, h, opaque ? 3 : 4).toString('base64')}`;
}

function boxResize(rgba: Uint8Array, sw: number, sh: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * sh) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * sh) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * sw) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * sw) / w));
      const sum = [0, 0, 0, 0];
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          for (let c = 0; c < 4; c++) sum[c]! += rgba[(yy * sw + xx) * 4 + c]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 4; c++) out[(y * w + x) * 4 + c] = Math.round(sum[c]! / n);
    }
  }
  return out;
}

/** 8-bit truecolour PNG (3 channels: RGB, 4: RGBA). */
function encodePng(rgba: Uint8Array, w: number, h: number, channels: 3 | 4): Buffer {
  const stride = w * channels;
  const raw = Buffer.alloc(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    raw[y * (stride + 1)] = 2; // filter: Up
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        const here = rgba[(y * w + x) * 4 + c]!;
        const above = y > 0 ? rgba[((y - 1) * w + x) * 4 + c]! : 0;
        raw[y * (stride + 1) + 1 + x * channels + c] = (here - above) & 0xff;
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8;
  header[9] = channels === 3 ? 2 : 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

