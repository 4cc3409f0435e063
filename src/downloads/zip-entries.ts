// An album's (or a selection's) items → the entries of its ZIP: one folder named after
// the album, each original under its own file name made safe and distinct, dated by when
// it was taken. Through a "strip location" link each entry carries the blanked bytes
// (same size) and their CRC-32, which must have been worked out before (rows without it
// are the caller's to wait for: see location-prep.ts).
import type { ZipItemRow } from '../queries/downloads.ts';
import { locationLeft } from '../media/blanked-original.ts';
import { applyPatches } from '../media/location-patches.ts';
import { absolute } from '../storage/layout.ts';
import type { ZipEntryInput } from '../zip/zip-layout.ts';
import { NameAllocator, safeFileName } from '../zip/zip-names.ts';
import type { ZipFileSource } from '../zip/zip-stream.ts';

export interface ZipEntryOptions {
  /** The folder everything is in, and the ZIP's own name: the album's title, made safe. */
  folder: string;
  dataRoot: string;
  stripLocation: boolean;
}

// Short enough that Windows' 260-character paths still hold a long file name inside it.
const MAX_FOLDER_BYTES = 64;

export const zipFolderName = (title: string) => safeFileName(title, 'Shoebox', MAX_FOLDER_BYTES);

/** Rows in the order they go in; with stripLocation every row needs location_crc32 and location_patches. */
export function zipEntries(rows: ZipItemRow[], o: ZipEntryOptions): ZipEntryInput<ZipFileSource>[] {
  const names = new NameAllocator();
  return rows.map((row) => {
    let crc32 = row.crc32;
    let transform: ZipFileSource['transform'];
    if (o.stripLocation) {
      const patches = row.location_patches;
      if (!patches || row.location_crc32 === null) throw new Error(`asset ${row.id}: location not worked out yet`);
      crc32 = row.location_crc32;
      if (patches.length) transform = (bytes, at) => applyPatches(bytes, patches, at);
    }
    return {
      name: `${o.folder}/${names.allocate(row.original_filename)}`,
      size: row.file_size,
      crc32,
      local: row.local,
      unixTime: Math.floor(row.instant.getTime() / 1000),
      contentId: row.file_hash,
      source: { path: absolute(o.dataRoot, row.storage_path), transform },
    };
  });
}

/** Rows a "strip location" ZIP cannot lay out yet: their patches, CRC-32 or check are not worked out. */
export const rowsAwaitingLocation = (rows: ZipItemRow[]) => rows.filter((r) => r.location_crc32 === null || !r.location_patches || r.location_check === null);

/** Rows a "strip location" ZIP leaves out: a position remains in their patched bytes. */
export const rowsWithLocationLeft = (rows: ZipItemRow[]) => rows.filter((r) => locationLeft(r.location_check));
