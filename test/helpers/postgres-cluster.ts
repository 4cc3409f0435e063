// A throwaway Postgres cluster for tests: initdb + pg_ctl in a temp dir on a free port,
// run as the `postgres` OS user when we are root (initdb refuses root).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Cluster {
  url: string;
  version: string;
  /** Stops the server and removes its files. */
  stop(): void;
  /** Stops the server as a crash or an outage would (immediate), keeping its files. */
  halt(): void;
  /** Starts it again, on the same port. */
  resume(): void;
}

export function findPostgresBin(): string | undefined {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `durable`: commits reach the WAL before they are acknowledged, so a cluster stopped with
 * `halt()` (an immediate stop, like a crash) comes back with every committed row. Without
 * it commits are asynchronous (faster tests) and the last ~200 ms may be lost on a halt.
 */
export async function startCluster(bin: string, options: { durable?: boolean } = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  const port = await freePort();
  run('initdb', ['-D', `${dir}/data`, '-U', 'app', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const start = () =>
    run('pg_ctl', [
      '-D', `${dir}/data`, '-l', `${dir}/log`, '-w',
      '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=${options.durable ? 'on' : 'off'} -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
  const halt = () => run('pg_ctl', ['-D', `${dir}/data`, '-m', 'immediate', '-w', 'stop']);
  start();
  const version = execFileSync(join(bin, 'postgres'), ['--version']).toString().trim();
  return {
    url: `postgres://app@127.0.0.1:${port}/postgres`,
    version,
    stop() {
      try {
        halt();
      } catch {
        /* already stopped */
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    halt,
    resume: start,
  };
}
