// The background worker: runs the job queue (queries/jobs.ts), each kind of job with its
// own handler and its own number at a time (derived files: one per core; video transcodes:
// one). It claims due jobs with FOR UPDATE SKIP LOCKED, so several processes can share the
// queue; a claimed job holds a lease that it renews while it runs, and a job whose lease
// ran out (its process died) goes back to the queue. Failures retry with backoff; after the
// last try the handler records the failure on the asset.
import { cpus } from 'node:os';
import type { Asset, JobKind } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { findAsset } from '../queries/assets.ts';
import { claimJobs, endRun, giveBackRun, queueCopiesWithoutFfmpeg, releaseStaleJobs, renewLeases, reportProgress, type Job } from '../queries/jobs.ts';
import type { Db } from '../queries/users.ts';
import { deriveJob } from './derive-asset.ts';
import { transcodeJob } from './transcode-video.ts';
import { scrubJob } from './scrub-original.ts';

export const MAX_ATTEMPTS = 3;
const IDLE_POLL_MS = 2_000;
/** A running job's progress is written at most this often. */
const PROGRESS_EVERY_MS = 1_000;

export interface JobContext {
  db: Db;
  dataRoot: string;
  log: Logger;
  ffmpegPath: string | null;
  /** Longest edge of a web-playable video copy, in pixels. */
  videoMaxEdge: number;
}

export interface JobRun {
  job: Job;
  asset: Asset;
  /** Aborted when the job is cancelled or queued again while it runs. */
  signal: AbortSignal;
  /** How far the work is, 0..1 (written now and then; a cancelled job's signal aborts). */
  progress(fraction: number): void;
}

export interface JobHandler {
  kind: JobKind;
  /** At most this many at a time in this process. */
  concurrency: number;
  /** Does the work; returns how to keep its result. */
  run(run: JobRun, ctx: JobContext): Promise<JobResult>;
  /** Records on the asset that the work failed for good. */
  failed(trx: Db, asset: Asset, message: string): Promise<void>;
}

export interface JobResult {
  /** Keeps the result: runs inside the transaction that ends the run, only while the run is still the job's. */
  record(trx: Db): Promise<void>;
  /** Throws the result away when the job was cancelled or queued again meanwhile. */
  abandon?(): Promise<void>;
}

export interface WorkerOptions {
  db: Db;
  dataRoot: string;
  log: Logger;
  concurrency?: number;
  ffmpegPath: string | null;
  videoMaxEdge?: number;
  /** The kinds this worker runs (a CLI's own worker makes derived files only); all when absent. */
  kinds?: JobKind[];
  /** On the embedded database this is the only process: every running job is stale at start. */
  soleProcess: boolean;
  /** A claimed job's lease, renewed every third of it; one unrenewed for two leases goes back to the queue. */
  leaseMs?: number;
  backoffMs?: (attempt: number) => number;
}

export interface Worker {
  /** ffmpeg was found: videos get web copies. */
  readonly makesVideoCopies: boolean;
  start(): Promise<void>;
  wake(): void;
  /** Stops claiming; waits for running jobs (bounded). */
  stop(): Promise<void>;
  /** Resolves when the queue has nothing due and nothing running (for tests and the CLI). */
  idle(): Promise<void>;
}

interface Running {
  promise: Promise<void>;
  kind: JobKind;
  abort: AbortController;
}

export function createWorker(options: WorkerOptions): Worker {
  const { db, log } = options;
  const ctx: JobContext = { db, dataRoot: options.dataRoot, log, ffmpegPath: options.ffmpegPath, videoMaxEdge: options.videoMaxEdge ?? 1080 };
  const handlers = [deriveJob(Math.max(1, options.concurrency ?? cpus().length)), transcodeJob(), scrubJob()].filter(
    (h) => !options.kinds || options.kinds.includes(h.kind),
  );
  const leaseMs = options.leaseMs ?? 60_000;
  const backoff = options.backoffMs ?? ((attempt: number) => 5_000 * 4 ** (attempt - 1));
  const running = new Map<number, Running>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let idleWaiters: (() => void)[] = [];
  let queueEmpty = false;

  const runningOf = (kind: JobKind) => [...running.values()].filter((r) => r.kind === kind).length;

  async function runJob(handler: JobHandler, job: Job, abort: AbortController) {
    const asset = await findAsset(db, job.asset_id);
    if (!asset) return; // deleted meanwhile: its job went with it
    let lastWrite = 0;
    const progress = (fraction: number) => {
      const now = Date.now();
      if (now - lastWrite < PROGRESS_EVERY_MS) return;
      lastWrite = now;
      reportProgress(db, job, Math.min(1, Math.max(0, fraction)))
        .then((own) => own || abort.abort())
        .catch(() => {});
    };
    try {
      const result = await handler.run({ job, asset, signal: abort.signal, progress }, ctx);
      const kept = await db.transaction().execute(async (trx) => {
        if (!(await endRun(trx, job, { status: 'done' }))) return false;
        await result.record(trx);
        return true;
      });
      if (!kept) await result.abandon?.();
    } catch (err) {
      if (abort.signal.aborted) {
        // Stopped by a shutdown: it runs again at the next start. Else it was cancelled or
        // queued again, and whoever did that owns the row now.
        if (stopped) await giveBackRun(db, job);
        return;
      }
      const message = (err as Error).message || String(err);
      const permanent = (err as { permanent?: boolean }).permanent === true;
      if (permanent || job.attempts >= MAX_ATTEMPTS) {
        log.warn('job failed', { kind: job.kind, asset: asset.id, file: asset.original_filename, error: message });
        await db.transaction().execute(async (trx) => {
          if (await endRun(trx, job, { status: 'failed', error: message })) await handler.failed(trx, asset, message);
        });
      } else {
        await endRun(db, job, { status: 'retry', error: message, at: new Date(Date.now() + backoff(job.attempts)) });
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
      let claimedAny = true;
      while (!stopped && claimedAny) {
        claimedAny = false;
        for (const handler of handlers) {
          const claimed = await claimJobs(db, handler.kind, handler.concurrency - runningOf(handler.kind));
          for (const job of claimed) {
            claimedAny = true;
            const abort = new AbortController();
            const promise = runJob(handler, job, abort)
              .catch((err) => log.error('worker job crashed', { kind: job.kind, asset: job.asset_id, error: (err as Error).stack }))
              .finally(() => {
                running.delete(job.id);
                void pump();
              });
            running.set(job.id, { promise, kind: handler.kind, abort });
          }
        }
      }
      queueEmpty = handlers.every((h) => runningOf(h.kind) < h.concurrency);
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
    makesVideoCopies: options.ffmpegPath !== null && handlers.some((h) => h.kind === 'transcode'),
    async start() {
      stopped = false;
      if (this.makesVideoCopies) {
        const queued = await queueCopiesWithoutFfmpeg(db);
        if (queued) log.info('ffmpeg is here now: making web copies of videos that waited for it', { videos: queued });
      }
      const staleBefore = options.soleProcess ? new Date(Date.now() + 1000) : new Date(Date.now() - 2 * leaseMs);
      const released = await releaseStaleJobs(db, staleBefore);
      if (released) log.info('resuming interrupted work', { jobs: released });
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
      // A claim in flight may still hand out jobs: let it, then wait for them all. A
      // transcode can take many minutes: it is stopped, and starts again at the next start.
      await pumping;
      for (const r of running.values()) if (r.kind === 'transcode') r.abort.abort();
      await Promise.race([Promise.allSettled([...running.values()].map((r) => r.promise)), new Promise((r) => setTimeout(r, 15_000).unref())]);
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
