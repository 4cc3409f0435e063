// Opening what a process needs before it serves: DATA_DIR, its lock, the secret, the
// database (migrated). Shared by the server and by CLI commands run without a server.
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { loadSecretKey } from './auth/secret-key.ts';
import type { Logger } from './log.ts';
import { acquireLock, type LockHandle } from './storage/lock-file.ts';
import { prepareDataDir, type DataDir } from './storage/data-dir.ts';
import type { AppDeps } from './http/env.ts';
import { version } from './version.ts';
import { missingLibrary, noLibrary } from './storage/library-check.ts';
import { sql } from 'kysely';

export interface Runtime {
  deps: AppDeps;
  /** Closes the database and releases the lock. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** May start a new library where there is none (the server, `create-owner`, `migrate`); else NoLibraryError. */
  create: boolean;
}

export async function openRuntime(config: Config, log: Logger, options: OpenOptions = { create: true }): Promise<Runtime> {
  const missing = options.create ? undefined : missingLibrary(config);
  if (missing) throw noLibrary(config, missing);
  const dataDir: DataDir = prepareDataDir(config.dataDir);
  // The lock guards the embedded database; with a real Postgres many processes may share
  // DATA_DIR (shared storage behind a load balancer), so only PGlite takes it.
  const lock: LockHandle | undefined = config.databaseUrl ? undefined : acquireLock(dataDir.lockFile);
  let database: Database | undefined;
  try {
    database = config.databaseUrl
      ? await openDatabase({ kind: 'postgres', url: config.databaseUrl })
      : await openDatabase({ kind: 'pglite', dataDir: dataDir.db });
    if (!options.create && config.databaseUrl) {
      const { rows } = await sql<{ found: string | null }>`SELECT to_regclass('schema_migrations')::text AS found`.execute(database.db);
      if (!rows[0]?.found) throw noLibrary(config, 'the database has no Shoebox tables');
    }
    const secretKey = loadSecretKey(config.secretKey, dataDir.secretKeyFile);
    const applied = await migrate(database);
    if (applied.length) log.info('migrations applied', { names: applied.join(',') });
    const deps: AppDeps = { config, database, dataDir, secretKey, log, version };
    const db = database;
    return {
      deps,
      async close() {
        await db.close();
        lock?.release();
      },
    };
  } catch (err) {
    await database?.close().catch(() => {});
    lock?.release();
    throw err;
  }
}
