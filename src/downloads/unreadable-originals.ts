// Originals a download found missing, unreadable or not the size their row says (a disk
// fault, a file moved by hand: `shoebox fsck` tells which). Until the process restarts,
// ZIPs are laid out without them, so a download that broke at one of them can be asked for
// again and finish (a new layout, a new ETag), instead of breaking at the same byte on
// every try. Each is logged once, as an error for the owner to see.
import type { Logger } from '../log.ts';

export class UnreadableOriginals {
  private readonly paths = new Set<string>();

  constructor(private readonly log?: Logger) {}

  add(path: string, why: string): void {
    if (this.paths.has(path)) return;
    this.paths.add(path);
    this.log?.error('original unreadable: left out of downloads until a restart; run `shoebox fsck`', { path, why });
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }
}
