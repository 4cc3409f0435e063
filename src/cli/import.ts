// `shoebox import <folder> [--album "Name"] [--concurrency N] [--wait] [--json]`: a folder
// of photos and videos, walked recursively. Each file is hashed here; what the store already
// holds is skipped (so an interrupted import, run again, continues where it was); the rest is
// stored by the process that owns the database (the running server, through its admin
// socket, reading the file by its path; or this process), exactly as an upload would be.
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CommandError } from '../admin/commands.ts';
import { checksumMeter, formatBytes } from '../ingest/checksum.ts';
import type { ImportFileResult } from '../ingest/import-file.ts';
import { openAdminSession } from './admin-session.ts';
import type { CliCommand } from './main.ts';
import { catchInterrupt, createProgress } from './progress.ts';

export interface FolderFile {
  path: string;
  /** Relative to the folder, with forward slashes (for display). */
  rel: string;
  size: number;
  mtimeMs: number;
}

export interface FolderWalk {
  files: FolderFile[];
  ignored: { hidden: number; linksOutside: number; notFiles: number; unreadable: string[] };
}

/** Folders that hold a NAS's or OS's own thumbnails and metadata, never photos. */
const SYSTEM_FOLDERS = new Set(['@eaDir', '#recycle', '$RECYCLE.BIN', 'System Volume Information']);

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Regular files under `root`, recursively, in name order. Dotfiles, dot-folders and NAS
 * metadata folders are skipped; a symlink is followed only to a file inside the folder
 * (a linked folder is walked once, under its real path).
 */
