// Caches of what requests read (rendered guest pages, album membership) are emptied by
// any request that may have changed something: not a GET or HEAD, and not refused (a 4xx
// changed nothing, and anyone can send those by the thousand; a 5xx may have stopped
// half way, so it clears them too). Uploads are let through (`onlyAdds`): they add items
// and change none, so nothing cached has become wrong, and the new items show on guest
// pages within the page cache's moment, as the worker's changes do. Emptying the caches at
// every upload made a group of guests miss them all the while the owner uploaded.
import type { Context, MiddlewareHandler } from 'hono';

/** The upload routes (multipart and tus; the owner's, an uploader's, a guest's): they only add items. */
const UPLOADS = /^\/api\/(assets\/upload|uploads(\/[^/]+)?|share\/[^/]+\/(upload|uploads(\/[^/]+)?))$/;
export const onlyAdds = (c: Context) => UPLOADS.test(c.req.path);

export function forgetOnChange(caches: { clear(): void }[], o: { unless?: (c: Context) => boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || o.unless?.(c)) return next();
    let changed = true;
    try {
      await next();
      changed = c.res.status < 400 || c.res.status >= 500;
    } finally {
      if (changed) for (const cache of caches) cache.clear();
    }
  };
}
