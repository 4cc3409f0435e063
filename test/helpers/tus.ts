// tus 1.0 at the protocol level, for tests that need to control each request: create an
// upload, send a chunk, cut a chunk off part-way (the connection dropped), ask the offset.
import { request } from 'node:http';

export const TUS = { 'Tus-Resumable': '1.0.0' };

/** Upload-Metadata: comma-separated `key base64(value)`. */
export function tusMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

export interface TusClient {
  create(size: number, meta?: Record<string, string>, body?: Buffer): Promise<Response>;
  patch(location: string, offset: number, bytes: Buffer): Promise<Response>;
  head(location: string): Promise<Response>;
  remove(location: string): Promise<Response>;
  /**
   * Sends `bytes` as one chunk but stops after `sendBytes` of them and drops the connection;
   * resolves once the socket is gone. `chunked`: without a Content-Length, so even all the
   * bytes sent leave the request unfinished.
   */
  cut(location: string, offset: number, bytes: Buffer, sendBytes: number, options?: { chunked?: boolean; /** Cut only once this says the server has the bytes (else 200 ms after they were written). */ arrived?: () => boolean }): Promise<void>;
  /** Sends everything from the offset the server holds, in chunks; the last answer. */
  finish(location: string, file: Buffer, chunkBytes: number): Promise<Response>;
}

/** A tus client for `collection` (e.g. /api/uploads) of the server at `base`, sending `headers` with each request. */
export function tusClient(base: string, collection: string, headers: Record<string, string>): TusClient {
  const h = (extra: Record<string, string> = {}) => ({ ...TUS, ...headers, ...extra });
  const absolute = (location: string) => new URL(location, base).toString();
  const client: TusClient = {
    create: (size, meta = {}, body) =>
      fetch(base + collection, {
        method: 'POST',
        headers: h({ 'Upload-Length': String(size), 'Upload-Metadata': tusMetadata(meta), ...(body ? { 'Content-Type': 'application/offset+octet-stream' } : {}) }),
        body: body && new Uint8Array(body),
      }),
    patch: (location, offset, bytes) =>
      fetch(absolute(location), { method: 'PATCH', headers: h({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }), body: new Uint8Array(bytes) }),
    head: (location) => fetch(absolute(location), { method: 'HEAD', headers: h() }),
    remove: (location) => fetch(absolute(location), { method: 'DELETE', headers: h() }),
    cut: (location, offset, bytes, sendBytes, options = {}) =>
      new Promise<void>((resolve) => {
        const req = request(absolute(location), {
          method: 'PATCH',
          agent: false,
          headers: h({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', ...(options.chunked ? {} : { 'Content-Length': String(bytes.length) }) }),
        });
        req.on('error', () => {});
        req.on('close', () => resolve());
        req.write(bytes.subarray(0, sendBytes), async () => {
          // Let the bytes reach the server before the connection goes.
          await new Promise((r) => setTimeout(r, 200));
          for (const deadline = Date.now() + 20_000; options.arrived && !options.arrived() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
          req.destroy();
        });
      }),
    async finish(location, file, chunkBytes) {
      const head = await client.head(location);
      let offset = Number(head.headers.get('upload-offset'));
      for (;;) {
        const res = await client.patch(location, offset, file.subarray(offset, offset + chunkBytes));
        if (!res.ok) return res;
        offset = Number(res.headers.get('upload-offset'));
        if (offset >= file.length) return res;
        await res.arrayBuffer();
      }
    },
  };
  return client;
}
