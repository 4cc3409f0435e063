// The background worker: resumes work a dead process left behind, shares the queue safely
// between workers, and records a failure after the last try.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../src/jobs/worker.ts';
import { requeueAssets } from '../../src/queries/assets.ts';
import { silentLogger } from '../../src/log.ts';
import { smallThumbRelPath } from '../../src/storage/layout.ts';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const photos = [
  'jpeg/gps/gps-2000.jpg',
  'jpeg/phone/panorama360.jpg',
  'jpeg/odd-exif/Iceland-P3.jpg',
  'jpeg/odd-exif/empty-imagedesc-in-ifd0.jpg',
  'jpeg/orientation/landscape_3.jpg',
  'jpeg/orientation/landscape_5.jpg',
];

describe.skipIf(!HAS_FIXTURES).each(backends())('worker on %s', (backend) => {
  let server: TestServer;
  let ids: string[];
  beforeAll(async () => {
    server = await startTestServer({ backend }); // no worker: the tests start their own
    const cookie = await sessionCookie(server.database.db, await newUser(server.database.db));
    const body = new FormData();
    for (const p of photos) body.append('file', new Blob([readFileSync(fixture(p))]), p.split('/').at(-1));
    const res = await server.fetch('/api/assets/upload', { method: 'POST', body, headers: { cookie, origin: server.url } });
    ids = (await res.json()).assets.map((a: { id: string }) => a.id);
  });
  afterAll(() => server.close());
  const db = () => server.database.db;
  const worker = (extra: Partial<Parameters<typeof createWorker>[0]> = {}) =>
    createWorker({ db: db(), dataRoot: server.deps.dataDir.root, log: silentLogger, concurrency: 2, ffmpegPath: null, soleProcess: backend === 'pglite', ...extra });

  it('uploads leave assets pending for the worker', async () => {
    const rows = await db().selectFrom('assets').select('status').where('id', 'in', ids).execute();
    expect(rows.map((r) => r.status)).toEqual(photos.map(() => 'pending'));
  });

  it('uploads queue one derive job per asset', async () => {
    const jobs = await db().selectFrom('jobs').select(['kind', 'status', 'attempts']).where('asset_id', 'in', ids).execute();
    expect(jobs).toEqual(photos.map(() => ({ kind: 'derive', status: 'queued', attempts: 0 })));
  });

  it('a job a dead process held (status running, lease not renewed) is done after a restart', async () => {
    // What a process killed mid-job leaves behind.
    await db()
      .updateTable('jobs')
      .set({ status: 'running', attempts: 1, locked_at: new Date(Date.now() - 5 * 60_000) })
      .where('asset_id', '=', ids[0]!)
      .execute();
    const w = worker();
    await w.start();
    await w.idle();
    await w.stop();
    const rows = await db().selectFrom('assets').select(['id', 'status', 'file_hash']).where('id', 'in', ids).execute();
    expect(rows.map((r) => r.status)).toEqual(photos.map(() => 'ready'));
    const jobs = await db().selectFrom('jobs').select(['status', 'attempts']).where('asset_id', 'in', ids).execute();
    expect(jobs.every((j) => j.status === 'done')).toBe(true);
    for (const r of rows) expect(existsSync(join(server.deps.dataDir.root, smallThumbRelPath(r.file_hash)))).toBe(true);
  });

  it('two workers on one queue process each asset exactly once', async () => {
    await requeueAssets(db(), ids);
    const a = worker({ soleProcess: false });
    const b = worker({ soleProcess: false });
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.idle(), b.idle()]);
    await Promise.all([a.stop(), b.stop()]);
    const rows = await db()
      .selectFrom('assets')
      .innerJoin('jobs', 'jobs.asset_id', 'assets.id')
      .select(['assets.status', 'jobs.status as job', 'jobs.attempts'])
      .where('assets.id', 'in', ids)
      .execute();
    expect(rows).toHaveLength(ids.length);
    expect(rows.every((r) => r.status === 'ready' && r.job === 'done' && r.attempts === 1)).toBe(true);
  });

  it('an asset whose original is gone fails with the reason recorded, not forever retried', async () => {
    const row = await db().selectFrom('assets').selectAll().where('id', '=', ids[1]!).executeTakeFirstOrThrow();
    rmSync(join(server.deps.dataDir.root, row.storage_path));
    await requeueAssets(db(), [row.id]);
    const w = worker({ backoffMs: () => 10 });
    await w.start();
    await w.idle();
    await w.stop();
    const after = await db().selectFrom('assets').select(['status', 'processing_error']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('failed');
    expect(after.processing_error).toMatch(/original file is missing/);
  });
});
