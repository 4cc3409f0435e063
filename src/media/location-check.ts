// Fail closed: after the location patches are worked out, the patched bytes are checked
// again before a "strip location" link may serve them. The blanking is written by hand for
// some 20 formats, and a malformed or unknown structure simply ends its walk; so the
// patched file must pass two checks:
//   1. every way the code knows to find a position (locationEdits, run again on the patched
//      bytes) finds nothing left to change;
//   2. a scan of every byte finds none of the usual ways a position is written out: an
//      ISO 6709 string (+33.1268-117.3273/) or an XMP GPS property name.
// A file that fails is never served to such a link's guests (its preview is), and the owner
// is told why. Reads the whole file once (at about the speed of the disk), in the background.
//   findRemainingLocation(path, format, patches) → undefined when clean, else why not
import { open } from 'node:fs/promises';
import { formatName, type MediaFormat } from './file-type.ts';
import { applyPatches, fileReader, locationEdits, type Patch } from './location-patches.ts';
import { ISO6709_TEXT, type Reader } from './location-records.ts';

const SCAN_CHUNK = 4 * 1024 * 1024;
const OVERLAP = 256; // longer than any pattern below
const XMP_GPS = /GPS(?:Latitude|Longitude|Altitude|DestLatitude|DestLongitude)\b/;
/** Formats whose metadata may hold a binary GPS record that locationEdits does not read: never clean. */
const UNREAD_LOCATION = new Set<MediaFormat>(['jxl', 'crw', 'mrw', 'x3f']);

/** A reader of the file as served: the patches applied to whatever is read. */
function patchedReader(r: Reader, patches: readonly Patch[]): Reader {
  return { size: r.size, read: async (offset, length) => applyPatches(Buffer.from(await r.read(offset, length)), patches, Math.max(0, offset)) };
}

export async function findRemainingLocation(path: string, format: MediaFormat, patches: readonly Patch[]): Promise<string | undefined> {
  if (UNREAD_LOCATION.has(format)) return `the location records of a ${formatName(format)} file are not read here`;
  const handle = await open(path, 'r');
  try {
    const reader = patchedReader(fileReader(handle, (await handle.stat()).size), patches);
    for (const edit of await locationEdits(reader, format)) {
      const now = await reader.read(edit.at, edit.bytes.length);
      if (!now.equals(edit.bytes.subarray(0, now.length))) return `a location record is still there (byte ${edit.at})`;
    }
    for (let at = 0; at < reader.size; at += SCAN_CHUNK) {
      const text = (await reader.read(at, SCAN_CHUNK + OVERLAP)).toString('latin1');
      ISO6709_TEXT.lastIndex = 0;
      const iso = ISO6709_TEXT.exec(text);
      if (iso) return `a position written as text is still there (byte ${at + iso.index})`;
      const xmp = XMP_GPS.exec(text);
      if (xmp) return `a GPS property is still there (byte ${at + xmp.index})`;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
