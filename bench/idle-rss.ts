// Idle memory of the real server on each database backend, against baselines.
//
//   node --import tsx bench/idle-rss.ts [--idle 5]
//
// Builds the server as `npm start` does (bin/build.mjs → dist/server.mjs) and starts
// `node dist/server.mjs` (what `npm start` runs) on a fresh temp
// DATA_DIR: (a) PGlite, first start (initdb), (b) PGlite, restart on the same DATA_DIR,
// (c) a real Postgres (a throwaway cluster, as the tests start one). For each: wait for
// /healthz, idle, make a few requests, idle again, then read VmRSS and VmHWM (peak) of the
// node process from /proc/PID/status. Baselines: a bare node process, and PGlite alone (a
// script that only opens PGlite: on a fresh dir for the first start, and on the database
// the server just closed for the restart, so both open the same tables). Targets (issue 18): at most 120 MB on
// Postgres, at most PGlite alone + 40 MB after a restart on the embedded database.
// Prints a Markdown table for bench/RESULTS.md. Linux only (/proc).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findPostgresBin, freePort, startCluster, type Cluster } from '../test/helpers/postgres-cluster.ts';
import { emitRows, ratioText } from './common.ts';
// @ts-expect-error: a plain JS build script without type declarations
import { buildServer, serverBundle } from '../bin/build.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { idle: { type: 'string', default: '5' }, runs: { type: 'string', default: '3' } } });
const IDLE_MS = Number(values.idle) * 1000;
/** Runs of the restart and of its baseline, taken in turn; each is reported by its median (RSS moves by ±15 MB from run to run). */
const RUNS = Math.max(1, Number(values.runs));

function median(runs: Sample[]): Sample {
  const sorted = [...runs].sort((a, b) => a.rssKb - b.rssKb);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return runs.length > 1 ? { ...mid, note: `median of ${runs.length}: ${runs.map((r) => mb(r.rssKb)).join(', ')} MB` } : mid;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  name: string;
  command: string;
  /** Time until the process answered (or printed "ready"); undefined for the bare baselines. */
  readyMs?: number;
  rssKb: number;
  hwmKb: number;
  note?: string;
}

