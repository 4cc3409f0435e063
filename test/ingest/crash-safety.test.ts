// The real server process (what `npm start` runs), killed with SIGKILL at named steps of an
// upload and of the work after it, 20 times per database, restarted each time. A test-only
// variable (SHOEBOX_TEST_CRASH_AT, src/crash-points.ts) makes the server kill itself at the
// step: in the body, right before and right after the rename into originals/, in the
// metadata read, and in the thumbnail writes. Every upload that was answered must survive;
// at the end no partial original is left, every original has its row and every row its
// original with the right SHA-256, every asset has its derived files, and fsck is clean.
// (A soak of 100 kills at random moments: bench/crash-soak.ts.)
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { CrashStep } from '../../src/crash-points.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { TEMP_FILE_PATTERN } from '../../src/media/atomic-write.ts';
import { loadConfig } from '../../src/config.ts';
import { dataDirLayout } from '../../src/storage/data-dir.ts';
import { countProblems, scanStorage, verifyOriginals } from '../../src/storage/fsck.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seededDataDir, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.ts';
import { fixture } from '../media/fixtures.ts';

const STEPS: CrashStep[] = ['upload-body', 'before-rename', 'after-rename', 'metadata', 'thumbnail'];
/** 20 kills: each step four times, at its 1st, 2nd, 1st and 3rd hit in that life. */
const SCHEDULE = [1, 2, 1, 3].flatMap((nth) => STEPS.map((step) => ({ step, nth })));
const MB = 1024 * 1024;

const cleanup: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A JPEG of random pixels (random bytes make it unique and keep it large). */
async function noiseJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

/** A batch of one life: three new files of mixed sizes (one over the receiver's 1 MiB write batch), a phone photo made unique, and duplicates. */
async function makeBatch(life: number, earlier: { name: string; bytes: Buffer }[]) {
  const phone = Buffer.concat([readFileSync(fixture('jpeg/phone/IMG_4120.JPG')), Buffer.from(`life ${life} ${randomBytes(8).toString('hex')}`)]);
  const big = await noiseJpeg(1100, 900); // ~1.8 MB
  const small = await noiseJpeg(240, 180);
  const fresh = [
    { name: `big-${life}.jpg`, bytes: big },
    { name: `phone-${life}.jpg`, bytes: phone },
    { name: `small-${life}.jpg`, bytes: small },
  ];
  const dups = [{ name: `big-${life}-again.jpg`, bytes: big }, ...(earlier.length ? [earlier[life % earlier.length]!] : [])];
  return { fresh, all: [...fresh, ...dups] };
}

async function upload(url: string, token: string, file: { name: string; bytes: Buffer }): Promise<{ id: string; status: string } | undefined> {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(file.bytes)], { type: 'image/jpeg' }), file.name);
  try {
    const res = await fetch(`${url}/api/assets/upload`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200 && res.status !== 201) throw new Error(`upload of ${file.name}: ${res.status} ${await res.text()}`);
    const entry = ((await res.json()) as { assets: { id: string; status: string }[] }).assets[0]!;
    return entry;
  } catch (err) {
    // The server died under the request: no answer, no promise made.
    if ((err as Error).message.startsWith('upload of')) throw err;
    return undefined;
  }
}

