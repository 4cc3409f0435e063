// Resumable uploads: tus 1.0 (creation, creation-with-upload, termination, expiration)
// through @tus/server, parts kept by @tus/file-store under DATA_DIR/tmp/tus/ (<id> holds
// the bytes received so far, <id>.json what the upload is: its size, its metadata, who
// made it). Same filesystem as originals/, so the finished part is renamed into place.
//
// The rules are those of POST /api/assets/upload, checked by an Uploader the route gives:
// at creation (the album, the guest's name, the size against MAX_UPLOAD_SIZE, the link's
// caps and the free disk), and again on every later request, which only the creator
// (the same user, token or link) may make: anyone else gets 404. A guest's share of the
// link's caps is reserved at creation and given back on termination, expiry or refusal.
// When the last byte arrives the part goes through ingestFile, exactly as a multipart
// file, and the answer is the upload API's {assets: [{id, status, …}]}.
import { statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Server, type Upload } from '@tus/server';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps } from '../http/env.ts';
import { formatBytes } from '../ingest/checksum.ts';
import { PartStore } from './part-store.ts';
import { ingestFile, type IngestResult } from '../ingest/ingest-file.ts';
import type { UploadReservation, UploadRefusal } from '../queries/upload-usage.ts';
import type { EntryAttribution } from '../queries/albums.ts';
import { cleanFilename, LAST_MODIFIED_LIMIT, placeUploads, REFUSED_BY_CAP } from '../ingest/upload-answer.ts';

/** Who is uploading through tus, and what they may do; built by the route for each request. */
export interface Uploader {
  /** Who made an upload ('user:<id>', 'token:<id>', 'link:<id>'): only they may go on with it. */
  creator: string;
  uploadedBy: string | null;
  /** The owner: bytes in the trash come back into their albums. */
  restoresFromTrash: boolean;
  /** At creation: checks what the client sent; returns what the server keeps (throws a refusal). */
  admit(metadata: Record<string, string>): Promise<Pick<KeptMetadata, 'albumId' | 'guestName' | 'linkId'>>;
  /** On every later request: the rights the upload was made with still hold (throws a refusal). */
  recheck(kept: KeptMetadata): Promise<void>;
  /** A guest's files and bytes, reserved at creation. */
  quota?: {
    reserve(size: number): Promise<UploadReservation | UploadRefusal>;
    settle(r: UploadReservation, storedBytes: number | null): Promise<void>;
  };
  /** Whose entry in the album a finished file is (guests and uploaders). */
  addedBy?(kept: KeptMetadata): Omit<EntryAttribution, 'entryNames'>;
}

/** What an upload's .json keeps: the client's file name and date, and the server's own keys. */
export interface KeptMetadata {
  filename: string;
  lastModified?: string;
  albumId?: string;
  guestName?: string;
  creator: string;
  /** A guest's reservation: the UTC day it counts on, and its bytes. */
  reservedDay?: string;
  reservedBytes?: string;
  linkId?: string;
}

/** Room left on the disk after an upload is admitted, for everything else that writes there. */
const DISK_MARGIN_BYTES = 64 * 1024 * 1024;
const ID = /^[0-9a-f]{32}$/;

interface RequestState {
  uploader: Uploader;
  /** Set at creation (the new upload's id and what was reserved), or on a later request (what the upload keeps). */
  id?: string;
  kept?: KeptMetadata;
  reservation?: UploadReservation;
}

/** A refusal in the shape @tus/server answers with: JSON, as every API error. */
const refusal = (status: number, error: string) => ({ status_code: status, body: `${JSON.stringify({ error })}\n` });
const notFound = () => refusal(404, 'no such upload (it finished, expired or was cancelled)');

function asRefusal(err: unknown) {
  if (err instanceof HTTPException) return refusal(err.status, err.message);
  return err;
}

export function reservationOf(kept: KeptMetadata): UploadReservation | undefined {
  if (!kept.reservedDay || kept.reservedBytes === undefined) return undefined;
  return { day: kept.reservedDay, bytes: Number(kept.reservedBytes) };
}

export class ResumableUploads {
  readonly directory: string;
  readonly store: PartStore;
  readonly server: Server;
  private readonly requests = new WeakMap<Request, RequestState>();

