// Caches of what requests read (rendered guest pages, album membership) are emptied by
// any request that may change something (not a GET or HEAD), once it is done.
import type { MiddlewareHandler } from 'hono';

export function forgetOnChange(...caches: { clear(): void }[]): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    try {
      await next();
    } finally {
      for (const cache of caches) cache.clear();
    }
  };
}
