// Apple's content identifier, which an iPhone writes into both files of a Live Photo.
//   contentIdFromMakerNote(bytes) → the photo's: tag 0x0011 of the Apple maker note
//                                   ("Apple iOS\0", version, byte order, then an IFD whose
//                                   offsets count from the maker note's first byte)
//   contentIdFromXmp(xmp)        → a ContentIdentifier property in XMP (what tools that
//                                   rewrite the photo keep), attribute or element
// (The video's is the QuickTime key com.apple.quicktime.content.identifier: video-metadata.ts.)

const APPLE = 'Apple iOS\0';
const CONTENT_ID_TAG = 0x0011;
const ASCII = 2;
/** A UUID-like identifier; anything longer or stranger is not one. */
const PLAUSIBLE = /^[\x21-\x7e]{8,100}$/;

export function contentIdFromMakerNote(bytes: Uint8Array | undefined): string | null {
  if (!bytes || bytes.length < 16) return null;
  if (String.fromCharCode(...bytes.subarray(0, APPLE.length)) !== APPLE) return null;
  const order = String.fromCharCode(bytes[12]!, bytes[13]!);
  if (order !== 'MM' && order !== 'II') return null;
  const little = order === 'II';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const count = u16(14);
  for (let i = 0; i < count; i++) {
    const entry = 16 + i * 12;
    if (entry + 12 > bytes.length) return null;
    if (u16(entry) !== CONTENT_ID_TAG || u16(entry + 2) !== ASCII) continue;
    const length = u32(entry + 4);
    const at = length <= 4 ? entry + 8 : u32(entry + 8);
    if (at + length > bytes.length) return null;
    const text = String.fromCharCode(...bytes.subarray(at, at + length)).replace(/\0+$/, '');
    return PLAUSIBLE.test(text) ? text : null;
  }
  return null;
}

export function contentIdFromXmp(xmp: string | undefined): string | null {
  if (!xmp) return null;
  const m = /:ContentIdentifier(?:="([^"]*)"|>([^<]*)<)/.exec(xmp);
  const text = (m?.[1] ?? m?.[2] ?? '').trim();
  return PLAUSIBLE.test(text) ? text : null;
}
