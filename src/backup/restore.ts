// Restoring a backup (made by `shoebox backup`) into an empty DATA_DIR and an empty database:
// the embedded one, or the DATABASE_URL one. A backup of either kind restores into either,
// which is how a library moves between the embedded database and a real Postgres. The
// originals are copied back with their SHA-256 checked against their names.
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { acquireLock } from '../storage/lock-file.ts';
import { prepareDataDir } from '../storage/data-dir.ts';
import { copyPrivateFile } from './private-files.ts';
import { copyNewFiles, type CopyOutcome, type CopyProgress } from './copy-files.ts';
import { loadDump, type LoadOutcome } from './load-dump.ts';
import { DUMP_FILE, readManifest, SECRET_KEY_FILE, type BackupManifest } from './manifest.ts';

/** Refusals shown as they are: the target is not empty, the backup is incomplete. */
export class RestoreRefusedError extends Error {}

export interface RestoreOutcome {
  manifest: BackupManifest;
  load: LoadOutcome;
  files: CopyOutcome;
  /** Where the secret key came from: the backup, or SECRET_KEY (set here), or nowhere (a new one). */
  secretKey: 'restored' | 'environment' | 'new';
}

export interface RestoreHooks {
  onStage?: (stage: 'database' | 'files') => void;
  onStatements?: (done: number, total: number) => void;
  onFiles?: (p: CopyProgress) => void;
}

export async function restoreLibrary(config: Config, src: string, hooks: RestoreHooks = {}): Promise<RestoreOutcome> {
  const manifest = await readManifest(src);
  const dump = await readFile(join(src, DUMP_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new RestoreRefusedError(`the backup in ${src} has no ${DUMP_FILE}: it is incomplete`) : err;
  });
  // An embedded database already made there may stay if it is empty (checked below).
  await refuseNonEmptyDataDir(config.dataDir, config.databaseUrl ? [] : ['db']);
  const dataDir = prepareDataDir(config.dataDir);
  // Held with DATABASE_URL too: two restores into one DATA_DIR would copy over each other.
  const lock = acquireLock(dataDir.lockFile);
  try {
    const database = config.databaseUrl ? await openDatabase({ kind: 'postgres', url: config.databaseUrl, max: 1 }) : await openDatabase({ kind: 'pglite', dataDir: dataDir.db });
    let load: LoadOutcome;
    try {
      await refuseNonEmptyDatabase(database, config);
      hooks.onStage?.('database');
      load = await loadDump(database, dump, hooks.onStatements);
    } finally {
      await database.close();
    }
    let secretKey: RestoreOutcome['secretKey'] = config.secretKey ? 'environment' : 'new';
    if (manifest.secretKeyIncluded && !config.secretKey) {
      await copyPrivateFile(join(src, SECRET_KEY_FILE), dataDir.secretKeyFile);
      secretKey = 'restored';
    }
    hooks.onStage?.('files');
    const files = await copyNewFiles(src, dataDir.root, {
      folders: manifest.withDerived ? ['originals', 'thumbnails', 'videos'] : ['originals'],
      verifyOriginals: true,
      modes: 'library',
      onProgress: hooks.onFiles,
    });
    return { manifest, load, files, secretKey };
  } finally {
    lock.release();
  }
}

/** Only empty folders may be there (a DATA_DIR made ready by hand, with its permissions), and the folders `allowed`. */
async function refuseNonEmptyDataDir(root: string, allowed: string[]): Promise<void> {
  if (!existsSync(root)) return;
  const found = await firstFile(root, '', allowed);
  if (found) throw new RestoreRefusedError(`DATA_DIR=${root} is not empty (it holds ${found}): restore only into an empty DATA_DIR, so that nothing there is overwritten`);
}

async function firstFile(dir: string, rel: string, allowed: string[]): Promise<string | undefined> {
  for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (allowed.includes(path)) continue;
    if (!entry.isDirectory()) return path;
    const inside = await firstFile(dir, path, allowed);
    if (inside) return inside;
  }
  return undefined;
}

async function refuseNonEmptyDatabase(database: Database, config: Config): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' LIMIT 1`.execute(database.db);
  if (rows.length) {
    const where = config.databaseUrl ? 'the DATABASE_URL database' : 'the embedded database';
    throw new RestoreRefusedError(`${where} is not empty (it has ${rows[0]!.name}): restore only into an empty database`);
  }
}
