// A consistent SQL dump of the library's database that a stock Postgres can load, written
// to a file: PGlite's own pg_dump (WebAssembly) for the embedded database, the system's
// pg_dump for a real Postgres. Both with --inserts (plain statements the embedded database
// can replay too), without owners or grants (the restoring role owns everything).
import { execFile, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { writePrivateFile, writePrivateText } from './private-files.ts';

const run = promisify(execFile);

export const DUMP_ARGS = ['--inserts', '--no-owner', '--no-privileges'];

export interface DumpInfo {
  bytes: number;
  /** The database server's version, e.g. "18.6" (PGlite) or "15.18". */
  serverVersion: string;
  /** What made the dump: "PGlite pg_dump" or the pg_dump --version line. */
  dumpedBy: string;
}

/** Refusals worth showing as they are (pg_dump missing or too old). */
export class DumpError extends Error {}

export async function writeDatabaseDump(database: Database, databaseUrl: string | undefined, path: string, pgDumpPath = 'pg_dump'): Promise<DumpInfo> {
  const { rows } = await sql<{ server_version: string }>`SHOW server_version`.execute(database.db);
  const serverVersion = rows[0]!.server_version.split(' ')[0]!;
  let dumpedBy: string;
  if (database.dumpSql) {
    const text = await database.dumpSql(['--no-owner', '--no-privileges']);
    await writePrivateText(path, text);
    dumpedBy = 'PGlite pg_dump';
  } else {
    if (!databaseUrl) throw new Error('a Postgres database without DATABASE_URL');
    dumpedBy = await checkPgDump(pgDumpPath, serverVersion);
    await writePrivateFile(path, (temp) => runPgDump(pgDumpPath, databaseUrl, temp));
  }
  return { bytes: (await stat(path)).size, serverVersion, dumpedBy };
}

const major = (version: string) => Number(/^(\d+)/.exec(version)?.[1] ?? NaN);

/** The pg_dump --version line, once it is known to dump this server (same major or newer). */
async function checkPgDump(pgDumpPath: string, serverVersion: string): Promise<string> {
  let line: string;
  try {
    line = (await run(pgDumpPath, ['--version'])).stdout.trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DumpError(`pg_dump was not found (looked for '${pgDumpPath}'): install the PostgreSQL client tools, version ${major(serverVersion)} or newer (Debian: apt-get install postgresql-client)`);
    }
    throw err;
  }
  const clientVersion = /\)\s+(\d+(?:\.\d+)?)/.exec(line)?.[1] ?? '';
  if (!(major(clientVersion) >= major(serverVersion))) {
    throw new DumpError(
      `pg_dump ${clientVersion || '(unknown version)'} is older than the database server (${serverVersion}) and cannot dump it: install the PostgreSQL ${major(serverVersion)} client tools (or newer)`,
    );
  }
  return line;
}

/** The password goes through the environment, never on a command line others can read. */
function runPgDump(pgDumpPath: string, databaseUrl: string, file: string): Promise<void> {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return new Promise((resolve, reject) => {
    const child = spawn(pgDumpPath, [...DUMP_ARGS, '--file', file, '--dbname', url.toString()], {
      env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new DumpError(`pg_dump failed (exit code ${code}): ${stderr.trim()}`))));
  });
}
