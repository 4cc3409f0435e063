// Start-up recovery, the cheap part of `shoebox fsck --repair`: temp files left by uploads
// that never finished are removed, and an original that was renamed into place but whose
// row was never written (a crash in between) gets its row. Originals are never deleted.
import { readdir, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AppDeps } from '../http/env.ts';
import type { Logger } from '../log.ts';
import { listAllAssetFiles } from '../queries/assets.ts';
import { adoptOriginal } from '../ingest/adopt-original.ts';
import { parseOriginalName } from './layout.ts';
import { PROBE_PREFIX } from './data-dir.ts';

/** Files in tmp/; with `olderThanMs`, only those untouched for that long. */
export async function listTempFiles(tmpDir: string, olderThanMs = 0): Promise<string[]> {
  const names = await readdir(tmpDir).catch(() => [] as string[]);
  const cutoff = Date.now() - olderThanMs;
  const old: string[] = [];
  for (const name of names) {
    const info = await stat(join(tmpDir, name)).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs <= cutoff) old.push(join(tmpDir, name));
  }
  return old;
}

/** Every file under originals/ab/cd/ named <sha256>.<ext>, with its path relative to DATA_DIR. */
export async function listOriginalFiles(root: string): Promise<{ rel: string; hash: string; ext: string }[]> {
  const found: { rel: string; hash: string; ext: string }[] = [];
  const base = join(root, 'originals');
  for (const a of await readdir(base).catch(() => [] as string[])) {
    for (const b of await readdir(join(base, a)).catch(() => [] as string[])) {
      for (const name of await readdir(join(base, a, b)).catch(() => [] as string[])) {
        const parsed = parseOriginalName(name);
        if (parsed) found.push({ rel: `originals/${a}/${b}/${name}`, ...parsed });
      }
    }
  }
  return found;
}

export async function orphanOriginals(deps: Pick<AppDeps, 'database' | 'dataDir'>) {
  const rows = await listAllAssetFiles(deps.database.db);
  const known = new Set(rows.map((r) => r.storage_path));
  return (await listOriginalFiles(deps.dataDir.root)).filter((f) => !known.has(f.rel));
}

export async function recoverAtStart(deps: AppDeps, log: Logger): Promise<void> {
  // With a shared Postgres other processes may be uploading into the same tmp/: leave
  // their fresh files alone.
  const temps = await listTempFiles(deps.dataDir.tmp, deps.config.databaseUrl ? 6 * 3600_000 : 0);
  // A /healthz probe lives a millisecond: one found at start was left by a killed process.
  for (const path of await listTempFiles(deps.dataDir.tmp)) {
    if (basename(path).startsWith(PROBE_PREFIX) && !temps.includes(path)) temps.push(path);
  }
  for (const path of temps) await unlink(path).catch(() => {});
  if (temps.length) log.info('removed unfinished uploads', { files: temps.length });
  // An original renamed into place whose process died before its row. Another process's
  // upload may be between its rename and its row right now: adoption takes the bytes' lock,
  // which that upload holds until its row exists, and then finds the row.
  for (const orphan of await orphanOriginals(deps)) {
    const outcome = await adoptOriginal(deps, orphan.rel).catch((err: Error) => ({ adopted: false, note: `could not be read: ${err.message}; left alone` }));
    log[outcome.adopted ? 'info' : 'warn']('original without a row', { file: orphan.rel, outcome: outcome.note });
  }
}
