// `shoebox import <folder>`: real fixture copies, the real CLI as a child process, with no
// server (the CLI opens the store and runs the worker itself) and with a server running on
// the same DATA_DIR (the CLI goes through its admin socket; the server reads the files and
// its worker makes the thumbnails). Run again, it skips everything already stored.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, seededDataDir, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES, SKIP_REASON } from '../media/fixtures.ts';
import { derivedFilesExist, eventually, IMPORT_SET, importFolder, readStore, sha256, shoebox, STORED } from './cli-helpers.ts';

const dirs: string[] = [];
const servers: SpawnedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const keep = (dir: string) => (dirs.push(dir), dir);

interface ImportJson {
  where: 'local' | 'server';
  album: { id: string; title: string; created: boolean } | null;
  counts: { created: number; duplicate: number; skipped: number; failed: number; notProcessed: number };
  files: { file: string; status: string; error?: string; of?: string }[];
  interrupted: boolean;
}

const parse = (stdout: string) => JSON.parse(stdout) as ImportJson;
const owner = (env: Record<string, string>) => shoebox(['create-owner', '--email', 'me@example.com', '--password-stdin'], env, 'a long enough password\n');

function expectFirstRun(result: ImportJson) {
  expect(result.counts).toEqual({ created: 6, duplicate: 1, skipped: 0, failed: 2, notProcessed: 0 });
  const byFile = Object.fromEntries(result.files.map((f) => [f.file, f]));
  expect(byFile['odd/broken/empty.jpg']).toMatchObject({ status: 'failed', error: 'empty.jpg was not stored: it is empty (0 bytes).' });
  expect(byFile['odd/broken/exiv2-bug1247.jpg']).toMatchObject({ status: 'failed', error: expect.stringMatching(/^exiv2-bug1247\.jpg was not stored\. This file is damaged/) });
  expect(byFile['odd/this-is-a-jpeg.png']!.status).toBe('created'); // typed by content, not by name
  const pair = [byFile['phone/IMG_4120.JPG']!, byFile['phone/IMG_4120 copy.JPG']!];
  expect(pair.map((f) => f.status).sort()).toEqual(['created', 'duplicate']);
  // Ignored: the dotfile and the symlink that leads out of the folder.
  expect(result.files.map((f) => f.file).sort()).toEqual(Object.values(IMPORT_SET).sort());
}

describe.skipIf(!HAS_FIXTURES)('shoebox import', () => {
  if (!HAS_FIXTURES) console.warn(SKIP_REASON);

  it('imports a folder without a server: summary, album, thumbnails; again: everything skipped', { timeout: 90_000 }, async () => {
    const dataDir = keep(seededDataDir());
    const folder = keep(importFolder());
    const env = { DATA_DIR: dataDir };
    const created = await owner(env);
    expect(created.code, created.stderr).toBe(0);

    const first = await shoebox(['import', folder, '--album', 'Trip', '--json'], env);
    expect(first.code, first.stderr).toBe(1); // two files were refused
    const result = parse(first.stdout);
    expect(result.where).toBe('local');
    expect(result.album).toMatchObject({ title: 'Trip', created: true });
    expectFirstRun(result);
    // The CLI ran the worker until idle: every stored photo has its thumbnails already.
    for (const f of STORED) expect(derivedFilesExist(dataDir, sha256(fixture(f))), f).toBe(true);

    const again = await shoebox(['import', folder, '--album', 'Trip'], env);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout).toContain('album "Trip" (existing)');
    expect(again.stdout).toContain('created 0, duplicate 0, skipped (already stored) 7, failed 2');
    expect(again.stdout).toContain('odd/broken/empty.jpg: empty.jpg was not stored: it is empty (0 bytes).');
    expect(again.stdout).toContain('ignored: 1 hidden file or folder, 1 symlink leading out of the folder');
    expect(again.stderr).toMatch(/import: 9\/9 files \| .*\/s \| \d+s elapsed/); // plain progress lines off a terminal

    const store = await readStore(dataDir);
    expect(store.assets).toHaveLength(6);
    expect(store.assets.every((a) => a.status === 'ready')).toBe(true);
    expect(store.albums).toEqual({ Trip: 6 });
  });

  it('goes through a running server: the server stores the files and its worker makes the thumbnails', { timeout: 90_000 }, async () => {
    const dataDir = keep(seededDataDir());
    const folder = keep(importFolder());
    const env = { DATA_DIR: dataDir };
    const server = await spawnServer(env);
    servers.push(server);
    const noOwner = await shoebox(['import', folder, '--album', 'Trip'], env);
    expect(noOwner.code, noOwner.stderr).toBe(1);
    expect(noOwner.stderr).toContain("there is no owner account yet: run 'shoebox create-owner");
    const created = await owner(env);
    expect(created.code, created.stderr).toBe(0);

    const first = await shoebox(['import', folder, '--album', 'Trip', '--json', '--concurrency', '3'], env);
    expect(first.code, first.stderr).toBe(1);
    const result = parse(first.stdout);
    expect(result.where).toBe('server');
    expectFirstRun(result);
    const hashes = STORED.map((f) => sha256(fixture(f)));
    await eventually(() => hashes.every((h) => derivedFilesExist(dataDir, h)));

    const again = await shoebox(['import', folder, '--album', 'Trip', '--wait'], env);
    expect(again.stdout).toContain('through the running server');
    expect(again.stdout).toContain('created 0, duplicate 0, skipped (already stored) 7, failed 2');

    expect(await server.stop('SIGTERM')).toBe(0);
    const store = await readStore(dataDir);
    expect(store.assets).toHaveLength(6);
    expect(store.albums).toEqual({ Trip: 6 });
    expect(store.assets.every((a) => a.status === 'ready')).toBe(true);
  });

  it('stops cleanly on Ctrl-C and, run again, continues where it was', { timeout: 90_000 }, async () => {
    const dataDir = keep(seededDataDir());
    const folder = keep(tempDir('sbx-many-'));
    const N = 16;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        sharp({ create: { width: 320, height: 240, channels: 3, background: { r: i * 6, g: 255 - i * 6, b: (i * 37) % 256 } } })
          .jpeg()
          .toFile(join(folder, `IMG_${String(i).padStart(4, '0')}.jpg`)),
      ),
    );
    const env = { DATA_DIR: dataDir };

    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import', folder, '--concurrency', '1', '--json'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once the store is open and the first files are going in.
    await eventually(() => storedNames(dataDir).length > 0, 30_000).catch(() => {});
    child.kill('SIGINT');
    const code = await exited;
    const first = parse(stdout);
    if (code === 130) {
      expect(first.interrupted).toBe(true);
      expect(first.counts.created + first.counts.notProcessed).toBe(N);
      expect(stderr).toContain('stopping after the files in flight');
    } else {
      expect(code, stderr).toBe(0); // it finished before the signal arrived: nothing to resume
    }

    const second = parse((await shoebox(['import', folder, '--json'], env)).stdout);
    expect(second.counts.skipped).toBe(first.counts.created);
    expect(second.counts.created + second.counts.skipped).toBe(N);
    const store = await readStore(dataDir);
    expect(store.assets).toHaveLength(N);
    expect(store.assets.every((a) => a.status === 'ready')).toBe(true);
  });
});

/** Files under DATA_DIR/originals and tmp/ (to see that the import has begun). */
function storedNames(dataDir: string): string[] {
  return ['originals', 'tmp'].flatMap((top) => {
    try {
      return readdirSync(join(dataDir, top), { recursive: true }) as string[];
    } catch {
      return [];
    }
  });
}
