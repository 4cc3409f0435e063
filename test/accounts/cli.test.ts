// The account commands of the CLI, with no server and with a server running on the
// embedded database (through its admin socket): the new owner can sign in at once.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { seededDataDir, spawnServer, type SpawnedServer } from '../helpers/server.ts';

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
