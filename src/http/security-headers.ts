// Security headers on every response: a strict CSP (scripts only from us, or the one
// inline script by its hash; no third-party origins), nosniff, no framing, no referrer leaks of
// share tokens, and HSTS when served over https.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';
import { isHttps } from './client-ip.ts';
import { INLINE_SCRIPT_SOURCES } from './inline-scripts.ts';

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' ${INLINE_SCRIPT_SOURCES}`,
        "style-src 'self'",
        // Tile sizes of the justified grid are inline style attributes (no script involved).
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'same-origin');
    h.set('X-Frame-Options', 'DENY');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (isHttps(c)) h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  };
}
