// Crash soak: the real server process (dist/server.mjs, what `npm start` runs) killed with
// SIGKILL from outside at random moments, 100 times, restarted each time, while a mixed
// batch of uploads is in flight. test/ingest/crash-safety.test.ts kills it at named steps
// from inside (SHOEBOX_TEST_CRASH_AT); this kills it wherever it happens to be: in a
// request body, between the rename and the row, in the metadata read, in the worker's
// thumbnail writes, in the recovery at start, or idle.
//
//   node --import tsx bench/crash-soak.ts [--kills 100] [--backend pglite|postgres|both]
//     [--seed N] [--min-delay-ms 0] [--max-delay-ms 2500] [--start-kills 0.1] [--keep]
//
// Each life: a fresh batch (1–2 noise JPEGs of ~2 MB, 1–3 small ones, a camera file from
// /work/shared/fixtures made unique by bytes appended after its end, a second copy of the
// big one, 0–2 files of earlier lives sent again), sent two at a time as a browser's
// upload queue sends them, and SIGKILL at a random delay (--min/--max-delay-ms) after the
// first upload starts. One life in ten (--start-kills) is instead killed while it starts,
// at a random fraction of the median start time so far (before /healthz answers: the
// database opening, migrations, the recovery of the last life's leftovers). Every upload
// answered 200/201 is remembered with its SHA-256.
// At the end, one more start without a kill, the worker's backlog done, then the checks
// of the crash-safety test (test/helpers/crash-checks.ts): every answered upload is served
// and has its row under the same id; no partial original; every original has its row and
// every row its original, re-hashed to its SHA-256; every asset ready with its derived
// files (or failed with a reason); no temp leftovers; fsck clean.
//
// The rng (kill moments, the batches, the noise pixels) is seeded; the seed is printed and
// --seed replays the same schedule and the same files (where a kill lands still depends on
// timing). Progress goes to stderr, the Markdown summary to stdout, the headline rows to
// `npm run bench` (BENCH_JSON, common.ts). Exit status 1 when a check fails; the DATA_DIR
// is then kept (with the servers' logs and, on Postgres, the asset rows) for a look.
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, type Database } from '../src/db/database.ts';
import { checkServed, checkStored, noiseJpeg, ownerToken, sha256, uniquePhoto, upload, waitForBacklog, type SentFile } from '../test/helpers/crash-checks.ts';
import { findPostgresBin, freePort, startCluster, type Cluster } from '../test/helpers/postgres-cluster.ts';
import { spawnServer, spawnServerProcess, tempDir, type SpawnedServer } from '../test/helpers/server.ts';
import { FIXTURES_DIR } from '../test/media/fixtures.ts';
import { emitRows, type BenchRow } from './common.ts';

const { values: opts } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    backend: { type: 'string', default: 'pglite' },
    seed: { type: 'string' },
    'min-delay-ms': { type: 'string', default: '0' },
    'max-delay-ms': { type: 'string', default: '2500' },
    'start-kills': { type: 'string', default: '0.1' },
    keep: { type: 'boolean', default: false },
  },
});
const KILLS = Number(opts.kills);
const SEED = opts.seed === undefined ? randomInt(2 ** 31) : Number(opts.seed);
const MIN_DELAY = Number(opts['min-delay-ms']);
const MAX_DELAY = Number(opts['max-delay-ms']);
const START_KILLS = Number(opts['start-kills']);
if (!(KILLS >= 1) || !Number.isInteger(SEED) || !(MAX_DELAY >= MIN_DELAY && MIN_DELAY >= 0) || !(START_KILLS >= 0 && START_KILLS < 1)) {
  throw new Error('usage: --kills N (≥ 1) --seed INT --min-delay-ms A --max-delay-ms B (0 ≤ A ≤ B) --start-kills F (0 ≤ F < 1)');
}
if (!['pglite', 'postgres', 'both'].includes(opts.backend!)) throw new Error(`--backend pglite|postgres|both, not ${opts.backend}`);
const BACKENDS = opts.backend === 'both' ? (['pglite', 'postgres'] as const) : [opts.backend as 'pglite' | 'postgres'];

