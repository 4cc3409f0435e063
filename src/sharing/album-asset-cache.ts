// Which assets are in which album, as guests' media requests ask it: each thumbnail of a
// shared album would otherwise cost a query. Only ready assets found in the album are
// kept (a missing or still-processing one is asked again every time, so it shows the
// moment it is ready). Every change made through this process empties the cache (see
// forgetOnChange); entries also age out after TTL_MS, which bounds how long a change
// made elsewhere (the CLI, another server on the same Postgres) can go unseen.
import type { Kysely } from 'kysely';
import type { Asset, DB } from '../db/schema.ts';
import { findAssetInAlbum } from '../queries/links.ts';
import { SharedLoads } from './shared-loads.ts';

const TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;

export class AlbumAssetCache {
  private entries = new Map<string, { asset: Asset; at: number }>();
  private loads = new SharedLoads<Asset | undefined>();

  constructor(private readonly db: () => Kysely<DB>) {}

  async get(albumId: string, assetId: string, now = Date.now()): Promise<Asset | undefined> {
    const hit = this.peek(albumId, assetId, now);
    if (hit) return hit;
    const key = `${albumId}/${assetId}`;
    return this.loads.run(
      key,
      () => findAssetInAlbum(this.db(), albumId, assetId),
      (asset) => {
        if (asset?.status === 'ready') {
          if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
          this.entries.set(key, { asset, at: now });
        } else {
          this.entries.delete(key);
        }
      },
    );
  }

  /** The ready asset if it is known to be in the album right now, without asking the database (undefined: ask get). */
  peek(albumId: string, assetId: string, now = Date.now()): Asset | undefined {
    const hit = this.entries.get(`${albumId}/${assetId}`);
    return hit && now - hit.at < TTL_MS ? hit.asset : undefined;
  }

  clear(): void {
    this.loads.forget();
    this.entries.clear();
  }
}
