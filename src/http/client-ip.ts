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

/**
 * The client as limits count it: an IPv4 address (also when written IPv4-mapped,
 * ::ffff:10.0.0.1), or an IPv6 client by its /64, which one home or phone usually holds
 * whole (a client could otherwise take a new address for every try).
 */
export function clientKey(c: Context<AppEnv>): string {
  return addressKey(clientIp(c));
}

export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const front = head ? head.split(':') : [];
  const back = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
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
