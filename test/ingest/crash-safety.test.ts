// The real server process (what `npm start` runs), killed with SIGKILL at named steps of an
// upload and of the work after it, 20 times per database, restarted each time. A test-only
// variable (SHOEBOX_TEST_CRASH_AT, src/crash-points.ts) makes the server kill itself at the
// step: in the body, right before and right after the rename into originals/, in the
// metadata read, and in the thumbnail writes. Every upload that was answered must survive;
// at the end no partial original is left, every original has its row and every row its
// original with the right SHA-256, every asset has its derived files, and fsck is clean.
// (A soak of 100 kills at random moments: bench/crash-soak.ts.)
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CrashStep } from '../../src/crash-points.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { checkServed, checkStored, noiseJpeg, ownerToken, sha256, uniquePhoto, upload, waitForBacklog, type SentFile } from '../helpers/crash-checks.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seededDataDir, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.ts';
import { fixture } from '../media/fixtures.ts';

const STEPS: CrashStep[] = ['upload-body', 'before-rename', 'after-rename', 'metadata', 'thumbnail'];
/** 20 kills: each step four times, at its 1st, 2nd, 1st and 3rd hit in that life. */
const SCHEDULE = [1, 2, 1, 3].flatMap((nth) => STEPS.map((step) => ({ step, nth })));

const cleanup: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** A batch of one life: three new files of mixed sizes (one over the receiver's 1 MiB write batch), a phone photo made unique, and duplicates. */
async function makeBatch(life: number, earlier: SentFile[]) {
  const phone = uniquePhoto(fixture('jpeg/phone/IMG_4120.JPG'), `life ${life} ${randomBytes(8).toString('hex')}`);
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
    const sent: SentFile[] = [];
    const recoveryKills: string[] = [];
    for (const [life, { step, nth }] of SCHEDULE.entries()) {
      const crashAt = `${step}@${nth}`;
      const batch = makeBatch(life, sent); // made while the server starts
      batch.catch(() => {}); // awaited below, or dropped with a life killed in its start
      try {
        live = await spawnServer({ ...env, SHOEBOX_TEST_CRASH_AT: crashAt });
      } catch (err) {
        // Killed at the step before it answered: in the recovery at start (adopting an
        // original whose row the last life never wrote reads its metadata). A kill too.
        expect((err as Error).message, `life ${life}`).toContain(`crash point ${step}: SIGKILL`);
        recoveryKills.push(crashAt);
        continue;
      }
      const { fresh, all } = await batch;
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
    expect(await checkServed(live.url, token, answered, live.output())).toEqual([]);
    await live.stop();
    live = undefined;

    // Checked straight from the disk and the database, with the server stopped.
    const db: Database = database ?? (await openDatabase({ kind: 'pglite', dataDir: join(root, 'db') }));
    if (!database) cleanup.push(() => db.close());
    const stored = await checkStored({ root, db, sharedDatabase: backend === 'postgres', answered, sent: new Set(sent.map((f) => sha256(f.bytes))) });
    expect(stored.problems).toEqual([]);
  });
});
