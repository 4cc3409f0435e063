// Answers a ZIP download: exact Content-Length before the first byte, a strong ETag over
// every input to the bytes, Range and If-Range so an interrupted download resumes (a
// changed album gives a new ETag, and the resume becomes a full 200), HEAD, and the body
// streamed from the layout, reading only what the range covers. Under the Node server the
// body is written straight onto the socket (writeZip: read buffers reused, no web stream
// between), the head carrying the headers the middleware would have added.
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { isHttps } from '../http/client-ip.ts';
import { contentDisposition, conditionalRange } from '../http/send-file.ts';
import { securityHeaderValues } from '../http/security-headers.ts';
import type { ZipLayout } from '../zip/zip-layout.ts';
import { writeZip, zipResponseBody, type ZipFileSource, type ZipStreamHooks } from '../zip/zip-stream.ts';
import { countDownloadBytes } from '../metrics/counters.ts';

export interface SendZipOptions<T extends ZipFileSource> {
  /** The downloaded file's name, e.g. 'Holiday.zip'. */
  filename: string;
  /** For HEAD: what a GET of the same span would be refused for (a limit), thrown; takes nothing. */
  probe?: (span: { start: number; end: number; size: number }) => void;
  /**
   * Called once the span to send is known and before any byte goes out (not for HEAD, 304
   * or 416): may refuse by throwing (a limit), and returns the stream's hooks.
   */
  starting?: (span: { start: number; end: number; size: number }) => ZipStreamHooks<T> | Promise<ZipStreamHooks<T>>;
}

export async function sendZip<T extends ZipFileSource>(c: Context, layout: ZipLayout<T>, o: SendZipOptions<T>): Promise<Response> {
  const etag = `"${layout.etag}"`;
  const headers: Record<string, string> = {
    'Content-Type': 'application/zip',
    'Content-Disposition': contentDisposition('attachment', o.filename),
    ETag: etag,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, no-cache',
  };
  const span = conditionalRange(c, layout.size, etag, headers);
  if (span instanceof Response) return span;
  if (c.req.method === 'HEAD') {
    o.probe?.({ start: span.start, end: span.end, size: layout.size });
    return new Response(null, { status: span.status, headers });
  }
  const hooks = (await o.starting?.({ start: span.start, end: span.end, size: layout.size })) ?? {};
  countDownloadBytes('zip', span.end - span.start + 1);
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing) {
    return new Response(zipResponseBody(layout, span.start, span.end, { ...hooks, abort: () => {} }), { status: span.status, headers });
  }
  // What the context already holds (a refreshed session cookie), the security headers, ours.
  const head: Record<string, string | string[]> = {};
  for (const [name, value] of c.res.headers) head[name] = name === 'set-cookie' ? c.res.headers.getSetCookie() : value;
  Object.assign(head, securityHeaderValues(isHttps(c)), headers);
  outgoing.writeHead(span.status, head);
  void writeZip(outgoing, layout, span.start, span.end, hooks);
  // Tells the Node adapter the answer is under way (the header of its RESPONSE_ALREADY_SENT),
  // with the real status for the request log.
  return new Response(null, { status: span.status, headers: RESPONSE_ALREADY_SENT.headers });
}