function memory(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

function launch(args: string[], env: Record<string, string> = {}): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => output, exited };
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stop(proc: ChildProcess, exited: Promise<number | null>) {
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** A process that prints "ready" when it has done its setup, then idles. */
async function baseline(name: string, command: string, args: string[], waitForReady: boolean): Promise<Sample> {
  const t0 = Date.now();
  const p = launch(args);
  let exitCode: number | null | undefined;
  void p.exited.then((c) => (exitCode = c));
  if (waitForReady) {
    await until(() => {
      if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode}:\n${p.output()}`);
      return p.output().includes('ready');
    }, name);
  } else {
    await sleep(500);
  }
  const readyMs = waitForReady ? Date.now() - t0 : undefined;
  await sleep(IDLE_MS);
  const mem = memory(p.proc.pid!);
  await stop(p.proc, p.exited);
  return { name, command, readyMs, ...mem };
}

const requests = ['/healthz', '/', '/api/no-such-route', '/no/such/page', '/healthz'];

async function server(name: string, env: Record<string, string>): Promise<Sample> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  const p = launch([serverBundle], { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env });
  let exitCode: number | null | undefined;
  void p.exited.then((c) => (exitCode = c));
  await until(async () => {
    if (exitCode !== undefined) throw new Error(`${name}: server exited with ${exitCode}:\n${p.output()}`);
    try {
      return (await fetch(`${url}/healthz`)).ok;
    } catch {
      return false;
    }
  }, `${name} /healthz`);
  const readyMs = Date.now() - t0;
  await sleep(IDLE_MS);
  for (const path of requests) await (await fetch(url + path)).arrayBuffer();
  // The CSS the layout links to, as a browser would fetch it.
  const html = await (await fetch(`${url}/no/such/page`)).text();
  const css = /href="(\/static\/[^"]+\.css)"/.exec(html)?.[1];
  if (css) await (await fetch(url + css)).arrayBuffer();
  await sleep(1000);
  const mem = memory(p.proc.pid!);
  await stop(p.proc, p.exited);
  return { name, command: 'node dist/server.mjs', readyMs, ...mem };
}

const pgliteAlone = [
  '--input-type=module',
  '-e',
  "import { PGlite } from '@electric-sql/pglite'; const pg = new PGlite(process.argv[1]); await pg.waitReady; await pg.query('select 1'); console.log('ready'); setInterval(() => {}, 1000);",
];

const mb = (kb: number) => (kb / 1024).toFixed(0);
const ratio = (a: number, b: number) => (a / b).toFixed(2) + '×';

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'sbx-bench-'));
  let cluster: Cluster | undefined;
  const samples: Sample[] = [];
  const log = (s: Sample) => {
    samples.push(s);
    process.stderr.write(`  ${s.name}: ready ${s.readyMs ?? '-'} ms, RSS ${mb(s.rssKb)} MB, peak ${mb(s.hwmKb)} MB\n`);
  };
  try {
    process.stderr.write(`idle ${IDLE_MS / 1000} s per run\n`);
    log(await baseline('bare node', 'node -e "setInterval(()=>{},1000)"', ['-e', 'setInterval(()=>{},1000)'], false));
    const pgDir = join(work, 'pglite-alone');
    log(await baseline('PGlite alone, first open (initdb)', 'node --input-type=module -e "await new PGlite(dir).waitReady; setInterval(...)"', [...pgliteAlone, pgDir], true));

    buildServer();
    const dataDir = join(work, 'data');
    log(await server('server, PGlite, first start', { DATA_DIR: dataDir }));
    // In turn with the same database the server just had open (its tables, its WAL): what PGlite alone needs for it.
    const restarts: Sample[] = [];
    const reopens: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      restarts.push(await server('server, PGlite, restart', { DATA_DIR: dataDir }));
      reopens.push(await baseline('PGlite alone, reopen of that database', 'node --input-type=module -e "await new PGlite(dir).waitReady; setInterval(...)"', [...pgliteAlone, join(dataDir, 'db')], true));
    }
    log(median(restarts));
    log(median(reopens));

    const bin = findPostgresBin();
    if (bin) {
      cluster = await startCluster(bin);
      log(await server('server, Postgres', { DATA_DIR: join(work, 'data-pg'), DATABASE_URL: cluster.url }));
    } else {
      process.stderr.write('  no Postgres server binaries: skipping the Postgres run\n');
    }
  } finally {
    cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const by = (name: string) => samples.find((s) => s.name === name)!;
  const bare = by('bare node');
  const pgFirst = by('PGlite alone, first open (initdb)');
  const pgReopen = by('PGlite alone, reopen of that database');
  const against = (s: Sample): string => {
    if (s.name === 'server, PGlite, first start') return `${ratio(s.rssKb, pgFirst.rssKb)} of PGlite alone (first open)`;
    if (s.name === 'server, PGlite, restart') return `${ratio(s.rssKb, pgReopen.rssKb)} of PGlite alone (reopen)`;
    if (s.name === 'server, Postgres') return "target ≤ 120 MB";
    return '';
  };

  const cpu = cpus()[0]?.model ?? 'unknown';
  const out = [
    `date: ${new Date().toString()}`,
    `machine: ${cpus().length} CPUs (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`,
    `command: node --import tsx bench/idle-rss.ts --idle ${IDLE_MS / 1000} --runs ${RUNS}`,
    '',
    '| process | ready (ms) | RSS idle (MB) | peak RSS (MB) | RSS vs bare node | RSS vs other baseline |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...samples.map((s) => `| ${s.name} | ${s.readyMs ?? '—'} | ${mb(s.rssKb)} | ${mb(s.hwmKb)} | ${ratio(s.rssKb, bare.rssKb)} | ${[against(s), s.note].filter(Boolean).join('; ')} |`),
    '',
    'Commands measured:',
    '',
    ...[...new Map(samples.map((s) => [s.command, s])).values()].map((s) => `- \`${s.command}\``),
  ];
  process.stdout.write(out.join('\n') + '\n');

  const baselineOf: Record<string, Sample> = {
    'server, PGlite, first start': pgFirst,
    'server, PGlite, restart': pgReopen,
    'server, Postgres': bare,
  };
  /** The target of each measure (MB), and whether it is met. */
  const targetOf = (s: Sample): [string, boolean | null] => {
    if (s.name === 'server, PGlite, restart') return ['≤ PGlite alone + 40 MB', s.rssKb <= pgReopen.rssKb + 40 * 1024];
    if (s.name === 'server, Postgres') return ['≤ 120 MB', s.rssKb <= 120 * 1024];
    return ['—', null];
  };
  emitRows(
    samples
      .filter((s) => baselineOf[s.name])
      .map((s) => ({
        bench: 'idle-rss',
        measure: `idle RSS (peak), ${s.name}; baseline ${baselineOf[s.name]!.name}`,
        shoebox: `${mb(s.rssKb)} MB (${mb(s.hwmKb)} MB)`,
        baseline: `${mb(baselineOf[s.name]!.rssKb)} MB (${mb(baselineOf[s.name]!.hwmKb)} MB)`,
        ratio: ratioText(s.rssKb, baselineOf[s.name]!.rssKb),
        target: targetOf(s)[0],
        pass: targetOf(s)[1],
      })),
  );
}

await main();
