// Derived images: makeDerivatives against vipsthumbnail, and batch throughput.
//
//   node --import tsx bench/derivatives.ts [--runs 5] [--batch 200]
//
// 1. A 24-megapixel 6000x4000 JPEG (noise over a gradient, made with sharp in a temp dir):
//    median of --runs runs of makeDerivatives (grid 360 px short edge WebP Q78 + preview
//    2048 px WebP Q80 + thumbhash, written with fsync) against libvips-tools' vipsthumbnail
//    making the same two sizes one after the other at the same quality and effort
//    (`-s 2048 -o lg.webp[Q=80,strip]` then `-s x360 -o sm.webp[Q=78,strip]`).
// 2. A batch of --batch small-to-medium JPEGs (0.5-12 MP): images per second with two
//    at a time (p-limit) against one at a time, and how many cores each kept busy.
// Both parts interleave what they compare, so load from elsewhere hits both sides alike.
// Prints a Markdown table for bench/RESULTS.md. Needs vipsthumbnail on PATH for part 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { makeDerivatives } from '../src/media/derivatives.ts';
import type { DetectedType } from '../src/media/file-type.ts';
import { emitRows, type BenchRow } from './common.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, batch: { type: 'string', default: '200' } },
});
const RUNS = Math.max(5, Number(values.runs));
const BATCH = Number(values.batch);
const JPEG: DetectedType = { kind: 'photo', format: 'jpeg', mime: 'image/jpeg', ext: 'jpg' };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** A photo-like JPEG: a colour gradient with gaussian noise, so it compresses like a photo. */
async function makeJpeg(path: string, width: number, height: number): Promise<void> {
  const gradient = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      gradient[i] = Math.round((255 * x) / width);
      gradient[i + 1] = Math.round((255 * y) / height);
      gradient[i + 2] = Math.round(128 + 100 * Math.sin((x + y) / 300));
    }
  }
  const noise = await sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  await sharp(gradient, { raw: { width, height, channels: 3 } })
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toFile(path);
}

function hasVipsthumbnail(): boolean {
  return spawnSync('vipsthumbnail', ['--vips-version'], { stdio: 'ignore' }).status === 0;
}

