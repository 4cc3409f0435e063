// Faults of what the server stands on, against the real server process: its Postgres
// stopped in the middle of a run (clear 503s, the process stays up, and it serves again by
// itself once Postgres is back), and no ffmpeg on the machine (videos still upload, play
// and get a poster).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresBin, startCluster, type Cluster } from '../helpers/postgres-cluster.ts';
import { seededDataDir, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.ts';
import { fixture } from '../media/fixtures.ts';

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const OWNER = { email: 'faults@example.com', password: 'a long enough password' };

async function setUp(url: string) {
  const setup = await fetch(`${url}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OWNER) });
  expect(setup.status).toBe(201);
  const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
  const json = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { cookie, origin: url, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { token } = (await (await json('/api/tokens', { name: 'faults' })).json()) as { token: string };
  const { album } = (await (await json('/api/albums', { title: 'Outage' })).json()) as { album: { id: string } };
  const { link } = (await (await json(`/api/albums/${album.id}/share`, {})).json()) as { link: { token: string } };
  return { cookie, token, albumId: album.id, linkToken: link.token };
}

function uploadForm(path: string, name: string): FormData {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(readFileSync(path))]), name);
  return body;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('faults', () => {
  it('Postgres stopped mid-run: clear 503s, nothing kept of an upload, the server stays up and serves again by itself', { timeout: 120_000 }, async () => {
    const cluster: Cluster = await startCluster(findPostgresBin()!, { durable: true });
    cleanup.push(() => cluster.stop());
    const root = tempDir('sbx-faults-');
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const server: SpawnedServer = await spawnServer({ DATA_DIR: root, DATABASE_URL: cluster.url, LOG_LEVEL: 'warn' });
    cleanup.push(() => server.stop('SIGKILL'));
    let exited = false;
    void server.exited.then(() => (exited = true));
    const { cookie, token, albumId, linkToken } = await setUp(server.url);
    const bearer = { authorization: `Bearer ${token}` };
    const photo = fixture('jpeg/phone/IMG_4120.JPG');
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
    const upload = (name: string) => fetch(`${server.url}/api/assets/upload`, { method: 'POST', headers: bearer, body: uploadForm(photo, name) });
    const login = () =>
      fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OWNER) });

    expect((await get(`/albums/${albumId}`, { cookie })).status).toBe(200);
    expect((await get(`/s/${linkToken}`)).status).toBe(200);

    cluster.halt();

    const health = await get('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, db: false, storage: true });

    // The owner's page: a page that says what is wrong and that it is worth trying again.
    const page = await get(`/albums/${albumId}`, { cookie, accept: 'text/html' });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toMatch(/database/i);

    // The API: JSON saying the same.
    const api = await get('/api/albums', bearer);
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await api.json()) as { error: string }).error).toMatch(/database/i);

    // A guest, a login and an upload: 503 too, and the upload keeps nothing.
    expect((await get(`/s/${linkToken}`)).status).toBe(503);
    expect((await login()).status).toBe(503);
    const refused = await upload('during-outage.jpg');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(/database/i);
    expect(filesUnder(join(root, 'originals'))).toEqual([]);
    expect(filesUnder(join(root, 'tmp'))).toEqual([]);

    // A few seconds of it (the worker polls meanwhile), and the process is still there.
    await new Promise((r) => setTimeout(r, 3000));
    expect(exited, server.output()).toBe(false);
    expect((await get('/api/albums', bearer)).status).toBe(503);

    cluster.resume();

    // Back by itself: no restart of the app.
    await eventually('healthz 200 again', async () => ((await get('/healthz')).status === 200 ? true : undefined), 30_000);
    expect((await get(`/albums/${albumId}`, { cookie })).status).toBe(200);
    expect((await get(`/s/${linkToken}`)).status).toBe(200);
    expect((await login()).status).toBe(200);
    const stored = await upload('after-outage.jpg');
    expect(stored.status).toBe(201);
    expect(filesUnder(join(root, 'originals'))).toHaveLength(1);
    expect(exited).toBe(false);
    expect(server.output()).not.toMatch(/unhandled|uncaught/i);
  });

  it('no ffmpeg on the machine: a video still uploads, is processed with a neutral poster, and plays', { timeout: 60_000 }, async () => {
    const root = seededDataDir('sbx-noffmpeg-');
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    // node is started by its absolute path; nothing else is on this PATH.
    const server = await spawnServer({ DATA_DIR: root, PATH: tempDir('sbx-empty-path-'), LOG_LEVEL: 'info' });
    cleanup.push(() => server.stop('SIGKILL'));
    expect(server.output()).toMatch(/ffmpeg not found/);
    const { token, cookie } = await setUp(server.url);
    const bearer = { authorization: `Bearer ${token}` };
    const res = await fetch(`${server.url}/api/assets/upload`, { method: 'POST', headers: bearer, body: uploadForm(fixture('video/small_video.mp4'), 'small_video.mp4') });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id } = ((await res.json()) as { assets: { id: string }[] }).assets[0]!;
    const asset = await eventually(
      'the video processed',
      async () => {
        const body = (await (await fetch(`${server.url}/api/assets/${id}`, { headers: bearer })).json()) as { asset: { status: string } };
        return body.asset.status === 'pending' || body.asset.status === 'processing' ? undefined : body.asset;
      },
      30_000,
    );
    expect(asset).toMatchObject({ status: 'ready', kind: 'video' });
    expect((asset as { durationSeconds?: number }).durationSeconds).toBeGreaterThan(0);
    const thumb = await fetch(`${server.url}/media/assets/${id}/thumb`, { headers: { cookie } });
    expect(thumb.status).toBe(200);
    const original = await fetch(`${server.url}/api/assets/${id}/download`, { headers: { ...bearer, range: 'bytes=0-99' } });
    expect(original.status).toBe(206);
    expect((await original.arrayBuffer()).byteLength).toBe(100);
  });
});
