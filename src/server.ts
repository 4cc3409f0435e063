// `npm start`: config, DATA_DIR and its lock, database and migrations, the HTTP server,
import { pathToFileURL } from 'node:url';
// the admin socket, and a graceful shutdown on SIGTERM/SIGINT.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createNodeServing, createLimits, createSharing, createUploads } from './app.ts';
import { loadConfigOrExplain, type Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { serveAdminSocket } from './admin/socket.ts';
import { adminCommands } from './admin/commands.ts';
import { describeStartError } from './start-errors.ts';
import { createWorker, type Worker } from './jobs/worker.ts';
import { removePurgedFiles, startTrashPurge, type TrashPurger } from './jobs/purge-trash.ts';
import { startScrubSchedule, type ScrubSchedule } from './jobs/scrub-schedule.ts';
import { findFfmpeg } from './media/derivatives.ts';
import { recoverAtStart } from './storage/recovery.ts';

const SHUTDOWN_GRACE_MS = 20_000;
/** Idle keep-alive connections close after this (nginx/shoebox.conf keeps its own shorter). */
const KEEP_ALIVE_MS = 5_000;

export interface RunningServer {
  url: string;
  runtime: Runtime;
  stop(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const ffmpegFound = findFfmpeg(config.ffmpegPath); // runs ffmpeg -version meanwhile
  const runtime = await openRuntime(config, log);
  const { deps } = runtime;
  let http: Server | undefined;
  let admin: Server | undefined;
  let worker: Worker | undefined;
  let purger: TrashPurger | undefined;
  let scrub: ScrubSchedule | undefined;
  let stopExpiry: (() => void) | undefined;
  try {
    // Files of a purge cut short first: recovery would give those originals new rows.
    await removePurgedFiles({ db: deps.database.db, dataRoot: deps.dataDir.root, log });
    await recoverAtStart(deps, log);
    const ffmpegPath = await ffmpegFound;
    if (!ffmpegPath) log.warn('ffmpeg not found (set FFMPEG_PATH or install ffmpeg): videos get a neutral poster');
    worker = createWorker({
      db: deps.database.db,
      dataRoot: deps.dataDir.root,
      log,
      concurrency: config.workerConcurrency,
      videoMaxEdge: config.videoMaxEdge,
      leaseMs: config.jobLeaseSeconds * 1000,
      ffmpegPath,
      soleProcess: !config.databaseUrl,
    });
    deps.worker = worker;
    await worker.start();
    purger = startTrashPurge({ db: deps.database.db, dataRoot: deps.dataDir.root, log });
    const running = worker;
    scrub = startScrubSchedule({ db: deps.database.db, log, bytesPerDay: config.scrubBytesPerDay, wake: () => running.wake() });
    const uploads = createUploads(deps);
    await uploads.expire(); // what expired while the server was down
    stopExpiry = uploads.startExpiry();
    http = await new Promise<Server>((resolve, reject) => {
      // No request timeout: a 16 GiB video on a slow uplink takes far longer than Node's
      // default 5 minutes. Idle sockets still time out (headersTimeout, keepAliveTimeout).
      const s = serve({ ...createNodeServing(deps, createLimits(), createSharing(deps), uploads), port: config.port, hostname: config.host, serverOptions: { requestTimeout: 0 } }) as Server;
      // Node's default, said here because nginx/shoebox.conf closes its idle connections to
      // the app sooner (keepalive_timeout 4s): the proxy, not the app, must end an idle one.
      s.keepAliveTimeout = KEEP_ALIVE_MS;
      s.once('listening', () => resolve(s));
      s.once('error', reject);
    });
    if (!config.databaseUrl) admin = await serveAdminSocket(deps.dataDir.adminSocket, deps, adminCommands);
  } catch (err) {
    http?.close();
    stopExpiry?.();
    scrub?.stop();
    await purger?.stop();
    await worker?.stop();
    await runtime.close();
    throw err;
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const server = http;
  return {
    url: `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`,
    runtime,
    async stop() {
      // Stop accepting; in-flight requests finish (bounded), idle keep-alives close.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(timer);
      stopExpiry?.();
      scrub?.stop();
      await purger?.stop();
      await worker?.stop();
      await new Promise<void>((resolve) => (admin ? admin.close(() => resolve()) : resolve()));
      await runtime.close();
    },
  };
}

async function main() {
  const config = loadConfigOrExplain();
  if (!config) process.exit(2);
  const log = createLogger(config.logLevel);
  let running: RunningServer;
  try {
    running = await startServer(config, log);
  } catch (err) {
    process.stderr.write(`shoebox: cannot start: ${describeStartError(err, config)}\n`);
    if (config.logLevel === 'debug') process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  }
  log.info(`Shoebox ${running.runtime.deps.version} listening on ${running.url}`, {
    database: running.runtime.deps.database.kind,
    dataDir: config.dataDir,
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, finishing requests and stopping`);
    running.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err) => {
        log.error('shutdown failed', { error: (err as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
