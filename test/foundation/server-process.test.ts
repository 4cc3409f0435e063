// The real entry point (`node --import tsx src/server.ts`, what `npm start` runs) as a
// child process: first start, restart, the DATA_DIR lock, bad config, an unreachable
// DATABASE_URL, a real Postgres, and the CLI going through a running server.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { listMigrationFiles } from '../../src/db/migrate.ts';
import { backends, createEmptyDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/postgres-cluster.ts';
import { cli } from '../helpers/cli.ts';
import { spawnServer, spawnServerProcess, tempDir, type SpawnedServer } from '../helpers/server.ts';

/** Starts a server that should refuse to start; collects its stderr apart from stdout. */
function startFailing(env: Record<string, string>) {
  const started = spawnServerProcess({ HOST: '127.0.0.1', ...env });
  let stderr = '';
  started.proc.stderr!.on('data', (d) => (stderr += d));
  // If it starts serving after all, don't leave it running: the test then fails on its exit code.
  const guard = setTimeout(() => started.proc.kill('SIGKILL'), 20_000);
  void started.exited.then(() => clearTimeout(guard));
  return { ...started, stderr: () => stderr };
}

const stackLine = /^\s+at /m;
const dirs: string[] = [];
const running: SpawnedServer[] = [];

function dataDir(): string {
  const dir = tempDir('sbx-');
  dirs.push(dir);
  return dir;
}

async function stop(server: SpawnedServer): Promise<number | null> {
  const code = await server.stop('SIGTERM');
  running.splice(running.indexOf(server), 1);
  return code;
}

afterAll(async () => {
  for (const s of running) {
    s.proc.kill('SIGKILL');
    await s.exited;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('server process on embedded PGlite', () => {
  const dir = dataDir();
  let server: SpawnedServer;

  // A first start runs initdb in WebAssembly: ~10 s on an idle machine (bench/RESULTS.md),
  // but much longer while other test files load both cores, so the limit here is generous.
  it('starts on a fresh DATA_DIR, stops on SIGTERM with 0, and keeps its data across a restart', { timeout: 120_000 }, async () => {
    server = await spawnServer({ DATA_DIR: dir }, 90_000);
    running.push(server);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const key = readFileSync(join(dir, 'secret.key'), 'utf8');
    expect(key.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(dir, 'db'))).toBe(true);
    expect(existsSync(join(dir, 'shoebox.lock'))).toBe(true);

    expect(await stop(server)).toBe(0);
    expect(server.output()).toContain('SIGTERM received');
    expect(existsSync(join(dir, 'shoebox.lock'))).toBe(false);
    expect(existsSync(join(dir, 'admin.sock'))).toBe(false);

    // Stopped: the CLI opens the database itself and finds every migration recorded.
    const offline = await cli(['migrate'], { DATA_DIR: dir });
    expect(offline, offline.stderr).toMatchObject({ code: 0 });
    expect(offline.stdout).toContain(`${listMigrationFiles().length} migrations applied`);
    expect(offline.stdout).not.toContain('running server');

    // A row written while no server runs must still be there after the server has
    // opened, served and closed the same database.
    const before = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'db') });
    await before.db.insertInto('users').values({ email: 'keep@example.com', password_hash: 'x', role: 'owner' }).execute();
    await before.close();

    server = await spawnServer({ DATA_DIR: dir }, 60_000);
    running.push(server);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.output()).not.toContain('migrations applied'); // nothing new to apply
    expect(readFileSync(join(dir, 'secret.key'), 'utf8')).toBe(key);
  });

  it('refuses a second server on the same DATA_DIR while the first keeps serving', async () => {
    const second = startFailing({ DATA_DIR: dir, PORT: String(await freePort()) });
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.stderr()).toMatch(/another Shoebox server \(pid \d+\)/);
    expect(second.stderr()).not.toMatch(stackLine);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(readFileSync(join(dir, 'shoebox.lock'), 'utf8').trim()).toBe(String(server.proc.pid));
  });

  it('runs `shoebox migrate` through the running server', async () => {
    const res = await cli(['migrate'], { DATA_DIR: dir });
    expect(res, res.stderr).toMatchObject({ code: 0 });
    expect(res.stdout).toContain('(checked through the running server)');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('still has the data after the restart', async () => {
    expect(await stop(server)).toBe(0);
    const after = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'db') });
    try {
      const users = await after.db.selectFrom('users').select('email').execute();
      expect(users).toEqual([{ email: 'keep@example.com' }]);
    } finally {
      await after.close();
    }
  });
});

describe('server process refusing to start', () => {
  it('PORT=abc → exit ≠ 0 with a line naming PORT', async () => {
    const res = startFailing({ DATA_DIR: dataDir(), PORT: 'abc' });
    expect(await res.exited).not.toBe(0);
    expect(res.stderr()).toMatch(/^.*PORT must be an integer between 1 and 65535.*$/m);
    expect(res.stderr()).not.toMatch(stackLine);
  });

  it('unreachable DATABASE_URL → exit ≠ 0 within 15 s with one clear line, no stack trace', async () => {
    const t0 = Date.now();
    const res = startFailing({ DATA_DIR: dataDir(), PORT: String(await freePort()), DATABASE_URL: 'postgres://x@127.0.0.1:1/db' });
    expect(await res.exited).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const lines = res.stderr().split('\n').filter((l) => l.includes('cannot connect to DATABASE_URL'));
    expect(lines, res.stderr()).toHaveLength(1);
    expect(lines[0]).toContain('127.0.0.1:1');
    expect(res.stderr()).not.toMatch(stackLine);
  });
});

describe.skipIf(!backends().includes('postgres'))('server process on a real Postgres', () => {
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await database?.close();
  });

  it('starts with DATABASE_URL, creates the tables in that database, stops with 0', async () => {
    database = await createEmptyDatabase('postgres'); // no migrations: the server must apply them
    const server = await spawnServer({ DATA_DIR: dataDir(), DATABASE_URL: database.url! }, 60_000);
    running.push(server);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, backend: 'postgres' });
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`.execute(database.db);
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['users', 'assets', 'albums', 'album_assets', 'shared_links', 'sessions', 'schema_migrations']),
    );
    const migrations = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(database.db);
    expect(migrations.rows.map((r) => r.name)).toEqual(listMigrationFiles());
    expect(await stop(server)).toBe(0);
  });
});
