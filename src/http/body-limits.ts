// Request bodies other than uploads are small: forms and JSON. Each is capped before it is
// read whole: 64 KiB where anyone can post (sign-in, setup, a link's password, a guest's
// selection of at most a few thousand ids is the exception below), 1 MiB for a signed-in
// user's JSON (some owner routes take 10,000 ids). Past the cap: 413, from the
// Content-Length alone when it is given, else as soon as the bytes pass it. Uploads stream
// to disk under their own limits (MAX_UPLOAD_SIZE, a link's caps) and are not capped here.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './env.ts';
import { httpError } from './errors.tsx';

export const ANONYMOUS_BODY_BYTES = 64 * 1024;
export const SIGNED_IN_BODY_BYTES = 1024 * 1024;

/** Routes whose body is a file being uploaded (multipart, or a tus upload's creation and chunks). */
export const isUploadPath = (path: string) => /^\/api\/(assets\/upload|share\/[^/]+\/upload|(share\/[^/]+\/)?uploads(\/[^/]+)?)$/.test(path);
// A guest's selection to download (up to 10,000 ids, ~370 kB of JSON) is sized like a signed-in body.
const isLargeGuestBody = (path: string) => /^\/api\/share\/[^/]+\/downloads$/.test(path);

const tooLarge = (limit: number) => () => {
  throw httpError(413, `the request body is larger than ${limit / 1024} KiB`);
};

export function requestBodyLimits(): MiddlewareHandler<AppEnv> {
  const anonymous = bodyLimit({ maxSize: ANONYMOUS_BODY_BYTES, onError: tooLarge(ANONYMOUS_BODY_BYTES) });
  const signedIn = bodyLimit({ maxSize: SIGNED_IN_BODY_BYTES, onError: tooLarge(SIGNED_IN_BODY_BYTES) });
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || isUploadPath(c.req.path)) return next();
    return (c.get('auth') || isLargeGuestBody(c.req.path) ? signedIn : anonymous)(c, next);
  };
}