/** Camera files sent made unique (those of them that are here). */
const PHOTOS = ['jpeg/phone/IMG_4120.JPG', 'jpeg/phone/IMG_20180725_163423.jpg', 'jpeg/camera/canon-dslr.jpg', 'jpeg/gps/FurnaceCreekInn.jpg', 'jpeg/orientation/landscape_6.jpg']
  .map((rel) => FIXTURES_DIR + rel)
  .filter((path) => existsSync(path));

const note = (s: string) => process.stderr.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const problemCount = (n: number) => `${n} problem${n === 1 ? '' : 's'}`;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

/** sfc32, seeded through splitmix32: the kill moments, the batches, the noise pixels. */
function seededRng(seed: number) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  const float = () => u32() / 2 ** 32;
  return {
    float,
    /** An integer in [lo, hi]. */
    int: (lo: number, hi: number) => lo + Math.floor(float() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(float() * xs.length)]!,
    bytes(n: number): Buffer {
      const out = Buffer.allocUnsafe(n);
      let i = 0;
      for (; i + 4 <= n; i += 4) out.writeUInt32LE(u32(), i);
      for (; i < n; i++) out[i] = u32() & 0xff;
      return out;
    },
    shuffle<T>(xs: T[]): T[] {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(float() * (i + 1));
        [xs[i], xs[j]] = [xs[j]!, xs[i]!];
      }
      return xs;
    },
  };
}
type Rng = ReturnType<typeof seededRng>;

/** One life's uploads: new files (big and small noise, a camera file made unique) and copies (of this batch's big one, of earlier lives' files). */
async function makeBatch(rng: Rng, life: number, earlier: SentFile[]): Promise<{ fresh: SentFile[]; all: SentFile[] }> {
  const fresh: SentFile[] = [];
  const bigs = rng.float() < 0.3 ? 2 : 1;
  for (let i = 0; i < bigs; i++) fresh.push({ name: `big-${life}-${i}.jpg`, bytes: await noiseJpeg(rng.int(1100, 1250), rng.int(850, 950), rng.bytes) });
  for (let i = rng.int(1, 3); i > 0; i--) fresh.push({ name: `small-${life}-${i}.jpg`, bytes: await noiseJpeg(rng.int(160, 640), rng.int(120, 480), rng.bytes) });
  if (PHOTOS.length) {
    const path = rng.pick(PHOTOS);
    fresh.push({ name: `photo-${life}-${path.split('/').at(-1)}`, bytes: uniquePhoto(path, `crash soak seed ${SEED} life ${life} ${rng.bytes(8).toString('hex')}`) });
  }
  const copies: SentFile[] = [];
  if (rng.float() < 0.5) copies.push({ name: `big-${life}-0-again.jpg`, bytes: fresh[0]!.bytes });
  for (let i = earlier.length ? rng.int(0, 2) : 0; i > 0; i--) copies.push(rng.pick(earlier));
  return { fresh, all: rng.shuffle([...fresh, ...copies]) };
}

interface SoakResult {
  backend: 'pglite' | 'postgres';
  kills: number;
  startKills: number;
  /** Kills with at least one upload request in flight. */
  uploadKills: number;
  restarts: number;
  restartMs: number[];
  uploadsSent: number;
  uploadsAnswered: number;
  /** Distinct files (SHA-256) answered 200/201. */
  answeredFiles: number;
  survived: number;
  recovery: { tempRemoved: number; adopted: number; resumed: number };
  byStatus: Record<string, number>;
  problems: string[];
  wallMs: number;
  kept?: string;
}

/** What the last life left that the recovery at start dealt with, from the server's info log. */
function countRecovery(output: string, into: SoakResult['recovery']) {
  for (const line of output.split('\n')) {
    const files = /removed unfinished uploads files=(\d+)/.exec(line);
    if (files) into.tempRemoved += Number(files[1]);
    if (/^\S+ info\s+original without a row/.test(line)) into.adopted++;
    const resumed = /resuming interrupted processing assets=(\d+)/.exec(line);
    if (resumed) into.resumed += Number(resumed[1]);
  }
}

