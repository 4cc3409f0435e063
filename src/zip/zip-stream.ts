// Streams the bytes [start, end] of a laid-out ZIP (zip-layout.ts): generated headers as
// they are, entry data read from each entry's file in 1 MiB pieces, only the spans the
// range covers. Pull-based, so memory stays at a piece or two whatever the size; a
// cancelled stream (the client went away) closes its file and reads nothing more.
import { open, type FileHandle } from 'node:fs/promises';
import type { LaidOutEntry, ZipLayout } from './zip-layout.ts';

const READ_BYTES = 1024 * 1024;

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

export async function* zipChunks<T extends ZipFileSource>(layout: ZipLayout<T>, start: number, end: number, hooks: ZipStreamHooks<T> = {}): AsyncGenerator<Buffer> {
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
      yield* readSpan(file, piece.entry, piece.from, piece.to);
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

async function* readSpan(file: FileHandle, entry: LaidOutEntry<ZipFileSource>, from: number, to: number): AsyncGenerator<Buffer> {
  const transform = entry.input.source.transform;
  for (let at = from; at < to; ) {
    const length = Math.min(READ_BYTES, to - at);
    const bytes = Buffer.allocUnsafe(length);
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
