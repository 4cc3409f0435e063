// Opens the database: embedded PGlite under DATA_DIR/db, or a real Postgres
// through postgres.js when DATABASE_URL is set. One Kysely query layer over both.
import { mkdirSync } from 'node:fs';
import { Kysely } from 'kysely';
import { useAdvisoryLocks } from './hash-lock.ts';
import type { DB } from './schema.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/** Raw access for migrations: a multi-statement script and plain queries, in one transaction. */
export interface ScriptTransaction {
  exec(script: string): Promise<void>;
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** Not serialised with Kysely's queries: use it only before the app serves (migrations). */
  scriptTransaction<T>(fn: (tx: ScriptTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** PGlite only: the data directory as a tarball (test snapshots). */
  dumpDataDir?: () => Promise<Blob>;
  /** PGlite only: a plain SQL dump (pg_dump in WebAssembly) taken while no query of the app runs. */
  dumpSql?: (args: string[]) => Promise<string>;
}

export class DatabaseUnavailableError extends Error {}

export type DatabaseOptions =
  | { kind: 'pglite'; dataDir?: string; loadDataDir?: Blob }
  | { kind: 'postgres'; url: string; max?: number };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'pglite' ? openPglite(options) : openPostgres(options);
}

async function openPglite(options: { dataDir?: string; loadDataDir?: Blob }): Promise<Database> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // Loaded only when used: PGlite costs ~40 MB of memory on a server that runs on Postgres.
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  const pg = new PGlite({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  await pg.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pg) });
  return {
    db,
    kind: 'pglite',
    scriptTransaction: (fn) =>
      pg.transaction((tx) =>
        fn({
          exec: async (script) => void (await tx.exec(script)),
          query: async (text, params) => (await tx.query(text, params)).rows as never,
        }),
      ),
    async close() {
      await db.destroy();
      // Kysely closes PGlite only if it ever opened a connection to it.
      if (!pg.closed) await pg.close();
    },
    dumpDataDir: () => pg.dumpDataDir('none'),
    // Kysely's one connection is held for the dump, so no transaction of the app is open on
    // PGlite's single session while pg_dump runs its own there. pg_dump ends its read-only
    // transaction by disconnecting, which PGlite's one session never does: it is rolled back
    // here, and the session settings pg_dump made (DateStyle, extra_float_digits, ...) reset.
    dumpSql: (args) =>
      db.connection().execute(async () => {
        const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
        try {
          return await (await pgDump({ pg, args })).text();
        } finally {
          await pg.exec('ROLLBACK; RESET ALL;');
        }
      }),
  };
}

async function openPostgres(options: { url: string; max?: number }): Promise<Database> {
  // Loaded only when used, as PGlite is: a server on the embedded database never maps them.
  const [{ default: postgres }, { PostgresJSDialect }] = await Promise.all([import('postgres'), import('kysely-postgres-js')]);
  const sql = postgres(options.url, {
    max: options.max ?? 10,
    connect_timeout: 10,
    onnotice: () => {},
    // int8 (count(*), bigint sizes) as numbers, as PGlite returns them.
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (n: number | bigint) => String(n),
        parse: (s: string) => Number(s),
      },
    },
  });
  try {
    await sql`select 1`;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseUnavailableError(`cannot connect to DATABASE_URL (${describeTarget(options.url)}): ${errorText(err)}`);
  }
  const db = new Kysely<DB>({ dialect: new PostgresJSDialect({ postgres: sql }) });
  useAdvisoryLocks(db, sql);
  return {
    db,
    kind: 'postgres',
    scriptTransaction: (fn) =>
      sql.begin((tx) =>
        fn({
          exec: async (script) => void (await tx.unsafe(script).simple()),
          query: async (text, params) => (await tx.unsafe(text, params as never[])) as never,
        }),
      ) as Promise<never>,
    async close() {
      await db.destroy();
      // Kysely ends the pool only if it ever used it (migrations go around it).
      await sql.end({ timeout: 5 });
    },
  };
}

function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'invalid URL';
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message || String(code);
  }
  return String(err);
}
