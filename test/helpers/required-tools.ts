// What the test files need beyond Node: the shared camera fixtures and a few programs.
// Locally a file that lacks one skips what needs it, with a warning; under CI (CI set, as
// .ci/run sets it) a missing one fails the run at once: a skipped check proves nothing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/MANIFEST.tsv', import.meta.url));

const runs = (command: string, args: string[]) => {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Each requirement and whether this machine has it. */
export function requirements(): { what: string; present: boolean }[] {
  return [
    { what: `the shared fixtures (${FIXTURES})`, present: existsSync(FIXTURES) },
    { what: 'ffmpeg', present: runs('ffmpeg', ['-version']) },
    { what: 'exiftool', present: runs('exiftool', ['-ver']) },
    { what: 'heif-convert (libheif-examples)', present: runs('which', ['heif-convert']) },
    { what: 'unzip', present: runs('unzip', ['-v']) },
    { what: 'bsdtar (libarchive-tools)', present: runs('bsdtar', ['--version']) },
    { what: 'python3', present: runs('python3', ['--version']) },
    { what: 'curl', present: runs('curl', ['--version']) },
    { what: 'caddy', present: runs('caddy', ['version']) },
    { what: 'nginx (/usr/sbin/nginx)', present: existsSync('/usr/sbin/nginx') },
    { what: 'chromium (/usr/bin/chromium)', present: existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  ];
}

/** Under CI: throws naming everything missing. */
export function requireAllUnderCi(): void {
  if (!process.env.CI) return;
  const missing = requirements().filter((r) => !r.present).map((r) => r.what);
  if (missing.length) throw new Error(`CI runs every test, and this machine lacks: ${missing.join(', ')}. Install them (see .ci/run) or run without CI set.`);
}
