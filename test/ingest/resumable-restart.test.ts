// A resumable upload across a server restart: the real `npm start` process is killed
// (SIGKILL, as a crash or an OOM kill would) with a chunk cut off at 40 % in flight, started
// again on the same DATA_DIR, and the upload goes on from the last byte it holds.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { expectJson } from '../helpers/api.ts';
import { ownerToken } from '../helpers/crash-checks.ts';
import { seededDataDir, spawnServer, type SpawnedServer } from '../helpers/server.ts';
import { tusClient } from '../helpers/tus.ts';
import { fixture } from '../media/fixtures.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('a resumable upload and a server restart', () => {
  const root = seededDataDir('sbx-tus-restart-');
  let live: SpawnedServer | undefined;
  afterAll(async () => {
    await live?.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('goes on after SIGKILL from the bytes the part holds, byte-identical', { timeout: 120_000 }, async () => {
    const env = { DATA_DIR: root, LOG_LEVEL: 'warn' };
    live = await spawnServer(env);
    const token = await ownerToken(live.url);
    const photo = readFileSync(fixture('jpeg/camera/canon-dslr.jpg'));
    const file = Buffer.concat([photo, randomBytes(6 * 1024 * 1024)]);
    let tus = tusClient(live.url, '/api/uploads', { authorization: `Bearer ${token}` });
    const location = (await tus.create(file.length, { filename: 'across-a-restart.jpg' })).headers.get('location')!;
    // 40 % of the file goes, then the connection drops and the server dies.
    await tus.cut(location, 0, file, Math.floor(file.length * 0.4));
    await live.stop('SIGKILL');

    live = await spawnServer(env);
    tus = tusClient(live.url, '/api/uploads', { authorization: `Bearer ${token}` });
    const head = await tus.head(location);
    expect(head.status).toBe(200);
    const held = Number(head.headers.get('upload-offset'));
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(Math.floor(file.length * 0.4));
    expect(head.headers.get('upload-length')).toBe(String(file.length));
    const { assets } = await expectJson(await tus.finish(location, file, 1024 * 1024), 201);
    await live.stop();
    live = undefined;

    const db = await openDatabase({ kind: 'pglite', dataDir: join(root, 'db') });
    try {
      const row = await db.db.selectFrom('assets').select(['storage_path', 'original_filename']).where('id', '=', assets[0].id).executeTakeFirstOrThrow();
      expect(row.original_filename).toBe('across-a-restart.jpg');
      expect(sha256(readFileSync(join(root, row.storage_path)))).toBe(sha256(file));
    } finally {
      await db.close();
    }
  });
});
