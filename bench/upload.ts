// Upload throughput and memory of POST /api/assets/upload on the real server.
//
// 1. A 1 GiB accepted file (a short ffmpeg-made MP4 followed by a `free` box of random
//    bytes: still a valid MP4) is uploaded with curl over loopback (multipart). Baseline in
//    the same run: `openssl dgst -sha256` + `cp` + `sync` of the same file, one after the
//    other (what the server must at least do: hash, write, make durable). Target ≤ 1.2×.
//    `sync` runs, untimed, before each timed baseline and before each timed upload, so
//    neither pays for flushing what was written before it (the test file, the last copy or
//    the last upload): both start with no dirty pages, and both find the file in the page
//    cache (it is read once, untimed, first).
// 2. While a 2 GiB file uploads, the server's resident memory is sampled; its peak
//    (VmHWM, reset first with `echo 5 > /proc/PID/clear_refs`) may grow by at most 64 MB
//    over its level before the upload.
//
// The test files are made once and kept in bench/.cache/ (see common.ts).
//
// Run: node --import tsx bench/upload.ts [--size-mb 1024] [--big-mb 2048] [--runs 2]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnServer } from '../test/helpers/server.ts';
import { cachedMp4, curlUpload, emitRows } from './common.ts';

const { values } = parseArgs({
  options: { 'size-mb': { type: 'string', default: '1024' }, 'big-mb': { type: 'string', default: '2048' }, runs: { type: 'string', default: '2' } },
});
const MB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'sbx-bench-up-'));

/** Flushes every dirty page to disk, untimed: what comes next starts with none to pay for. */
const flush = () => execFileSync('sync');

/** Reads the file once, untimed, so that both sides find it in the page cache. */
const warm = (file: string) => execFileSync('sh', ['-c', 'cat "$1" > /dev/null', 'sh', file]);

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main() {
  const sizeMb = Number(values['size-mb']);
  const bigMb = Number(values['big-mb']);
  const runs = Number(values.runs);
  const dataDir = join(work, 'data');
  const server = await spawnServer({ DATA_DIR: dataDir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', WORKER_CONCURRENCY: '1' });
  const pid = server.proc.pid!;
  try {
    // An owner and an API token, through the public API.
    const setup = await fetch(`${server.url}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 123' }) });
    const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
    const tokenRes = await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });
    const { token } = (await tokenRes.json()) as { token: string };

    const rows: string[] = [];
    const ratios: number[] = [];
    const times: { baseline: number; upload: number; size: number }[] = [];
    for (let run = 0; run < runs; run++) {
      const file = cachedMp4(sizeMb, run);
      const copy = join(work, 'copy.bin');
      warm(file);
      flush();
      const baseline = time(() => {
        execFileSync('openssl', ['dgst', '-sha256', file], { stdio: 'ignore' });
        execFileSync('cp', [file, copy]);
        execFileSync('sync');
      });
      rmSync(copy);
      flush();
      const { seconds, body } = await curlUpload(server.url, token, file);
      const status = (JSON.parse(body) as { assets: { status: string }[] }).assets[0]!.status;
      if (status !== 'created') throw new Error(`upload answered ${body}`);
      ratios.push(seconds / baseline);
      const size = statSync(file).size;
      rows.push(`| ${run + 1} | ${(size / MB).toFixed(0)} MiB | ${baseline.toFixed(2)} s | ${seconds.toFixed(2)} s | ${(size / MB / seconds).toFixed(0)} MiB/s | **${(seconds / baseline).toFixed(2)}×** |`);
      times.push({ baseline, upload: seconds, size });
    }

    // Memory while a big file streams in.
    const big = cachedMp4(bigMb, 99);
    warm(big);
    flush();
    await new Promise((r) => setTimeout(r, 2000));
    const before = status(pid, 'VmRSS');
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    let maxSampled = before;
    const sampler = setInterval(() => (maxSampled = Math.max(maxSampled, status(pid, 'VmRSS'))), 50);
    const bigUpload = await curlUpload(server.url, token, big);
    clearInterval(sampler);
    const peak = status(pid, 'VmHWM');

    console.log(`\n## Upload (bench/upload.ts) — ${new Date().toISOString()}\n`);
    console.log('| run | file | openssl sha256 + cp + sync | upload (curl, multipart, loopback) | rate | ratio |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
    const median = medianOf(ratios);
    console.log(`\nMedian ratio: **${median.toFixed(2)}×** (target ≤ 1.2×; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
    console.log('| server memory | MiB |');
    console.log('| --- | --- |');
    console.log(`| VmRSS before the ${bigMb} MiB upload | ${before.toFixed(0)} |`);
    console.log(`| highest VmRSS sampled every 50 ms during it | ${maxSampled.toFixed(0)} |`);
    console.log(`| VmHWM (peak, reset before the upload) | ${peak.toFixed(0)} |`);
    console.log(`| growth of the peak over the level before | **${(peak - before).toFixed(0)}** (target ≤ 64) |`);
    console.log(`| upload time | ${bigUpload.seconds.toFixed(1)} s |`);

    const medUpload = medianOf(times.map((t) => t.upload));
    const medBase = medianOf(times.map((t) => t.baseline));
    emitRows([
      {
        bench: 'upload',
        measure: `upload of a ${sizeMb} MiB MP4 (curl, loopback), median of ${runs}; baseline openssl sha256 + cp + sync`,
        shoebox: `${medUpload.toFixed(2)} s (${(times[0]!.size / MB / medUpload).toFixed(0)} MiB/s)`,
        baseline: `${medBase.toFixed(2)} s`,
        ratio: `${median.toFixed(2)}×`,
        target: '≤ 1.2×',
        pass: median <= 1.2,
      },
      {
        bench: 'upload',
        measure: `server peak memory growth during a ${bigMb} MiB upload (VmHWM)`,
        shoebox: `${(peak - before).toFixed(0)} MiB`,
        baseline: `${before.toFixed(0)} MiB before`,
        ratio: '—',
        target: '≤ 64 MiB',
        pass: peak - before <= 64,
      },
    ]);
  } finally {
    if (process.env.LOG_LEVEL === 'debug') console.error(server.output().split('\n').filter((l) => l.includes('upload file')).join('\n'));
    await server.stop('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
