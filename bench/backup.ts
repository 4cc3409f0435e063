// `shoebox backup` and `shoebox restore` on a library of N originals of M MiB of random bytes
// (embedded database), against the shell doing the same copies in the same run:
//   1. first backup          vs  cp -r originals/ + sync        (backup also dumps the database
//                                                                 and fsyncs each file)
//   2. second backup (nothing new to copy)                       (how long the check takes)
//   3. restore --no-thumbnails vs  cp -r + sync, then sha256sum of every file  (restore checks
//                                                                 each SHA-256 as it copies)
// Each timing starts after a `sync`, so no side pays for the other's dirty pages. The CLI's own
// start (Node, tsx, opening PGlite) is part of its time. No target: numbers for the record.
// The originals are random bytes with no rows in the database: the copying and checking is
// what is measured, not the dump's size.
//
// Run: node --import tsx bench/backup.ts [--files 100] [--file-mb 10]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cachedOriginals, emitRows, linkOrCopy, note, ratioText } from './common.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '100' }, 'file-mb': { type: 'string', default: '10' } } });
const files = Number(values.files);
const mb = Number(values['file-mb']);
const work = mkdtempSync(join(tmpdir(), 'sbx-bench-backup-'));
const repo = new URL('../', import.meta.url).pathname;

const shoebox = (args: string[], dataDir: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
const timed = (f: () => void) => {
  execFileSync('sync');
  const start = performance.now();
  f();
  return (performance.now() - start) / 1000;
};

try {
  const originals = cachedOriginals(files, mb);
  const library = join(work, 'library');
  shoebox(['migrate'], library);
  for (const o of originals) {
    const dir = join(library, 'originals', o.hash.slice(0, 2), o.hash.slice(2, 4));
    mkdirSync(dir, { recursive: true });
    linkOrCopy(o.path, join(dir, `${o.hash}.bin`));
  }
  const gib = (files * mb) / 1024;
  note(`library: ${files} originals of ${mb} MiB (${gib.toFixed(2)} GiB)`);

  const baseline = timed(() => {
    mkdirSync(join(work, 'cp'));
    execFileSync('cp', ['-r', join(library, 'originals'), join(work, 'cp/')]);
    execFileSync('sync');
  });
  const first = timed(() => shoebox(['backup', join(work, 'backup')], library));
  const second = timed(() => shoebox(['backup', join(work, 'backup')], library));
  note(`backup: ${first.toFixed(2)} s (cp -r + sync: ${baseline.toFixed(2)} s); again with nothing new: ${second.toFixed(2)} s`);

  rmSync(join(work, 'cp'), { recursive: true });
  const restoreBaseline = timed(() => {
    mkdirSync(join(work, 'cp'));
    execFileSync('cp', ['-r', join(work, 'backup', 'originals'), join(work, 'cp/')]);
    execFileSync('sync');
    execFileSync('sh', ['-c', `find "${join(work, 'cp')}" -type f -print0 | xargs -0 sha256sum > /dev/null`]);
  });
  // The library has no rows for these files (random bytes are no photos), so restore's closing
  // fsck reports them as originals without a row and it exits 1: what counts here is that every
  // file came back, checked.
  let summary: { restored: { files: { copied: number; failures: unknown[] } } } | undefined;
  const restore = timed(() => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'restore', join(work, 'backup'), '--no-thumbnails', '--json'], { cwd: repo, env: { ...process.env, DATA_DIR: join(work, 'restored') } });
    summary = JSON.parse(run.stdout.toString());
  });
  if (summary?.restored.files.copied !== files || summary.restored.files.failures.length) throw new Error(`restore did not bring every file back: ${JSON.stringify(summary?.restored.files)}`);
  note(`restore: ${restore.toFixed(2)} s (cp -r + sync + sha256sum: ${restoreBaseline.toFixed(2)} s)`);

  console.log(`| measure | shoebox | baseline | ratio |
| --- | --- | --- | --- |
| first backup of ${gib.toFixed(2)} GiB | ${first.toFixed(2)} s | cp -r + sync ${baseline.toFixed(2)} s | ${ratioText(first, baseline)} |
| second backup, nothing new | ${second.toFixed(2)} s | — | — |
| restore (--no-thumbnails) | ${restore.toFixed(2)} s | cp -r + sync + sha256sum ${restoreBaseline.toFixed(2)} s | ${ratioText(restore, restoreBaseline)} |`);
  emitRows([
    { bench: 'backup', measure: `first backup, ${gib.toFixed(2)} GiB`, shoebox: `${first.toFixed(2)} s`, baseline: `cp -r + sync ${baseline.toFixed(2)} s`, ratio: ratioText(first, baseline), target: '—', pass: null },
    { bench: 'backup', measure: 'second backup, nothing new', shoebox: `${second.toFixed(2)} s`, baseline: '—', ratio: '—', target: '—', pass: null },
    { bench: 'backup', measure: 'restore --no-thumbnails', shoebox: `${restore.toFixed(2)} s`, baseline: `cp -r + sync + sha256sum ${restoreBaseline.toFixed(2)} s`, ratio: ratioText(restore, restoreBaseline), target: '—', pass: null },
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
