// `shoebox restore <src> [--no-thumbnails] [--json]`: a backup loaded into an empty DATA_DIR
// and an empty database (embedded, or DATABASE_URL: restoring an embedded library's backup
// there is how a library moves to Postgres, and back). Then the derived files are queued
// and made here, and the result is checked as `fsck` checks it.
import { resolve } from 'node:path';
import { CommandError } from '../admin/commands.ts';
import { NotABackupError } from '../backup/manifest.ts';
import { DumpLoadError } from '../backup/load-dump.ts';
import { restoreLibrary, RestoreRefusedError, type RestoreOutcome } from '../backup/restore.ts';
import { formatBytes } from '../ingest/checksum.ts';
import { countProblems, type FsckReport } from '../storage/fsck.ts';
import type { QueueStatus } from '../jobs/queue-status.ts';
import { openAdminSession } from './admin-session.ts';
import type { CliCommand } from './main.ts';
import { catchInterrupt, createProgress, type Progress } from './progress.ts';

export interface RestoreSummary {
  restored: Omit<RestoreOutcome, 'manifest'> & { backupCreatedAt: string; from: string };
  thumbnails?: QueueStatus;
  fsckProblems: number;
  ok: boolean;
}

export const restoreCommand: CliCommand = {
  summary: 'restore a backup into an empty DATA_DIR and database (also how a library moves to Postgres and back)',
  usage: [
    'shoebox restore <src> [--no-thumbnails] [--json]',
    '',
    '  <src> is a folder made by `shoebox backup`. DATA_DIR must be empty or missing, and the',
    '  database empty (DATABASE_URL set: that one, else the embedded one in DATA_DIR/db).',
    '  Every original is checked against its SHA-256 as it is copied. Exit code 1 when anything failed.',
    '  --no-thumbnails  leave thumbnails and previews to the server (made in the background after start)',
    '  --json           print the summary as JSON on stdout',
  ].join('\n'),
  options: { 'no-thumbnails': { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ config, log, values, positionals, out }) {
    if (positionals.length !== 1) throw new CommandError('name the backup folder: shoebox restore <src>');
    const src = resolve(positionals[0]!);
    const json = values.json === true;
    const say = json ? () => {} : out;
    let progress: Progress | undefined;
    let outcome: RestoreOutcome;
    try {
      outcome = await restoreLibrary(config, src, {
        onStage: (stage) => {
          progress?.stop();
          progress = undefined;
          say(stage === 'database' ? 'loading the database…' : 'copying the originals (each checked against its SHA-256)…');
        },
        onStatements: (done, total) => {
          progress ??= json ? undefined : createProgress({ label: 'database', total, unit: 'statements' });
          progress?.update(done);
        },
        onFiles: (p) => {
          progress ??= json ? undefined : createProgress({ label: 'files', total: p.totalFiles, unit: 'files', totalBytes: p.totalBytes });
          progress?.update(p.files, p.bytes);
        },
      });
    } catch (err) {
      if (err instanceof RestoreRefusedError || err instanceof NotABackupError || err instanceof DumpLoadError) throw new CommandError(err.message);
      throw err;
    } finally {
      progress?.stop();
    }

    // The restored library opens like any other: migrations newer than the backup run here.
    const session = await openAdminSession(config, log);
    const interrupt = catchInterrupt('the thumbnails in progress');
    let thumbnails: QueueStatus | undefined;
    let report: FsckReport;
    try {
      await session.run('rebuild', { mode: 'missing' });
      if (values['no-thumbnails'] !== true) thumbnails = await session.waitForWorker('thumbnails', { isCancelled: () => interrupt.interrupted() });
      ({ report } = await session.run<{ report: FsckReport }>('fsck', {}));
    } finally {
      interrupt.dispose();
      await session.close();
    }
    const fsckProblems = countProblems(report);
    const { manifest, ...restored } = outcome;
    const ok = outcome.files.failures.length === 0 && fsckProblems === 0;
    const summary: RestoreSummary = { restored: { ...restored, backupCreatedAt: manifest.createdAt, from: src }, thumbnails, fsckProblems, ok };
    if (json) {
      out(JSON.stringify(summary, null, 2));
    } else {
      printSummary(say, summary, config.dataDir);
    }
    return ok ? 0 : 1;
  },
};

function printSummary(say: (l: string) => void, s: RestoreSummary, dataDir: string) {
  const r = s.restored;
  say(`database: ${r.load.statements} statements loaded from the backup of ${r.backupCreatedAt}${r.load.skippedSettings.length ? ` (skipped settings this Postgres does not know: ${r.load.skippedSettings.join(', ')})` : ''}`);
  say(`originals: ${r.files.copied} copied (${formatBytes(r.files.copiedBytes)}), each matching its SHA-256`);
  for (const f of r.files.failures.slice(0, 20)) say(`  failed: ${f.rel}: ${f.error}`);
  if (r.files.failures.length > 20) say(`  … and ${r.files.failures.length - 20} more (--json lists all)`);
  const key = {
    restored: 'secret key: restored (sessions and signed links made before still work)',
    environment: 'secret key: SECRET_KEY from the environment is used (it must be the one the backed-up server had, for sessions and signed links made before to work)',
    new: 'secret key: not in the backup and no SECRET_KEY set: a new one was made (guests type link passwords again; sign-ins and share links still work)',
  }[r.secretKey];
  say(key);
  if (s.thumbnails) say(`thumbnails: ${s.thumbnails.ready} assets ready, ${s.thumbnails.failed} failed${s.thumbnails.pending ? `, ${s.thumbnails.pending} left for the server to make` : ''}`);
  else say('thumbnails: queued; the server makes them in the background after it starts');
  say(s.fsckProblems ? `fsck: ${s.fsckProblems} problems remain (run 'shoebox fsck' for the list)` : 'fsck: clean');
  say(s.ok ? `restored into DATA_DIR=${dataDir}; start the server as usual` : 'restore FINISHED WITH PROBLEMS (see above)');
}
