// `npm run bench`: every benchmark in bench/, one after the other (never two at once),
// and one table of their headline measures: measure, Shoebox, baseline, ratio, target,
// result. The table, with the date, the machine and the commit, replaces the section
// "## Latest `npm run bench`" of bench/RESULTS.md (the rest of the file is kept); each
// bench's own Markdown output goes to bench/out/latest/<bench>.md (git-ignored).
//
//   npm run bench [-- --quick] [--only load,zip] [--skip album-pages] [--no-write]
//
// --quick runs smaller sizes, fewer runs and shorter loads (under 15 minutes on the
// 2-core machine here); without it each bench runs with its own defaults. Inputs that are
// slow to make (upload.ts's MP4s, the ZIP originals) are made once and kept in
// bench/.cache/ (git-ignored; delete it to make them again).
// Each bench hands its rows over through the file named by BENCH_JSON (bench/common.ts).
// A bench whose tools are missing is listed as skipped; one that fails is listed as failed
// and the others still run.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchRow } from './common.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    skip: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const QUICK = opts.quick;

interface Bench {
  name: string;
  /** Arguments with --quick, and without. */
  quick: string[];
  full: string[];
  /** Commands it cannot run without. */
  needs: string[];
  /** Wall-time limit in minutes (the bench is stopped past it and counted as failed). */
  limitMin: { quick: number; full: number };
}

const BENCHES: Bench[] = [
  { name: 'idle-rss', quick: ['--idle', '2'], full: [], needs: ['postgres'], limitMin: { quick: 4, full: 6 } },
  { name: 'derivatives', quick: ['--runs', '5', '--batch', '40'], full: [], needs: ['vipsthumbnail'], limitMin: { quick: 4, full: 10 } },
  { name: 'upload', quick: ['--size-mb', '256', '--big-mb', '256', '--runs', '3'], full: ['--runs', '3'], needs: ['ffmpeg', 'openssl', 'curl'], limitMin: { quick: 4, full: 10 } },
  { name: 'tus-upload', quick: ['--size-mb', '256', '--runs', '2'], full: [], needs: ['ffmpeg', 'curl'], limitMin: { quick: 4, full: 10 } },
  { name: 'zip', quick: ['--files', '50', '--file-mb', '10', '--runs', '3'], full: [], needs: ['postgres', 'nginx', 'curl', 'python3', 'taskset'], limitMin: { quick: 4, full: 10 } },
  {
    name: 'album-pages',
    quick: ['--backend', 'postgres', '--browser', 'none', '--requests', '100', '--warmup', '20', '--duration', '5', '--quiet-wait', '20'],
    full: ['--quiet-wait', '120'],
    needs: ['postgres', 'nginx', 'wrk', 'taskset'],
    limitMin: { quick: 6, full: 25 },
  },
  { name: 'load', quick: ['--duration', '30', '--zip-files', '20', '--quiet-wait', '30'], full: [], needs: ['postgres', 'nginx', 'curl', 'python3', 'taskset'], limitMin: { quick: 5, full: 8 } },
  // Quick: 1,500 items, one run a side (~5 min); full: 5,000 items, three runs a side.
  { name: 'fling', quick: ['--assets', '1500', '--runs', '1'], full: [], needs: ['chromium'], limitMin: { quick: 8, full: 60 } },
  { name: 'backup', quick: ['--files', '30'], full: [], needs: [], limitMin: { quick: 3, full: 6 } },
  { name: 'transcode', quick: ['--seconds', '20', '--runs', '1', '--no-sweep'], full: [], needs: ['ffmpeg'], limitMin: { quick: 4, full: 20 } },
  // Quick: 15 kills on PGlite (~1.5 min); full: 100 on PGlite, then 100 on Postgres (~13 min; Postgres skipped without its binaries).
  { name: 'crash-soak', quick: ['--kills', '15'], full: ['--backend', 'both'], needs: [], limitMin: { quick: 4, full: 30 } },
];

function have(cmd: string): boolean {
  if (cmd === 'postgres') return existsSync('/usr/lib/postgresql') || !!process.env.PG_BIN;
  if (cmd === 'nginx') return existsSync('/usr/sbin/nginx');
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const note = (s: string) => process.stderr.write(s + '\n');
const minutes = (ms: number) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

interface Outcome {
  bench: string;
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
  ms: number;
  rows: BenchRow[];
}

/** The running bench's process group: stopped with the runner (Ctrl-C). */
let current: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (current) {
      try {
        process.kill(-current, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    process.exit(130);
  });
}

/** One bench as its own process; its stdout kept (and shown), its stderr shown as it comes. */
function runOne(b: Bench, outDir: string): Promise<Outcome> {
  const missing = b.needs.filter((c) => !have(c));
  if (missing.length) return Promise.resolve({ bench: b.name, status: 'skipped', detail: `needs ${missing.join(', ')}`, ms: 0, rows: [] });
  const jsonDir = mkdtempSync(join(tmpdir(), 'sbx-bench-rows-'));
  const json = join(jsonDir, 'rows.jsonl');
  const args = ['--import', 'tsx', `bench/${b.name}.ts`, ...(QUICK ? b.quick : b.full)];
  note(`\n=== ${b.name}: node ${args.join(' ')} (load ${loadavg()[0]!.toFixed(2)})`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    // Its own process group, so that a bench past its limit is stopped with whatever it started.
    const p = spawn(process.execPath, args, { cwd: root, env: { ...process.env, BENCH_JSON: json }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    current = p.pid;
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d;
      process.stderr.write(d);
    });
    const limitMs = (QUICK ? b.limitMin.quick : b.limitMin.full) * 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      note(`=== ${b.name}: past its ${limitMs / 60_000} min limit, stopping it`);
      try {
        process.kill(-p.pid!, 'SIGTERM');
        setTimeout(() => {
          try {
            process.kill(-p.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 15_000).unref();
      } catch {
        /* gone */
      }
    }, limitMs);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      const ms = Date.now() - t0;
      writeFileSync(join(outDir, `${b.name}.md`), out);
      const rows: BenchRow[] = existsSync(json)
        ? readFileSync(json, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as BenchRow)
        : [];
      rmSync(jsonDir, { recursive: true, force: true });
      const ok = code === 0 && !timedOut;
      note(`=== ${b.name}: ${ok ? 'done' : 'FAILED'} in ${minutes(ms)}`);
      resolve({
        bench: b.name,
        status: ok ? 'ok' : 'failed',
        detail: ok ? '' : timedOut ? `stopped after ${limitMs / 60_000} min` : `exit ${code ?? signal}`,
        ms,
        rows,
      });
    });
  });
}

