// A server killed with SIGKILL in the middle of an upload leaves a half temp file (and
// never a half original). fsck sees the leftover; the next start's recovery removes it and
// fsck, through the restarted server, finds the store clean — and the store still works.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededDataDir, spawnServer, type SpawnedServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { eventually, shoebox } from './cli-helpers.ts';

const dirs: string[] = [];
const servers: SpawnedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'me@example.com', password: 'a long enough password' }),
  });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

describe.skipIf(!HAS_FIXTURES)('crash during an upload', () => {
  it('SIGKILL mid-body: a temp leftover only; after a restart recovery and fsck find the store clean', { timeout: 90_000 }, async () => {
    const dataDir = seededDataDir();
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir };
    const server = await spawnServer(env);
    servers.push(server);
    const created = await shoebox(['create-owner', '--email', 'me@example.com', '--password-stdin'], env, 'a long enough password\n');
    expect(created.code, created.stderr).toBe(0);
    const cookie = await login(server.url);

    // A slow client: headers and the first 1.5 MB of a 2 MB photo (more than the receiver's 1 MiB
    // write batch, so some of it reaches the temp file), then nothing more.
    const photo = readFileSync(fixture('jpeg/camera/canon-dslr.jpg'));
    const boundary = 'sbx-boundary-7d3f';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="canon-dslr.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {}); // the server dies under it
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /api/assets/upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nOrigin: ${server.url}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.length + photo.length + tail.length}\r\n\r\n`,
    );
    socket.write(head);
    socket.write(photo.subarray(0, 1536 * 1024));
    const tmp = join(dataDir, 'tmp');
    await eventually(() => filesUnder(tmp).some((f) => statSync(f).size > 0), 10_000);

    server.proc.kill('SIGKILL');
    await server.exited;
    socket.destroy();
    expect(filesUnder(join(dataDir, 'originals'))).toEqual([]);
    expect(filesUnder(tmp)).toHaveLength(1);

    // fsck with no server (the dead one's lock is stale): the half upload is reported.
    const before = await shoebox(['fsck', '--json'], env);
    expect(before.code, before.stderr).toBe(1);
    const report = JSON.parse(before.stdout);
    expect(report.where).toBe('local');
    expect(report.found.tempLeftovers).toEqual([expect.objectContaining({ rel: expect.stringMatching(/^tmp\/upload-.+\.part$/) })]);

    // Started again on the same DATA_DIR: recovery removes the leftover; fsck through it is clean.
    const again = await spawnServer(env);
    servers.push(again);
    expect(filesUnder(tmp)).toEqual([]);
    const after = await shoebox(['fsck', '--verify'], env);
    expect(after.stdout).toContain('(through the running server)');
    expect(after.stdout).toMatch(/\nclean\n$/);
    expect(after.code, after.stderr).toBe(0);

    // And the same photo uploads whole now.
    const body = new FormData();
    body.append('file', new Blob([photo]), 'canon-dslr.jpg');
    const res = await fetch(`${again.url}/api/assets/upload`, { method: 'POST', body, headers: { cookie: await login(again.url), origin: again.url } });
    expect(res.status).toBe(201);
    expect(filesUnder(join(dataDir, 'originals'))).toHaveLength(1);
  });
});
