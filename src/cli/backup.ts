// `shoebox backup <dest> [--with-derived] [--json]`: the database dumped (by the running
// server when it holds the embedded database), the secret key, and the originals copied
// into <dest> incrementally. The new dump replaces the old one only after every file it
// names was copied, so the folder always holds a dump whose originals are all there.
import { chmod, readdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CommandError } from '../admin/commands.ts';
import { copyNewFiles, listStoredFiles, type CopyOutcome } from '../backup/copy-files.ts';
import { copyPrivateFile, makePrivateDirs, writePrivateText } from '../backup/private-files.ts';
import type { DumpInfo } from '../backup/database-dump.ts';
import { DUMP_FILE, MANIFEST_FILE, SECRET_KEY_FILE, type BackupManifest } from '../backup/manifest.ts';
import { formatBytes } from '../ingest/checksum.ts';
import { dataDirLayout } from '../storage/data-dir.ts';
import { missingLibrary, noLibrary } from '../storage/library-check.ts';
import { acquireLock, DataDirLockedError, type LockHandle } from '../storage/lock-file.ts';
import { version } from '../version.ts';
import { runAdminCommand } from './admin-client.ts';
import type { CliCommand } from './main.ts';
import { createProgress } from './progress.ts';

export interface BackupSummary {
  dest: string;
  database: DumpInfo & { where: 'server' | 'local' };
  secretKeyIncluded: boolean;
  files: CopyOutcome;
  ok: boolean;
}

const DERIVED_FOLDERS = ['thumbnails', 'videos'];
const LOCK_FILE = '.shoebox-backup.lock';

export const backupCommand: CliCommand = {
  summary: 'back up the database, the secret key and the originals into a folder (only new files are copied)',
  usage: [
    'shoebox backup <dest> [--with-derived] [--json]',
    '',
    '  Safe while the server runs. Run it again with the same <dest> to bring the backup up to date:',
    '  originals already there are not copied again. Exit code 1 when anything failed.',
    '  --with-derived  also copy thumbnails, previews and video copies (else a restore makes them again)',
    '  --json          print the summary as JSON on stdout',
  ].join('\n'),
  options: { 'with-derived': { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ config, log, values, positionals, out }) {
    if (positionals.length !== 1) throw new CommandError('name one folder to back up into: shoebox backup <dest>');
    const missing = missingLibrary(config);
    if (missing) throw noLibrary(config, missing);
    const dest = resolve(positionals[0]!);
    const withDerived = values['with-derived'] === true;
    const json = values.json === true;
    const say = json ? () => {} : out;
    await prepareBackupFolder(dest);

    const lock = lockBackupFolder(dest);
    try {
      const newDump = join(dest, `${DUMP_FILE}.new`);
      say(`dumping the database…`);
      const { where, result } = await runAdminCommand(config, log, 'dump-database', { path: newDump });
      const dump = result as DumpInfo;

      const layout = dataDirLayout(config.dataDir);
      const secretKeyIncluded = !config.secretKey;
      if (secretKeyIncluded) await copyPrivateFile(layout.secretKeyFile, join(dest, SECRET_KEY_FILE));

      const folders = withDerived ? ['originals', ...DERIVED_FOLDERS] : ['originals'];
      let progress: ReturnType<typeof createProgress> | undefined;
      const files = await copyNewFiles(layout.root, dest, {
        folders,
        modes: 'backup',
        onProgress: (p) => {
          progress ??= json ? undefined : createProgress({ label: 'backup', total: p.totalFiles, unit: 'files', totalBytes: p.totalBytes });
          progress?.update(p.files, p.bytes);
        },
      });
      progress?.stop();
      const ok = files.failures.length === 0;
      if (ok) {
        await rename(newDump, join(dest, DUMP_FILE));
        const originals = await countOriginals(dest);
        const manifest: BackupManifest = {
          format: 1,
          createdAt: new Date().toISOString(),
          shoeboxVersion: version,
          database: { kind: config.databaseUrl ? 'postgres' : 'pglite', serverVersion: dump.serverVersion, dumpedBy: dump.dumpedBy, bytes: dump.bytes },
          secretKeyIncluded,
          withDerived,
          originals,
        };
        await writePrivateText(join(dest, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
      } else {
        await unlink(newDump).catch(() => {});
      }

      const summary: BackupSummary = { dest, database: { ...dump, where }, secretKeyIncluded, files, ok };
      if (json) out(JSON.stringify(summary, null, 2));
      else printSummary(say, summary, config.secretKey !== undefined);
      return ok ? 0 : 1;
    } finally {
      lock.release();
    }
  },
};

function printSummary(say: (l: string) => void, s: BackupSummary, keyFromEnv: boolean) {
  say(`database: ${formatBytes(s.database.bytes)} dump of Postgres ${s.database.serverVersion} (${s.database.dumpedBy}${s.database.where === 'server' ? ', taken by the running server' : ''})`);
  say(`files: ${s.files.copied} copied (${formatBytes(s.files.copiedBytes)}), ${s.files.skipped} already in the backup${s.files.vanished ? `, ${s.files.vanished} emptied from the trash meanwhile` : ''}`);
  if (keyFromEnv) say('secret key: not included, SECRET_KEY comes from the environment; keep it with the backup yourself (sessions and signed links need it)');
  else say('secret key: included');
  for (const f of s.files.failures.slice(0, 20)) say(`  failed: ${f.rel}: ${f.error}`);
  if (s.files.failures.length > 20) say(`  … and ${s.files.failures.length - 20} more (--json lists all)`);
  say(s.ok ? `backup complete in ${s.dest}` : `backup FAILED: ${s.files.failures.length} files could not be copied; the previous backup in ${s.dest} is kept as it was`);
}

/** Created 0700; an existing folder must be empty or hold a Shoebox backup. */
/** Two backups into one folder would write the same temp files: the second one stops. */
export function lockBackupFolder(dest: string): LockHandle {
  try {
    return acquireLock(join(dest, LOCK_FILE));
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new CommandError(`another shoebox backup (pid ${err.pid}) is writing into ${dest}: wait until it has finished`);
    throw err;
  }
}

export async function prepareBackupFolder(dest: string): Promise<void> {
  const entries = await readdir(dest).then(
    (names) => names.filter((n) => n !== LOCK_FILE),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );
  if (entries === undefined) {
    await makePrivateDirs(dest);
    return;
  }
  if (entries.length && !entries.includes(MANIFEST_FILE) && !entries.includes(`${DUMP_FILE}.new`)) {
    throw new CommandError(`${dest} is not empty and holds no Shoebox backup: choose an empty or new folder`);
  }
  await chmod(dest, 0o700);
}

async function countOriginals(dest: string): Promise<{ files: number; bytes: number }> {
  const files = await listStoredFiles(dest, ['originals']);
  return { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
}
