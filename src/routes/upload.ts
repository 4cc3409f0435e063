// POST /api/assets/upload: multipart streamed through @fastify/busboy straight from the Node
// request (never bodyLimit/parseBody: both buffer the body). The fastify fork parses with
// native Buffer search: 256 MiB took 48–94 ms here against 440 ms for busboy 1.6. Each `file` part is ingested as it
// arrives; `albumId` adds the files to an album; a `lastModified` field applies to the
// file part after it. POST /api/assets/check: which SHA-256 hashes are already stored.
// (Resumable uploads, in chunks: routes/resumable.ts.)
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { BusboyInstance } from '@fastify/busboy';
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { User } from '../db/schema.ts';
import { DiskFullError, FileTooLargeError, receiveFile, type ReceivedFile } from '../ingest/receive-file.ts';
import { ingestFile, type IngestResult } from '../ingest/ingest-file.ts';
import { albumExists, type EntryAttribution } from '../queries/albums.ts';
import { findExistingHashes } from '../queries/assets.ts';
import { isUploaderOfAlbum, type Db } from '../queries/users.ts';
import type { UploadRefusal, UploadReservation } from '../queries/upload-usage.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { cleanFilename, LAST_MODIFIED_LIMIT, placeUploads, REFUSED_BY_CAP } from '../ingest/upload-answer.ts';
import { httpError } from '../http/errors.tsx';
import { readJson, Uuid } from '../http/validate.ts';


const CheckInput = v.object({
  hashes: v.pipe(
    v.array(v.pipe(v.string(), v.regex(/^[0-9a-fA-F]{64}$/, 'each hash must be 64 hex characters')), 'hashes must be a list'),
    v.maxLength(10_000, 'at most 10000 hashes per call'),
  ),
});





/** The owner may upload anywhere (no album: the library); an uploader only into an album granted to them. */
export async function checkAlbumAccess(db: Db, user: User, albumId: string | undefined): Promise<void> {
  if (albumId === undefined) {
    if (user.role !== 'owner') throw httpError(403, 'uploaders must name an album they may upload into (albumId before the files)');
    return;
  }
  if (!v.is(Uuid, albumId) || !(await albumExists(db, albumId))) throw httpError(404, 'no such album');
  if (user.role !== 'owner' && !(await isUploaderOfAlbum(db, user.id, albumId))) throw httpError(403, 'you may not upload into this album');
}

/** Who is uploading, and what they may send: the owner's and uploaders' rules, or a guest link's. */
export interface UploadRules {
  uploadedBy: string | null;
  /** The owner: bytes in the trash come back into their albums (see ingestFile). */
  restoresFromTrash: boolean;
  /**
   * Runs once, as soon as the first file part (or an albumId field) arrives, with the fields
   * sent before it; throws to refuse the whole request (nothing of it is kept).
   */
  admit(fields: Record<string, string>): Promise<void>;
  /**
   * Guests' caps: a file is reserved (one file, and the bytes it may take) before its
   * bytes are read, and settled with what was stored (null: nothing, all of it back).
   */
  quota?: {
    reserve(): Promise<UploadReservation | UploadRefusal>;
    settle(r: UploadReservation, storedBytes: number | null): Promise<void>;
  };
}


interface ParsedUpload {
  names: string[];
  results: IngestResult[];
  /** The fields the request was admitted with (those sent before its first file). */
  fields: Record<string, string>;
  /** Set when a file passed the size limit, or the body broke: the rest of the body was not read. */
  cutShort: boolean;
  /** The body broke off after files were stored: what was wrong with it. */
  brokenBody?: string;
}

/**
 * A file stream given up on is destroyed with an error: destroyed without one after its
 * last bytes were parsed, a stream never reports the early close, and its receiver waits
 * forever.
 */
const abandon = (stream: Readable) => stream.destroy(new Error('the rest of this file was not read'));

