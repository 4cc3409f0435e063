// Builds the Hono app from its parts, and the Node server options that put the signed
// thumbnails' short path in front of it. Takes every dependency, so tests can build one.
import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Hono } from 'hono';
import { AttemptGuard } from './auth/attempt-guard.ts';
import { authenticate, authorize, firstRunRedirect } from './http/auth.ts';
import { compressRendered } from './http/compression.ts';
import { requestBodyLimits } from './http/body-limits.ts';
import { csrfProtection } from './http/csrf.ts';
import { htmlAsBytes } from './http/html-bytes.ts';
import { FileMemo } from './http/file-memo.ts';
import { forgetOnChange, onlyAdds } from './http/forget-on-change.ts';
import { PageCache } from './http/page-cache.ts';
import { ViewCounter } from './sharing/view-counter.ts';
import { countViews } from './queries/links.ts';
import { onError, onNotFound } from './http/errors.tsx';
import { requestLog } from './http/request-log.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { AppDeps, AppEnv, Limits, Sharing } from './http/env.ts';
import { LocationPrep } from './downloads/location-prep.ts';
import { RunningZips } from './downloads/running-zips.ts';
import { countRequests, metricsForLoopback, metricsForToken } from './http/metrics.ts';
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
import { resumableRoutes } from './routes/resumable.ts';
import { ResumableUploads } from './uploads/resumable-uploads.ts';
import { settleUpload } from './queries/upload-usage.ts';
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
    views: new ViewCounter((linkId, views) => countViews(db(), linkId, views)),
  };
}

/** tus uploads, their parts under DATA_DIR/tmp/tus/. */
export function createUploads(deps: AppDeps): ResumableUploads {
  return new ResumableUploads(deps, (linkId, r) => settleUpload(deps.database.db, linkId, r, null));
}

/** What `serve()` of @hono/node-server needs: the app, and a Node server whose requests try the signed thumbnails' short path first. */
export function createNodeServing(deps: AppDeps, limits: Limits = createLimits(), sharing: Sharing = createSharing(deps), uploads: ResumableUploads = createUploads(deps)) {
  const app = createApp(deps, limits, sharing, uploads);
  const fast = signedThumbnailFastPath(deps, sharing);
  const create = (options: ServerOptions, appListener: (req: IncomingMessage, res: ServerResponse) => void) => {
    // Node's and @hono/node-server's own refusals of a missing or malformed Host are a bare 400.
    const server = createServer({ ...options, requireHostHeader: false }, (req, res) => {
      if (req.headers.host === undefined ? req.httpVersion !== '1.0' : !validHost(req.headers.host)) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', Connection: 'close' }).end('the Host header is missing or malformed\n');
        return;
      }
      if (!fast(req, res)) appListener(req, res);
    });
    server.on('clientError', answerClientError);
    server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(417, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end('only "Expect: 100-continue" is supported\n');
    });
    return server;
  };
  return { fetch: app.fetch, createServer: create as typeof createServer };
}

/** A host name or IPv4 address, or an IPv6 one in brackets, and an optional port. */
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;
const validHost = (host: string) => {
  const m = HOST.exec(host);
  return !!m && (m[1] === undefined || Number(m[1]) <= 65535);
};

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request line and headers are larger than 16 KiB'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'the chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request took too long to arrive'],
};

/**
 * A request Node's HTTP parser refuses (bad framing, a huge header, a malformed request
 * line) never reaches the app. Node's own answer is a bare status line; this one says what
 * was wrong, in a line of text.
 */
function answerClientError(err: Error & { code?: string; reason?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as Socket).bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const [status, text, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', `malformed HTTP request: ${err.reason ?? err.message}`];
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

export function createApp(deps: AppDeps, limits: Limits = createLimits(), sharing: Sharing = createSharing(deps), uploads: ResumableUploads = createUploads(deps)): Hono<AppEnv> {
  staticFiles(); // read (and fail) at start, not on the first request
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('limits', limits);
    c.set('sharing', sharing);
    c.set('uploads', uploads);
    await next();
  });
  app.use(requestLog());
  app.use(countRequests());
  app.use(securityHeaders());
  app.onError(onError);
  app.notFound(onNotFound);

  app.route('/', staticRoutes);
  app.route('/', healthRoutes);
  app.get('/metrics', metricsForLoopback());
  app.route('/', signedMediaRoutes);
  app.use(compressRendered());
  app.use(htmlAsBytes());
  app.use(firstRunRedirect());
  app.use(authenticate());
  app.use(csrfProtection()); // after authenticate: only a valid bearer token is exempt
  app.use(requestBodyLimits()); // after authenticate: a signed-in user's bodies may be larger
  app.use(authorize());
  app.use(forgetOnChange([sharing.pages, sharing.albumAssets], { unless: onlyAdds }));

  app.get('/metrics', metricsForToken);
  app.route('/', authRoutes);
  app.route('/', settingsRoutes);
  app.route('/', uploadRoutes);
  app.route('/', resumableRoutes);
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
