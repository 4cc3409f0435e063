// Applies migrations/NNNN_name.sql in order, each once, each in its own transaction,
// recorded in schema_migrations. A failing file rolls back and stops with its name.
import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { fromAppRoot } from '../app-root.ts';
import type { Database } from './database.ts';

export const migrationsDir = fromAppRoot('migrations');

// Any constant: serialises migrations when several processes start on one Postgres.
const MIGRATION_LOCK = 7_268_102;

export class MigrationError extends Error {}

export function listMigrationFiles(dir = migrationsDir): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort();
}

/** Returns the names applied by this call (empty when already up to date). */
export async function migrate(database: Database, dir = migrationsDir): Promise<string[]> {
  await database.scriptTransaction((tx) =>
    tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`),
  );
  const applied: string[] = [];
  for (const name of listMigrationFiles(dir)) {
    const script = readFileSync(`${dir}/${name}`, 'utf8');
    try {
      const ran = await database.scriptTransaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        const done = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
        if (done.length > 0) return false;
        await tx.exec(script);
        await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        return true;
      });
      if (ran) applied.push(name);
    } catch (err) {
      throw new MigrationError(`migration ${name} failed and was rolled back: ${(err as Error).message}`);
    }
  }
  return applied;
}

/** Safe while the app serves: goes through Kysely, which serialises PGlite access. */
export async function appliedMigrations(database: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(database.db);
  return rows.map((r) => r.name);
}
