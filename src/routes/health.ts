// GET /healthz: 200 when the database answers and DATA_DIR is writable, else 503.
import { Hono } from 'hono';
import { sql } from 'kysely';
import { isWritable } from '../storage/data-dir.ts';
import type { AppEnv } from '../http/env.ts';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

export const healthRoutes = new Hono<AppEnv>().get('/healthz', async (c) => {
  const { database, dataDir, version } = c.get('deps');
  const db = await withTimeout(sql`select 1`.execute(database.db), 3000).then(
    () => true,
    () => false,
  );
  const storage = await isWritable(dataDir);
  const ok = db && storage;
  c.header('Cache-Control', 'no-store');
  return c.json({ ok, db, storage, version, backend: database.kind }, ok ? 200 : 503);
});
