// One line per request: method, path, status, milliseconds.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const ms = Math.round((performance.now() - start) * 10) / 10;
    const path = c.req.path;
    // Static files and health checks are noise at info level.
    const quiet = path.startsWith('/static/') || path === '/healthz';
    c.get('deps').log[quiet ? 'debug' : 'info'](`${c.req.method} ${path} ${c.res.status} ${ms}ms`);
  };
}
