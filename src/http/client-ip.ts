// The client's IP: the socket's peer, or with TRUST_PROXY the address our proxy saw, which
// is the last X-Forwarded-For entry (earlier entries are whatever the client sent).
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AppEnv } from './env.ts';

export function clientIp(c: Context<AppEnv>): string {
  if (c.get('deps').config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Served over https: PUBLIC_URL says so, or the proxy (when trusted), or the request itself. */
export function isHttps(c: Context<AppEnv>): boolean {
  const { config } = c.get('deps');
  if (config.publicUrl) return config.publicUrl.startsWith('https:');
  if (config.trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return new URL(c.req.url).protocol === 'https:';
}
