// Tiny image placeholders (https://evanw.github.io/thumbhash/), kept in the asset row.
//   THUMBHASH_MAX_SIDE                       → the encoder's input limit (100 px)
//   encodeThumbhash(rgba, width, height)     → base64 string (~25–35 characters)
//   thumbhashToDataUrl(base64)               → 'data:image/png;base64,...' to paint before the image loads
import { rgbaToThumbHash, thumbHashToDataURL } from 'thumbhash';

export const THUMBHASH_MAX_SIDE = 100;

export function encodeThumbhash(rgba: Uint8Array, width: number, height: number): string {
  if (width > THUMBHASH_MAX_SIDE || height > THUMBHASH_MAX_SIDE) {
    throw new RangeError(`thumbhash input must be at most ${THUMBHASH_MAX_SIDE}px, got ${width}x${height}`);
  }
  return Buffer.from(rgbaToThumbHash(width, height, rgba)).toString('base64');
}

export function thumbhashToDataUrl(base64: string): string {
  return thumbHashToDataURL(new Uint8Array(Buffer.from(base64, 'base64')));
}
