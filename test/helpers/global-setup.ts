// Once per `npm test`: a real Postgres (throwaway cluster, or TEST_DATABASE_URL) with a
// migrated template database, and a migrated PGlite snapshot. Test files clone these.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { findPostgresBin, startCluster, type Cluster } from './postgres-cluster.ts';
import { requireAllUnderCi } from './required-tools.ts';
import { TEMPLATE_DB, withDatabase } from './template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
    pgliteSnapshot: string;
    pgliteEmptySnapshot: string;
  }
}

export default async function setup(project: TestProject) {
  requireAllUnderCi(); // a skipped check proves nothing: under CI a missing tool fails the run
  const work = mkdtempSync(join(tmpdir(), 'shoebox-test-'));
  let cluster: Cluster | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL ?? null;
  let described = adminUrl ? `TEST_DATABASE_URL` : '';
  if (!adminUrl) {
    const bin = findPostgresBin();
    if (bin) {
      cluster = await startCluster(bin);
      adminUrl = cluster.url;
      described = `${cluster.version}, throwaway cluster`;
    } else if (process.env.CI) {
      throw new Error('CI needs a real Postgres: no server binaries under /usr/lib/postgresql and no TEST_DATABASE_URL');
    }
  }

  let templateUrl: string | null = null;
  if (adminUrl) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
    await admin.unsafe(`CREATE DATABASE ${TEMPLATE_DB}`);
    await admin.end();
    templateUrl = withDatabase(adminUrl, TEMPLATE_DB);
    const db = await openDatabase({ kind: 'postgres', url: templateUrl, max: 1 });
    await migrate(db);
    await db.close();
  }

  // initdb in WebAssembly takes seconds: do it once, and keep the cluster both before
  // (for migration tests) and after the migrations.
  const pglite = await openDatabase({ kind: 'pglite' });
  const emptySnapshot = join(work, 'pglite-empty.tar');
  writeFileSync(emptySnapshot, await dumpPglite(pglite));
  await migrate(pglite);
  const snapshot = join(work, 'pglite-snapshot.tar');
  writeFileSync(snapshot, await dumpPglite(pglite));
  await pglite.close();

  project.provide('postgresUrl', adminUrl);
  project.provide('pgliteSnapshot', snapshot);
  project.provide('pgliteEmptySnapshot', emptySnapshot);
  console.log(`[shoebox tests] database backends: pglite${adminUrl ? `, postgres (${described})` : ' only — no Postgres found, the postgres suites are skipped'}`);

  return async () => {
    cluster?.stop();
    rmSync(work, { recursive: true, force: true });
    console.log(`[shoebox tests] ran against: pglite${adminUrl ? ', postgres' : ''}`);
  };
}

async function dumpPglite(database: Awaited<ReturnType<typeof openDatabase>>): Promise<Buffer> {
  const blob = await database.dumpDataDir!();
  return Buffer.from(await blob.arrayBuffer());
}
