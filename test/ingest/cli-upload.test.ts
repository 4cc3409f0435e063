// `shoebox upload`: a folder sent to a server over the network with an API token, through a
// proxy that slows the uplink so Ctrl-C lands in the middle of a large file. The second run
// skips what the server has and sends only the rest of that file. The CLI is given a
// DATA_DIR that does not exist: it never opens one.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectJson } from '../helpers/api.ts';
import { cli } from '../helpers/cli.ts';
import { bearerToken, newUser } from '../helpers/factories.ts';
import { repoRoot, startTestServer, tempDir, type TestServer } from '../helpers/server.ts';
import { slowUplink, type SlowUplink } from '../helpers/slow-uplink.ts';
import { tusClient } from '../helpers/tus.ts';
import { fixture } from '../media/fixtures.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const KiB = 1024;

describe('shoebox upload (the remote CLI)', () => {
  let server: TestServer;
  let uplink: SlowUplink;
  let token: string;
  let folder: string;
  let state: string;
  const big = Buffer.concat([readFileSync(fixture('jpeg/camera/canon-dslr.jpg')), randomBytes(3 * 1024 * KiB)]);
  beforeAll(async () => {
    server = await startTestServer({ backend: 'pglite' });
    uplink = await slowUplink(server.url);
    token = await bearerToken(server.database.db, await newUser(server.database.db, { role: 'owner' }));
    folder = tempDir('sbx-upload-src-');
    state = tempDir('sbx-upload-state-');
    for (let i = 0; i < 3; i++) {
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40 * i, g: 90, b: 200 - 40 * i } } }).jpeg().toFile(join(folder, `IMG_000${i}.jpg`));
    }
    writeFileSync(join(folder, 'IMG_0100.jpg'), big);
    writeFileSync(join(folder, 'notes.txt'), 'not a photo\n');
    writeFileSync(join(folder, '.DS_Store'), 'hidden');
    // One of them is on the server already.
    const first = readFileSync(join(folder, 'IMG_0000.jpg'));
    await expectJson(await tusClient(server.url, '/api/uploads', { authorization: `Bearer ${token}` }).create(first.length, { filename: 'IMG_0000.jpg' }, first), 201);
  });
  afterAll(async () => {
    await uplink?.close();
    await server?.close();
    for (const d of [folder, state]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const env = () => ({ DATA_DIR: join(state, 'no-library-here'), UPLOAD_CHUNK_SIZE: '256K', SHOEBOX_STATE_DIR: state });
  const args = (...more: string[]) => ['upload', folder, '--server', uplink.url, '--token', token, '--album', 'From the laptop', '--concurrency', '1', '--json', ...more];
  const tusParts = () => readdirSync(join(server.deps.dataDir.tmp, 'tus')).filter((n) => !n.endsWith('.json'));

  it('uploads a folder, skips what the server has, and after Ctrl-C a second run sends only what is missing', { timeout: 90_000 }, async () => {
    // 1. Slowed to 1 MB/s, interrupted once the large file is part-way.
    uplink.bytesPerSecond = 1024 * KiB;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args()], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 600; i++) {
      const part = existsSync(join(server.deps.dataDir.tmp, 'tus')) ? tusParts()[0] : undefined;
      if (part && statSync(join(server.deps.dataDir.tmp, 'tus', part)).size > 512 * KiB) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const first = JSON.parse(stdout);
    expect(first.interrupted).toBe(true);
    expect(stderr).toContain('stopping: the files in flight pause where they are');
    const status = (f: string) => first.files.find((x: { file: string }) => x.file === f).status;
    expect(status('IMG_0000.jpg')).toBe('skipped');
    expect(status('IMG_0100.jpg')).toBe('not sent');
    const held = statSync(join(server.deps.dataDir.tmp, 'tus', tusParts()[0]!)).size;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(big.length);

    // 2. Again, at full speed: the large file goes on from what the server holds.
    uplink.bytesPerSecond = Infinity;
    const before = uplink.bytesUp;
    const second = await cli(args(), env());
    expect(second.code, second.stderr).toBe(1); // notes.txt is refused
    const result = JSON.parse(second.stdout);
    const rest = result.files.filter((f: { status: string }) => f.status !== 'skipped');
    expect(rest.map((f: { file: string; status: string }) => [f.file, f.status]).sort()).toEqual(
      first.files
        .filter((f: { status: string }) => f.status !== 'created' && f.status !== 'skipped')
        .map((f: { file: string }) => [f.file, f.file === 'notes.txt' ? 'failed' : 'created'])
        .sort(),
    );
    expect(result.files.find((f: { file: string }) => f.file === 'notes.txt').error).toMatch(/^notes\.txt is not a photo or video Shoebox accepts\. It takes photos \(JPEG/);
    const sentUp = uplink.bytesUp - before;
    expect(sentUp, 'the large file was not sent again from its first byte').toBeLessThan(big.length - held + 512 * KiB);
    expect(tusParts()).toEqual([]);

    // Everything is on the server, in the album, byte for byte; a third run sends nothing.
    const db = server.database.db;
    const album = await db.selectFrom('albums').select('id').where('title', '=', 'From the laptop').executeTakeFirstOrThrow();
    const inAlbum = await db.selectFrom('album_assets').innerJoin('assets', 'assets.id', 'album_assets.asset_id').select(['assets.original_filename', 'assets.storage_path']).where('album_id', '=', album.id).execute();
    expect(inAlbum.map((a) => a.original_filename).sort()).toEqual(['IMG_0000.jpg', 'IMG_0001.jpg', 'IMG_0002.jpg', 'IMG_0100.jpg']);
    const bigRow = inAlbum.find((a) => a.original_filename === 'IMG_0100.jpg')!;
    expect(sha256(readFileSync(join(server.deps.dataDir.root, bigRow.storage_path)))).toBe(sha256(big));
    const third = JSON.parse((await cli(args(), env())).stdout);
    expect(third.counts).toMatchObject({ created: 0, skipped: 4, failed: 1 });
    expect(existsSync(join(state, 'no-library-here'))).toBe(false);
  });

  it('says plainly what is wrong with the server address or the token', async () => {
    const wrongToken = await cli(['upload', folder, '--server', server.url, '--token', 'sbx_nope'], env());
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/the server refused the token: invalid or revoked API token/);
    const noToken = await cli(['upload', folder, '--server', server.url], env());
    expect(noToken.stderr).toMatch(/--token is required/);
  });
});