export async function walkFolder(root: string): Promise<FolderWalk> {
  const realRoot = await realpath(root);
  const walk: FolderWalk = { files: [], ignored: { hidden: 0, linksOutside: 0, notFiles: 0, unreadable: [] } };
  async function visit(dir: string) {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      walk.ignored.unreadable.push(`${relative(realRoot, dir) || '.'}: ${(err as Error).message}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.') || (entry.isDirectory() && SYSTEM_FOLDERS.has(entry.name))) {
        walk.ignored.hidden++;
        continue;
      }
      if (entry.isDirectory()) {
        await visit(path);
        continue;
      }
      let target = path;
      if (entry.isSymbolicLink()) {
        try {
          target = await realpath(path);
        } catch {
          walk.ignored.linksOutside++; // dangling
          continue;
        }
        if (!inside(realRoot, target)) {
          walk.ignored.linksOutside++;
          continue;
        }
      } else if (!entry.isFile()) {
        walk.ignored.notFiles++;
        continue;
      }
      try {
        const info = await stat(target);
        if (!info.isFile()) {
          if (!info.isDirectory()) walk.ignored.notFiles++; // a linked folder inside the tree is walked as itself
          continue;
        }
        walk.files.push({ path, rel: relative(realRoot, path).split(sep).join('/'), size: info.size, mtimeMs: info.mtimeMs });
      } catch (err) {
        walk.ignored.unreadable.push(`${relative(realRoot, path)}: ${(err as Error).message}`);
      }
    }
  }
  await visit(realRoot);
  return walk;
}

/** SHA-256 of a file, streamed, reporting bytes as they are read. */
export async function hashFile(path: string, onBytes: (n: number) => void): Promise<string> {
  const meter = checksumMeter();
  const source = createReadStream(path, { highWaterMark: 1024 * 1024 });
  source.on('data', (chunk) => onBytes(chunk.length));
  await pipeline(source, meter.stream, new Writable({ write: (_c, _e, done) => done() }));
  return meter.result().sha256;
}

type Outcome =
  | { status: 'created'; id: string }
  | { status: 'duplicate'; id: string; of?: string }
  | { status: 'skipped'; id: string }
  | { status: 'attached'; id?: string }
  | { status: 'failed'; error: string };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What became of the files of a run (import, upload): counts by outcome, the failures, how many were not reached. */
export function tally<O extends { status: 'created' | 'duplicate' | 'skipped' | 'attached' | 'failed'; error?: string }>(files: FolderFile[], outcomes: Map<FolderFile, O>) {
  const count: { created: number; duplicate: number; skipped: number; failed: number; attached?: number } = { created: 0, duplicate: 0, skipped: 0, failed: 0 };
  // XMP sidecars kept with their photos: counted only when there are some (a run without keeps its old summary).
  for (const o of outcomes.values()) count[o.status] = (count[o.status] ?? 0) + 1;
  const failed = files.flatMap((f) => {
    const o = outcomes.get(f);
    return o?.status === 'failed' ? [{ file: f.rel, error: o.error ?? 'failed' }] : [];
  });
  return { count, failed, notDone: files.length - outcomes.size };
}

export const importCommand: CliCommand = {
  summary: 'import a folder of photos and videos (recursive; skips what is already stored)',
  usage: [
    'shoebox import <folder> [--album "Name"] [--concurrency N] [--wait] [--json]',
    '',
    '  Walks <folder> recursively (dotfiles, NAS metadata folders such as @eaDir and symlinks',
    '  leading out of the folder are ignored), skips files whose bytes are already stored, and',
    '  stores the rest as uploads would be. Run it again after an interruption: it continues',
    '  where it was.',
    '  --album "Name"   add every file (stored before or now) to the album with this exact title;',
    '                   created (for the owner) when there is none',
    '  --concurrency N  files in flight at once (default 2)',
    '  --wait           with a running server, wait until its worker has made the thumbnails',
    '                   (without a server this command makes them before it returns)',
    '  --json           print the result as JSON on stdout',
    '  Exit code 0 when every file was stored or already there, 1 when some failed.',
  ].join('\n'),
  options: { album: { type: 'string' }, concurrency: { type: 'string' }, wait: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ config, log, values, positionals, out }) {
    if (positionals.length !== 1) throw new CommandError('name one folder to import: shoebox import <folder>');
    const folder = resolve(positionals[0]!);
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory()) throw new CommandError(`${folder} is not a folder`);
    const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new CommandError('--concurrency must be a whole number from 1 to 64');
    if (typeof values.album === 'string' && !values.album.trim()) throw new CommandError('--album needs a title');
    const json = values.json === true;
    const say = json ? () => {} : out;

    const { files, ignored } = await walkFolder(folder);
    const totalBytes = files.reduce((n, f) => n + f.size, 0);
    const session = await openAdminSession(config, log);
    const interrupt = catchInterrupt('the files in flight');
    try {
      // Thumbnails are made while the import runs: by the server's worker, or by ours.
      await session.startWorker();
      let album: { id: string; title: string; created: boolean } | undefined;
      if (typeof values.album === 'string') album = await session.run('import-album', { title: values.album });
      say(
        `import ${folder}: ${plural(files.length, 'file')} (${formatBytes(totalBytes)})` +
          (album ? ` into album "${album.title}" (${album.created ? 'created' : 'existing'})` : '') +
          (session.where === 'server' ? ', through the running server' : ''),
      );

      const outcomes = new Map<FolderFile, Outcome>();
      const firstWithHash = new Map<string, string>();
      const createdHere = new Set<string>();
      const byHash = new Map<string, Promise<unknown>>();
      let fatal: Error | undefined;
      let done = 0;
      let hashedBytes = 0;
      let doneBytes = 0;
      const progress = createProgress({ label: 'import', total: files.length, unit: 'files', totalBytes });
      // Half of a file's bytes count when it is hashed here, the other half when it is stored.
      const showProgress = () => progress.update(done, Math.round((hashedBytes + doneBytes) / 2));

      const importOne = async (file: FolderFile, hash: string): Promise<Outcome> => {
        const [existing] = (await session.run<{ existing: { hash: string; id: string }[] }>('check-hashes', { hashes: [hash], albumId: album?.id })).existing;
        if (existing) {
          if (createdHere.has(hash)) return { status: 'duplicate', id: existing.id, of: firstWithHash.get(hash) };
          return { status: 'skipped', id: existing.id };
        }
        const result = await session.run<ImportFileResult>('import-file', { path: file.path, albumId: album?.id, lastModified: Math.round(file.mtimeMs) });
        if (result.status === 'rejected') return { status: 'failed', error: result.error ?? 'refused' };
        if (result.status === 'attached') return { status: 'attached', id: result.id };
        if (result.status === 'created') {
          createdHere.add(hash);
          return { status: 'created', id: result.id! };
        }
        return { status: 'duplicate', id: result.id! }; // stored by someone else meanwhile
      };

      const processFile = async (file: FolderFile) => {
        let hash: string;
        let counted = 0;
        try {
          hash = await hashFile(file.path, (n) => {
            counted += n;
            hashedBytes += n;
            showProgress();
          });
        } catch (err) {
          hashedBytes += file.size - counted;
          return { status: 'failed', error: `cannot be read: ${(err as Error).message}` } as Outcome;
        }
        hashedBytes += file.size - counted; // the file changed size since the walk
        if (!firstWithHash.has(hash)) firstWithHash.set(hash, file.rel);
        // Files with the same bytes go one after another, so the second sees the first stored.
        const before = byHash.get(hash) ?? Promise.resolve();
        const mine = before.then(() => importOne(file, hash));
        byHash.set(hash, mine.catch(() => {}));
        return mine;
      };

      let next = 0;
      const lane = async () => {
        while (!interrupt.interrupted() && !fatal && next < files.length) {
          const file = files[next++]!;
          try {
            outcomes.set(file, await processFile(file));
          } catch (err) {
            fatal ??= err as Error; // the server went away, the database failed: stop
            break;
          }
          done++;
          doneBytes += file.size;
          showProgress();
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(files.length, 1)) }, lane));
      progress.stop();

      const { count, failed, notDone: notProcessed } = tally(files, outcomes);
      const duplicates = files.flatMap((f) => {
        const o = outcomes.get(f);
        return o?.status === 'duplicate' ? [{ file: f.rel, of: o.of }] : [];
      });

      say(
        `created ${count.created}, duplicate ${count.duplicate}, skipped (already stored) ${count.skipped}, failed ${count.failed}` +
          (count.attached ? `; ${plural(count.attached, 'XMP sidecar')} kept with ${count.attached === 1 ? 'its photo' : 'their photos'}` : ''),
      );
      if (failed.length) {
        say('failed:');
        for (const f of failed) say(`  ${f.file}: ${f.error}`);
      }
      if (duplicates.length) {
        say('duplicates (same bytes as another file of this import, stored once):');
        for (const d of duplicates) say(`  ${d.file}${d.of ? ` = ${d.of}` : ''}`);
      }
      const ign: string[] = [];
      if (ignored.hidden) ign.push(plural(ignored.hidden, 'hidden file or folder', 'hidden files or folders'));
      if (ignored.linksOutside) ign.push(plural(ignored.linksOutside, 'symlink leading out of the folder', 'symlinks leading out of the folder'));
      if (ignored.notFiles) ign.push(plural(ignored.notFiles, 'special file'));
      if (ign.length) say(`ignored: ${ign.join(', ')}`);
      for (const u of ignored.unreadable) say(`unreadable: ${u}`);

      let thumbnails: string;
      if (fatal || interrupt.interrupted()) {
        thumbnails = session.where === 'server' ? 'made by the running server' : 'made at the next server start (or shoebox rebuild)';
      } else if (session.where === 'server' && !values.wait) {
        thumbnails = 'being made by the running server';
      } else {
        const status = await session.waitForWorker('thumbnails', { isCancelled: () => interrupt.interrupted() });
        thumbnails =
          status.pending + status.processing
            ? `${status.pending + status.processing} still queued (made at the next server start)`
            : `done${status.failed ? `; ${plural(status.failed, 'asset')} in the library failed processing (see shoebox fsck)` : ''}`;
      }
      if (count.created) say(`thumbnails: ${thumbnails}`);
      if (json) {
        out(
          JSON.stringify(
            {
              where: session.where,
              folder,
              album: album ?? null,
              counts: { ...count, notProcessed },
              files: files.map((f) => ({ file: f.rel, size: f.size, ...(outcomes.get(f) ?? { status: 'not processed' }) })),
              ignored,
              interrupted: interrupt.interrupted(),
              error: fatal?.message ?? null,
            },
            null,
            2,
          ),
        );
      }
      if (fatal) throw fatal;
      if (interrupt.interrupted()) {
        say(`interrupted: ${plural(notProcessed, 'file')} not looked at; run the same command again to continue (stored files are skipped)`);
        return 130;
      }
      return count.failed || ignored.unreadable.length ? 1 : 0;
    } finally {
      interrupt.dispose();
      await session.close();
    }
  },
};

