// One original's name at a time: an upload renaming bytes into originals/ and inserting
// their row, a trash purge deciding whether to delete that file, and fsck adopting a file
// without a row all hold the lock of the bytes' SHA-256, so none of them sees the others
// half done (a purge deleting an original an upload had just renamed into place, before
// its row existed). In this process a promise chain per hash; on a real Postgres also an
// advisory lock, for other processes sharing DATA_DIR (PGlite has one process: the lock file).
//   withHashLock(db, hash, fn)
import type { Kysely } from 'kysely';
import type postgres from 'postgres';
import type { DB } from './schema.ts';

const chains = new Map<string, Promise<unknown>>();
const advisory = new WeakMap<Kysely<DB>, postgres.Sql>();

/** Called by openDatabase for a real Postgres: the pool to take advisory locks on. */
export function useAdvisoryLocks(db: Kysely<DB>, sql: postgres.Sql): void {
  advisory.set(db, sql);
}

export async function withHashLock<T>(db: Kysely<DB>, hash: string, fn: () => Promise<T>): Promise<T> {
  const before = chains.get(hash) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const chain = before.then(() => mine);
  chains.set(hash, chain);
  try {
    await before;
    const sql = advisory.get(db);
    if (!sql) return await fn();
    // The first 64 bits of the hash as the lock's key; held by a transaction of its own.
    return (await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${`x${hash.slice(0, 16)}`}::bit(64)::bigint)`;
      return fn();
    })) as T;
  } finally {
    release();
    if (chains.get(hash) === chain) chains.delete(hash);
  }
}
