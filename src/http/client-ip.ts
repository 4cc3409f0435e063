// The client's IP: the socket's peer, or with TRUST_PROXY the address our proxy saw, which
// is the last X-Forwarded-For entry (earlier entries are whatever the client sent).
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Config } from '../config.ts';
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
  return servedOverHttps(c.get('deps').config, c.req.header('x-forwarded-proto'), new URL(c.req.url).protocol === 'https:');
}

/** isHttps from its parts: the config, the proxy's X-Forwarded-Proto, and whether this connection itself is TLS. */
export function servedOverHttps(config: Pick<Config, 'publicUrl' | 'trustProxy'>, forwardedProto: string | undefined, tls: boolean): boolean {
  if (config.publicUrl) return config.publicUrl.startsWith('https:');
  if (config.trustProxy && forwardedProto?.split(',')[0]?.trim() === 'https') return true;
  return tls;
}
