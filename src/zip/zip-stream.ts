// Streams the bytes [start, end] of a laid-out ZIP (zip-layout.ts): generated headers as
// they are, entry data read from each entry's file in 1 MiB pieces, only the spans the
// range covers. Pull-based, so memory stays at a piece or two whatever the size; a
// cancelled stream (the client went away) closes its file and reads nothing more.
//   writeZip(res, layout, start, end, hooks)     onto a Node response (the server's way)
//   zipResponseBody(layout, start, end, hooks)   as a web stream (elsewhere, e.g. tests)
//   zipChunks(layout, start, end, hooks)         the chunks themselves
import type { ServerResponse } from 'node:http';
import { open, type FileHandle } from 'node:fs/promises';
import type { LaidOutEntry, ZipLayout } from './zip-layout.ts';

const READ_BYTES = 1024 * 1024;

/**
 * A few read buffers used over and over. A fresh 1 MiB buffer a read made V8 collect its
 * whole heap some 65 times per 2 GB sent ("external memory pressure"), which took more
 * time than sending the bytes (bench/RESULTS.md, session 9). A buffer is given back once
 * the socket is done with it (its write callback).
 */
export class ReadBuffers {
  private readonly free: Buffer[] = [];
  private readonly all = new Set<ArrayBufferLike>();
  private readonly waiting: ((b: Buffer) => void)[] = [];

  constructor(count: number, size = READ_BYTES) {
    for (let i = 0; i < count; i++) {
      const b = Buffer.allocUnsafeSlow(size);
      this.free.push(b);
      this.all.add(b.buffer);
    }
  }

  take(): Buffer | Promise<Buffer> {
    return this.free.pop() ?? new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives back the buffer a chunk is a view of; a chunk of no buffer of ours is ignored. */
  release(chunk: Uint8Array): void {
    if (!this.all.has(chunk.buffer)) return;
    const whole = Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength);
    const next = this.waiting.shift();
    if (next) next(whole);
    else this.free.push(whole);
  }
}

export interface ZipFileSource {
  /** Absolute path of the entry's bytes. */
  path: string;
  /** Applied to each piece read (e.g. location blanking); `at` is the piece's offset in the file. */
  transform?: (bytes: Buffer, at: number) => Buffer;
}

export interface ZipStreamHooks<T> {
  /** Runs before an entry's first byte is read; throwing ends the stream (e.g. the link was revoked). */
  beforeEntry?: (entry: LaidOutEntry<T>) => Promise<void> | void;
  /** Told once, when the stream has ended, failed (`error`) or the client went away (`clientGone`). */
  done?: (outcome: ZipOutcome) => void;
}

export interface ZipOutcome {
  sent: number;
  error?: unknown;
  clientGone?: boolean;
}

/** The chunks of [start, end]; with `buffers`, data chunks are views of those (give each back). */
export async function* zipChunks<T extends ZipFileSource>(
  layout: ZipLayout<T>,
  start: number,
  end: number,
  hooks: ZipStreamHooks<T> = {},
  buffers?: ReadBuffers,
): AsyncGenerator<Buffer> {
  let entry: LaidOutEntry<T> | undefined;
  let file: FileHandle | undefined;
  try {
    for (const piece of layout.pieces(start, end)) {
      if (piece.entry && piece.entry !== entry) {
        await file?.close();
        file = undefined;
        entry = piece.entry;
        await hooks.beforeEntry?.(entry);
      }
      if (piece.bytes) {
        if (piece.bytes.length) yield piece.bytes;
        continue;
      }
      file ??= await openEntry(piece.entry);
      yield* readSpan(file, piece.entry, piece.from, piece.to, buffers);
    }
  } finally {
    await file?.close().catch(() => {});
  }
}

/** An entry's file is missing, or not the size the layout was made with. */
export class ZipSourceError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

async function openEntry(entry: LaidOutEntry<ZipFileSource>): Promise<FileHandle> {
  const { path } = entry.input.source;
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new ZipSourceError(path, (err as Error).message);
  }
  try {
    const { size } = await file.stat();
    if (size !== entry.input.size) throw new ZipSourceError(path, `holds ${size} bytes, not the ${entry.input.size} recorded`);
    return file;
  } catch (err) {
    await file.close();
    throw err;
  }
}

async function* readSpan(file: FileHandle, entry: LaidOutEntry<ZipFileSource>, from: number, to: number, buffers?: ReadBuffers): AsyncGenerator<Buffer> {
  const transform = entry.input.source.transform;
  for (let at = from; at < to; ) {
    const length = Math.min(READ_BYTES, to - at);
    const bytes = buffers ? (await buffers.take()).subarray(0, length) : Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await file.read(bytes, filled, length - filled, at + filled);
      if (bytesRead === 0) throw new ZipSourceError(entry.input.source.path, 'ended early');
      filled += bytesRead;
    }
    yield transform ? transform(bytes, at) : bytes;
    at += length;
  }
}

/**
 * The chunks as a web stream for a Response body. A failure part way (a file gone, the
 * link turned off) calls `abort`, which must cut the connection: the client then sees a
 * download shorter than its Content-Length, which it knows to resume. The stream itself is
 * never errored, because @hono/node-server answers an errored body by writing its message
 * into the response, which would put foreign bytes inside the ZIP a client resumes.
 */
export function zipResponseBody<T extends ZipFileSource>(
  layout: ZipLayout<T>,
  start: number,
  end: number,
  hooks: ZipStreamHooks<T> & { abort: (error: unknown) => void },
): ReadableStream<Uint8Array> {
  const chunks = zipChunks(layout, start, end, hooks);
  let sent = 0;
  let finished = false;
  const finish = (outcome: Omit<ZipOutcome, 'sent'> = {}) => {
    if (finished) return;
    finished = true;
    hooks.done?.({ sent, ...outcome });
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) {
            controller.close();
            finish();
            return;
          }
          sent += next.value.length;
          controller.enqueue(next.value);
        } catch (err) {
          finish({ error: err });
          hooks.abort(err);
          controller.close();
        }
      },
      async cancel() {
        finish({ clientGone: true });
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 }, // one chunk read ahead while the last is written
  );
}

/**
 * Writes the bytes [start, end] onto a Node response whose head the caller has written,
 * reusing a few read buffers (ReadBuffers). Resolves when done; a failure part way
 * destroys the connection (the client sees a short download, which it knows to resume),
 * and a client that goes away stops all reading.
 */
export async function writeZip<T extends ZipFileSource>(res: ServerResponse, layout: ZipLayout<T>, start: number, end: number, hooks: ZipStreamHooks<T> = {}): Promise<void> {
  const buffers = new ReadBuffers(4);
  let sent = 0;
  let clientGone = false;
  const gone = new Promise<void>((resolve) => res.once('close', () => ((clientGone = !res.writableFinished), resolve())));
  try {
    for await (const chunk of zipChunks(layout, start, end, hooks, buffers)) {
      if (res.destroyed) break;
      sent += chunk.length;
      const more = res.write(chunk, () => buffers.release(chunk));
      if (!more) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), gone]);
      if (res.destroyed) break;
    }
    if (res.destroyed) hooks.done?.({ sent, clientGone: true });
    else {
      res.end();
      hooks.done?.({ sent, ...(clientGone ? { clientGone } : {}) });
    }
  } catch (err) {
    res.destroy();
    hooks.done?.({ sent, error: err });
  }
}
