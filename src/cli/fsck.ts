// `shoebox fsck [--verify] [--repair] [--json]`: storage checked against the database.
// The check (and the repair) runs where the database is: inside the running server, or in
// this process. --verify re-hashes the originals here, reading DATA_DIR directly (the same
// machine and user as the server), so its progress shows. Exit code 0 when clean, 1 when
// problems remain.
import { formatBytes } from '../ingest/checksum.ts';
import { dataDirLayout } from '../storage/data-dir.ts';
import { countProblems, verifyOriginals, type FsckReport, type RepairOutcome, type VerifyResult } from '../storage/fsck.ts';
import { openAdminSession } from './admin-session.ts';
import type { CliCommand } from './main.ts';
import { createProgress, formatDuration } from './progress.ts';

/** With a server running (or a shared Postgres), temp files untouched this long are leftovers. */
export const TEMP_STALE_MS = 3600_000;
const SHOWN_PER_KIND = 20;

interface FsckAnswer {
  report: FsckReport;
  repaired?: RepairOutcome;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function list<T>(out: (l: string) => void, title: string, items: T[], line: (item: T) => string) {
  if (!items.length) return;
  out(`  ${title} (${items.length}):`);
  for (const item of items.slice(0, SHOWN_PER_KIND)) out(`    ${line(item)}`);
  if (items.length > SHOWN_PER_KIND) out(`    … and ${items.length - SHOWN_PER_KIND} more (--json lists all)`);
}

function bitRot(verify: VerifyResult | undefined, report: FsckReport) {
  if (!verify) return [];
  // A file whose size already differs from its row is reported once, as that.
  const sized = new Set(report.sizeMismatches.map((m) => m.rel));
  return verify.mismatches.filter((m) => !sized.has(m.rel));
}

function printProblems(out: (l: string) => void, report: FsckReport, verify: VerifyResult | undefined) {
  list(out, 'originals without a row', report.orphanOriginals, (o) => `${o.rel} (${formatBytes(o.size)})`);
  list(out, 'rows without their original', report.missingOriginals, (m) => `${m.filename} (asset ${m.id}): ${m.rel} is missing`);
  list(out, 'originals whose size differs from their row', report.sizeMismatches, (m) => `${m.rel} (${m.filename}): ${m.actual} bytes, stored as ${m.expected}`);
  list(out, 'originals whose content changed since they were stored (bit rot)', bitRot(verify, report), (m) => `${m.rel}: its SHA-256 is now ${m.actual}`);
  list(out, 'originals that could not be read', verify?.unreadable ?? [], (u) => `${u.rel}: ${u.error}`);
  list(out, 'missing derived files', report.missingDerived, (m) => `${m.filename} (asset ${m.id}): ${m.missing.join(', ')}`);
  list(out, 'derived files without an asset', report.orphanDerived, (d) => d.rel);
  list(out, 'leftover temp files', report.tempLeftovers, (t) => `${t.rel} (${formatBytes(t.size)}, untouched for ${formatDuration(t.ageMs / 1000)})`);
  list(out, 'stray parts of resumable uploads', report.strayUploadParts, (p) => `tmp/tus/${p.id} (${formatBytes(p.bytes)}): ${STRAY_WHY[p.why]}`);
  list(out, 'unexpected files under originals/ (never touched; move them away yourself)', report.unexpectedFiles, (u) => u.rel);
}

const STRAY_WHY = {
  expired: 'unfinished past UPLOAD_EXPIRY',
  'no record': 'its record (.json) is missing',
  'no part': 'a record whose bytes are missing',
  'unreadable record': 'its record (.json) does not parse',
} as const;

function problemCount(report: FsckReport, verify: VerifyResult | undefined): number {
  return countProblems(report) + bitRot(verify, report).length + (verify?.unreadable.length ?? 0);
}

export const fsckCommand: CliCommand = {
  summary: 'check stored files against the database (--verify re-hashes originals, --repair fixes what it safely can)',
  usage: [
    'shoebox fsck [--verify] [--repair] [--json]',
    '',
    '  Reports originals without rows, rows without originals, missing derived files and leftover',
    '  temp files. Exit code 0 when clean, 1 when problems remain.',
    '  --verify  also re-hash every original and report any whose SHA-256 no longer matches (bit rot)',
    '  --repair  requeue missing derived files, remove temp leftovers and derived files without an',
    '            asset, give rows to originals that have none. Never deletes or changes an original.',
    '  --json    print the full result as JSON on stdout',
  ].join('\n'),
  options: { verify: { type: 'boolean' }, repair: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ config, log, values, out }) {
    const json = values.json === true;
    const say = json ? () => {} : out;
    const session = await openAdminSession(config, log);
    try {
      // This process holds the embedded database's lock: nobody else can be writing temp files.
      const exclusive = session.where === 'local' && !config.databaseUrl;
      const tempMinAgeMs = exclusive ? 0 : TEMP_STALE_MS;
      const root = dataDirLayout(config.dataDir).root;

      let verify: VerifyResult | undefined;
      if (values.verify) {
        let progress: ReturnType<typeof createProgress> | undefined;
        verify = await verifyOriginals(root, (p) => {
          progress ??= createProgress({ label: 'verify', total: p.totalFiles, unit: 'originals', totalBytes: p.totalBytes });
          progress.update(p.files, p.bytes);
        });
        progress?.stop();
      }

      const found = await session.run<FsckAnswer>('fsck', { repair: values.repair === true, tempMinAgeMs });
      const { report, repaired } = found;
      const s = report.summary;
      const statuses = Object.entries(s.byStatus)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      say(`fsck of ${root}${session.where === 'server' ? ' (through the running server)' : ''}`);
      say(`  ${plural(s.assets, 'asset')}${statuses ? ` (${statuses})` : ''}, ${plural(s.originals, 'original')} (${formatBytes(s.originalBytes)}), ${plural(s.derivedFiles, 'derived file')}`);
      if (verify) say(`  verified ${plural(verify.checked, 'original')} (${formatBytes(verify.bytes)}): ${verify.mismatches.length ? `${verify.mismatches.length} changed` : 'all match their SHA-256'}`);
      const foundCount = problemCount(report, verify);
      if (foundCount) {
        say(`problems found (${foundCount}):`);
        printProblems(say, report, verify);
      }
      if (report.failedAssets.length || report.tempInFlight || report.originalsInFlight || report.uploadsInProgress.count) {
        say('notes:');
        list(say, "assets whose processing failed ('shoebox rebuild --missing' tries again)", report.failedAssets, (f) => `${f.filename} (asset ${f.id}): ${f.error ?? 'no error recorded'}`);
        if (report.tempInFlight) say(`  ${plural(report.tempInFlight, 'temp file')} younger than ${formatDuration(tempMinAgeMs / 1000)} left alone (uploads in progress)`);
        if (report.uploadsInProgress.count) say(`  ${plural(report.uploadsInProgress.count, 'resumable upload')} in progress (${formatBytes(report.uploadsInProgress.bytes)} in tmp/tus/) left alone`);
        if (report.originalsInFlight) say(`  ${plural(report.originalsInFlight, 'new original')} without a row yet left alone (uploads in progress)`);
      }

      let final = report;
      if (repaired) {
        say('repair:');
        if (repaired.requeued) say(`  requeued ${plural(repaired.requeued, 'asset')} for derived files`);
        if (repaired.removedTemp) say(`  removed ${plural(repaired.removedTemp, 'leftover temp file')}`);
        if (repaired.removedUploadParts) say(`  removed ${plural(repaired.removedUploadParts, 'stray upload part')} from tmp/tus/`);
        if (repaired.removedDerived) say(`  removed ${plural(repaired.removedDerived, 'derived file')} without an asset`);
        for (const a of repaired.adopted) say(`  ${a.adopted ? 'gave a row to' : 'could not give a row to'} ${a.rel}: ${a.note}`);
        const adopted = repaired.adopted.filter((a) => a.adopted).length;
        if (!repaired.requeued && !repaired.removedTemp && !repaired.removedUploadParts && !repaired.removedDerived && !repaired.adopted.length) say('  nothing to repair');
        if (repaired.requeued || adopted) {
          if (session.where === 'server') say("  the running server's worker is making the derived files now");
          else {
            const status = await session.waitForWorker('derived files');
            say(`  made derived files (${status.failed ? `${plural(status.failed, 'asset')} failed processing` : 'all ready'})`);
          }
        }
        final = (await session.run<FsckAnswer>('fsck', { repair: false, tempMinAgeMs })).report;
      }
      const remaining = problemCount(final, verify);
      if (json) {
        out(JSON.stringify({ where: session.where, dataDir: root, found: report, verify: verify ?? null, repaired: repaired ?? null, remaining: repaired ? final : null, problems: remaining }, null, 2));
      } else if (repaired) {
        if (remaining) {
          say(`after repair, ${plural(remaining, 'problem')} remain${remaining === 1 ? 's' : ''}:`);
          printProblems(say, final, verify);
          say('rows without their original and changed originals cannot be repaired here: restore those files from a backup.');
        } else say('after repair: clean');
      } else if (remaining) {
        const fixable = final.orphanOriginals.length + final.missingDerived.length + final.tempLeftovers.length + final.strayUploadParts.length + final.orphanDerived.length;
        const lost = final.missingOriginals.length + final.sizeMismatches.length + bitRot(verify, final).length + (verify?.unreadable.length ?? 0);
        say(
          [
            `${plural(remaining, 'problem')}.`,
            fixable ? "'shoebox fsck --repair' requeues missing derived files, removes leftovers and gives rows to orphan originals (it never deletes an original)." : '',
            lost ? 'Missing or changed originals must be restored from a backup.' : '',
            final.unexpectedFiles.length ? 'Move the unexpected files out of originals/.' : '',
          ]
            .filter(Boolean)
            .join(' '),
        );
      } else say('clean');
      return remaining ? 1 : 0;
    } finally {
      await session.close();
    }
  },
};
