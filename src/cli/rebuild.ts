// `shoebox rebuild [--all|--missing] [--wait]`: derived files (grid thumbnail, preview,
// placeholder) made again from the originals. Through a running server its worker does the
// work (--wait watches it); without one this process runs a worker until the work is done.
import { CommandError } from '../admin/commands.ts';
import { openAdminSession } from './admin-session.ts';
import { catchInterrupt } from './progress.ts';
import type { CliCommand } from './main.ts';

interface RebuildResult {
  requeued: number;
  alreadyQueued: number;
  missingOriginals: { id: string; filename: string; rel: string }[];
}

export const rebuildCommand: CliCommand = {
  summary: 'make thumbnails and previews again: only missing or failed ones (default), or --all',
  usage: [
    'shoebox rebuild [--missing | --all] [--wait]',
    '',
    '  --missing  assets whose derived files are missing, and assets whose processing failed (default)',
    '  --all      every asset (e.g. after a change of thumbnail size)',
    '  --wait     with a running server, wait until its worker has made them (without a server',
    '             this command always makes them before it returns)',
  ].join('\n'),
  options: { all: { type: 'boolean' }, missing: { type: 'boolean' }, wait: { type: 'boolean' } },
  async run({ config, log, values, out }) {
    if (values.all && values.missing) throw new CommandError('choose --all or --missing, not both');
    const mode = values.all ? 'all' : 'missing';
    const session = await openAdminSession(config, log);
    const interrupt = catchInterrupt('the files in progress');
    try {
      const result = await session.run<RebuildResult>('rebuild', { mode });
      const what = mode === 'all' ? 'all assets' : 'assets with missing derived files or failed processing';
      out(`rebuild (${what}): ${result.requeued} asset${result.requeued === 1 ? '' : 's'} queued${result.alreadyQueued ? `, ${result.alreadyQueued} already waiting` : ''}`);
      for (const m of result.missingOriginals) {
        out(`  skipped ${m.filename} (asset ${m.id}): its original ${m.rel} is missing; restore it from a backup`);
      }
      if (session.where === 'server' && !values.wait) {
        out("the running server's worker is making them now ('shoebox rebuild --wait' waits for it)");
        return result.missingOriginals.length ? 1 : 0;
      }
      const status = await session.waitForWorker('rebuild', { isCancelled: () => interrupt.interrupted() });
      if (interrupt.interrupted()) {
        out(`interrupted: ${status.pending + status.processing} still queued; they are made at the next server start or 'shoebox rebuild'`);
        return 130;
      }
      out(
        `done: ${status.ready} asset${status.ready === 1 ? '' : 's'} ready, ${status.failed} failed${status.pending ? `, ${status.pending} waiting for a retry (made at the next server start)` : ''}` +
          (session.where === 'server' ? ' (made by the running server)' : ''),
      );
      return result.missingOriginals.length ? 1 : 0;
    } finally {
      interrupt.dispose();
      await session.close();
    }
  },
};
