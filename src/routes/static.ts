// GET /static/<name>: fingerprinted names cached for a year, others briefly; pre-compressed bodies.
import { Hono } from 'hono';
import { staticFiles } from '../static-files.ts';
import type { AppEnv } from '../http/env.ts';

export const staticRoutes = new Hono<AppEnv>().get('/static/*', (c) => {
  const found = staticFiles().resolve(c.req.path.slice('/static/'.length));
  if (!found) return c.notFound();
  const { file, fingerprinted } = found;
  const etag = `"${file.hash}"`;
  c.header('Cache-Control', fingerprinted ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
  c.header('ETag', etag);
  c.header('Content-Type', file.contentType);
  c.header('Vary', 'Accept-Encoding');
  if (c.req.header('If-None-Match') === etag) return c.body(null, 304);
  const accepts = c.req.header('Accept-Encoding') ?? '';
  if (file.brotli && /\bbr\b/.test(accepts)) {
    c.header('Content-Encoding', 'br');
    return c.body(new Uint8Array(file.brotli));
  }
  if (file.gzip && /\bgzip\b/.test(accepts)) {
    c.header('Content-Encoding', 'gzip');
    return c.body(new Uint8Array(file.gzip));
  }
  return c.body(new Uint8Array(file.body));
});
