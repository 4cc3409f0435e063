// The short path for the request a shared album makes most: a guest's signed grid
// thumbnail that this process has just answered for the same link and album. It runs
// before the Hono app, on Node's own request, and only when everything it needs is in
// memory: the signature checks out, the link's state is cached and open (and, with a
// password, this browser's cookie matches it), the asset is cached as in the album and
// ready, and the thumbnail's bytes are kept. Anything else (a first request, an expired
// or bad signature, a Range, HEAD, IP-bound URLs, a revoked link, an empty cache after a
// change) goes to the app, which answers it in full (share-media.ts) and fills the caches.
// The answer is byte for byte what the app sends, security headers included.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { AppDeps, Sharing } from '../http/env.ts';
import { servedOverHttps } from '../http/client-ip.ts';
import { securityHeaderValues } from '../http/security-headers.ts';
import { judgeLink } from '../sharing/link-cache.ts';
import { linkCookieName } from '../sharing/signatures.ts';
import { absolute } from '../storage/layout.ts';
import { acceptsAvif, gridThumbnailFile } from './grid-thumbnail.ts';
import { signedCacheControl } from './share-media.ts';

const THUMB_URL = /^\/media\/assets\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/thumb\?l=([0-9a-f-]{36})&exp=(\d{1,12})&sig=([\w-]{1,64})$/;

/** A Node request handler that answers what it can and returns false for the rest. */
export function signedThumbnailFastPath(deps: AppDeps, sharing: Sharing): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { config, dataDir } = deps;
  return (req, res) => {
    if (req.method !== 'GET' || config.signedUrlBindIp || req.headers.range) return false;
    const m = THUMB_URL.exec(req.url ?? '');
    if (!m) return false;
    const [, assetId, linkId, exp, sig] = m as unknown as [string, string, string, string, string];
    if (sharing.signer.checkMedia(assetId, { l: linkId, exp, sig }) !== undefined) return false;
    const verdict = judgeLink(sharing.links.peekById(linkId));
    if (verdict.kind !== 'open') return false;
    const link = verdict.link;
    if (link.passwordHash) {
      const cookie = req.headers.cookie && parseCookies(req.headers.cookie, linkCookieName(link.id))[linkCookieName(link.id)];
      if (!sharing.signer.linkCookieMatches(cookie || undefined, link.id, link.passwordHash)) return false;
    }
    const asset = sharing.albumAssets.peek(link.albumId, assetId);
    if (!asset || asset.status !== 'ready') return false;
    // Only the file the app would choose first (for an asset without an AVIF copy, the app
    // answers an AVIF-taking browser each time).
    const chosen = gridThumbnailFile(asset.file_hash, acceptsAvif(headerOf(req, 'accept')), sharing.signer.mediaTag);
    const file = sharing.thumbnails.get(absolute(dataDir.root, chosen.rel));
    if (!file) return false;

    const etag = `"${chosen.etag}"`;
    const https = servedOverHttps(config, headerOf(req, 'x-forwarded-proto'), 'encrypted' in req.socket);
    const headers: Record<string, string | number> = {
      'Content-Type': chosen.contentType,
      ETag: etag,
      'Cache-Control': signedCacheControl(exp),
      'Accept-Ranges': 'bytes',
      'Last-Modified': file.mtime.toUTCString(),
      Vary: 'Accept',
      ...securityHeaderValues(https),
    };
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      res.writeHead(304, headers).end();
      return true;
    }
    headers['Content-Length'] = file.size;
    res.writeHead(200, headers).end(file.whole);
    return true;
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
