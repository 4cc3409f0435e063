// GET /healthz: 200 when the database answers and DATA_DIR is writable, else 503.
import { Hono } from 'hono';
import { sql } from 'kysely';
import { isWritable } from '../storage/data-dir.ts';
import { countIntegrityProblems } from '../queries/integrity.ts';
import type { Db } from '../queries/users.ts';
import type { AppEnv } from '../http/env.ts';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

// Anyone may ask /healthz: it says how many originals are damaged or missing, and Settings
// (and the log) which ones and in which albums.
async function integrityProblems(db: Db) {
  const problems = await withTimeout(countIntegrityProblems(db), 3000).catch(() => undefined);
  return problems === undefined ? undefined : { problems, details: problems ? 'Settings → Integrity of the originals' : undefined };
}

export const healthRoutes = new Hono<AppEnv>().get('/healthz', async (c) => {
  const { database, dataDir, version } = c.get('deps');
  const db = await withTimeout(sql`select 1`.execute(database.db), 3000).then(
    () => true,
    () => false,
  );
  const storage = await isWritable(dataDir);
  const ok = db && storage;
  // Damaged originals are the owner's to see and fix; they never make the server unhealthy.
  const integrity = db ? await integrityProblems(database.db) : undefined;
  c.header('Cache-Control', 'no-store');
  return c.json({ ok, db, storage, version, backend: database.kind, ...(integrity ? { integrity } : {}) }, ok ? 200 : 503);
});