async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const work = mkdtempSync(join(tmpdir(), 'shoebox-bench-derivatives-'));
try {
  const rows: string[][] = [];
  const results: BenchRow[] = [];
  const big = join(work, 'big.jpg');
  await makeJpeg(big, 6000, 4000);
  const outDir = join(work, 'out');
  const out = { smallPath: join(outDir, 'big_sm.webp'), smallAvifPath: join(outDir, 'big_sm.avif'), largePath: join(outDir, 'big_lg.webp') };

  const ours: number[] = [];
  const theirs: number[] = [];
  const vipsthumbnail = hasVipsthumbnail();
  const vips = () => {
    execFileSync('vipsthumbnail', [big, '-s', '2048', '-o', join(outDir, 'vips_lg.webp[Q=80,strip]')]);
    execFileSync('vipsthumbnail', [big, '-s', 'x360', '-o', join(outDir, 'vips_sm.webp[Q=78,strip]')]);
  };
  // Warm-up, then alternate the two so that load from elsewhere hits both alike.
  await makeDerivatives({ path: big, type: JPEG }, out);
  if (vipsthumbnail) vips();
  for (let i = 0; i < RUNS; i++) {
    ours.push(await timeIt(() => makeDerivatives({ path: big, type: JPEG }, out)));
    if (vipsthumbnail) theirs.push(await timeIt(vips));
  }
  rows.push(['24 MP JPEG → grid + preview + thumbhash (makeDerivatives)', `${median(ours).toFixed(0)} ms`, `median of ${RUNS}`]);
  if (vipsthumbnail) {
    const ratio = median(ours) / median(theirs);
    rows.push(['same two sizes with vipsthumbnail, one after the other', `${median(theirs).toFixed(0)} ms`, `median of ${RUNS}`]);
    rows.push(['ratio makeDerivatives / vipsthumbnail (target ≤ 0.8)', ratio.toFixed(2), ratio <= 0.8 ? 'meets target' : 'MISSES target']);
    results.push({
      bench: 'derivatives',
      measure: `24 MP JPEG → grid + preview + thumbhash, median of ${RUNS}; baseline vipsthumbnail making the same two sizes`,
      shoebox: `${median(ours).toFixed(0)} ms`,
      baseline: `${median(theirs).toFixed(0)} ms`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≤ 0.8×',
      pass: ratio <= 0.8,
    });
  } else {
    rows.push(['vipsthumbnail baseline', 'skipped', 'vipsthumbnail not on PATH (apt install libvips-tools)']);
  }

  // Batch: a mix of phone- and camera-sized photos, each job writing its own outputs.
  const sizes: Array<[number, number]> = [[800, 600], [1200, 900], [1600, 1200], [2048, 1536], [2400, 1600], [3000, 2000], [4000, 3000]];
  const sources: string[] = [];
  for (const [w, h] of sizes) {
    const p = join(work, `src_${w}x${h}.jpg`);
    await makeJpeg(p, w, h);
    sources.push(p);
  }
  const jobs = Array.from({ length: BATCH }, (_, i) => ({
    path: sources[i % sources.length]!,
    out: { smallPath: join(outDir, 'batch', `${i}_sm.webp`), smallAvifPath: join(outDir, 'batch', `${i}_sm.avif`), largePath: join(outDir, 'batch', `${i}_lg.webp`) },
  }));
  // CPU time / wall time shows how many cores a run kept busy. Halves run in the order
  // one, two, two, one, so that load from elsewhere drifting over time hits both alike.
  const runBatch = async (concurrency: number, slice: typeof jobs) => {
    const limit = pLimit(concurrency);
    const cpu = process.cpuUsage();
    const ms = await timeIt(() => Promise.all(slice.map((job) => limit(() => makeDerivatives({ path: job.path, type: JPEG }, job.out)))));
    const used = process.cpuUsage(cpu);
    return { ms, cpuMs: (used.user + used.system) / 1000 };
  };
  const add = (a: { ms: number; cpuMs: number }, b: { ms: number; cpuMs: number }) => ({ ms: a.ms + b.ms, cpuMs: a.cpuMs + b.cpuMs });
  await runBatch(2, jobs.slice(0, 20)); // warm-up: file cache, thread pools
  const first = jobs.slice(0, Math.ceil(BATCH / 2));
  const second = jobs.slice(Math.ceil(BATCH / 2));
  const s1 = await runBatch(1, first);
  const p1 = await runBatch(2, second);
  const p2 = await runBatch(2, first);
  const s2 = await runBatch(1, second);
  const serial = add(s1, s2);
  const parallel = add(p1, p2);
  const serialMs = serial.ms;
  const parallelMs = parallel.ms;
  const serialRate = (BATCH * 1000) / serialMs;
  const parallelRate = (BATCH * 1000) / parallelMs;
  const speedup = parallelRate / serialRate;
  const busy = (run: { ms: number; cpuMs: number }) => `${(run.cpuMs / run.ms).toFixed(2)} cores busy`;
  rows.push([`batch of ${BATCH} (0.5-12 MP), one at a time`, `${serialRate.toFixed(1)} images/s`, `${(serialMs / 1000).toFixed(1)} s, ${busy(serial)}`]);
  rows.push([`batch of ${BATCH}, two at a time`, `${parallelRate.toFixed(1)} images/s`, `${(parallelMs / 1000).toFixed(1)} s, ${busy(parallel)}`]);
  rows.push(['speed-up two at a time (target ≥ 1.7)', speedup.toFixed(2), speedup >= 1.7 ? 'meets target' : 'MISSES target']);
  results.push({
    bench: 'derivatives',
    measure: `batch of ${BATCH} JPEGs (0.5-12 MP), two at a time; baseline one at a time`,
    shoebox: `${parallelRate.toFixed(1)} images/s (${busy(parallel)})`,
    baseline: `${serialRate.toFixed(1)} images/s (${busy(serial)})`,
    ratio: `${speedup.toFixed(2)}×`,
    target: '≥ 1.7×',
    pass: speedup >= 1.7,
  });
  emitRows(results);

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n### Derivatives (${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}, sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips})\n`);
  console.log('`node --import tsx bench/derivatives.ts`\n');
  const load = loadavg()[0]!.toFixed(2);
  console.log(`load average at the end: ${load} (anything else busy on the machine skews these numbers)\n`);
  console.log('| measurement | result | note |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
