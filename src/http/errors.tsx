// One place turns errors into responses: JSON `{error}` under /api, a friendly page
// elsewhere, never a stack trace to the client.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorPage } from '../../views/pages/error.tsx';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { AppEnv } from './env.ts';

/** Paths for programs (answered in JSON, bearer tokens accepted), not for people. */
export const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/') || path === '/metrics';

/** Throw where the problem is found; `onError` answers. */
export function httpError(status: ContentfulStatusCode, message: string, extra?: Record<string, unknown>): HTTPException {
  return new HTTPException(status, { message, cause: extra });
}

function respond(c: Context<AppEnv>, status: ContentfulStatusCode, message: string, extra?: unknown) {
  if (isApiPath(c.req.path)) {
    return c.json({ error: message, ...(extra && typeof extra === 'object' ? extra : {}) }, status);
  }
  return c.html(<ErrorPage status={status} message={message} guest={c.req.path.startsWith('/s/')} />, status);
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof HTTPException) {
    const res = err.res;
    if (res) return res;
    return respond(c, err.status as ContentfulStatusCode, err.message || 'Request failed', err.cause);
  }
  if (isDatabaseUnavailable(err)) {
    c.get('deps')?.log.warn('database unavailable', { method: c.req.method, path: c.req.path, error: String(err) });
    c.header('Retry-After', '5');
    return respond(c, 503, 'The database is not answering right now. Nothing was changed; please try again in a few seconds.');
  }
  // The client went away while its body was read: no one to answer, and nothing of ours failed.
  if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') {
    c.get('deps')?.log.debug('request broken off by the client', { method: c.req.method, path: c.req.path });
    return respond(c, 400, 'the request was broken off before its body arrived');
  }
  c.get('deps')?.log.error('request failed', { method: c.req.method, path: c.req.path, error: err.stack ?? String(err) });
  return respond(c, 500, 'Something went wrong on our side. Please try again.');
};

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  respond(c, 404, isApiPath(c.req.path) ? 'not found' : 'This page does not exist.');
