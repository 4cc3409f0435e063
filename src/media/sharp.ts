// sharp as the app uses it. libvips' operation cache is off: every file is read once here,
// so the cache gains nothing, and it would keep up to 20 recently read originals open and
// memory-mapped, holding the space of a purged file and pinning the data disk.
import sharp from 'sharp';

sharp.cache(false);

export default sharp;
export type { FailOnOptions, Metadata, Sharp } from 'sharp';