export async function parseUpload(c: Context<AppEnv>, rules: UploadRules): Promise<ParsedUpload> {
  const { deps } = { deps: c.get('deps') };
  const incoming = (c.env as { incoming: IncomingMessage }).incoming;
  const contentType = incoming.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType)) throw httpError(415, 'send multipart/form-data with one or more parts named "file"');
  const { Busboy } = await import('@fastify/busboy'); // on first use: pages never need it

  return new Promise<ParsedUpload>((resolve, reject) => {
    let parser: BusboyInstance;
    try {
      parser = new Busboy({
        headers: incoming.headers as { 'content-type': string },
        limits: { fields: 200, fieldSize: 64 * 1024, files: 10_000, parts: 20_000 },
      });
    } catch (err) {
      return reject(httpError(400, `malformed multipart request: ${(err as Error).message}`));
    }
    const names: string[] = [];
    const pending: Promise<IngestResult>[] = [];
    const fields: Record<string, string> = {};
    let admittedFields: Record<string, string> = {};
    let admitted: Promise<void> | undefined;
    const admit = () => {
      if (!admitted) {
        admittedFields = { ...fields };
        admitted = rules.admit({ ...admittedFields });
        admitted.catch(() => {}); // observed where it is awaited
      }
      return admitted;
    };
    let lastModified: number | undefined;
    let finished = false;
    const openStreams = new Set<Readable>();
    // Files are received as they stream in, but ingested one after another, in order, so a
    // request that holds the same bytes twice answers "created" then "duplicate".
    let ingestChain: Promise<unknown> = Promise.resolve();
    const inTurn = <T,>(task: () => Promise<T>): Promise<T> => {
      const run = ingestChain.catch(() => {}).then(task);
      ingestChain = run;
      return run;
    };

    const finish = (cutShort: boolean) => {
      if (finished) return;
      finished = true;
      incoming.unpipe(parser);
      Promise.all(pending).then((results) => resolve({ names, results, fields: admittedFields, cutShort }), reject);
    };
    // A malformed body after some files were stored: they stay, and the answer lists them
    // (the broken file refused) with what was wrong; with nothing stored, a plain refusal.
    const breakOff = (err: Error) => {
      if (finished) return;
      finished = true;
      incoming.unpipe(parser);
      for (const s of openStreams) abandon(s);
      Promise.allSettled(pending).then((settled) => {
        const results = settled.map(
          (r, i): IngestResult => (r.status === 'fulfilled' ? r.value : { status: 'rejected', httpStatus: 422, error: `${names[i]}: the request body broke off in this file` }),
        );
        if (results.every((r) => r.status === 'rejected')) return reject(err);
        resolve({ names, results, fields: admittedFields, cutShort: true, brokenBody: err.message });
      });
    };
    const fail = (err: Error) => {
      if (finished) return;
      finished = true;
      incoming.unpipe(parser);
      for (const s of openStreams) abandon(s); // each has an error listener
      // Let every started file clean its temp file up before answering.
      Promise.allSettled(pending).then(() => reject(err));
    };

    parser.on('field', (name, value) => {
      if (name === 'lastModified') {
        const n = Number(value);
        // A client's hint: milliseconds since 1970, before the year 10000, or nothing.
        lastModified = Number.isFinite(n) && n > 0 && n < LAST_MODIFIED_LIMIT ? n : undefined;
      } else if (!(name in fields)) {
        fields[name] = value.trim();
        if (name === 'albumId') admit(); // check the album while the first file streams in
      }
    });

    parser.on('file', (field, stream, filename) => {
      if (field !== 'file' || finished) {
        stream.resume();
        return;
      }
      const name = cleanFilename(filename);
      const fileLastModified = lastModified;
      lastModified = undefined;
      names.push(name);
      openStreams.add(stream);
      stream.once('close', () => openStreams.delete(stream));
      // busboy may report a broken body on the file stream after our pipeline let go of it.
      stream.on('error', () => {});
      const started = performance.now();
      const receive = (maxBytes: number) => {
        const receiving = receiveFile(stream, deps.dataDir.tmp, { maxBytes });
        receiving.catch(() => {}); // observed below
        return receiving;
      };
      // The receiver is attached at once (a small part may be complete, or broken, already),
      // except a guest's file, reserved first: its stream waits, busboy holding the body.
      const reserving = rules.quota?.reserve();
      let receiving = reserving ? undefined : receive(deps.config.maxUploadBytes);
      const access = admit();
      const work = (async (): Promise<IngestResult> => {
        let reservation: UploadReservation | undefined;
        let stored: number | null = null;
        try {
          if (reserving) {
            const reserved = await reserving;
            if (typeof reserved === 'string') {
              stream.resume(); // read past it: the next file may still fit
              await access.catch((err) => {
                fail(err as Error);
                throw err;
              });
              return { status: 'rejected', httpStatus: reserved === 'file size' ? 413 : 429, error: `${name}: ${REFUSED_BY_CAP[reserved]}` };
            }
            reservation = reserved;
            if (stream.destroyed) throw new Error('the body broke off before this file');
            receiving = receive(Math.min(deps.config.maxUploadBytes, reservation.bytes));
          }
          receiving = receiving!;
          try {
            await access;
          } catch (err) {
            abandon(stream);
            const partial = await receiving.catch(() => undefined);
            if (partial) await unlink(partial.tmpPath).catch(() => {});
            fail(err as Error);
            throw err;
          }
          let received: ReceivedFile;
          try {
            received = await receiving;
          } catch (err) {
            // The rest of the body is not read: answer with what was received before.
            if (err instanceof FileTooLargeError || err instanceof DiskFullError) {
              finish(true);
              const why = err instanceof FileTooLargeError && reservation && err.limit === reservation.bytes && reservation.bytes < deps.config.maxUploadBytes ? `${REFUSED_BY_CAP.bytes} (${err.message})` : err.message;
              return { status: 'rejected', httpStatus: err instanceof DiskFullError ? 507 : 413, error: `${name}: ${why}` };
            }
            // Writing the temp file failed (EIO, EACCES...): the request ends here, with a 500.
            // A broken body or a client that went away is answered by the parser's handlers.
            if ((err as NodeJS.ErrnoException).syscall) fail(err as Error);
            throw err;
          }
          const receivedAt = performance.now();
          return await inTurn(async () => {
            const result = await ingestFile(received, {
              db: deps.database.db,
              dataRoot: deps.dataDir.root,
              config: deps.config,
              originalFilename: name,
              lastModified: fileLastModified,
              uploadedBy: rules.uploadedBy,
              restoresFromTrash: rules.restoresFromTrash,
            });
            if (result.status === 'created' && !result.restoredFromTrash) stored = received.size;
            const timings = { receiveMs: Math.round(receivedAt - started), ingestMs: Math.round(performance.now() - receivedAt) };
            deps.log.debug('upload file', { name, bytes: received.size, ...timings });
            return result;
          });
        } finally {
          if (reservation && rules.quota) await rules.quota.settle(reservation, stored).catch((err) => deps.log.error('upload quota not settled', { error: (err as Error).message }));
        }
      })();
      work.catch(() => {}); // handled through Promise.all / allSettled above
      pending.push(work);
    });

    parser.on('finish', () => finish(false));
    parser.on('error', (err: unknown) => breakOff(httpError(400, `malformed multipart request: ${(err as Error).message}`)));
    // Nobody is left to answer; not a failure of ours either.
    incoming.on('aborted', () => fail(httpError(400, 'the client disconnected during the upload')));
    incoming.on('error', (err) => fail(err));
    incoming.pipe(parser);
  });
}


