// JSON calls to a test server as a browser of our own origin would make them, and the
// check of their answers that most API tests repeat.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect } from 'vitest';
import type { TestServer } from './server.ts';

/** `api(method, path, body?, headers?)`: JSON in, our Origin, the session cookie `cookie()` unless headers say otherwise. */
export function jsonCaller(server: () => TestServer, cookie: () => string) {
  return (method: string, path: string, body?: unknown, headers: Record<string, string> = { cookie: cookie() }) => {
    const h: Record<string, string> = { origin: server().url, ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    return server().fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  };
}

/** The body parsed, after checking the status (the body is the message when it is not). */
export async function expectJson(res: Response, status: number) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return text ? JSON.parse(text) : undefined;
}

/** Uploads files from disk into an album in one request (201 expected): their new ids by file name. */
export async function uploadFiles(server: TestServer, headers: Record<string, string>, albumId: string | undefined, paths: string[]): Promise<Map<string, string>> {
  const form = new FormData();
  if (albumId) form.set('albumId', albumId);
  for (const p of paths) form.append('file', new Blob([new Uint8Array(readFileSync(p))]), basename(p));
  const res = await server.fetch('/api/assets/upload', { method: 'POST', headers, body: form });
  const body = await expectJson(res, 201);
  return new Map(paths.map((p, i) => [basename(p), body.assets[i].id as string]));
}
