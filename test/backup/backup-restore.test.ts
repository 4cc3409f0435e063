// `shoebox backup` and `shoebox restore` end to end: real servers (the `npm start` build),
// the real CLI as a child process, real files. A backup taken through a running server while
// uploads go on restores to a library whose every row has its original; a quiet backup
// restores on each backend to the same library (users, albums with order and cover, links
// with their token, password, expiry and switches, assets, originals), with the sessions and
// signed URLs made before still good; embedded → Postgres and back is the same command; a
// second backup copies only what is new.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seededDataDir, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES, SKIP_REASON } from '../media/fixtures.ts';
import { shoebox } from '../ingest/cli-helpers.ts';
import { walkFiles } from '../../src/storage/walk.ts';
import { writeDatabaseDump } from '../../src/backup/database-dump.ts';
import { splitDump } from '../../src/backup/load-dump.ts';
import { restoreLibrary } from '../../src/backup/restore.ts';
import { lockBackupFolder, prepareBackupFolder } from '../../src/cli/backup.ts';
import { loadConfig } from '../../src/config.ts';

const HAS_POSTGRES = inject('postgresUrl') !== null;
const dirs: string[] = [];
const servers: SpawnedServer[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  await Promise.all(databases.map((d) => d.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const keep = (dir: string) => (dirs.push(dir), dir);

const OWNER = { email: 'owner@example.com', password: 'a long enough password' };
const PHOTOS = ['jpeg/phone/IMG_4120.JPG', 'jpeg/orientation/landscape_6.jpg', 'png/IMG_20180725_163423-1.png', 'webp/norway-kjetil-moe.webp'];
const DURING = ['jpeg/orientation/landscape_3.jpg', 'jpeg/orientation/landscape_8.jpg', 'jpeg/orientation/landscape_5.jpg', 'jpeg/orientation/landscape_7.jpg'];

interface Library {
  env: Record<string, string>;
  server: SpawnedServer;
  cookie: string;
}

async function startLibrary(env: Record<string, string>): Promise<SpawnedServer> {
  const server = await spawnServer(env);
  servers.push(server);
  return server;
}

async function stop(server: SpawnedServer) {
  await server.stop();
  servers.splice(servers.indexOf(server), 1);
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { origin: url, 'content-type': 'application/json' }, body: JSON.stringify(OWNER) });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

function call(lib: { server: SpawnedServer; cookie: string }, method: string, path: string, body?: unknown) {
  return fetch(lib.server.url + path, {
    method,
    headers: { origin: lib.server.url, cookie: lib.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json(res: Response, status = 200) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text);
}

async function upload(lib: Library, albumId: string, path: string): Promise<string> {
  const form = new FormData();
  form.set('albumId', albumId);
  form.append('file', new Blob([new Uint8Array(readFileSync(fixture(path)))]), basename(path));
  const res = await fetch(`${lib.server.url}/api/assets/upload`, { method: 'POST', headers: { origin: lib.server.url, cookie: lib.cookie }, body: form });
  return (await json(res, 201)).assets[0].id;
}

/** An owner, two albums (one reordered, with a cover), links with a password, an expiry and each switch. */
async function buildLibrary(env: Record<string, string>): Promise<Library & { linkToken: string; openToken: string }> {
  const made = await shoebox(['create-owner', '--email', OWNER.email, '--password-stdin'], env, `${OWNER.password}\n`);
  expect(made.code, made.stderr).toBe(0);
  const server = await startLibrary(env);
  const lib: Library = { env, server, cookie: await login(server.url) };
  const trip = (await json(await call(lib, 'POST', '/api/albums', { title: 'Trip', description: 'Norway, 2018' }), 201)).album;
  const ids = [];
  for (const p of PHOTOS) ids.push(await upload(lib, trip.id, p));
  await json(await call(lib, 'PUT', `/api/albums/${trip.id}/order`, { assetIds: [...ids].reverse() }));
  await json(await call(lib, 'PATCH', `/api/albums/${trip.id}`, { coverAssetId: ids[2], sortOrder: 'manual' }));
  await json(await call(lib, 'POST', '/api/albums', { title: 'Empty for now' }), 201);
  const uploader = (await json(await call(lib, 'POST', '/api/users', { email: 'aunt@example.com', password: 'another long password' }), 201)).user;
  await json(await call(lib, 'PUT', `/api/users/${uploader.id}/albums`, { albumIds: [trip.id] }));
  const locked = (
    await json(
      await call(lib, 'POST', `/api/albums/${trip.id}/share`, {
        label: 'for Grandma',
        password: 'sesame-street-42',
        expiresAt: '2031-05-01T12:00:00Z',
        allowDownload: true,
        showMetadata: false,
        stripLocation: true,
        allowUpload: true,
      }),
      201,
    )
  ).link;
  const open = (await json(await call(lib, 'POST', `/api/albums/${trip.id}/share`, { label: 'everyone', allowDownload: true, stripLocation: false }), 201)).link;
  return { ...lib, linkToken: locked.token, openToken: open.token };
}

/** What the owner sees through the API, with the server's own origin taken out. */
async function ownerView(lib: { server: SpawnedServer; cookie: string }) {
  const albums = (await json(await call(lib, 'GET', '/api/albums'))).albums;
  const details = [];
  for (const a of albums) details.push(await json(await call(lib, 'GET', `/api/albums/${a.id}?limit=200`)));
  const links = (await json(await call(lib, 'GET', '/api/links'))).links;
  const users = (await json(await call(lib, 'GET', '/api/users'))).users;
  return JSON.parse(JSON.stringify({ albums, details, links, users }).replaceAll(lib.server.url, 'ORIGIN'));
}

/** The owner's view once the server's worker has made every thumbnail (nothing pending). */
async function settledView(lib: { server: SpawnedServer; cookie: string }) {
  for (const deadline = Date.now() + 60_000; ; ) {
    const view = await ownerView(lib);
    if (!JSON.stringify(view).includes('"status":"pending"')) return view;
    if (Date.now() > deadline) throw new Error('thumbnails still pending after 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function expectOriginalsIntact(dataDir: string) {
  const originals = await walkFiles(dataDir, 'originals');
  expect(originals.length).toBeGreaterThan(0);
  for (const f of originals) {
    expect(sha256(join(dataDir, f.rel)), f.rel).toBe(basename(f.rel).split('.')[0]);
    // As the server makes them (DATA_DIR itself is 0700), not the backup's 0600: nginx may be given group access.
    expect(statSync(join(dataDir, f.rel)).mode & 0o777, f.rel).toBe(0o644);
  }
  return originals.length;
}

/** Files under `dir` and their modification times, to see what a run wrote. */
function fileTimes(dir: string): Map<string, number> {
  const times = new Map<string, number>();
  const visit = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(r);
      else times.set(r, statSync(join(dir, r)).mtimeMs);
    }
  };
  visit('');
  return times;
}

async function restoreInto(backup: string, target: { dataDir: string; databaseUrl?: string }, extra: string[] = []) {
  const env = { DATA_DIR: target.dataDir, ...(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : {}) };
  const restored = await shoebox(['restore', backup, '--json', ...extra], env, '', 120_000);
  expect(restored.code, restored.stderr + restored.stdout).toBe(0);
  return { env, summary: JSON.parse(restored.stdout) };
}

async function emptyPostgres(): Promise<string> {
  const database = await createEmptyDatabase('postgres');
  databases.push(database);
  return database.url!;
}

/** The restored library serves what the source served, to the same cookies and signed URLs. */
async function expectSameLibrary(
  source: { view: unknown; cookie: string; linkToken: string; grantCookie: string; signedOriginal: string },
  restoredEnv: Record<string, string>,
) {
  const server = await startLibrary(restoredEnv);
  try {
    const lib = { server, cookie: source.cookie }; // the session made before the backup
    expect(await settledView(lib)).toEqual(source.view);
    // The link's guest grant (a cookie signed with the secret key) and a signed media URL made before.
    const guest = await fetch(`${server.url}/api/share/${source.linkToken}`, { headers: { cookie: source.grantCookie } });
    expect(guest.status).toBe(200);
    const original = await fetch(server.url + source.signedOriginal);
    expect(original.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await original.arrayBuffer())).digest('hex')).toBe(sha256(fixture(PHOTOS[0]!)));
    // The link's password is still the password; a wrong one is still refused.
    const wrong = await fetch(`${server.url}/api/share/${source.linkToken}/auth`, { method: 'POST', headers: { origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'not-the-password' }) });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${server.url}/api/share/${source.linkToken}/auth`, { method: 'POST', headers: { origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'sesame-street-42' }) });
    expect(right.status).toBe(204);
  } finally {
    await stop(server);
  }
}

describe.skipIf(!HAS_FIXTURES)('backup and restore', () => {
  if (!HAS_FIXTURES) console.warn(SKIP_REASON);

  it('backs up the embedded library while uploads run, again incrementally, and restores it on each backend', { timeout: 240_000 }, async () => {
    const dataDir = keep(seededDataDir());
    const lib = await buildLibrary({ DATA_DIR: dataDir });
    const during = (await json(await call(lib, 'POST', '/api/albums', { title: 'During the backup' }), 201)).album;

    // 1. While uploads go on: the dump comes from the running server, then the files are copied.
    const backup = keep(tempDir('sbx-backup-'));
    const uploads = (async () => {
      for (const p of DURING) await upload(lib, during.id, p);
    })();
    const first = await shoebox(['backup', backup, '--json'], { DATA_DIR: dataDir });
    await uploads;
    expect(first.code, first.stderr).toBe(0);
    const firstSummary = JSON.parse(first.stdout);
    expect(firstSummary.database.where).toBe('server');
    expect(firstSummary.secretKeyIncluded).toBe(true);
    expect(firstSummary.files.failures).toEqual([]);
    expect(statSync(backup).mode & 0o777).toBe(0o700);
    for (const f of await walkFiles(backup, '.')) expect(statSync(join(backup, f.rel)).mode & 0o777, f.rel).toBe(0o600);
    expect(readdirSync(backup).sort()).toEqual(['database.sql', 'originals', 'secret.key', 'shoebox-backup.json']);
    expect(readdirSync(join(backup, 'originals')).every((d) => /^[0-9a-f]{2}$/.test(d))).toBe(true);

    // What it holds is consistent: every asset row in its dump has its original in the folder.
    const rows = splitDump(readFileSync(join(backup, 'database.sql'), 'utf8')).filter((st) => st.startsWith('INSERT INTO public.assets '));
    expect(rows.length).toBeGreaterThanOrEqual(PHOTOS.length);
    for (const row of rows) {
      const rel = /'(originals\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z0-9]+)'/.exec(row)?.[1];
      expect(rel, row.slice(0, 120)).toBeDefined();
      expect(statSync(join(backup, rel!)).isFile(), rel).toBe(true);
    }

    // 2. Quiet now: a second backup copies only the originals that came since, and nothing else.
    const view = await settledView(lib); // what the restored libraries must show (guests' visits below come after)
    const before = fileTimes(backup);
    const second = await shoebox(['backup', backup, '--json'], { DATA_DIR: dataDir });
    expect(second.code, second.stderr).toBe(0);
    const secondSummary = JSON.parse(second.stdout);
    const total = PHOTOS.length + DURING.length;
    expect(secondSummary.files.copied + secondSummary.files.skipped).toBe(total);
    expect(secondSummary.files.skipped).toBe(firstSummary.files.copied);
    const written = [...fileTimes(backup)].filter(([rel, t]) => rel.startsWith('originals/') && before.get(rel) !== t).map(([rel]) => rel);
    expect(written).toHaveLength(secondSummary.files.copied);

    // What the source serves, and what the restored libraries must serve the same way.
    const grant = await fetch(`${lib.server.url}/api/share/${lib.linkToken}/auth`, { method: 'POST', headers: { origin: lib.server.url, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'sesame-street-42' }) });
    expect(grant.status).toBe(204);
    const grantCookie = grant.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const shared = await json(await fetch(`${lib.server.url}/api/share/${lib.openToken}`));
    const first4120 = shared.assets.find((a: { originalFilename: string }) => a.originalFilename === 'IMG_4120.JPG');
    const source = { view, cookie: lib.cookie, linkToken: lib.linkToken, grantCookie, signedOriginal: first4120.originalUrl };
    expect(source.view.albums).toHaveLength(3);
    expect(source.view.users).toHaveLength(1);

    // 3. Restored on the embedded database, and moved to a real Postgres by the same command.
    const onPglite = keep(seededDataDir('sbx-restore-', 'pgliteEmptySnapshot'));
    const restored = await restoreInto(backup, { dataDir: onPglite });
    expect(restored.summary.restored.secretKey).toBe('restored');
    expect(restored.summary.thumbnails).toMatchObject({ ready: total, failed: 0 });
    expect(await expectOriginalsIntact(onPglite)).toBe(total);
    await expectSameLibrary(source, restored.env);

    // 4. Refusals: a library that is not empty (this one, its server running), a folder that is
    // not a backup, a backup into a folder that holds other things.
    await expect(restoreLibrary(loadConfig({ DATA_DIR: dataDir }), backup)).rejects.toThrow(`DATA_DIR=${dataDir} is not empty (it holds `);
    await expect(restoreLibrary(loadConfig({ DATA_DIR: keep(tempDir()) }), keep(tempDir()))).rejects.toThrow(/is not a Shoebox backup: it has no shoebox-backup\.json/);
    const elsewhere = keep(tempDir());
    writeFileSync(join(elsewhere, 'notes.txt'), 'mine');
    await expect(prepareBackupFolder(elsewhere)).rejects.toThrow('is not empty and holds no Shoebox backup');
    expect(readdirSync(elsewhere)).toEqual(['notes.txt']);
    // A second backup into a folder another one is writing into stops, saying so; a lock its
    // process left behind (killed) is taken over, and does not make a new folder "not empty".
    const rival = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(backup, '.shoebox-backup.lock'), `${rival.pid}\n`);
      expect(() => lockBackupFolder(backup)).toThrow(`another shoebox backup (pid ${rival.pid}) is writing into ${backup}: wait until it has finished`);
    } finally {
      rival.kill();
      await new Promise((r) => rival.once('exit', r));
    }
    lockBackupFolder(backup).release();
    expect(readdirSync(backup)).not.toContain('.shoebox-backup.lock');
    const fresh = keep(tempDir());
    writeFileSync(join(fresh, '.shoebox-backup.lock'), `${rival.pid}\n`);
    await prepareBackupFolder(fresh);

    if (HAS_POSTGRES) {
      // Thumbnails were made in the restore above; here the server's worker makes them later.
      const moved = await restoreInto(backup, { dataDir: keep(tempDir('sbx-restore-')), databaseUrl: await emptyPostgres() }, ['--no-thumbnails']);
      expect(moved.summary.restored.load.skippedSettings).toContain('transaction_timeout'); // PGlite's pg_dump is newer
      expect(await expectOriginalsIntact(moved.env.DATA_DIR!)).toBe(total);
      await expectSameLibrary(source, moved.env);
    }
  });

  it.skipIf(!HAS_POSTGRES)('backs up a library on Postgres with pg_dump and moves it back to the embedded database', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const env = { DATA_DIR: keep(tempDir()), DATABASE_URL: database.url! };
    const lib = await buildLibrary(env);
    const view = await settledView(lib);
    const backup = keep(tempDir('sbx-backup-'));
    const made = await shoebox(['backup', backup, '--json'], env);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout).database.dumpedBy).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
    const shared = await json(await fetch(`${lib.server.url}/api/share/${lib.openToken}`));
    const grant = await fetch(`${lib.server.url}/api/share/${lib.linkToken}/auth`, { method: 'POST', headers: { origin: lib.server.url, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'sesame-street-42' }) });
    const source = {
      view,
      cookie: lib.cookie,
      linkToken: lib.linkToken,
      grantCookie: grant.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '),
      signedOriginal: shared.assets.find((a: { originalFilename: string }) => a.originalFilename === 'IMG_4120.JPG').originalUrl,
    };
    const back = await restoreInto(backup, { dataDir: join(keep(tempDir('sbx-restore-')), 'new-library') }); // a DATA_DIR that does not exist yet
    expect(await expectOriginalsIntact(back.env.DATA_DIR!)).toBe(PHOTOS.length);
    await expectSameLibrary(source, back.env);
  });

  it.skipIf(!HAS_POSTGRES)('says plainly when pg_dump is missing or older than the server', async () => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const dir = keep(tempDir());
    await expect(writeDatabaseDump(database, database.url, join(dir, 'd.sql'), join(dir, 'no-pg_dump-here'))).rejects.toThrow(
      /pg_dump was not found .*install the PostgreSQL client tools, version \d+ or newer/,
    );
    // A pg_dump of an older major version, as `pg_dump --version` says it.
    const old = join(dir, 'pg_dump');
    writeFileSync(old, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n', { mode: 0o755 });
    await expect(writeDatabaseDump(database, database.url, join(dir, 'd.sql'), old)).rejects.toThrow(/pg_dump 9\.6 is older than the database server \(\d+\.\d+.*\) and cannot dump it/);
    expect(readdirSync(dir)).toEqual(['pg_dump']); // no dump, no partial file
  });

});
