// tus endpoints (see src/uploads/resumable-uploads.ts): /api/uploads for the owner, uploaders
// and API tokens; /api/share/<token>/uploads for a link's guests. POST creates an upload,
// OPTIONS says what the server supports; HEAD, PATCH and DELETE act on one (Hono answers
// HEAD through the GET route). A PATCH's Upload-Checksum is handed to the part store. Each request
// is authenticated and authorised here, as the upload API's are, before tus sees it.
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { Hono, type Context } from 'hono';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { parseInput } from '../http/validate.ts';
import { reserveUpload, settleUpload } from '../queries/upload-usage.ts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CHECKSUM_ALGORITHMS, parseUploadChecksum } from '../uploads/part-store.ts';
import type { Uploader } from '../uploads/resumable-uploads.ts';
import { unlockedLink } from './share-access.ts';
import { GuestName } from './share.tsx';
import { checkAlbumAccess } from './upload.ts';

async function answer(c: Context<AppEnv>, uploader: Uploader): Promise<Response> {
  // A plain GET would read the part back: nobody needs that.
  if (c.req.method === 'GET') throw httpError(405, 'an upload is resumed with HEAD and PATCH (tus 1.0)');
  const uploads = c.get('uploads');
  let checksum;
  try {
    checksum = parseUploadChecksum(c.req.header('upload-checksum'));
  } catch (refusal) {
    const { status_code, body } = refusal as { status_code: ContentfulStatusCode; body: string };
    return c.body(body, status_code, { 'Content-Type': 'application/json', 'Tus-Resumable': '1.0.0' });
  }
  const id = c.req.param('id');
  if (checksum && id && c.req.method === 'PATCH') uploads.store.expectChecksum(id, checksum);
  const raw = c.req.raw;
  const incoming = (c.env as { incoming: IncomingMessage }).incoming;
  if (id && c.req.method === 'PATCH') uploads.store.watchBody(id, incoming);
  // What @tus/server reads of a request, with the body straight from Node's stream: Hono's
  // Request would put undici's body machinery in between (a 50 MB chunk took ~4× as long).
  const request = {
    method: raw.method,
    url: raw.url,
    headers: raw.headers,
    signal: raw.signal,
    get body() {
      return Readable.toWeb(inPieces(incoming));
    },
  } as unknown as Request;
  // A request refused before its bytes were written leaves no expectation for the next one.
  let response = await uploads.handle(request, uploader).finally(() => {
    if (checksum && id) uploads.store.expectChecksum(id, undefined);
    if (id) uploads.store.watchBody(id, undefined);
  });
  // @tus/server refuses in plain text ("Invalid upload-length"): in JSON, as every API error.
  if (response.status >= 400 && !response.headers.get('content-type')?.includes('json')) {
    const text = (await response.text()).trim();
    const headers = new Headers(response.headers);
    headers.set('Content-Type', 'application/json');
    headers.delete('Content-Length');
    response = new Response(text.startsWith('{') ? text : JSON.stringify({ error: text }), { status: response.status, headers });
  }
  if (c.req.method === 'OPTIONS') response.headers.set('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
  return response;
}

const PIECE_BYTES = 1024 * 1024;

/**
 * A request's body in pieces of about 1 MiB. @tus/server reads a body as a web stream and
 * turns it back into a Node stream: each piece crosses those two adapters once instead of
 * each 64 KiB socket read (a 1 GiB upload in 50 MiB chunks took ~1.45× a multipart POST of
 * it, with the socket's reads; bench/tus-upload.ts). A body that breaks off ends with what
 * arrived (the part store then finds it incomplete and keeps those bytes for the resume).
 */
function inPieces(incoming: IncomingMessage): Readable {
  let held: Buffer[] = [];
  let heldBytes = 0;
  const release = (out: Transform) => {
    if (heldBytes === 0) return;
    out.push(held.length === 1 ? held[0] : Buffer.concat(held, heldBytes));
    held = [];
    heldBytes = 0;
  };
  const pieces = new Transform({
    readableHighWaterMark: PIECE_BYTES,
    writableHighWaterMark: PIECE_BYTES,
    transform(chunk: Buffer, _encoding, done) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= PIECE_BYTES) release(this);
      done();
    },
    flush(done) {
      release(this);
      done();
    },
  });
  incoming.pipe(pieces);
  incoming.once('close', () => {
    if (!pieces.writableEnded) pieces.end();
  });
  return pieces;
}

function userUploader(c: Context<AppEnv>): Uploader {
  const auth = c.get('auth')!;
  const user = currentUser(c);
  const db = c.get('deps').database.db;
  const owner = user.role === 'owner';
  return {
    creator: auth.via === 'token' ? `token:${auth.tokenId}` : `user:${user.id}`,
    uploadedBy: user.id,
    restoresFromTrash: owner,
    async admit(metadata) {
      const albumId = metadata.albumId?.trim().toLowerCase() || undefined;
      await checkAlbumAccess(db, user, albumId);
      return albumId ? { albumId } : {};
    },
    // An album deleted, or an uploader's grant taken back, stops the next chunk.
    recheck: (kept) => checkAlbumAccess(db, user, kept.albumId),
    addedBy: owner ? undefined : () => ({ userId: user.id }),
  };
}

async function guestUploader(c: Context<AppEnv>): Promise<Uploader> {
  const link = await unlockedLink(c); // a revoked or expired link stops here, at the next chunk
  if (!link.permissions.allowUpload) throw httpError(403, 'this link does not take uploads');
  const db = c.get('deps').database.db;
  const caps = c.get('deps').config.shareUpload;
  return {
    creator: `link:${link.id}`,
    uploadedBy: null,
    restoresFromTrash: false,
    admit: async (metadata) => ({ albumId: link.albumId, guestName: parseInput(GuestName, metadata.name ?? ''), linkId: link.id }),
    async recheck(kept) {
      if (kept.albumId !== link.albumId) throw httpError(404, 'no such upload');
    },
    quota: {
      reserve: (size) => reserveUpload(db, link.id, caps, size),
      settle: (r, stored) => settleUpload(db, link.id, r, stored),
    },
    addedBy: (kept) => ({ linkId: link.id, name: kept.guestName }),
  };
}

export const resumableRoutes = new Hono<AppEnv>()
  .on(['POST', 'OPTIONS'], '/api/uploads', (c) => answer(c, userUploader(c)))
  .on(['GET', 'PATCH', 'DELETE'], '/api/uploads/:id', (c) => answer(c, userUploader(c)))
  .on(['POST', 'OPTIONS'], '/api/share/:token/uploads', async (c) => answer(c, await guestUploader(c)))
  .on(['GET', 'PATCH', 'DELETE'], '/api/share/:token/uploads/:id', async (c) => answer(c, await guestUploader(c)));