/** Places what was stored (see placeUploads) and answers with one entry per file. */
export async function answerUpload(c: Context<AppEnv>, upload: ParsedUpload, albumId: string | undefined, addedBy?: Omit<EntryAttribution, 'entryNames'>) {
  if (!upload.results.length) throw httpError(400, 'no file parts: send the files as parts named "file"');
  const { assets, status } = await placeUploads(c.get('deps'), upload.names, upload.results, albumId, addedBy);
  if (upload.cutShort) c.header('Connection', 'close');
  if (upload.brokenBody) return c.json({ error: `${upload.brokenBody}; the files before it were stored`, assets }, status);
  return c.json({ assets }, status);
}

export const uploadRoutes = new Hono<AppEnv>()
  .post('/api/assets/upload', async (c) => {
    const user = currentUser(c);
    const owner = user.role === 'owner';
    const upload = await parseUpload(c, { uploadedBy: user.id, restoresFromTrash: owner, admit: (fields) => checkAlbumAccess(c.get('deps').database.db, user, fields.albumId) });
    return answerUpload(c, upload, upload.fields.albumId, owner ? undefined : { userId: user.id });
  })
  // Which of these hashes the caller already has: the owner, anything in the library; an
  // uploader, only what they can see (their uploads, the albums granted to them).
  .post('/api/assets/check', async (c) => {
    const { hashes } = await readJson(c, CheckInput);
    const user = currentUser(c);
    const found = await findExistingHashes(c.get('deps').database.db, hashes.map((h) => h.toLowerCase()), user.role === 'owner' ? undefined : user.id);
    return c.json({ existing: [...found].map(([hash, id]) => ({ hash, id })) });
  });
