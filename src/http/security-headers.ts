// Security headers on every response: a strict CSP (scripts and styles only from us, or
// the inline ones by their hashes; no third-party origins), nosniff, no framing, no referrer leaks of
// share tokens, and HSTS when served over https.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';
import { isHttps } from './client-ip.ts';
import { INLINE_SCRIPT_SOURCES } from './inline-scripts.ts';
import { inlineStyleSources } from './inline-styles.ts';

const contentSecurityPolicy = () => [
  "default-src 'self'",
  `script-src 'self' ${INLINE_SCRIPT_SOURCES}`,
  `style-src 'self' ${inlineStyleSources()}`,
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

// Built on first use: the style hash needs the static files.
let headers: { plain: Record<string, string>; https: Record<string, string> } | undefined;
function build() {
  const plain: Record<string, string> = {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  };
  return { plain, https: { ...plain, 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } };
}

/** The headers every response carries (HSTS only over https). */
export function securityHeaderValues(https: boolean): Readonly<Record<string, string>> {
  headers ??= build();
  return https ? headers.https : headers.plain;
}

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    for (const [name, value] of Object.entries(securityHeaderValues(isHttps(c)))) h.set(name, value);
  };
}
