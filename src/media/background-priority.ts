// Image work runs at a lower CPU priority than requests: on a small server, the thumbnails
// of a big upload must not make guests' pages wait (bench/load.ts). Linux keeps a nice
// value per thread, so libvips' own worker threads, where sharp's pixel work happens, are
// lowered one by one; the event loop and libuv's threads (file reads for requests) keep
// theirs. Elsewhere this does nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority as setOsPriority } from 'node:os';

const BACKGROUND_NICE = 10; // about a tenth of the CPU when a request wants it too
const LIBVIPS_THREAD = 'libvips worker';
let lowered = new Set<string>();

/** Lowers a child process (ffmpeg) to the same priority; never fails. */
export function lowerProcess(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setOsPriority(pid, BACKGROUND_NICE);
  } catch {
    // not allowed here: it runs at the usual priority
  }
}

/** Lowers libvips' threads not lowered yet (they start on demand: call it around image work). */
export function lowerImageThreads(): void {
  if (process.platform !== 'linux') return;
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  const now = new Set<string>();
  for (const tid of threads) {
    if (lowered.has(tid)) {
      now.add(tid);
      continue;
    }
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== LIBVIPS_THREAD) continue;
      setOsPriority(Number(tid), BACKGROUND_NICE);
      now.add(tid);
    } catch {
      // The thread ended meanwhile, or the system refuses: it runs at the usual priority.
    }
  }
  lowered = now; // forget threads that ended
}
