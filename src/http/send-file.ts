// Sends a file from disk with what browsers and download managers need: a strong ETag
// (304 on If-None-Match), byte ranges (206, with If-Range), HEAD, and the caller's cache
// policy and file name (RFC 5987 encoded). Large bodies stream; a small file (a thumbnail)
// is read in one piece, which the Node adapter writes out at once (a web stream per
// thumbnail cost several times the read).
import { createReadStream } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { safeFileName } from '../zip/zip-names.ts';
import { httpError } from './errors.tsx';
import type { FileMemo } from './file-memo.ts';
import { countDownloadBytes } from '../metrics/counters.ts';

export interface SendFileOptions {
  contentType: string;
  /** A stable tag for these bytes (e.g. the SHA-256); quoted here. */
  etag: string;
  cacheControl: string;
  /** Set for downloads: Content-Disposition: attachment with this name. */
  downloadName?: string;
  /** The bytes to send for a range, when they are not the file's own (e.g. location blanked). */
  open?: (start: number, end: number) => Readable;
  /** MEDIA_ACCEL=nginx: the internal URI nginx sends the file from; no byte passes through here. */
  accelRedirect?: string;
  /** Keeps small files' bytes in memory: for files whose path names their content. */
  memo?: FileMemo;
  /** The request headers the choice of file depended on. */
  vary?: string;
  /** Only these bytes of the file, as a body of their own (a motion photo's clip); `open` then gets positions within them. */
  slice?: { offset: number; length: number };
}

/** RFC 6266: an ASCII fallback and the UTF-8 name; the name made safe as inside a ZIP (no separators, controls or bidi overrides). */
export function contentDisposition(kind: 'attachment' | 'inline', raw: string): string {
  const name = safeFileName(raw);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Parses a single `bytes=a-b` range against `size`; undefined when absent, 'invalid' when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // multi-range or junk: send it all
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

const READ_WHOLE_BYTES = 256 * 1024;

/** What is known of a file before its bytes are sent: its size and date, and the bytes themselves when small. */
interface FileInfo {
  size: number;
  mtime: Date;
  whole?: Buffer;
}

export async function sendFile(c: Context, path: string, options: SendFileOptions): Promise<Response> {
  const kept = options.memo?.get(path);
  if (kept) return answer(c, path, kept, options);
  const file = await openFile(path).catch(() => undefined);
  if (!file) throw httpError(404, 'file not found');
  try {
    const info = await file.stat();
    if (!info.isFile()) throw httpError(404, 'file not found');
    if (options.slice && options.slice.offset + options.slice.length > info.size) throw httpError(404, 'file not found');
    const small = !options.open && !options.accelRedirect && !options.slice && info.size <= READ_WHOLE_BYTES;
    const whole = small ? await readWhole(file, info.size) : undefined;
    const found: FileInfo = { size: options.slice?.length ?? info.size, mtime: info.mtime, whole };
    if (whole) options.memo?.keep(path, { size: info.size, mtime: info.mtime, whole });
    return answer(c, path, found, options);
  } finally {
    await file.close();
  }
}

async function readWhole(file: FileHandle, size: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(size);
  const { bytesRead } = await file.read(bytes, 0, size, 0);
  if (bytesRead !== size) throw httpError(500, 'the file changed while it was read');
  return bytes;
}

/**
 * What to send of a body of `size` bytes tagged `etag` (quoted), from the request's
 * If-None-Match, Range and If-Range: a 304 or 416 answer, or the span and status to send.
 * Sets Content-Length (and Content-Range) in `headers`.
 */
export function conditionalRange(
  c: Context,
  size: number,
  etag: string,
  headers: Record<string, string>,
): Response | { start: number; end: number; status: 200 | 206 } {
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    return new Response(null, { status: 304, headers });
  }
  const ifRange = c.req.header('if-range');
  let range = parseRange(c.req.header('range'), size);
  if (range && ifRange && ifRange !== etag) range = undefined; // the bytes changed: send them whole
  if (range === 'invalid') {
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  return { start, end, status: range ? 206 : 200 };
}

function answer(c: Context, path: string, info: FileInfo, options: SendFileOptions): Response {
  const etag = `"${options.etag}"`;
  const headers: Record<string, string> = {
    'Content-Type': options.contentType,
    ETag: etag,
    'Cache-Control': options.cacheControl,
    'Accept-Ranges': 'bytes',
    'Last-Modified': info.mtime.toUTCString(),
  };
  if (options.vary) headers.Vary = options.vary;
  if (options.downloadName) headers['Content-Disposition'] = contentDisposition('attachment', options.downloadName);
  if (options.accelRedirect) {
    // nginx answers conditionals and ranges itself, from the file, with these headers.
    delete headers['Accept-Ranges'];
    delete headers['Last-Modified'];
    delete headers.ETag;
    // An empty body said as such: only then does nginx keep its connection to the app for
    // the next request (Node would otherwise send chunked, an end nginx never reads here).
    return new Response(null, { status: 200, headers: { ...headers, 'Content-Length': '0', 'X-Accel-Redirect': options.accelRedirect } });
  }
  const span = conditionalRange(c, info.size, etag, headers);
  if (span instanceof Response) return span;
  const { start, end, status } = span;
  if (c.req.method === 'HEAD' || info.size === 0) return new Response(null, { status, headers });
  countDownloadBytes('file', end - start + 1);
  if (info.whole) return new Response(info.whole.subarray(start, end + 1) as Uint8Array<ArrayBuffer>, { status, headers });
  const at = options.slice?.offset ?? 0;
  const stream = options.open ? options.open(start, end) : createReadStream(path, { start: at + start, end: at + end, highWaterMark: 256 * 1024 });
  const body = Readable.toWeb(stream) as ReadableStream;
  return new Response(body, { status, headers });
}
