// Security headers on every response: a strict CSP (scripts only from us, or the one
// inline script by its hash; no third-party origins), nosniff, no framing, no referrer leaks of
// share tokens, and HSTS when served over https.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';
import { isHttps } from './client-ip.ts';
import { INLINE_SCRIPT_SOURCES } from './inline-scripts.ts';

const CONTENT_SECURITY_POLICY = [
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
].join('; ');

const HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};
const HTTPS_HEADERS: Record<string, string> = { ...HEADERS, 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' };

/** The headers every response carries (HSTS only over https). */
export function securityHeaderValues(https: boolean): Readonly<Record<string, string>> {
  return https ? HTTPS_HEADERS : HEADERS;
}

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [name, value] of Object.entries(securityHeaderValues(isHttps(c)))) h.set(name, value);
  };
}
