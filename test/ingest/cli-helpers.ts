// Shared by the CLI ingest tests: a folder of fixture copies, hashes, the store's rows.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { openRuntime } from '../../src/runtime.ts';
import { silentLogger } from '../../src/log.ts';
import { previewRelPath, smallThumbRelPath } from '../../src/storage/layout.ts';
import { fixture } from '../media/fixtures.ts';
import { repoRoot, tempDir, testConfig } from '../helpers/server.ts';
import type { CliResult } from '../helpers/cli.ts';

/**
 * `shoebox <args>` as a child process, like helpers/cli.ts but with room for a loaded machine
 * (an import makes thumbnails before it returns); a run that is killed says so in stderr.
 */
export function shoebox(args: string[], env: Record<string, string>, stdin = '', timeoutMs = 75_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const killed = err && (err as { killed?: boolean }).killed ? `\n[killed after ${timeoutMs} ms]` : '';
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr + killed });
      },
    );
    child.stdin?.end(stdin);
  });
}

export const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Fixture → where it goes in the import folder. */
export const IMPORT_SET: Record<string, string> = {
  'jpeg/phone/IMG_4120.JPG': 'phone/IMG_4120.JPG',
  'jpeg/phone/IMG_4120 copy.JPG': 'phone/IMG_4120 copy.JPG', // same bytes: duplicate
  'misnamed/this-is-a-jpeg.png': 'odd/this-is-a-jpeg.png', // a JPEG named .png
  'broken/exiv2-bug1247.jpg': 'odd/broken/exiv2-bug1247.jpg', // 17 bytes: 422
  'broken/empty.jpg': 'odd/broken/empty.jpg', // 0 bytes: 415
  'png/IMG_20180725_163423-1.png': 'IMG_20180725_163423-1.png',
  'webp/norway-kjetil-moe.webp': 'norway.webp',
  'jpeg/orientation/landscape_6.jpg': 'landscape_6.jpg',
  'raw/Nikon.nef': 'raw/Nikon.nef',
};
/** Distinct photos the set stores (the duplicate pair once, the two broken files never). */
export const STORED = ['jpeg/phone/IMG_4120.JPG', 'misnamed/this-is-a-jpeg.png', 'png/IMG_20180725_163423-1.png', 'webp/norway-kjetil-moe.webp', 'jpeg/orientation/landscape_6.jpg', 'raw/Nikon.nef'];

/** A temp folder of fixture copies, plus a dotfile and a symlink leading out of it (both ignored). */
export function importFolder(set: Record<string, string> = IMPORT_SET): string {
  const dir = tempDir('sbx-in-');
  for (const [from, to] of Object.entries(set)) {
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    copyFileSync(fixture(from), join(dir, to));
  }
  writeFileSync(join(dir, '.DS_Store'), 'not a photo');
  symlinkSync(fixture('jpeg/gps/gps-2000.jpg'), join(dir, 'outside-link.jpg'));
  return dir;
}

export function derivedFilesExist(dataDir: string, hash: string): boolean {
  return existsSync(join(dataDir, smallThumbRelPath(hash))) && existsSync(join(dataDir, previewRelPath(hash)));
}

/** Opens the store (no server may be running on it) and reads what a test checks. */
export async function readStore(dataDir: string) {
  const runtime = await openRuntime(testConfig(dataDir), silentLogger);
  try {
    const db = runtime.deps.database.db;
    const assets = await db.selectFrom('assets').select(['id', 'file_hash', 'status', 'original_filename', 'storage_path']).execute();
    const albums = await db
      .selectFrom('albums')
      .leftJoin('album_assets', 'album_assets.album_id', 'albums.id')
      .select(['albums.title', sql<number>`count(album_assets.asset_id)::int`.as('n')])
      .groupBy('albums.title')
      .execute();
    return { assets, albums: Object.fromEntries(albums.map((a) => [a.title, Number(a.n)])) };
  } finally {
    await runtime.close();
  }
}

/** Waits until `check` holds (or fails after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
