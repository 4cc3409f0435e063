// A fresh, migrated database per test file, on each backend that this run has.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database, type DatabaseKind } from '../../src/db/database.ts';
import { TEMPLATE_DB, withDatabase } from './template.ts';

/** The backends to run database suites on: always PGlite, and Postgres when the run has one. */
export function backends(): DatabaseKind[] {
  return inject('postgresUrl') ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase extends Database {
  /** postgres only: a URL for other processes (spawned servers) to reach the same database. */
  url?: string;
}

/** A migrated database: PGlite from the run's snapshot, or a Postgres clone of the template. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    return openDatabase({ kind: 'pglite', loadDataDir: new Blob([readFileSync(inject('pgliteSnapshot'))]) });
  }
  return createPostgresDatabase(TEMPLATE_DB);
}

/** A database without migrations, for migration tests. */
export async function createEmptyDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  return kind === 'pglite'
    ? openDatabase({ kind: 'pglite', loadDataDir: new Blob([readFileSync(inject('pgliteEmptySnapshot'))]) })
    : createPostgresDatabase();
}

async function adminQuery(text: string) {
  const admin = postgres(inject('postgresUrl')!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(text);
  } finally {
    await admin.end();
  }
}

// Two test files cloning the template at the same instant make Postgres refuse one
// ("source database is being accessed by other users"): try again shortly.
async function createDatabaseRetrying(statement: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await adminQuery(statement);
    } catch (err) {
      if (attempt >= 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }
}

async function createPostgresDatabase(template?: string): Promise<TestDatabase> {
  const adminUrl = inject('postgresUrl');
  if (!adminUrl) throw new Error('no Postgres in this test run');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await createDatabaseRetrying(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const url = withDatabase(adminUrl, name);
  const database = await openDatabase({ kind: 'postgres', url, max: 5 });
  return {
    ...database,
    url,
    async close() {
      await database.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
