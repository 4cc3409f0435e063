// Test-only: SHOEBOX_TEST_CRASH_AT=<step> (or <step>@<n>, the n-th time) makes the process
// kill itself with SIGKILL when it reaches that named step, so test/ingest/crash-safety
// proves what a power cut or an OOM kill at that moment leaves behind. Unset (always, outside
// that test) every call is one string comparison.
export type CrashStep = 'upload-body' | 'before-rename' | 'after-rename' | 'metadata' | 'thumbnail';

const [target, nth] = (process.env.SHOEBOX_TEST_CRASH_AT ?? '').split('@');
let hits = 0;

export function crashPoint(step: CrashStep): void {
  if (step !== target || ++hits < Number(nth ?? 1)) return;
  process.stderr.write(`crash point ${step}: SIGKILL\n`); // synchronous on pipes and files
  process.kill(process.pid, 'SIGKILL');
}
