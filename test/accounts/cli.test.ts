// The account commands of the CLI, with no server and with a server running on the
// embedded database (through its admin socket): the new owner can sign in at once.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { backends, createEmptyDatabase } from '../helpers/database.ts';
import { seededDataDir, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.ts';

const dirs: string[] = [];
const servers: SpawnedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freshDataDir() {
  const dir = seededDataDir();
  dirs.push(dir);
  return dir;
}

async function login(url: string, email: string, password: string) {
  return fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

describe('shoebox create-owner / reset-password', () => {
  // Each command opens the embedded database itself (~2 s idle, more under load).
  it('creates the owner on a fresh DATA_DIR without a server, and refuses a second', { timeout: 120_000 }, async () => {
    const env = { DATA_DIR: freshDataDir() };
    const first = await cli(['create-owner', '--email', 'me@example.com', '--password-stdin'], env, 'a long enough password\n');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('owner created: me@example.com');
    const second = await cli(['create-owner', '--email', 'other@example.com', '--password-stdin'], env, 'a long enough password\n');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('an owner already exists');
    const weak = await cli(['reset-password', '--email', 'me@example.com', '--password-stdin'], env, 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 10 characters');
    const noTty = await cli(['create-owner', '--email', 'x@example.com'], env);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain('--password-stdin');
  });

  it('works while the server runs on the embedded database; the owner signs in at once', { timeout: 120_000 }, async () => {
    const dataDir = freshDataDir();
    const server = await spawnServer({ DATA_DIR: dataDir });
    servers.push(server);
    expect((await fetch(`${server.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/setup');

    const created = await cli(['create-owner', '--email', 'me@example.com', '--password-stdin'], { DATA_DIR: dataDir }, 'first password here\n');
    expect(created.code, created.stderr).toBe(0);
    const res = await login(server.url, 'me@example.com', 'first password here');
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie } })).status).toBe(200);
    // Setup is closed now that an owner exists.
    expect((await fetch(`${server.url}/setup`)).status).toBe(404);

    const again = await cli(['create-owner', '--email', 'two@example.com', '--password-stdin'], { DATA_DIR: dataDir }, 'first password here\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('an owner already exists');

    const reset = await cli(['reset-password', '--email', 'me@example.com', '--password-stdin'], { DATA_DIR: dataDir }, 'second password here\n');
    expect(reset.code, reset.stderr).toBe(0);
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie } })).status).toBe(401);
    expect((await login(server.url, 'me@example.com', 'first password here')).status).toBe(401);
    expect((await login(server.url, 'me@example.com', 'second password here')).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('a command pointed where there is no library', () => {
  const password = 'a long enough password\n';
  const photos = tempDir('sbx-nolib-photos-');
  dirs.push(photos);
  const refusing: [string, string[]][] = [
    ['fsck', ['fsck']],
    ['rebuild', ['rebuild', '--missing']],
    ['import', ['import', photos]],
    ['reset-password', ['reset-password', '--email', 'me@example.com', '--password-stdin']],
  ];

  it('exits 2, says where it looked, and creates nothing; create-owner starts a library and says so', { timeout: 120_000 }, async () => {
    const empty = tempDir('sbx-nolib-');
    dirs.push(empty);
    const missing = join(empty, 'not-made');
    // Every refusing command in an empty folder; one in a folder that does not exist.
    for (const [name, args, dirsToTry] of refusing.map(([n, a], i) => [n, a, i === 0 ? [empty, missing] : [empty]] as const)) {
      for (const dataDir of dirsToTry) {
        const res = await cli(args, { DATA_DIR: dataDir }, password);
        expect(res.code, `${name} in ${dataDir}: ${res.stderr}`).toBe(2);
        expect(res.stderr).toContain(`no Shoebox library at DATA_DIR=${dataDir}`);
        expect(res.stderr).toContain(`no database in ${join(dataDir, 'db')}`);
      }
    }
    expect(readdirSync(empty)).toEqual([]);
    expect(existsSync(missing)).toBe(false);

    const created = await cli(['create-owner', '--email', 'me@example.com', '--password-stdin'], { DATA_DIR: missing }, password);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`created a new library in DATA_DIR=${missing}`);
    expect(created.stdout).toContain('owner created: me@example.com');
    // A library now: the same commands run, and no longer say "created".
    const fsck = await cli(['fsck'], { DATA_DIR: missing });
    expect(fsck.code, fsck.stderr).toBe(0);
    const migrate = await cli(['migrate'], { DATA_DIR: missing });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).not.toContain('created a new library');
  });

  it.runIf(backends().includes('postgres'))('on Postgres: an empty database or a DATA_DIR without originals/ is no library; migrate starts one', { timeout: 120_000 }, async () => {
    const database = await createEmptyDatabase('postgres');
    try {
      const dataDir = tempDir('sbx-nolib-pg-');
      dirs.push(dataDir);
      const env = { DATA_DIR: dataDir, DATABASE_URL: database.url! };
      const noFolder = await cli(['fsck'], env);
      expect(noFolder.code, noFolder.stderr).toBe(2);
      expect(noFolder.stderr).toContain(`no originals/ folder in ${dataDir}`);
      // The folder is right but the database holds no library: its tables are not made.
      const withFolder = tempDir('sbx-nolib-pg-');
      dirs.push(withFolder);
      const made = await cli(['migrate'], { ...env, DATA_DIR: withFolder });
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toContain('created a new library');
      const other = await createEmptyDatabase('postgres');
      try {
        const res = await cli(['fsck'], { DATA_DIR: withFolder, DATABASE_URL: other.url! });
        expect(res.code, res.stderr).toBe(2);
        expect(res.stderr).toContain('the database has no Shoebox tables');
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`.execute(other.db);
        expect(rows[0]!.n).toBe(0);
      } finally {
        await other.close();
      }
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      await database.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM during a slow request: the request completes and the process exits 0', { timeout: 90_000 }, async () => {
    const server = await spawnServer({ DATA_DIR: freshDataDir() });
    servers.push(server);
    const port = new URL(server.url).port;
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'some password' });
    // A client that sends half its body, then the rest after the signal.
    const { connect } = await import('node:net');
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let response = '';
    socket.on('data', (d) => (response += d));
    const ended = new Promise((r) => socket.once('end', r));
    socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n` +
        body.slice(0, 10),
    );
    await new Promise((r) => setTimeout(r, 300));
    server.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // A new connection is refused while the old request is still in flight.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    socket.write(body.slice(10));
    await ended;
    expect(response).toMatch(/^HTTP\/1\.1 (401|302) /); // answered (401: unknown email; 302 never for API)
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('SIGTERM received');
  });
});