function machine(): string {
  let os = process.platform as string;
  try {
    os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    /* not Linux */
  }
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os} (Linux ${release()}), Node ${process.version}`;
}

function commit(): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim();
    return `\`${hash}\`${dirty ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return 'unknown';
  }
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function table(outcomes: Outcome[], started: Date, ms: number): string {
  const lines: string[] = [];
  lines.push(`date: ${started.toISOString().replace('T', ' ').slice(0, 16)} UTC; wall time ${minutes(ms)}`);
  lines.push(`machine: ${machine()}`);
  lines.push(`commit: ${commit()}`);
  lines.push(`command: \`npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}\` (load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  lines.push(`benches: ${outcomes.map((o) => `${o.bench} ${o.status === 'ok' ? minutes(o.ms) : `${o.status.toUpperCase()} (${o.detail})`}`).join('; ')}`);
  lines.push('');
  lines.push('| bench | measure | Shoebox | baseline | ratio | target | result |');
  lines.push('| --- | --- | --- | --- | ---: | --- | --- |');
  for (const o of outcomes) {
    if (o.status !== 'ok' && !o.rows.length) {
      lines.push(`| ${o.bench} | — | ${o.status} (${cell(o.detail)}) | — | — | — | ${o.status === 'failed' ? '**FAIL**' : 'skipped'} |`);
      continue;
    }
    for (const r of o.rows) {
      const result = r.pass === null ? '—' : r.pass ? 'pass' : '**FAIL**';
      lines.push(`| ${r.bench} | ${cell(r.measure)} | ${cell(r.shoebox)} | ${cell(r.baseline)} | ${cell(r.ratio)} | ${cell(r.target)} | ${result} |`);
    }
    if (o.status === 'failed') lines.push(`| ${o.bench} | the bench itself | failed (${cell(o.detail)}); the rows above are what it printed before | — | — | — | **FAIL** |`);
  }
  const judged = outcomes.flatMap((o) => o.rows).filter((r) => r.pass !== null);
  const passed = judged.filter((r) => r.pass).length;
  lines.push('');
  lines.push(`${passed} of ${judged.length} targets met${outcomes.some((o) => o.status !== 'ok') ? `; ${outcomes.filter((o) => o.status !== 'ok').map((o) => `${o.bench} ${o.status}`).join(', ')}` : ''}. Each bench's full output: bench/out/latest/<bench>.md (not kept in git).`);
  return lines.join('\n');
}

const HEADING = '## Latest `npm run bench`';

/** Replaces the section under HEADING in bench/RESULTS.md (or puts it before the first section). */
function writeResults(body: string) {
  const path = join(root, 'bench/RESULTS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const section = `${HEADING}\n\nWritten by \`npm run bench\` (bench/run.ts), which replaces this section each time; the sessions' notes below are kept.\n\n${body}\n`;
  const start = text.indexOf(`${HEADING}\n`);
  let next: string;
  if (start >= 0) {
    const after = text.indexOf('\n## ', start + HEADING.length);
    next = text.slice(0, start) + section + (after >= 0 ? '\n' + text.slice(after + 1) : '');
  } else {
    const first = text.indexOf('\n## ');
    next = first >= 0 ? text.slice(0, first + 1) + section + '\n' + text.slice(first + 1) : text.trimEnd() + '\n\n' + section;
  }
  writeFileSync(path, next);
}

async function main() {
  const only = opts.only?.split(',').map((s) => s.trim());
  const skip = opts.skip?.split(',').map((s) => s.trim()) ?? [];
  for (const name of [...(only ?? []), ...skip]) if (!BENCHES.some((b) => b.name === name)) throw new Error(`no bench named ${name} (${BENCHES.map((b) => b.name).join(', ')})`);
  const chosen = BENCHES.filter((b) => (!only || only.includes(b.name)) && !skip.includes(b.name));
  const outDir = join(root, 'bench/out/latest');
  mkdirSync(outDir, { recursive: true });
  const started = new Date();
  const t0 = Date.now();
  note(`npm run bench${QUICK ? ' --quick' : ''}: ${chosen.map((b) => b.name).join(', ')}, one at a time`);
  const outcomes: Outcome[] = [];
  for (const b of chosen) outcomes.push(await runOne(b, outDir));
  const body = table(outcomes, started, Date.now() - t0);
  process.stdout.write(`\n${HEADING}\n\n${body}\n`);
  if (!opts['no-write']) {
    writeResults(body);
    note(`\nbench/RESULTS.md: section "${HEADING}" replaced`);
  }
  if (outcomes.some((o) => o.status === 'failed')) process.exitCode = 1;
}

await main();