async function ownerToken(url: string): Promise<string> {
  const setup = await fetch(`${url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'crash@example.com', password: 'a long enough password' }),
  });
  expect(setup.status, await setup.clone().text()).toBe(201);
  const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
  const made = await fetch(`${url}/api/tokens`, { method: 'POST', headers: { cookie, origin: url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'crash test' }) });
  expect(made.status).toBe(201);
  return ((await made.json()) as { token: string }).token;
}

/** Files under a DATA_DIR folder, relative to it. */
function filesUnder(root: string, top: string): string[] {
  const dir = join(root, top);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

async function waitForBacklog(url: string, token: string, anyId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let backlog = -1;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/assets/status?ids=${anyId}`, { headers: { authorization: `Bearer ${token}` } });
    backlog = ((await res.json()) as { backlog: number }).backlog;
    if (backlog === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the worker still had ${backlog} assets to do after ${timeoutMs} ms`);
}

describe.each(backends())('SIGKILL at named steps (%s)', (backend) => {
  it('20 kills: what was answered survives, no partial original, rows and files agree, fsck is clean', { timeout: 240_000 }, async () => {
    let database: TestDatabase | undefined;
    let root: string;
    const env: Record<string, string> = { LOG_LEVEL: 'warn', JOB_LEASE_SECONDS: '2', WORKER_CONCURRENCY: '2' };
    if (backend === 'pglite') {
      root = seededDataDir('sbx-crash-');
    } else {
      database = await createTestDatabase('postgres');
      root = tempDir('sbx-crash-');
      env.DATABASE_URL = database.url!;
      cleanup.push(() => database!.close());
    }
    env.DATA_DIR = root;
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    let live: SpawnedServer | undefined;
    cleanup.push(() => live?.stop('SIGKILL'));

    live = await spawnServer(env);
    const token = await ownerToken(live.url);
    await live.stop();

    const answered = new Map<string, string>(); // sha256 → asset id, for every upload answered 2xx
    const sent: { name: string; bytes: Buffer }[] = [];
    const recoveryKills: string[] = [];
    for (const [life, { step, nth }] of SCHEDULE.entries()) {
      const crashAt = `${step}@${nth}`;
      try {
        live = await spawnServer({ ...env, SHOEBOX_TEST_CRASH_AT: crashAt });
      } catch (err) {
        // Killed at the step before it answered: in the recovery at start (adopting an
        // original whose row the last life never wrote reads its metadata). A kill too.
        expect((err as Error).message, `life ${life}`).toContain(`crash point ${step}: SIGKILL`);
        recoveryKills.push(crashAt);
        continue;
      }
      const { fresh, all } = await makeBatch(life, sent);
      sent.push(...fresh);
      const server = live;
      // Two at a time, as a browser's upload queue sends them, until the server is gone.
      const queue = [...all];
      const sender = async () => {
        for (let file = queue.shift(); file; file = queue.shift()) {
          const entry = await upload(server.url, token, file);
          if (entry) answered.set(sha256(file.bytes), entry.id);
        }
      };
      await Promise.all([sender(), sender()]);
      const code = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('alive'), 20_000))]);
      expect(code, `life ${life}: the server never reached ${step}@${nth}\n${server.output()}`).not.toBe('alive');
      expect(server.output(), `life ${life}`).toContain(`crash point ${step}: SIGKILL`);
    }

    expect(recoveryKills.length, `kills during recovery: ${recoveryKills.join(', ')}`).toBeLessThan(SCHEDULE.length / 4);

    // A last start without the variable: recovery, then the worker catches up.
    live = await spawnServer(env);
    expect(answered.size).toBeGreaterThan(0);
    await waitForBacklog(live.url, token, [...answered.values()][0]!, 90_000);
    expect(live.output()).not.toMatch(/crash point|worker job crashed/);
    for (const [hash, id] of answered) {
      const res = await fetch(`${live.url}/api/assets/${id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, `answered upload ${hash} is gone`).toBe(200);
    }
    await live.stop();
    live = undefined;

    // Checked straight from the disk and the database, with the server stopped.
    const db: Database = database ?? (await openDatabase({ kind: 'pglite', dataDir: join(root, 'db') }));
    if (!database) cleanup.push(() => db.close());
    const rows = await db.db.selectFrom('assets').select(['id', 'file_hash', 'storage_path', 'status', 'processing_error']).execute();
    const byHash = new Map(rows.map((r) => [r.file_hash, r]));
    for (const [hash, id] of answered) expect(byHash.get(hash)?.id, `answered upload ${hash}`).toBe(id);
    const sentHashes = new Set(sent.map((f) => sha256(f.bytes)));
    for (const row of rows) expect(sentHashes.has(row.file_hash), `a row for bytes never sent: ${row.storage_path}`).toBe(true);
    expect(rows.filter((r) => r.status !== 'ready'), 'every asset processed').toEqual([]);

    const originals = filesUnder(root, 'originals');
    expect(originals.filter((rel) => TEMP_FILE_PATTERN.test(rel.split('/').at(-1)!)), 'no partial original').toEqual([]);
    expect(originals.sort()).toEqual(rows.map((r) => r.storage_path).sort());
    expect(filesUnder(root, 'thumbnails').filter((rel) => TEMP_FILE_PATTERN.test(rel.split('/').at(-1)!)), 'no half-written thumbnail').toEqual([]);
    const verified = await verifyOriginals(root);
    expect(verified).toMatchObject({ checked: rows.length, mismatches: [], unreadable: [] });

    // fsck, as `shoebox fsck` runs it. With a shared Postgres the part files of uploads killed
    // mid-body stay in tmp/ until they are 6 hours old (another process may be writing them);
    // alone on the embedded database, recovery at start removed them.
    const config = loadConfig({ DATA_DIR: root });
    const report = await scanStorage({ database: db, dataDir: dataDirLayout(root), config }, { tempMinAgeMs: backend === 'pglite' ? 0 : 6 * 3600_000 });
    expect(countProblems(report), JSON.stringify(report, null, 1)).toBe(0);
    expect(report.summary.assets).toBe(rows.length);
    if (backend === 'pglite') expect(filesUnder(root, 'tmp')).toEqual([]);
    else expect(filesUnder(root, 'tmp').every((rel) => /^tmp\/upload-.+\.part$/.test(rel))).toBe(true);
  });
});
