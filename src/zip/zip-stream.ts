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
  /** Told once, when the stream has ended, failed or been cancelled; `error` when it did not finish. */
  done?: (outcome: { sent: number; error?: unknown }) => void;
}

export async function* zipChunks<T extends ZipFileSource>(layout: ZipLayout<T>, start: number, end: number, hooks: ZipStreamHooks<T> = {}): AsyncGenerator<Buffer> {
  let current: { entry: LaidOutEntry<T>; file: FileHandle } | undefined;
  try {
    for (const piece of layout.pieces(start, end)) {
      if ('bytes' in piece) {
        if (piece.bytes.length) yield piece.bytes;
        continue;
      }
      if (current?.entry !== piece.entry) {
        await current?.file.close();
        current = undefined;
        await hooks.beforeEntry?.(piece.entry);
        current = { entry: piece.entry, file: await openEntry(piece.entry) };
      }
      yield* readSpan(current.file, piece.entry, piece.from, piece.to);
    }
  } finally {
    await current?.file.close().catch(() => {});
  }
}

async function openEntry(entry: LaidOutEntry<ZipFileSource>): Promise<FileHandle> {
  const file = await open(entry.input.source.path, 'r');
  const { size } = await file.stat();
  if (size !== entry.input.size) {
    await file.close();
    throw new Error(`${entry.input.source.path} holds ${size} bytes, not the ${entry.input.size} recorded`);
  }
  return file;
}

async function* readSpan(file: FileHandle, entry: LaidOutEntry<ZipFileSource>, from: number, to: number): AsyncGenerator<Buffer> {
  const transform = entry.input.source.transform;
  for (let at = from; at < to; ) {
    const length = Math.min(READ_BYTES, to - at);
    const bytes = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await file.read(bytes, filled, length - filled, at + filled);
      if (bytesRead === 0) throw new Error(`${entry.input.source.path} ended early`);
      filled += bytesRead;
    }
    yield transform ? transform(bytes, at) : bytes;
    at += length;
  }
}

/** The chunks as a web stream for a Response body. */
export function zipResponseBody<T extends ZipFileSource>(layout: ZipLayout<T>, start: number, end: number, hooks: ZipStreamHooks<T> = {}): ReadableStream<Uint8Array> {
  const chunks = zipChunks(layout, start, end, hooks);
  let sent = 0;
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    hooks.done?.({ sent, ...(error !== undefined ? { error } : {}) });
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
          controller.error(err);
          finish(err);
        }
      },
      async cancel(reason) {
        finish(reason ?? new Error('cancelled'));
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
