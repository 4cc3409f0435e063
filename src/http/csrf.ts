// CSRF: a state-changing request that a browser could send with our cookies must come
// from our own origin, whatever its content type (Hono's csrf() checks forms only).
// Our origin is PUBLIC_URL when set, else the request's own Host. A cross-site Origin or
// `Sec-Fetch-Site: cross-site` is refused always; with no Origin, a request carrying
// cookies needs Sec-Fetch-Site: same-origin. A request authenticated by a valid bearer
// token carries no ambient authority and is exempt (runs after authenticate(): a made-up
// `Authorization` header exempts nothing).
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';
import { httpError } from './errors.tsx';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originMatches(c: Context<AppEnv>, origin: string): boolean {
  const { config } = c.get('deps');
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (config.publicUrl) return parsed.origin === new URL(config.publicUrl).origin;
  const host = (config.trustProxy && c.req.header('x-forwarded-host')) || c.req.header('host');
  return parsed.host === host;
}

export function csrfProtection(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    if (c.req.header('sec-fetch-site') === 'cross-site') throw httpError(403, 'cross-site request refused');
    if (c.get('auth')?.via === 'token') return next();
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== 'null') {
      if (!originMatches(c, origin)) throw httpError(403, 'cross-origin request refused');
      return next();
    }
    if (c.req.header('cookie')) {
      const site = c.req.header('sec-fetch-site');
      if (site !== 'same-origin') throw httpError(403, 'cross-origin request refused: no Origin and not same-origin');
    } else if (origin === 'null') {
      throw httpError(403, 'cross-origin request refused');
    }
    return next();
  };
}
