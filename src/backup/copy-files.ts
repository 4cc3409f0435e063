// Copying stored files between a library and a backup, only what the other side lacks. An
// original's name is its SHA-256, so a file already there with the same name and size is
// the same file. Each copy goes to a temp name, is fsynced and renamed, so an interrupted run
// leaves no half file under a real name (private-files.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { makePrivateDirs, PARTIAL, writePrivateFile } from './private-files.ts';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checksumMeter } from '../ingest/checksum.ts';
import { parseOriginalName } from '../storage/layout.ts';
import { walkFiles, type FileEntry } from '../storage/walk.ts';
import { TEMP_FILE_PATTERN } from '../media/atomic-write.ts';

export interface CopyProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

export interface CopyOutcome {
  copied: number;
  copiedBytes: number;
  /** Already at the destination with the same size. */
  skipped: number;
  /** Listed, then gone before it was copied (emptied from the trash meanwhile). */
  vanished: number;
  failures: { rel: string; error: string }[];
}

export interface CopyOptions {
  /** Folders under the roots, e.g. ['originals'] or ['originals', 'thumbnails', 'videos']. */
  folders: string[];
  /** Check each original's SHA-256 against its name while copying (restore). */
  verifyOriginals?: boolean;
  /** 'backup': folders 0700, files 0600; 'library': as the server makes them (0644 under a 0700 DATA_DIR, which nginx may be given group access to). */
  modes: 'backup' | 'library';
  onProgress?: (p: CopyProgress) => void;
}

export async function listStoredFiles(root: string, folders: string[]): Promise<FileEntry[]> {
  const files: FileEntry[] = [];
  for (const folder of folders) files.push(...(await walkFiles(root, folder)));
  // Temp files of writes in progress (the library's, or an interrupted copy's) are not part of it.
  return files.filter((f) => {
    const name = f.rel.split('/').at(-1)!;
    return !TEMP_FILE_PATTERN.test(name) && !name.endsWith(PARTIAL);
  });
}

export async function copyNewFiles(fromRoot: string, toRoot: string, options: CopyOptions): Promise<CopyOutcome> {
  const files = await listStoredFiles(fromRoot, options.folders);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const outcome: CopyOutcome = { copied: 0, copiedBytes: 0, skipped: 0, vanished: 0, failures: [] };
  let done = 0;
  let doneBytes = 0;
  for (const file of files) {
    const target = join(toRoot, file.rel);
    try {
      const there = await stat(target).catch(() => undefined);
      if (there?.size === file.size) {
        outcome.skipped++;
      } else {
        const expected = options.verifyOriginals && file.rel.startsWith('originals/') ? parseOriginalName(file.rel.split('/').at(-1)!)?.hash : undefined;
        await copyOne(join(fromRoot, file.rel), target, expected, options.modes);
        outcome.copied++;
        outcome.copiedBytes += file.size;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await stat(join(fromRoot, file.rel)).catch(() => undefined))) outcome.vanished++;
      else outcome.failures.push({ rel: file.rel, error: (err as Error).message });
    }
    done++;
    doneBytes += file.size;
    options.onProgress?.({ files: done, totalFiles: files.length, bytes: doneBytes, totalBytes });
  }
  return outcome;
}

async function copyOne(from: string, to: string, expectedSha256: string | undefined, modes: CopyOptions['modes']): Promise<void> {
  if (modes === 'backup') await makePrivateDirs(dirname(to));
  else await mkdir(dirname(to), { recursive: true });
  await writePrivateFile(to, async (temp) => {
    // Nothing to check: the kernel copies (copy_file_range, a reflink where the filesystem has them).
    if (!expectedSha256) return copyFile(from, temp);
    const meter = checksumMeter();
    await pipeline(createReadStream(from, { highWaterMark: 1024 * 1024 }), meter.stream, createWriteStream(temp, { mode: 0o600 }));
    const actual = meter.result().sha256;
    if (actual !== expectedSha256) throw new Error(`its content does not match its name (SHA-256 ${actual}): the copy in the backup is damaged`);
  }, modes === 'backup' ? 0o600 : 0o644);
}
