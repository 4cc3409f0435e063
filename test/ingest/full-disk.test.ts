// A full disk during an upload: a clear refusal, nothing half-written kept, and what was
// stored before stays. DATA_DIR is a small tmpfs (the database lives elsewhere).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/database.ts';
import { newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';

const TMPFS_MB = 24;

/** What this process (the server runs in it) holds open or mapped under `dir`. */
function heldUnder(dir: string): string[] {
  const fds = readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the descriptor readdir used is closed by now
    }
  });
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n').map((line) => line.split(/\s+/).slice(5).join(' '));
  return [...new Set([...fds, ...maps].filter((target) => target.startsWith(dir + '/')))];
}

/** Files under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function form(name: string, bytes: Buffer): FormData {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(bytes)]), name);
  return body;
}

describe.skipIf(!HAS_FIXTURES)('upload onto a full disk', () => {
  const mountPoint = tempDir('sbx-full-');
  let server: TestServer;
  let cookie: string;
  beforeAll(async () => {
    // Tests run as root here (CI installs packages with apt-get), so a tmpfs can be mounted.
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m`, 'tmpfs', mountPoint]);
    server = await startTestServer({ backend: backends()[0]!, worker: true, dataRoot: mountPoint });
    const owner = await newUser(server.database.db, { role: 'owner' });
    cookie = await sessionCookie(server.database.db, owner);
  });
  afterAll(async () => {
    await server?.close();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const upload = (body: FormData) => server.fetch('/api/assets/upload', { method: 'POST', body, headers: { cookie, origin: server.url } });
  const root = () => server.deps.dataDir.root;

  it('refuses with 507 and a clear message, keeps nothing of the file, and loses nothing stored before', async () => {
    const photo = readFileSync(fixture('jpeg/camera/canon-dslr.jpg'));
    const first = await upload(form('first.jpg', photo));
    expect(first.status).toBe(201);
    const [stored] = (await first.json()).assets;
    await server.idle();
    const before = filesUnder(root());
    expect(before.filter((f) => f.startsWith('originals/'))).toEqual([expect.stringMatching(/^originals\/.+\.jpg$/)]);
    expect(before.filter((f) => f.startsWith('tmp/'))).toEqual([]);

    // A JPEG start followed by more bytes than the disk has room for.
    const huge = Buffer.concat([photo.subarray(0, 4096), randomBytes(TMPFS_MB * 1024 * 1024)]);
    const res = await upload(form('huge.jpg', huge));
    expect(res.status).toBe(507);
    const body = await res.json();
    expect(body.assets).toEqual([{ status: 'rejected', originalFilename: 'huge.jpg', error: expect.stringMatching(/huge\.jpg: .*disk.*full/) }]);
    expect(filesUnder(join(root(), 'tmp'))).toEqual([]);
    expect(filesUnder(root())).toEqual(before);

    // What was stored is intact and still served; the space the refused file took is free again.
    const original = await server.fetch(`/api/assets/${stored.id}`, { headers: { cookie } });
    expect(original.status).toBe(200);
    const again = await upload(form('after.png', readFileSync(fixture('png/IMG_20180725_163423-1.png'))));
    expect(again.status).toBe(201);
    await server.idle();
    // Once processed, no original stays open or mapped (libvips' cache would keep them), so the
    // space of a purged file is free at once.
    expect(heldUnder(root())).toEqual([]);
  });
});