/** Lines of a server's output that say something went wrong: warn and error level, and anything not in the log's own format (a stack, a library's own print). */
function complaints(output: string): string[] {
  const lines = output.split('\n').filter((l) => l.trim() && (/^\S+ (warn|error)\s/.test(l) || !/^\d{4}-\d\d-\d\dT\S+ (debug|info)\s/.test(l)));
  const distinct = [...new Set(lines.map((l) => l.replace(/^\d{4}-\d\d-\d\dT\S+ /, '').slice(0, 300)))];
  return distinct.length > 5 ? [...distinct.slice(0, 5), `… ${lines.length} lines in all`] : distinct;
}

/** The live server (or starting process), stopped if this process is stopped. */
let current: { kill(): void } | undefined;
const cleanups: (() => void)[] = [];
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    current?.kill();
    for (const fn of cleanups.reverse()) {
      try {
        fn();
      } catch {
        /* best effort */
      }
    }
    process.exit(130);
  });
}

async function soak(backend: 'pglite' | 'postgres'): Promise<SoakResult> {
  const t0 = Date.now();
  const rng = seededRng(SEED);
  const result: SoakResult = {
    backend,
    kills: 0,
    startKills: 0,
    uploadKills: 0,
    restarts: 0,
    restartMs: [],
    uploadsSent: 0,
    uploadsAnswered: 0,
    answeredFiles: 0,
    survived: 0,
    recovery: { tempRemoved: 0, adopted: 0, resumed: 0 },
    byStatus: {},
    problems: [],
    wallMs: 0,
  };
  const problems = result.problems;
  const root = tempDir('sbx-soak-');
  const env: Record<string, string> = { DATA_DIR: root, LOG_LEVEL: 'info', JOB_LEASE_SECONDS: '2', WORKER_CONCURRENCY: '2' };
  let cluster: Cluster | undefined;
  const removeRoot = () => rmSync(root, { recursive: true, force: true });
  cleanups.push(removeRoot);
  const logs: string[] = [];
  let rowsDump: unknown;
  try {
    if (backend === 'postgres') {
      const bin = findPostgresBin();
      if (!bin) throw new Error('no Postgres server binaries (under /usr/lib/postgresql, or PG_BIN)');
      cluster = await startCluster(bin);
      const c = cluster;
      cleanups.push(() => c.stop());
      env.DATABASE_URL = cluster.url;
      note(`[${backend}] ${cluster.version}, throwaway cluster`);
    }
    note(`[${backend}] DATA_DIR ${root}; first start (${backend === 'pglite' ? 'initdb, ' : ''}migrations)`);
    let live: SpawnedServer = await spawnServer(env, 120_000);
    current = { kill: () => live.proc.kill('SIGKILL') };
    const token = await ownerToken(live.url);
    await live.stop();
    logs.push(`--- first start\n${live.output()}`);

    const answered = new Map<string, string>(); // SHA-256 → asset id, for every upload answered 200/201
    const sentHashes = new Set<string>();
    const earlier: SentFile[] = [];
    for (let life = 1; life <= KILLS; life++) {
      // Killed while starting: at a random moment before it would answer /healthz (the first life always starts).
      if (life > 1 && rng.float() < START_KILLS) {
        const delay = rng.float() * (percentile(result.restartMs, 50) || 1500);
        const started = spawnServerProcess({ HOST: '127.0.0.1', ...env, PORT: String(await freePort()) });
        current = { kill: () => started.proc.kill('SIGKILL') };
        await sleep(delay);
        const before = started.proc.exitCode;
        started.proc.kill('SIGKILL');
        await started.exited;
        const output = started.output();
        logs.push(`--- life ${life}: killed while starting, ${Math.round(delay)} ms after the spawn\n${output}`);
        countRecovery(output, result.recovery);
        if (before !== null) problems.push(`life ${life}: the server exited by itself (${before}) while starting:\n${output.slice(-2000)}`);
        result.kills++;
        result.startKills++;
        result.restarts++;
        note(`[${backend}] life ${life}/${KILLS}: killed while starting, ${Math.round(delay)} ms after the spawn${complaints(output).length ? `; it said: ${complaints(output).join(' | ')}` : ''}`);
        continue;
      }

      const batch = await makeBatch(rng, life, earlier); // made before the start: sharp's work is not the server's
      earlier.push(...batch.fresh);
      const delay = MIN_DELAY + rng.float() * (MAX_DELAY - MIN_DELAY);
      const restartStarted = Date.now();
      try {
        live = await spawnServer(env, 120_000);
      } catch (err) {
        problems.push(`life ${life}: the server did not start: ${(err as Error).message.slice(-3000)}`);
        note(`[${backend}] life ${life}/${KILLS}: the server did not start; stopping the soak here`);
        break;
      }
      const server = live;
      current = { kill: () => server.proc.kill('SIGKILL') };
      const upMs = Date.now() - restartStarted;
      if (life > 1) {
        // (life 1 follows the first start's graceful stop, not a kill)
        result.restarts++;
        result.restartMs.push(upMs);
      }

      // Two at a time, as a browser's upload queue sends them, until the kill.
      const queue = [...batch.all];
      const inFlight = new Set<string>();
      let killed = false;
      let inFlightAtKill = 0;
      let answeredNow = 0;
      let sentNow = 0;
      let exitedBefore: number | null = null;
      const uploadsStarted = Date.now();
      // Once the batch is answered, more fresh photos (cheap: a fixture with its own tail) keep
      // uploads in flight until the kill, so it lands in an upload's work more often than not.
      let extra = 0;
      const next = (): SentFile | undefined => {
        const file = queue.shift();
        if (file || !PHOTOS.length) return file;
        const path = PHOTOS[extra % PHOTOS.length]!;
        return { name: `more-${life}-${++extra}-${path.split('/').at(-1)}`, bytes: uniquePhoto(path, `crash soak life ${life} extra ${extra} ${randomBytes(8).toString('hex')}`) };
      };
      const sender = async () => {
        for (let file = next(); file && !killed; file = next()) {
          const hash = sha256(file.bytes);
          sentHashes.add(hash);
          result.uploadsSent++;
          sentNow++;
          inFlight.add(file.name);
          try {
            const entry = await upload(server.url, token, file);
            if (entry) {
              result.uploadsAnswered++;
              answeredNow++;
              const before = answered.get(hash);
              if (before && before !== entry.id) problems.push(`life ${life}: ${file.name} answered as asset ${entry.id}, the same bytes earlier as ${before}`);
              answered.set(hash, entry.id);
            }
          } catch (err) {
            problems.push(`life ${life}: ${(err as Error).message.slice(0, 500)}`);
          } finally {
            inFlight.delete(file.name);
          }
        }
      };
      const kill = sleep(delay).then(() => {
        killed = true;
        inFlightAtKill = inFlight.size;
        exitedBefore = server.proc.exitCode;
        server.proc.kill('SIGKILL');
        return server.exited;
      });
      await Promise.all([sender(), sender(), kill]);
      const output = server.output();
      logs.push(`--- life ${life}: SIGKILL ${Math.round(delay)} ms after the uploads started, ${inFlightAtKill} in flight\n${output}`);
      countRecovery(output, result.recovery);
      if (exitedBefore !== null) problems.push(`life ${life}: the server exited by itself (${exitedBefore}) before the kill:\n${output.slice(-2000)}`);
      const said = complaints(output);
      result.kills++;
      if (inFlightAtKill) result.uploadKills++;
      note(
        `[${backend}] life ${life}/${KILLS}: up in ${seconds(upMs)}, SIGKILL after ${Math.round(delay)} ms ` +
          `(${inFlightAtKill ? `${inFlightAtKill} upload${inFlightAtKill > 1 ? 's' : ''} in flight` : 'no upload in flight'}; ${answeredNow}/${sentNow} answered, ` +
          `${Math.round((Date.now() - uploadsStarted) / 100) / 10} s); answered files so far ${answered.size}${said.length ? `; it said: ${said.join(' | ')}` : ''}`,
      );
    }

    // The last start, without a kill: recovery, then the worker catches up.
    note(`[${backend}] last start; waiting for the worker`);
    const restartStarted = Date.now();
    live = await spawnServer(env, 120_000);
    const last = live;
    current = { kill: () => last.proc.kill('SIGKILL') };
    result.restarts++;
    result.restartMs.push(Date.now() - restartStarted);
    result.answeredFiles = answered.size;
    if (!answered.size) problems.push('no upload was answered: nothing was tested');
    else {
      const waited = Date.now();
      await waitForBacklog(last.url, token, [...answered.values()][0]!, 300_000).catch((err: Error) => problems.push(err.message));
      note(`[${backend}] the worker's backlog done in ${seconds(Date.now() - waited)}`);
    }
    const served = await checkServed(last.url, token, answered, last.output());
    problems.push(...served);
    const code = await last.stop();
    logs.push(`--- last start\n${last.output()}`);
    countRecovery(last.output(), result.recovery);
    current = undefined;
    if (code !== 0) problems.push(`the last server stopped with ${code}:\n${last.output().slice(-2000)}`);

    // Straight from the disk and the database, with the server stopped.
    note(`[${backend}] checking rows and files (re-hashing every original, fsck)`);
    const database: Database = cluster ? await openDatabase({ kind: 'postgres', url: cluster.url }) : await openDatabase({ kind: 'pglite', dataDir: join(root, 'db') });
    try {
      const stored = await checkStored({ root, db: database, sharedDatabase: backend === 'postgres', answered, sent: sentHashes, allowFailed: true });
      problems.push(...stored.problems);
      result.byStatus = stored.byStatus;
      const rows = new Map((await database.db.selectFrom('assets').select(['id', 'file_hash']).execute()).map((r) => [r.file_hash, r.id]));
      result.survived = [...answered].filter(([hash, id]) => rows.get(hash) === id && !served.some((p) => p.includes(id))).length;
      if (problems.length && cluster) rowsDump = await database.db.selectFrom('assets').selectAll().execute();
    } finally {
      await database.close();
    }
  } catch (err) {
    problems.push(`the soak stopped: ${(err as Error).stack ?? err}`);
  } finally {
    current?.kill();
    current = undefined;
    cluster?.stop();
    cleanups.length = 0;
    if (problems.length || opts.keep) {
      writeFileSync(join(root, 'soak-servers.log'), logs.join('\n'));
      if (rowsDump) writeFileSync(join(root, 'soak-assets.json'), JSON.stringify(rowsDump, null, 1));
      result.kept = root;
    } else {
      removeRoot();
    }
  }
  result.wallMs = Date.now() - t0;
  return result;
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}`;
}

async function main() {
  const started = Date.now();
  const replay = `--seed ${SEED} --kills ${KILLS} --backend ${opts.backend} --min-delay-ms ${MIN_DELAY} --max-delay-ms ${MAX_DELAY} --start-kills ${START_KILLS}`;
  note(`crash soak: ${KILLS} SIGKILLs per database (${BACKENDS.join(', ')}), seed ${SEED}; replay with: node --import tsx bench/crash-soak.ts ${replay}`);
  if (!PHOTOS.length) note(`no camera files under ${FIXTURES_DIR}: the batches are noise JPEGs only`);
  const results: (SoakResult | { backend: 'postgres'; skipped: string })[] = [];
  for (const backend of BACKENDS) {
    if (backend === 'postgres' && opts.backend === 'both' && !findPostgresBin()) {
      note('[postgres] skipped: no Postgres server binaries (under /usr/lib/postgresql, or PG_BIN)');
      results.push({ backend, skipped: 'no Postgres server binaries' });
      continue;
    }
    const r = await soak(backend);
    results.push(r);
    note(`[${backend}] ${r.problems.length ? `FAIL (${problemCount(r.problems.length)})` : 'PASS'} in ${seconds(r.wallMs)}`);
  }

  const lines: string[] = [];
  lines.push('## Crash soak: SIGKILL from outside at random moments, restarted each time');
  lines.push('');
  lines.push(`command: \`${['node --import tsx bench/crash-soak.ts', ...process.argv.slice(2)].join(' ')}\``);
  lines.push(`seed: ${SEED} (replay: \`node --import tsx bench/crash-soak.ts ${replay}\`; the batches and delays repeat, where each kill lands depends on timing)`);
  lines.push(`kill moment: ${MIN_DELAY}–${MAX_DELAY} ms after a life's first upload starts; ${Math.round(START_KILLS * 100)} % of lives killed while starting instead`);
  lines.push(`machine: ${machine()}; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  lines.push('');
  lines.push('| database | kills | of them while starting | with an upload in flight | restarts | uploads sent | answered 200/201 | answered files | survived | restart p50 | restart max | wall time | result |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  const rows: BenchRow[] = [];
  for (const r of results) {
    if ('skipped' in r) {
      lines.push(`| ${r.backend} | — | — | — | — | — | — | — | — | — | — | — | skipped (${r.skipped}) |`);
      continue;
    }
    const ok = r.problems.length === 0;
    const p50 = percentile(r.restartMs, 50);
    const max = Math.max(...r.restartMs);
    lines.push(
      `| ${r.backend} | ${r.kills} | ${r.startKills} | ${r.uploadKills} | ${r.restarts} | ${r.uploadsSent} | ${r.uploadsAnswered} | ${r.answeredFiles} | ${r.survived} / ${r.answeredFiles} | ${seconds(p50)} | ${seconds(max)} | ${seconds(r.wallMs)} | ${ok ? 'PASS' : '**FAIL**'} |`,
    );
    rows.push(
      {
        bench: 'crash-soak',
        measure: `answered uploads surviving ${r.kills} SIGKILLs at random moments (${r.backend}, seed ${SEED})`,
        shoebox: `${r.survived} / ${r.answeredFiles}`,
        baseline: '—',
        ratio: '—',
        target: 'all',
        pass: r.answeredFiles > 0 && r.survived === r.answeredFiles,
      },
      {
        bench: 'crash-soak',
        measure: `rows and files after the soak: originals, SHA-256, derived files, temp leftovers, fsck (${r.backend})`,
        shoebox: ok ? 'clean' : problemCount(r.problems.length),
        baseline: '—',
        ratio: '—',
        target: 'clean',
        pass: ok,
      },
      {
        bench: 'crash-soak',
        measure: `restart after SIGKILL to /healthz, p50 / max (${r.backend})`,
        shoebox: `${seconds(p50)} / ${seconds(max)}`,
        baseline: '—',
        ratio: '—',
        target: '—',
        pass: null,
      },
    );
  }
  lines.push('');
  for (const r of results) {
    if ('skipped' in r) continue;
    const statuses = Object.entries(r.byStatus).map(([s, n]) => `${s} ${n}`).join(', ') || 'none';
    lines.push(
      `${r.backend}: assets at the end: ${statuses}. Recovery at start (from the servers' logs): ${r.recovery.tempRemoved} unfinished uploads removed from tmp/, ` +
        `${r.recovery.adopted} originals without a row adopted, ${r.recovery.resumed} interrupted jobs resumed${r.backend === 'postgres' ? ' (on Postgres the recovery leaves part files in tmp/ until they are 6 hours old, another server may be writing them, and resumes a job only once its lease has run out: 2 × JOB_LEASE_SECONDS, 4 s here)' : ''}.`,
    );
    if (r.problems.length) {
      lines.push('');
      lines.push(`${r.backend}: **${problemCount(r.problems.length)}**${r.kept ? ` (DATA_DIR kept: ${r.kept}, with soak-servers.log)` : ''}:`);
      lines.push('');
      for (const p of r.problems.slice(0, 50)) lines.push(`- ${p.replaceAll('\n', '\n  ')}`);
      if (r.problems.length > 50) lines.push(`- … and ${r.problems.length - 50} more`);
    } else if (r.kept) {
      lines.push(`${r.backend}: DATA_DIR kept (--keep): ${r.kept}`);
    }
    lines.push('');
  }
  const failed = results.some((r) => !('skipped' in r) && r.problems.length > 0);
  lines.push(`${failed ? '**FAIL**' : 'PASS'}; total wall time ${seconds(Date.now() - started)}.`);
  process.stdout.write(lines.join('\n') + '\n');
  emitRows(rows);
  if (failed) process.exitCode = 1;
}

await main();
