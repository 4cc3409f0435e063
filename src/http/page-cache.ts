// Rendered pages kept for a moment. A shared album's page is the same for every guest of
// its link, and a link sent to a group chat is opened by many at once: the first request
// renders it (queries, ~160 tiles with signed URLs, compression), the next ones within
// TTL_MS send the same bytes. Every change made through this process (any request that
// is not a GET or HEAD: see forget-on-change.ts) empties the cache at once; what changes
// without a request (the worker finishing a thumbnail, another process on the same
// Postgres) shows within TTL_MS. Access is judged on every request before the cache is
// asked: a revoked link or a missing password cookie never reaches it.
import { encode, type Encoding } from './compression.ts';

const TTL_MS = 2000;
const MAX_PAGES = 100;

interface CachedPage {
  at: number;
  /** Shared by every request that comes while it is being rendered. */
  html: Promise<Buffer>;
  encoded: Map<Encoding, Promise<Buffer>>;
}

export class PageCache {
  private pages = new Map<string, CachedPage>();
  /** Goes up with every clear(): a render begun before one is not kept. */
  private generation = 0;

  /** The page's bytes in this encoding: from the cache, else rendered now and kept. */
  async get(key: string, encoding: Encoding | undefined, render: () => Promise<string>, now = Date.now()): Promise<Buffer> {
    let page = this.pages.get(key);
    if (!page || now - page.at >= TTL_MS) {
      const generation = this.generation;
      page = { at: now, html: render().then((text) => Buffer.from(text)), encoded: new Map() };
      this.keep(key, page);
      const rendered = page;
      // A failed render is not kept; nor one begun before a change that came meanwhile.
      page.html.then(
        () => generation === this.generation || this.forget(key, rendered),
        () => this.forget(key, rendered),
      );
    }
    const html = await page.html;
    if (!encoding) return html;
    let bytes = page.encoded.get(encoding);
    if (!bytes) {
      bytes = encode(html, encoding);
      page.encoded.set(encoding, bytes);
    }
    return bytes;
  }

  private forget(key: string, page: CachedPage) {
    if (this.pages.get(key) === page) this.pages.delete(key);
  }

  clear(): void {
    this.generation++;
    this.pages.clear();
  }

  private keep(key: string, page: CachedPage) {
    this.pages.delete(key);
    if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(key, page);
  }
}