  constructor(
    private readonly deps: AppDeps,
    /** Releases a guest's reservation for an upload that ended without a file (expiry, startup sweep). */
    private readonly releaseReservation: (linkId: string, r: UploadReservation) => Promise<void>,
  ) {
    this.directory = join(deps.dataDir.tmp, 'tus');
    this.store = new PartStore({ directory: this.directory, expirationPeriodInMilliseconds: deps.config.uploadExpiryMs });
    this.server = new Server({
      path: '/api/uploads',
      datastore: this.store,
      relativeLocation: true,
      // Same origin only: no CORS headers for other sites' pages.
      allowedOrigins: () => false,
      // Our routes answer under two prefixes (/api/uploads, /api/share/<token>/uploads): the
      // new upload's URL is the collection it was posted to, plus its id.
      generateUrl: (req, { id }) => `${new URL(req.url).pathname.replace(/\/$/, '')}/${id}`,
      getFileIdFromRequest: (_req, lastPath) => (lastPath && ID.test(lastPath) ? lastPath : undefined),
      namingFunction: (req) => {
        const id = crypto.randomUUID().replaceAll('-', '');
        this.state(req).id = id;
        return id;
      },
      onIncomingRequest: (req, id) => this.checkCreator(req, id),
      onUploadCreate: (req, upload) => this.admit(req, upload),
      onUploadFinish: (req, upload) => this.finish(req, upload),
      onResponseError: (_req, err) => {
        if (err instanceof HTTPException) return refusal(err.status, err.message);
        if ('status_code' in err) return undefined; // a tus answer (409, 410, 460...): as it is (routes/resumable.ts makes it JSON)
        this.deps.log.error('resumable upload failed', { error: err.message });
        return refusal(500, `the upload failed on the server: ${err.message}`);
      },
    });
  }

  private state(req: Request): RequestState {
    const state = this.requests.get(req);
    if (!state) throw new Error('a tus request reached the store without an uploader');
    return state;
  }

  /** Answers one tus request (POST, HEAD, PATCH, DELETE) for this uploader. */
  async handle(req: Request, uploader: Uploader): Promise<Response> {
    const state: RequestState = { uploader };
    this.requests.set(req, state);
    const response = await this.server.handleWeb(req);
    // Given back: a reservation whose upload was never made (the store failed), and one
    // whose upload the creator cancelled.
    if (state.reservation && state.id && req.method === 'POST' && response.status >= 400 && !(await this.store.configstore.get(state.id))) {
      await this.settle(state, state.reservation, null);
    }
    if (req.method === 'DELETE' && response.status === 204 && state.kept) {
      const r = reservationOf(state.kept);
      if (r) await this.settle(state, r, null);
    }
    return response;
  }

  private async settle(state: RequestState, r: UploadReservation, stored: number | null) {
    await state.uploader.quota?.settle(r, stored).catch((err: Error) => this.deps.log.error('upload quota not settled', { error: err.message }));
  }

  private async checkCreator(req: Request, id: string): Promise<void> {
    if (req.method === 'POST') return;
    const state = this.state(req);
    const info = (await this.store.configstore.get(id)) as { metadata?: KeptMetadata } | undefined;
    if (!info?.metadata || info.metadata.creator !== state.uploader.creator) throw notFound();
    state.kept = info.metadata;
    await state.uploader.recheck(info.metadata).catch((err) => {
      throw asRefusal(err);
    });
  }

  private async admit(req: Request, upload: Upload): Promise<{ metadata: Upload['metadata'] }> {
    const state = this.state(req);
    const { uploader } = state;
    const size = upload.size;
    if (size === undefined) throw refusal(400, 'send Upload-Length: the size must be known when the upload starts');
    const sent = Object.fromEntries(Object.entries(upload.metadata ?? {}).map(([k, v]) => [k, v ?? '']));
    const filename = cleanFilename(sent.filename || sent.name);
    if (size > this.deps.config.maxUploadBytes) throw refusal(413, `${filename}: the file is larger than the ${formatBytes(this.deps.config.maxUploadBytes)} limit`);
    const admitted = await uploader.admit(sent).catch((err) => {
      throw asRefusal(err);
    });
    const free = await freeBytes(this.directory);
    if (free !== undefined && size + DISK_MARGIN_BYTES > free) throw refusal(507, `${filename}: the server's disk has ${formatBytes(free)} free, not enough for this file`);
    const kept: KeptMetadata = { filename, creator: uploader.creator, ...admitted };
    const lastModified = Number(sent.lastModified);
    if (Number.isFinite(lastModified) && lastModified > 0 && lastModified < LAST_MODIFIED_LIMIT) kept.lastModified = String(lastModified);
    if (uploader.quota) {
      const reserved = await uploader.quota.reserve(size);
      if (typeof reserved === 'string') throw refusal(reserved === 'file size' ? 413 : 429, `${filename}: ${REFUSED_BY_CAP[reserved]}`);
      state.reservation = reserved;
      kept.reservedDay = reserved.day;
      kept.reservedBytes = String(reserved.bytes);
    }
    return { metadata: kept as unknown as Upload['metadata'] };
  }

