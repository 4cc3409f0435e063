// The background worker: makes derived files (thumbnail, preview, placeholder) and works
// out what "strip location" links serve of the original (patches, CRC, check) outside the
// request. It claims pending assets from Postgres with FOR UPDATE SKIP LOCKED, so several
// processes can share the queue; a claimed job holds a lease that it renews while it runs,
// and a job whose lease ran out (its process died) goes back to the queue. Failures retry
// with backoff; after the last try the error is recorded and the asset marked failed.
import { cpus } from 'node:os';
import type { Asset } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import {
  claimPendingAssets,
  markAssetFailed,
  markAssetReady,
  markAssetRetry,
  releaseStaleJobs,
  renewLeases,
} from '../queries/assets.ts';
import type { Db } from '../queries/users.ts';
import { deriveAsset } from './derive-asset.ts';
import { blankedOriginal } from '../queries/location-patches.ts';

export const MAX_ATTEMPTS = 3;
const IDLE_POLL_MS = 2_000;

export interface WorkerOptions {
  db: Db;
  dataRoot: string;
  log: Logger;
  concurrency?: number;
  ffmpegPath: string | null;
  /** On the embedded database this is the only process: every "processing" row is stale at start. */
  soleProcess: boolean;
  /** A claimed job's lease, renewed every third of it; one unrenewed for two leases goes back to the queue. */
  leaseMs?: number;
  backoffMs?: (attempt: number) => number;
}

export interface Worker {
  start(): Promise<void>;
  wake(): void;
  /** Stops claiming; waits for running jobs (bounded). */
  stop(): Promise<void>;
  /** Resolves when the queue has nothing due and nothing running (for tests and the CLI). */
  idle(): Promise<void>;
}

export function createWorker(options: WorkerOptions): Worker {
  const { db, log } = options;
  const concurrency = Math.max(1, options.concurrency ?? cpus().length);
  const leaseMs = options.leaseMs ?? 60_000;
  const backoff = options.backoffMs ?? ((attempt: number) => 5_000 * 4 ** (attempt - 1));
  const running = new Map<string, Promise<void>>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let idleWaiters: (() => void)[] = [];
  let queueEmpty = false;

  async function runJob(asset: Asset) {
    try {
      const result = await deriveAsset(asset, { dataRoot: options.dataRoot, ffmpegPath: options.ffmpegPath });
      // What "strip location" links serve of it (patches, their CRC, the check), while its
      // bytes are fresh in the page cache; asked for again on first use if this fails.
      await blankedOriginal(db, asset, options.dataRoot).catch((err) => log.warn('location not worked out', { asset: asset.id, error: (err as Error).message }));
      await markAssetReady(db, asset.id, {
        thumbhash: result.thumbhash,
        width: result.width,
        height: result.height,
        derivedSource: result.source,
        warning: result.warning ?? null,
      });
    } catch (err) {
      const message = (err as Error).message || String(err);
      const permanent = (err as { permanent?: boolean }).permanent === true;
      if (permanent || asset.attempts >= MAX_ATTEMPTS) {
        log.warn('processing failed', { asset: asset.id, file: asset.original_filename, error: message });
        await markAssetFailed(db, asset.id, message);
      } else {
        await markAssetRetry(db, asset.id, message, new Date(Date.now() + backoff(asset.attempts)));
      }
    }
  }

  function pump(): Promise<void> {
    if (pumping || stopped) return pumping ?? Promise.resolve();
    pumping = claimAndRun().finally(() => {
      pumping = undefined;
      if (queueEmpty && running.size === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    });
    return pumping;
  }

  async function claimAndRun() {
    try {
      while (!stopped && running.size < concurrency) {
        const claimed = await claimPendingAssets(db, concurrency - running.size);
        if (!claimed.length) {
          queueEmpty = true;
          break;
        }
        queueEmpty = false;
        for (const asset of claimed) {
          const job = runJob(asset)
            .catch((err) => log.error('worker job crashed', { asset: asset.id, error: (err as Error).stack }))
            .finally(() => {
              running.delete(asset.id);
              void pump();
            });
          running.set(asset.id, job);
        }
      }
    } catch (err) {
      log.error('worker could not claim work', { error: (err as Error).message });
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(async () => {
      await pump();
      schedule();
    }, IDLE_POLL_MS);
    timer.unref();
  }

  return {
    async start() {
      stopped = false;
      const staleBefore = options.soleProcess ? new Date(Date.now() + 1000) : new Date(Date.now() - 2 * leaseMs);
      const released = await releaseStaleJobs(db, staleBefore);
      if (released) log.info('resuming interrupted processing', { assets: released });
      leaseTimer = setInterval(() => {
        renewLeases(db, [...running.keys()]).catch(() => {});
        releaseStaleJobs(db, new Date(Date.now() - 2 * leaseMs)).catch(() => {});
      }, leaseMs / 3);
      leaseTimer.unref();
      void pump();
      schedule();
    },
    wake() {
      queueEmpty = false;
      void pump();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(leaseTimer);
      // A claim in flight may still hand out jobs: let it, then wait for them all.
      await pumping;
      await Promise.race([Promise.allSettled(running.values()), new Promise((r) => setTimeout(r, 15_000).unref())]);
    },
    idle() {
      if (stopped) return Promise.resolve(); // never started, or stopped: nothing will run
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        queueEmpty = false;
        void pump();
      });
    },
  };
}
