// Several admin commands in a row, where they may run (see admin-client.ts): through the
// running server's admin socket, or in this process with the runtime opened once. A local
// session can also run the background worker, so that derived files exist when a command
// such as `import` or `rebuild` returns.
import { existsSync } from 'node:fs';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { adminCommands } from '../admin/commands.ts';
import { callAdminSocket } from '../admin/socket.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import { dataDirLayout } from '../storage/data-dir.ts';
import { lockHolder } from '../storage/lock-file.ts';
import type { Worker } from '../jobs/worker.ts';
import type { QueueStatus } from '../jobs/queue-status.ts';
import type { Where } from './admin-client.ts';
import { createProgress } from './progress.ts';

export interface AdminSession {
  where: Where;
  run<T = unknown>(name: string, input?: Record<string, unknown>): Promise<T>;
  /** Local sessions: starts the background worker in this process (idempotent). */
  startWorker(): Promise<void>;
  /**
   * Waits until no derived-file work is left (local: this process's worker does it; through
   * the server: its worker does, and this only watches), showing progress on stderr.
   */
  waitForWorker(label: string, options?: { isCancelled?: () => boolean }): Promise<QueueStatus>;
  close(): Promise<void>;
}

function serverSession(socket: string): AdminSession {
  const session: AdminSession = {
    where: 'server',
    run: <T>(name: string, input: Record<string, unknown> = {}) => callAdminSocket(socket, name, input) as Promise<T>,
    async startWorker() {},
    waitForWorker: (label, options) => watchQueue(session, label, options?.isCancelled),
    async close() {},
  };
  return session;
}

function localSession(config: Config, log: Logger, runtime: Runtime): AdminSession {
  let worker: Worker | undefined;
  const session: AdminSession = {
    where: 'local',
    async run<T>(name: string, input: Record<string, unknown> = {}) {
      const command = adminCommands[name];
      if (!command) throw new Error(`unknown admin command ${name}`);
      return (await command(runtime.deps, input)) as T;
    },
    async startWorker() {
      if (worker) return;
      // Loaded here: the worker brings the media stack, which a server session never needs.
      const [{ createWorker }, { findFfmpeg }] = await Promise.all([import('../jobs/worker.ts'), import('../media/derivatives.ts')]);
      worker = createWorker({
        db: runtime.deps.database.db,
        dataRoot: runtime.deps.dataDir.root,
        // Per-asset failures are recorded in the rows and counted in the summary; only
        // errors are worth interrupting the progress display for.
        log: { ...log, warn: () => {}, info: () => {} },
        concurrency: config.workerConcurrency,
      videoMaxEdge: config.videoMaxEdge,
        leaseMs: config.jobLeaseSeconds * 1000,
        ffmpegPath: await findFfmpeg(config.ffmpegPath),
        soleProcess: !config.databaseUrl,
        // Thumbnails only: video copies take minutes each, and the server makes them.
        kinds: ['derive'],
      });
      runtime.deps.worker = worker;
      await worker.start();
    },
    async waitForWorker(label, options) {
      await session.startWorker();
      const w = worker!;
      // idle() resolves when nothing is due; a retry postponed for a few seconds is waited for.
      return watchQueue(session, label, options?.isCancelled, () => w.idle());
    },
    async close() {
      await worker?.stop();
      runtime.deps.worker = undefined;
      await runtime.close();
    },
  };
  return session;
}

export async function openAdminSession(config: Config, log: Logger): Promise<AdminSession> {
  const layout = dataDirLayout(config.dataDir);
  if (!config.databaseUrl && lockHolder(layout.lockFile) !== undefined) {
    if (!existsSync(layout.adminSocket)) {
      throw new Error(`a Shoebox server holds ${layout.lockFile} but its admin socket ${layout.adminSocket} is missing; stop the server and run this again`);
    }
    return serverSession(layout.adminSocket);
  }
  return localSession(config, log, await openRuntime(config, log, { create: false }));
}

const MAX_RETRY_WAIT_MS = 90_000;

/** Shows the queue draining until nothing is pending or processing. */
async function watchQueue(
  session: AdminSession,
  label: string,
  isCancelled: () => boolean = () => false,
  idle?: () => Promise<void>,
): Promise<QueueStatus> {
  let status = await session.run<QueueStatus>('queue-status');
  const left = (s: QueueStatus) => s.pending + s.processing;
  const total = Math.max(left(status), 1);
  if (left(status) === 0) return status;
  const progress = createProgress({ label, total, unit: 'assets' });
  const deadline = Date.now() + 24 * 3600_000;
  try {
    while (!isCancelled() && Date.now() < deadline) {
      progress.update(Math.max(0, total - left(status)));
      if (left(status) === 0) break;
      if (idle) {
        // Our own worker: let it finish what is due, then see whether a retry is postponed.
        let done = false;
        const finished = idle().then(() => (done = true));
        while (!done && !isCancelled()) {
          await Promise.race([finished, new Promise((r) => setTimeout(r, 500))]);
          status = await session.run<QueueStatus>('queue-status');
          progress.update(Math.max(0, total - left(status)));
        }
        status = await session.run<QueueStatus>('queue-status');
        if (status.pending && status.processing === 0 && status.nextAttemptAt) {
          const due = new Date(status.nextAttemptAt).getTime() + 100;
          if (due - Date.now() > MAX_RETRY_WAIT_MS) break; // the next server start retries it
          while (Date.now() < due && !isCancelled()) await new Promise((r) => setTimeout(r, Math.min(500, due - Date.now())));
        }
        continue;
      }
      await new Promise((r) => setTimeout(r, 500));
      status = await session.run<QueueStatus>('queue-status');
    }
  } finally {
    progress.stop();
  }
  return status;
}
