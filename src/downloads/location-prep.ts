// Works out, in the background, the blanked CRC-32 (and location patches) of originals
// that a "strip location" ZIP needs and that were stored before it was kept at ingest.
// The ZIP answers 503 with Retry-After meanwhile; asked again, it finds them ready. One
// original at a time (reads are small: metadata blocks and the bytes under the patches);
// an original that cannot be read is left out of guests' ZIPs (a file whose location could
// not be removed is never served to them) until a restart tries again; any other failure
// (the database away for a moment) is tried again on the next request.
import type { Logger } from '../log.ts';
import { blankedOriginal, type BlankableAsset } from '../queries/location-patches.ts';
import type { Db } from '../queries/users.ts';
import { absolute } from '../storage/layout.ts';
import type { UnreadableOriginals } from './unreadable-originals.ts';

const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EIO', 'ENOTDIR', 'EPERM']);

export class LocationPrep {
  private readonly queue = new Map<string, BlankableAsset>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: () => Db,
    private readonly dataRoot: string,
    private readonly unreadable: UnreadableOriginals,
    private readonly log?: Logger,
  ) {}

  /** Queues what is not queued yet; returns at once. */
  request(assets: BlankableAsset[]): void {
    for (const a of assets) if (!this.queue.has(a.id)) this.queue.set(a.id, a);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when the queue is empty (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (const [id, asset] of this.queue) {
      try {
        await blankedOriginal(this.db(), asset, this.dataRoot);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && FILE_ERRORS.has(code)) this.unreadable.add(absolute(this.dataRoot, asset.storage_path), (err as Error).message);
        else this.log?.warn('location check failed; tried again on the next request', { asset: id, error: (err as Error).message });
      }
      this.queue.delete(id);
    }
  }
}
