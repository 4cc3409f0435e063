// sharp as the app uses it, loaded on first use: libvips costs ~25 MB of memory once
// loaded, and a server that only serves pages and stored files never needs it.
// libvips' operation cache is off: every file is read once here, so the cache gains
// nothing, and it would keep up to 20 recently read originals open and memory-mapped,
// holding the space of a purged file and pinning the data disk.
import { createRequire } from 'node:module';
import type SharpModule from 'sharp';

const requireHere = createRequire(import.meta.url);
let lib: typeof SharpModule | undefined;

function loaded(): typeof SharpModule {
  if (!lib) {
    lib = requireHere('sharp') as typeof SharpModule;
    lib.cache(false);
  }
  return lib;
}

const sharp = ((...args: Parameters<typeof SharpModule>) => loaded()(...args)) as typeof SharpModule;

export default sharp;

/** Whether this libvips reads JPEG XL (sharp's prebuilt one does not: such files get a placeholder). */
export const decodesJpegXl = () => loaded().format.jxl?.input.file === true;
export type { FailOnOptions, Metadata, Sharp } from 'sharp';