  /** The last byte arrived: the part goes through the upload API's ingest, and is gone from tmp/tus/ either way. */
  private async finish(req: Request, upload: Upload) {
    const state = this.state(req);
    const { uploader } = state;
    const kept = upload.metadata as unknown as KeptMetadata;
    const partPath = this.store.partPath(upload.id);
    const reservation = reservationOf(kept);
    let stored: number | null = null;
    let result: IngestResult;
    try {
      const sums = await this.store.finished(upload.id, upload.size!);
      result = await ingestFile(
        { tmpPath: partPath, ...sums },
        {
          db: this.deps.database.db,
          dataRoot: this.deps.dataDir.root,
          config: this.deps.config,
          originalFilename: kept.filename,
          lastModified: kept.lastModified === undefined ? undefined : Number(kept.lastModified),
          uploadedBy: uploader.uploadedBy,
          restoresFromTrash: uploader.restoresFromTrash,
        },
      );
      if (result.status === 'created' && !result.restoredFromTrash) stored = sums.size;
    } catch (err) {
      // Nothing half-done is kept: the client starts this file again.
      await unlink(partPath).catch(() => {});
      throw err;
    } finally {
      // The record's removal decides who gives the reservation back (expiry may have raced us).
      const ownsRecord = await this.store.configstore.delete(upload.id).then(() => true, () => false);
      // The upload is gone now. Without a creation date @tus/server does not look it up
      // again (for an Upload-Expires header), which would answer 404 to a finished upload.
      upload.creation_date = undefined;
      if (reservation && ownsRecord) await this.settle(state, reservation, stored);
    }
    const { assets, status } = await placeUploads(this.deps, [kept.filename], [result], kept.albumId, uploader.addedBy?.(kept));
    // A creation that carried the whole file answers 201 (tus clients need its Location).
    const code = req.method === 'POST' && status < 300 ? 201 : status;
    return { status_code: code, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ assets }) };
  }

  /** Ends uploads left unfinished past UPLOAD_EXPIRY: their bytes go, and a guest's reservation comes back. */
  async expire(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const id of await this.store.configstore.list!().catch(() => [] as string[])) {
      const info = (await this.store.configstore.get(id)) as { creation_date?: string; metadata?: KeptMetadata } | undefined;
      if (!info?.creation_date || now - new Date(info.creation_date).getTime() <= this.deps.config.uploadExpiryMs) continue;
      // Whoever removes an upload's record gives its reservation back: fsck --repair, a DELETE
      // or the finish may have just done so.
      if (!(await this.store.discard(id))) continue;
      const r = info.metadata && reservationOf(info.metadata);
      if (r && info.metadata?.linkId) await this.releaseReservation(info.metadata.linkId, r).catch((err: Error) => this.deps.log.error('upload quota not settled', { error: err.message }));
      removed++;
    }
    if (removed) this.deps.log.info('expired unfinished uploads', { uploads: removed });
    return removed;
  }

  /** Runs expire() every so often (a quarter of UPLOAD_EXPIRY, at most hourly); returns a stop function. */
  startExpiry(): () => void {
    const every = Math.min(3600_000, Math.max(250, this.deps.config.uploadExpiryMs / 4));
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.expire()
        .catch((err: Error) => this.deps.log.error('expiring uploads failed', { error: err.message }))
        .finally(() => (running = false));
    }, every);
    timer.unref();
    return () => clearInterval(timer);
  }
}

async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

