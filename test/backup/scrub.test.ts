// The integrity scrub, on each backend: planned by budget (least recently checked first, one
// round per hour whoever asks), run by the worker's `scrub` jobs. A flipped byte and a deleted
// original are reported in Settings with their albums, in the log and in /healthz (which stays
// 200), and no file is changed, moved or deleted.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { planScrub, resetScrubPlan } from '../../src/queries/integrity.ts';
import { walkFiles } from '../../src/storage/walk.ts';
import { backends } from '../helpers/database.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { uploadFiles } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const PHOTOS = ['jpeg/orientation/landscape_1.jpg', 'jpeg/orientation/landscape_2.jpg', 'jpeg/orientation/landscape_3.jpg'];

async function snapshot(root: string) {
  const files = await walkFiles(root, 'originals');
  return Object.fromEntries(files.map((f) => [f.rel, createHash('sha256').update(readFileSync(join(root, f.rel))).digest('hex')]));
}

describe.skipIf(!HAS_FIXTURES).each(backends())('integrity scrub (%s)', (backend) => {
  let server: TestServer;
  let headers: Record<string, string>;
  let ids: Map<string, string>;
  const logged: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ backend, worker: true, log: createLogger('warn', (line) => logged.push(line)) });
    const db = server.database.db;
    const owner = await newUser(db, { role: 'owner' });
    headers = { cookie: await sessionCookie(db, owner), origin: server.url };
    const trip = await newAlbum(db, owner.id, { title: 'Trip to Norway' });
    ids = await uploadFiles(server, headers, trip.id, PHOTOS.map(fixture));
    const other = await newAlbum(db, owner.id, { title: 'Best of' });
    await db.insertInto('album_assets').values({ album_id: other.id, asset_id: ids.get('landscape_1.jpg')!, position: 0 }).execute();
    await server.idle();
  }, 60_000);
  afterAll(() => server?.close());

  const row = (name: string) =>
    server.database.db.selectFrom('assets').select(['integrity', 'integrity_detail', 'checked_at', 'storage_path', 'deleted_at']).where('id', '=', ids.get(name)!).executeTakeFirstOrThrow();

  it('finds a flipped byte and a deleted original, reports both with their albums, and changes no file', async () => {
    const root = server.deps.dataDir.root;
    const damaged = join(root, (await row('landscape_1.jpg')).storage_path);
    const bytes = readFileSync(damaged);
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0x01;
    writeFileSync(damaged, bytes);
    rmSync(join(root, (await row('landscape_2.jpg')).storage_path));
    const before = await snapshot(root);

    await resetScrubPlan(server.database.db);
    expect(await planScrub(server.database.db, 10 * 1024 ** 3)).toBe(3);
    server.deps.worker!.wake();
    await server.idle();

    expect(await row('landscape_1.jpg')).toMatchObject({ integrity: 'mismatch', deleted_at: null, integrity_detail: expect.stringMatching(/^its SHA-256 is now [0-9a-f]{64}/) });
    expect(await row('landscape_2.jpg')).toMatchObject({ integrity: 'missing', deleted_at: null });
    expect(await row('landscape_3.jpg')).toMatchObject({ integrity: 'ok', checked_at: expect.any(Date) });
    expect(await snapshot(root)).toEqual(before); // nothing rewritten, restored, moved or deleted
    const purged = await sql<{ n: number }>`SELECT count(*)::int AS n FROM purged_files`.execute(server.database.db);
    expect(purged.rows[0]!.n).toBe(0);

    const settings = await (await server.fetch('/settings', { headers })).text();
    const section = settings.slice(settings.indexOf('id="integrity-heading"'));
    expect(section).toContain('2 originals are damaged or missing');
    expect(section).toMatch(/landscape_1\.jpg<\/strong>.*Its bytes have changed since it was stored.*in Best of, Trip to Norway/s);
    expect(section).toMatch(/landscape_2\.jpg<\/strong>.*The file is missing from disk.*in Trip to Norway/s);
    // The processing pill and the work list are not about upkeep.
    expect(settings).toContain('Nothing waiting');

    const health = await server.fetch('/healthz');
    expect(health.status).toBe(200);
    expect((await health.json()).integrity).toEqual({ problems: 2, details: 'Settings → Integrity of the originals' });

    const reports = logged.filter((l) => l.includes('an original is damaged or gone'));
    expect(reports).toHaveLength(2);
    expect(reports).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/file=landscape_1\.jpg .*found=mismatch .*albums="Best of, Trip to Norway"/),
        expect.stringMatching(/file=landscape_2\.jpg .*found=missing .*albums="Trip to Norway"/),
      ]),
    );
  });

  it('takes the least recently checked first, within the budget, one round at a time', async () => {
    const db = server.database.db;
    const size = (name: string) => readFileSync(fixture(PHOTOS.find((p) => p.endsWith(name))!)).length;
    // All checked more than a week ago; landscape_3 longest ago, then landscape_1.
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    for (const [name, days] of [['landscape_1.jpg', 9], ['landscape_2.jpg', 8], ['landscape_3.jpg', 30]] as const) {
      await db.updateTable('assets').set({ checked_at: ago(days) }).where('id', '=', ids.get(name)!).execute();
    }
    await resetScrubPlan(db);
    // A budget the first original alone does not fit: it is still checked, and only it.
    expect(await planScrub(db, 1)).toBe(1);
    const queued = () => db.selectFrom('jobs').select('asset_id').where('kind', '=', 'scrub').where('status', '=', 'queued').execute();
    expect((await queued()).map((j) => j.asset_id)).toEqual([ids.get('landscape_3.jpg')]);
    expect(await planScrub(db, 10 * 1024 ** 3)).toBeNull(); // this hour's round is planned
    server.deps.worker!.wake();
    await server.idle();

    // Next round: the next two by age, as far as the budget goes (landscape_1 fits, landscape_2 starts within it).
    await resetScrubPlan(db);
    expect(await planScrub(db, size('landscape_1.jpg') + 1)).toBe(2);
    server.deps.worker!.wake();
    await server.idle();

    // Sound and checked within the week: not again. The damaged and the missing one are, every
    // round: once their files are put back (from a backup), the report clears.
    await resetScrubPlan(db);
    expect(await planScrub(db, 10 * 1024 ** 3)).toBe(2);
    const root = server.deps.dataDir.root;
    for (const name of ['landscape_1.jpg', 'landscape_2.jpg']) {
      writeFileSync(join(root, (await row(name)).storage_path), readFileSync(fixture(PHOTOS.find((p) => p.endsWith(name))!)));
    }
    server.deps.worker!.wake();
    await server.idle();
    for (const name of ['landscape_1.jpg', 'landscape_2.jpg', 'landscape_3.jpg']) expect((await row(name)).integrity, name).toBe('ok');
    const settings = await (await server.fetch('/settings', { headers })).text();
    expect(settings).not.toContain('damaged or missing');
    expect(settings).toContain('3 of 3 originals checked so far');
    expect((await (await server.fetch('/healthz')).json()).integrity).toEqual({ problems: 0 });
    await resetScrubPlan(db);
    expect(await planScrub(db, 10 * 1024 ** 3)).toBe(0);
  });
});
