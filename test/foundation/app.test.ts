import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe.each(backends())('app on %s', (backend) => {
  let server: TestServer;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer({ backend });
    cookie = await sessionCookie(server.database.db, await newUser(server.database.db));
  });
  afterAll(() => server.close());

  it('GET /healthz answers 200 with db and storage state', async () => {
    const res = await server.fetch('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, db: true, storage: true, version: '0.1.0', backend });
  });

  it('unknown /api route → 404 JSON', async () => {
    const res = await server.fetch('/api/no-such-route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ error: 'not found' });
  });

  it('unknown page → 404 HTML page in the shared layout', async () => {
    const res = await server.fetch('/no/such/page', { headers: { cookie } });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('This page does not exist.');
    expect(html).toMatch(/<link rel="stylesheet" href="\/static\/css\/app\.[0-9a-f]{10}\.css"/);
  });

  it('serves fingerprinted CSS for a year, compressed', async () => {
    const html = await (await server.fetch('/no/such/page', { headers: { cookie } })).text();
    const href = /href="(\/static\/css\/app\.[0-9a-f]{10}\.css)"/.exec(html)![1]!;
    const res = await server.fetch(href, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await res.text()).toContain('--accent');
    const etag = res.headers.get('etag')!;
    const again = await server.fetch(href, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const stale = await server.fetch('/static/css/app.0000000000.css');
    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('serves vendored browser libraries from node_modules', async () => {
    const res = await server.fetch('/static/vendor/htmx.min.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
  });
});

describe.each(backends())('app on %s when the database is gone', (backend) => {
  it('GET /healthz answers 503, pages a friendly 500 and the API JSON, without a stack', async () => {
    const server = await startTestServer({ backend });
    try {
      await server.database.close();
      const res = await server.fetch('/healthz');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, db: false, storage: true });
    } finally {
      await server.close().catch(() => {});
    }
  });
});
