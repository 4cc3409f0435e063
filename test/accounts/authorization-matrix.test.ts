// Walks every route the app registers (not a hand-kept list): anonymous callers get 401
// (API) or the login page, uploaders get 403 on owner routes, the owner gets through.
// Routes reachable without an account and routes open to uploaders are listed here on
// purpose: adding to either list is a decision this test makes visible.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { User } from '../../src/db/schema.ts';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { registeredRoutes } from '../helpers/routes.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PUBLIC = new Set([
  'GET /healthz',
  'GET /static/*',
  'GET /login',
  'POST /login',
  'GET /setup',
  'POST /setup',
  'POST /api/setup',
  'POST /api/auth/login',
  // Media checks its own access (session now, signed URLs for guests); see test/ingest.
  'GET /media/assets/:id/:variant{thumb|preview|original|video|motion}',
  'HEAD /media/assets/:id/:variant{thumb|preview|original|video|motion}',
  // Guests of share links: each checks the link itself (test/sharing/guest-matrix.test.ts).
  'GET /s/:token',
  'POST /s/:token',
  'GET /s/:token/tiles',
  'GET /api/share/:token',
  'POST /api/share/:token/auth',
  'POST /api/share/:token/upload',
  // Guests' resumable uploads (test/ingest/resumable-upload.test.ts).
  'POST /api/share/:token/uploads',
  'OPTIONS /api/share/:token/uploads',
  'GET /api/share/:token/uploads/:id',
  'PATCH /api/share/:token/uploads/:id',
  'DELETE /api/share/:token/uploads/:id',
  'GET /api/share/:token/assets/:id',
  // The guest page's live grid (test/sharing/share-live-grid.test.ts).
  'GET /s/:token/placed-tiles',
  'GET /api/share/:token/status',
  // Guests' ZIPs (test/downloads/downloads-api.test.ts).
  'GET /s/:token/download.zip',
  'HEAD /s/:token/download.zip',
  'POST /api/share/:token/downloads',
  'GET /s/:token/downloads/:file',
  'HEAD /s/:token/downloads/:file',
]);

const UPLOADER = new Set([
  'GET /',
  'GET /api/me',
  // Their own password, with the current one (test/accounts/auth.test.ts).
  'POST /api/me/password',
  'POST /logout',
  'POST /api/auth/logout',
  'POST /api/assets/upload',
  'POST /api/assets/check',
  // Resumable uploads, each answering only its creator (test/ingest/resumable-upload.test.ts).
  'POST /api/uploads',
  'OPTIONS /api/uploads',
  'GET /api/uploads/:id',
  'PATCH /api/uploads/:id',
  'DELETE /api/uploads/:id',
  // Albums granted to them (others answer 404); see test/albums.
  'GET /api/albums',
  'GET /api/albums/:id',
  'GET /albums/:id',
  'GET /albums/:id/tiles',
  // Uploads appearing and thumbnails swapping in on those pages (test/albums/live-grid.test.ts).
  'GET /albums/:id/placed-tiles',
  'GET /api/assets/status',
  // The originals of what they can see (test/downloads/downloads-api.test.ts).
  'GET /api/assets/:id/download',
  'HEAD /api/assets/:id/download',
]);

// Owner-only routes (the default) named here only to be sure they are registered.
const OWNER_ONLY = [
  'POST /api/assets/delete',
  'POST /api/assets/albums',
  'GET /api/trash',
  'POST /api/trash/restore',
  'POST /api/trash/delete',
  'POST /api/trash/empty',
  'GET /api/albums/:id/download.zip',
  'POST /api/downloads',
  'GET /api/downloads/:file',
];

const SOME_ID = '00000000-0000-4000-8000-000000000000';

const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, SOME_ID).replace(/\*/g, 'x');
const isApi = (path: string) => path.startsWith('/api/') || path === '/metrics';

describe.each(backends())('authorization matrix on %s', (backend) => {
  let server: TestServer;
  let owner: User;
  let uploader: User;
  let routes: { method: string; path: string }[];

  beforeAll(async () => {
    server = await startTestServer({ backend, config: { metrics: true } });
    owner = await newUser(server.database.db, { role: 'owner' });
    uploader = await newUser(server.database.db, { role: 'uploader' });
    routes = registeredRoutes(createApp(server.deps));
  });
  afterAll(() => server.close());

  async function call(method: string, path: string, cookie?: string) {
    // As through a proxy: a loopback peer that came through none may read /metrics without
    // an account (test/foundation/metrics.test.ts); here every caller is a stranger.
    const headers: Record<string, string> = { origin: server.url, 'x-forwarded-for': '203.0.113.7' };
    if (cookie) headers.cookie = cookie;
    const hasBody = !['GET', 'HEAD'].includes(method);
    if (hasBody) headers['content-type'] = 'application/json';
    return server.fetch(concrete(path), { method, headers, body: hasBody ? '{}' : undefined });
  }

  it('finds the routes to check', () => {
    expect(routes.length).toBeGreaterThan(20);
    for (const key of [...PUBLIC, ...UPLOADER, ...OWNER_ONLY]) {
      expect(routes.some((r) => `${r.method} ${r.path}` === key), `${key} is registered`).toBe(true);
    }
  });

  it('anonymous: 401 on the API, the login page elsewhere, except the public list', async () => {
    for (const { method, path } of routes) {
      if (PUBLIC.has(`${method} ${path}`)) continue;
      const res = await call(method, path);
      if (isApi(path)) {
        expect(res.status, `${method} ${path}`).toBe(401);
        if (method !== 'HEAD') expect(await res.json(), `${method} ${path}`).toHaveProperty('error');
      } else {
        expect(res.status, `${method} ${path}`).toBe(302);
        expect(res.headers.get('location'), `${method} ${path}`).toMatch(/^\/login\?next=/);
      }
    }
  });

  it('uploader: 403 on every owner route', async () => {
    for (const { method, path } of routes) {
      const key = `${method} ${path}`;
      if (PUBLIC.has(key) || UPLOADER.has(key)) continue;
      const res = await call(method, path, await sessionCookie(server.database.db, uploader));
      expect(res.status, key).toBe(403);
    }
  });

  it('uploader and owner: allowed where they should be (never 401/403)', async () => {
    for (const { method, path } of routes) {
      const key = `${method} ${path}`;
      if (PUBLIC.has(key)) continue;
      const ownerRes = await call(method, path, await sessionCookie(server.database.db, owner));
      expect([401, 403], `owner ${key} → ${ownerRes.status}`).not.toContain(ownerRes.status);
      if (UPLOADER.has(key)) {
        const upRes = await call(method, path, await sessionCookie(server.database.db, uploader));
        expect([401, 403], `uploader ${key} → ${upRes.status}`).not.toContain(upRes.status);
      }
    }
  });
});
