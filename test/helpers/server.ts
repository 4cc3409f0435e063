// Real HTTP for tests: the app on an ephemeral port in this process, or the real
// `npm start` entry point spawned as a child process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { inject } from 'vitest';
// @ts-expect-error: a plain JS build script without type declarations
import { buildServer, serverBundle } from '../../bin/build.mjs';
import { createLimits, createNodeServing, createSharing, createUploads } from '../../src/app.ts';
import type { ResumableUploads } from '../../src/uploads/resumable-uploads.ts';
import { createWorker, type Worker } from '../../src/jobs/worker.ts';
import { findFfmpeg } from '../../src/media/derivatives.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { DatabaseKind } from '../../src/db/database.ts';
import type { AppDeps, Limits, Sharing } from '../../src/http/env.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { prepareDataDir } from '../../src/storage/data-dir.ts';
import { version } from '../../src/version.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { freePort } from './postgres-cluster.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A short temp dir (Unix socket paths must stay under 108 bytes). */
export function tempDir(prefix = 'sbx-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A DATA_DIR whose embedded database is already initialised and migrated (from the
 * run's PGlite snapshot), so a spawned server starts in ~1 s instead of running initdb;
 * with 'pgliteEmptySnapshot', initialised but without tables (as `restore` takes it).
 */
export function seededDataDir(prefix = 'sbx-', snapshot: 'pgliteSnapshot' | 'pgliteEmptySnapshot' = 'pgliteSnapshot'): string {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, 'db'), { mode: 0o700 });
  execFileSync('tar', ['-xf', inject(snapshot), '-C', join(dir, 'db')], { stdio: 'ignore' });
  return dir;
}

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'test-secret-key-0123456789abcdefghijklmnop' }), port: 0, host: '127.0.0.1', ...overrides };
}

export interface TestServer {
  url: string;
  deps: AppDeps;
  limits: Limits;
  /** Its caches and counters (the guest side). */
  sharing: Sharing;
  /** tus uploads in progress. */
  uploads: ResumableUploads;
  /** The listening server (e.g. to count the connections made to it). */
  http: Server;
  /** Resolves when the worker has nothing left to do (only with `worker: true`). */
  idle(): Promise<void>;
  database: TestDatabase;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(options: {
  backend: DatabaseKind;
  config?: Partial<Config>;
  log?: Logger;
  /** Run the background worker (derived files) in this server. */
  worker?: boolean;
  /** A DATA_DIR the caller made and removes (e.g. a small tmpfs); by default a temp dir. */
  dataRoot?: string;
  /** Where to listen (default 127.0.0.1; 0.0.0.0 to be reached from a non-loopback address too). */
  hostname?: string;
}): Promise<TestServer> {
  const root = options.dataRoot ?? tempDir();
  const dataDir = prepareDataDir(root);
  const config = testConfig(root, options.config);
  const database = await createTestDatabase(options.backend);
  const deps: AppDeps = { config, database, dataDir, secretKey: config.secretKey!, log: options.log ?? silentLogger, version };
  if (options.worker) {
    deps.worker = createWorker({
      db: database.db,
      dataRoot: root,
      log: deps.log,
      concurrency: 2,
      videoMaxEdge: config.videoMaxEdge,
      ffmpegPath: await findFfmpeg(config.ffmpegPath),
      soleProcess: options.backend === 'pglite',
    });
    await (deps.worker as Worker).start();
  }
  const limits = createLimits();
  const sharing = createSharing(deps);
  const uploads = createUploads(deps);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ ...createNodeServing(deps, limits, sharing, uploads), port: 0, hostname: options.hostname ?? '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    deps,
    limits,
    sharing,
    uploads,
    http: server,
    database,
    idle: () => (deps.worker as Worker | undefined)?.idle() ?? Promise.resolve(),
    fetch: (path, init) => fetchOnce(url + path, { redirect: 'manual', ...init }),
    async close() {
      await (deps.worker as Worker | undefined)?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      try {
        await database.close();
      } finally {
        if (!options.dataRoot) rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

export interface SpawnedServer {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

let serverBuilt = false;

/** Runs what `npm start` runs (the server compiled by bin/build.mjs, then `node dist/server.mjs`) with the given env. */
export function spawnServerProcess(env: Record<string, string>): { proc: ChildProcess; output(): string; exited: Promise<number | null> } {
  if (!serverBuilt) {
    buildServer(); // once per test file or bench: the source may have changed since the last one
    serverBuilt = true;
  }
  const proc = spawn(process.execPath, [serverBundle], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => output, exited };
}

export async function spawnServer(env: Record<string, string>, timeoutMs = 30_000): Promise<SpawnedServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const started = spawnServerProcess({ HOST: '127.0.0.1', ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  started.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before it answered:\n${started.output()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) {
        return {
          ...started,
          url,
          stop(signal = 'SIGTERM') {
            started.proc.kill(signal);
            return started.exited;
          },
        };
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  started.proc.kill('SIGKILL');
  throw new Error(`server did not answer /healthz within ${timeoutMs} ms:\n${started.output()}`);
}

/**
 * fetch, asked again once when a GET or HEAD finds its kept-alive connection closed under
 * it, as browsers do. It happens when a test blocks its own event loop (execFileSync of
 * exiftool) past the server's keep-alive timeout: the idle socket's close is not seen
 * before the next request is written on it.
 */
async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const idempotent = !init.method || init.method === 'GET' || init.method === 'HEAD';
    if (!idempotent || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw err;
    return fetch(url, init);
  }
}
