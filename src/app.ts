// Builds the Hono app from its parts, and the Node server options that put the signed
// thumbnails' short path in front of it. Takes every dependency, so tests can build one.
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import { Hono } from 'hono';
import { AttemptGuard } from './auth/attempt-guard.ts';
import { authenticate, authorize, firstRunRedirect } from './http/auth.ts';
import { compressRendered } from './http/compression.ts';
import { requestBodyLimits } from './http/body-limits.ts';
import { csrfProtection } from './http/csrf.ts';
import { htmlAsBytes } from './http/html-bytes.ts';
import { FileMemo } from './http/file-memo.ts';
import { forgetOnChange } from './http/forget-on-change.ts';
import { PageCache } from './http/page-cache.ts';
import { onError, onNotFound } from './http/errors.tsx';
import { requestLog } from './http/request-log.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { AppDeps, AppEnv, Limits, Sharing } from './http/env.ts';
import { LocationPrep } from './downloads/location-prep.ts';
import { RunningZips } from './downloads/running-zips.ts';
import { UnreadableOriginals } from './downloads/unreadable-originals.ts';
import { AlbumAssetCache } from './sharing/album-asset-cache.ts';
import { LinkCache } from './sharing/link-cache.ts';
import { createSigner } from './sharing/signatures.ts';
import { albumRoutes } from './routes/albums.tsx';
import { assetRoutes } from './routes/assets.ts';
import { authRoutes } from './routes/auth.tsx';
import { downloadRoutes } from './routes/downloads.ts';
import { healthRoutes } from './routes/health.ts';
import { libraryRoutes } from './routes/library.tsx';
import { linkRoutes } from './routes/links.tsx';
import { shareRoutes } from './routes/share.tsx';
import { signedMediaRoutes } from './routes/share-media.ts';
import { signedThumbnailFastPath } from './routes/signed-thumbnail-fast.ts';
import { liveGridRoutes } from './routes/live-grid.tsx';
import { pageRoutes } from './routes/pages.tsx';
import { settingsRoutes } from './routes/settings.tsx';
import { staticRoutes } from './routes/static.ts';
import { trashRoutes } from './routes/trash.tsx';
import { uploadRoutes } from './routes/upload.ts';
import { staticFiles } from './static-files.ts';

export function createLimits(): Limits {
  return {
    login: new AttemptGuard(),
    linkPassword: new AttemptGuard(),
    runningZips: new RunningZips(),
  };
}

/** Share links' caches and signer: one set per app, shared with the short path. */
export function createSharing(deps: AppDeps): Sharing {
  const db = () => deps.database.db;
  const unreadable = new UnreadableOriginals(deps.log);
  return {
    links: new LinkCache(db),
    signer: createSigner(deps.secretKey),
    pages: new PageCache(),
    albumAssets: new AlbumAssetCache(db),
    thumbnails: new FileMemo(),
    locationPrep: new LocationPrep(db, deps.dataDir.root, unreadable, deps.log),
    unreadableOriginals: unreadable,
  };
}

/** What `serve()` of @hono/node-server needs: the app, and a Node server whose requests try the signed thumbnails' short path first. */
export function createNodeServing(deps: AppDeps, limits: Limits = createLimits()) {
  const sharing = createSharing(deps);
  const app = createApp(deps, limits, sharing);
  const fast = signedThumbnailFastPath(deps, sharing);
  const create = (options: ServerOptions, appListener: (req: IncomingMessage, res: ServerResponse) => void) =>
    createServer(options, (req, res) => {
      if (!fast(req, res)) appListener(req, res);
    });
  return { fetch: app.fetch, createServer: create as typeof createServer };
}

export function createApp(deps: AppDeps, limits: Limits = createLimits(), sharing: Sharing = createSharing(deps)): Hono<AppEnv> {
  staticFiles(); // read (and fail) at start, not on the first request
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('limits', limits);
    c.set('sharing', sharing);
    await next();
  });
  app.use(requestLog());
  app.use(securityHeaders());
  app.onError(onError);
  app.notFound(onNotFound);

  app.route('/', staticRoutes);
  app.route('/', healthRoutes);
  app.route('/', signedMediaRoutes);
  app.use(compressRendered());
  app.use(htmlAsBytes());
  app.use(firstRunRedirect());
  app.use(authenticate());
  app.use(csrfProtection()); // after authenticate: only a valid bearer token is exempt
  app.use(requestBodyLimits()); // after authenticate: a signed-in user's bodies may be larger
  app.use(authorize());
  app.use(forgetOnChange(sharing.pages, sharing.albumAssets));

  app.route('/', authRoutes);
  app.route('/', settingsRoutes);
  app.route('/', uploadRoutes);
  app.route('/', downloadRoutes);
  app.route('/', liveGridRoutes); // before assetRoutes: /api/assets/status is no asset id
  app.route('/', assetRoutes);
  app.route('/', albumRoutes);
  app.route('/', libraryRoutes);
  app.route('/', linkRoutes);
  app.route('/', shareRoutes);
  app.route('/', trashRoutes);
  app.route('/', pageRoutes);
  return app;
}
