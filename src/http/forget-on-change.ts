// Caches of what requests read (rendered guest pages, album membership) are emptied by
// any request that may have changed something: not a GET or HEAD, and not refused (a 4xx
// changed nothing, and anyone can send those by the thousand; a 5xx may have stopped
// half way, so it clears them too).
import type { MiddlewareHandler } from 'hono';

export function forgetOnChange(...caches: { clear(): void }[]): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    let changed = true;
    try {
      await next();
      changed = c.res.status < 400 || c.res.status >= 500;
    } finally {
      if (changed) for (const cache of caches) cache.clear();
    }
  };
}
