// One process owns a DATA_DIR: PGlite has no lock of its own and two processes on
// one data directory corrupt it. The lock file holds the owner's PID; a lock whose
// process is gone (or is us, after a container restart reused the PID) is stale.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(`another Shoebox server (pid ${pid}) is using this DATA_DIR (${lockFile}); stop it first or use another DATA_DIR`);
  }
}

/** The PID holding the lock, or undefined when nobody alive holds it. */
export function lockHolder(lockFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive but owned by another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export interface LockHandle {
  release(): void;
}

export function acquireLock(lockFile: string): LockHandle {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return {
        release() {
          try {
            if (Number.parseInt(readFileSync(lockFile, 'utf8'), 10) === process.pid) unlinkSync(lockFile);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = lockHolder(lockFile);
      if (holder !== undefined) throw new DataDirLockedError(lockFile, holder);
      try {
        unlinkSync(lockFile); // stale
      } catch {
        /* raced with another starter; the next attempt decides */
      }
    }
  }
  throw new DataDirLockedError(lockFile, lockHolder(lockFile) ?? 0);
}
