// GET /metrics: off by default; with METRICS=on answered in the Prometheus text format to a
// loopback peer that came through no proxy and to a token with the `metrics` scope, refused to
// anyone else (a request from the machine's own non-loopback address, one with
// X-Forwarded-For, an `api`-only token). The counters move with uploads and downloads.
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: no type declarations
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createApiToken } from '../../src/auth/api-tokens.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { uploadFiles } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}

/** The machine's own address on its network: a peer that is not loopback. */
function outsideAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!found) throw new Error('this test needs a non-loopback IPv4 address on some interface (none found)');
  return found.address;
}

describe.skipIf(!HAS_FIXTURES)('/metrics', () => {
  let server: TestServer;
  let off: TestServer;
  let metricsToken: string;
  let apiToken: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite', hostname: '0.0.0.0', config: { metrics: true } });
    off = await startTestServer({ backend: 'pglite' });
    const owner = await newUser(server.database.db, { role: 'owner' });
    metricsToken = (await createApiToken(server.database.db, owner.id, 'prometheus', ['metrics'])).token;
    apiToken = (await createApiToken(server.database.db, owner.id, 'script')).token;
    headers = { cookie: await sessionCookie(server.database.db, owner), origin: server.url };
    const album = await newAlbum(server.database.db, owner.id, { title: 'Metrics' });
    await uploadFiles(server, headers, album.id, [fixture('jpeg/orientation/landscape_1.jpg')]);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await off?.close();
  });

  it('is not there unless METRICS=on', async () => {
    expect((await off.fetch('/metrics')).status).toBe(404);
  });

  it('refuses anonymous requests from a non-loopback address and through a proxy', async () => {
    const port = new URL(server.url).port;
    const outside = await fetch(`http://${outsideAddress()}:${port}/metrics`, { redirect: 'manual' });
    expect(outside.status).toBe(401);
    expect(await outside.text()).not.toContain('shoebox_');
    const proxied = await server.fetch('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(401);
    const wrongScope = await fetch(`http://${outsideAddress()}:${port}/metrics`, { headers: { authorization: `Bearer ${apiToken}` }, redirect: 'manual' });
    expect(wrongScope.status, await wrongScope.clone().text()).toBe(403);
    const withToken = await fetch(`http://${outsideAddress()}:${port}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` }, redirect: 'manual' });
    expect(withToken.status).toBe(200);
    expect(await withToken.text()).toContain('# TYPE shoebox_http_requests_total counter');
    // A metrics token is for /metrics only.
    const elsewhere = await fetch(`http://${outsideAddress()}:${port}/api/albums`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(elsewhere.status).toBe(403);
  });

  it('answers a loopback peer in the Prometheus text format, with what it counts', async () => {
    const original = await server.fetch(`/api/assets/${(await server.database.db.selectFrom('assets').select('id').executeTakeFirstOrThrow()).id}/download`, { headers });
    expect(original.status).toBe(200);
    await original.arrayBuffer();
    const res = await server.fetch('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await res.text()) as Family[];
    const byName = new Map(families.map((f) => [f.name, f]));
    const value = (name: string, labels: Record<string, string> = {}) =>
      Number(byName.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);

    expect(byName.get('shoebox_http_requests_total')?.type).toBe('COUNTER');
    expect(value('shoebox_http_requests_total', { group: 'upload', method: 'POST', status: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(byName.get('shoebox_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const size = readFileSync(fixture('jpeg/orientation/landscape_1.jpg')).length;
    expect(value('shoebox_upload_bytes_total')).toBeGreaterThanOrEqual(size);
    expect(value('shoebox_download_bytes_total', { kind: 'file' })).toBeGreaterThanOrEqual(size);
    expect(value('shoebox_zips_running')).toBe(0);
    expect(value('shoebox_jobs', { kind: 'derive', status: 'queued' })).toBeGreaterThanOrEqual(0);
    expect(byName.get('shoebox_jobs')?.metrics.map((m) => m.labels?.kind)).toEqual(expect.arrayContaining(['derive', 'transcode', 'scrub']));
    expect(value('shoebox_originals')).toBe(1);
    expect(value('shoebox_originals_bytes')).toBe(size);
    expect(value('shoebox_scrub_checked_originals')).toBe(0);
    expect(value('shoebox_scrub_problems')).toBe(0);
    expect(byName.get('shoebox_process_resident_memory_bytes')?.type).toBe('GAUGE');
  });
});
