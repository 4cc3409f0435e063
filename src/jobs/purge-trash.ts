// Purging the trash: rows first, then files. Deleting the rows notes each file in
// purged_files in the same transaction; the files (original and derived) are removed after,
// each only when no asset uses those bytes any more (an upload of the same bytes may have
// made a new row meanwhile), and the note goes once they are gone. A crash in between
// leaves notes that the next run (and the start of the server, before recovery could adopt
// the orphan originals) finishes.
//
// The periodic task runs at start and every hour, purging what has been in the trash for
// TRASH_DAYS days. "Empty trash" and "Delete forever" use purgeAssets directly.
import { unlink } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import { deleteTrashedAssets, forgetPurgedFile, isFileInUse, listPurgedFiles, TRASH_DAYS, type PurgeScope } from '../queries/trash.ts';
import type { Db } from '../queries/users.ts';
import { withHashLock } from '../db/hash-lock.ts';
import { absolute, allDerivedRelPaths } from '../storage/layout.ts';

const BATCH = 500;
const HOUR = 3600_000;

interface PurgeDeps {
  db: Db;
  dataRoot: string;
  log?: Logger;
}

async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Removes the files of purged assets that nothing uses any more. Returns how many originals went. */
export async function removePurgedFiles(deps: PurgeDeps): Promise<number> {
  let removed = 0;
  for (;;) {
    const files = await listPurgedFiles(deps.db, BATCH);
    if (!files.length) return removed;
    for (const file of files) {
      // Under the bytes' lock: an upload of the same bytes renames and inserts under it too.
      const gone = await withHashLock(deps.db, file.file_hash, async () => {
        if (await isFileInUse(deps.db, file)) return false;
        try {
          for (const rel of [file.storage_path, ...allDerivedRelPaths(file.file_hash)]) {
            await removeFile(absolute(deps.dataRoot, rel));
          }
          return true;
        } catch (err) {
          // Leave the note: the next run tries again. Stop here so a full disk or a
          // read-only mount does not spin.
          deps.log?.warn('could not remove a purged file', { file: file.storage_path, error: (err as Error).message });
          return undefined;
        }
      });
      if (gone === undefined) return removed;
      if (gone) removed++;
      await forgetPurgedFile(deps.db, file.storage_path);
    }
  }
}

/** Deletes the trashed assets in scope (rows, then files). Returns how many assets were deleted. */
export async function purgeAssets(deps: PurgeDeps, scope: PurgeScope): Promise<number> {
  let deleted = 0;
  for (;;) {
    const files = await deleteTrashedAssets(deps.db, scope, BATCH);
    deleted += files.length;
    await removePurgedFiles(deps);
    if (files.length < BATCH) return deleted; // (a list of ids longer than a batch takes several)
  }
}

/** What has been in the trash for TRASH_DAYS days or more. */
export function purgeExpiredTrash(deps: PurgeDeps, now = new Date()): Promise<number> {
  return purgeAssets(deps, { deletedBefore: new Date(now.getTime() - TRASH_DAYS * 24 * HOUR) });
}

export interface TrashPurger {
  /** Runs a purge now (waits for one in flight first). */
  run(): Promise<number>;
  stop(): Promise<void>;
}

/** Purges expired trash now and every `intervalMs` (an hour by default) until stopped. */
export function startTrashPurge(deps: PurgeDeps & { log: Logger }, intervalMs = HOUR): TrashPurger {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<number> = Promise.resolve(0);

  const run = () => {
    running = running
      .catch(() => 0)
      .then(async () => {
        try {
          const n = await purgeExpiredTrash(deps);
          if (n) deps.log.info('purged expired trash', { assets: n });
          return n;
        } catch (err) {
          deps.log.error('trash purge failed', { error: (err as Error).message });
          return 0;
        }
      });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void run().then(schedule), intervalMs);
    timer.unref();
  };
  void run().then(schedule);

  return {
    run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
    },
  };
}
