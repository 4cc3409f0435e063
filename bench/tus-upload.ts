// Resumable uploads (tus) against the plain multipart upload, on the real server.
//
// The files are MP4s (a short clip, then a `free` box of random bytes), as bench/upload.ts.
//
// 1. Time: a 1 GiB file over tus in 50 MiB chunks (tus-js-client in Node, as
//    `shoebox upload` sends it, in its own process: bench/tus-client.ts) against a multipart POST of a file of the same size made
//    the same way (curl -F), in the same run, which goes first alternating from run to run,
//    median of the runs' ratios. Both files
//    are new to the server (each run its own random bytes), both are read from the page
//    cache (read once, untimed, first), and before each timed upload `sync` runs and the
//    server's worker has finished with the file before (its thumbnail), both untimed.
//    Target ≤ 1.3×.
// 2. Memory: the server's peak resident memory (VmHWM, reset first) during a tus upload may
//    grow by at most 64 MiB over its level before it (measured after a restart of the
//    server, so the level is not the first start's embedded-database set-up).
// 3. Resuming: an upload through a TCP proxy that cuts every connection when 40 % and again
//    when 70 % of the file has been sent; the client goes on by itself. The bytes that went
//    up through the proxy (headers and bodies, the HEADs that find the offset included) may
//    be at most 1.05× the file size.
//
// Run: node --import tsx bench/tus-upload.ts [--size-mb 1024] [--chunk-mb 50] [--runs 4]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitForBacklog } from '../test/helpers/crash-checks.ts';
import { spawnServer, type SpawnedServer } from '../test/helpers/server.ts';
import { slowUplink } from '../test/helpers/slow-uplink.ts';
import { cachedMp4, curlUpload, emitRows, note } from './common.ts';

const { values } = parseArgs({
  options: { 'size-mb': { type: 'string', default: '1024' }, 'chunk-mb': { type: 'string', default: '50' }, runs: { type: 'string', default: '4' } },
});
const MB = 1024 * 1024;
const sizeMb = Number(values['size-mb']);
const chunkBytes = Number(values['chunk-mb']) * MB;
const runs = Number(values.runs);
const benchDir = fileURLToPath(new URL('.', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sbx-bench-tus-'));

/** A valid MP4 of `mb` MiB (bench/common.ts, cached), read once so it is in the page cache. */
function testFile(mb: number, seed: number): string {
  const path = cachedMp4(mb, seed);
  execFileSync('sh', ['-c', 'cat "$1" > /dev/null', 'sh', path]);
  return path;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const vm = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

interface Timed {
  seconds: number;
  id: string;
}

async function curlMultipart(url: string, token: string, file: string): Promise<Timed> {
  const { seconds, body } = await curlUpload(url, token, file);
  if (!body.includes('"created"')) throw new Error(`multipart upload answered ${body}`);
  return { seconds, id: (JSON.parse(body) as { assets: { id: string }[] }).assets[0]!.id };
}

/**
 * Sends `file` over tus from its own process (bench/tus-client.ts); with `cutAt`, the client
 * says when it has sent each of those fractions and `onCut` runs. Resolves with the seconds
 * the client measured from its start to the last answer.
 */
function tusUpload(url: string, token: string, file: string, cutAt: number[] = [], onCut: (fraction: number) => void = () => {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', join(benchDir, 'tus-client.ts'), `${url}/api/uploads`, token, file, String(chunkBytes)];
    if (cutAt.length) args.push('--cut', cutAt.join(','));
    const client = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    client.stdout.on('data', (d) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('cut ')) onCut(Number(line.slice(4)));
        else {
          const { seconds, body } = JSON.parse(line) as { seconds: number; body: string };
          if (!body.includes('"created"')) return reject(new Error(`tus upload answered ${body}`));
          resolve({ seconds, id: (JSON.parse(body) as { assets: { id: string }[] }).assets[0]!.id });
        }
      }
    });
    client.on('error', reject);
    client.on('exit', (code) => code !== 0 && reject(new Error(`bench/tus-client.ts exited ${code}`)));
  });
}

async function main() {
  const env = { DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '1', UPLOAD_CHUNK_SIZE: `${values['chunk-mb']}M` };
  let server: SpawnedServer = await spawnServer(env);
  try {
    const setup = await fetch(`${server.url}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 123' }) });
    const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
    const tokenRes = await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });
    const { token } = (await tokenRes.json()) as { token: string };

    // 1. Time, alternating multipart and tus, each with its own new file.
    const timings: { multipart: number; tus: number }[] = [];
    let lastId: string | undefined;
    const settle = async () => {
      if (lastId) await waitForBacklog(server.url, token, lastId, 120_000);
      execFileSync('sync');
    };
    for (let run = 0; run < runs; run++) {
      const a = testFile(sizeMb, 200 + run * 2);
      const b = testFile(sizeMb, 201 + run * 2);
      // Alternating which goes first, so neither always follows the other.
      const timed = async <T extends Timed>(upload: () => Promise<T>) => {
        await settle();
        const result = await upload();
        lastId = result.id;
        return result.seconds;
      };
      const viaMultipart = () => timed(() => curlMultipart(server.url, token, a));
      const viaTus = () => timed(() => tusUpload(server.url, token, b));
      let multipart: number;
      let tusSeconds: number;
      if (run % 2 === 0) {
        multipart = await viaMultipart();
        tusSeconds = await viaTus();
      } else {
        tusSeconds = await viaTus();
        multipart = await viaMultipart();
      }
      timings.push({ multipart, tus: tusSeconds });
      note(`run ${run + 1}: multipart ${multipart.toFixed(2)} s, tus ${tusSeconds.toFixed(2)} s`);
    }

    // 2. Memory during a tus upload, after a restart.
    const memFile = testFile(sizeMb, 290);
    await settle();
    await server.stop('SIGTERM');
    server = await spawnServer(env);
    const pid = server.proc.pid!;
    await new Promise((r) => setTimeout(r, 2000));
    const before = vm(pid, 'VmRSS');
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    lastId = (await tusUpload(server.url, token, memFile)).id;
    const peak = vm(pid, 'VmHWM');

    // 3. Cut at 40 % and 70 %, through a proxy that counts the bytes going up.
    const cutFile = testFile(sizeMb, 291);
    await settle();
    const proxy = await slowUplink(server.url);
    const cutAt: number[] = [];
    await tusUpload(proxy.url, token, cutFile, [0.4, 0.7], (fraction) => {
      cutAt.push(fraction);
      proxy.cut();
    });
    const sentUp = proxy.bytesUp;
    await proxy.close();
    const size = statSync(cutFile).size;

    const ratio = median(timings.map((t) => t.tus / t.multipart));
    const growth = peak - before;
    const overhead = sentUp / size;
    console.log(`\n## Resumable uploads (bench/tus-upload.ts) — ${new Date().toISOString()}\n`);
    console.log(`| run | multipart (curl -F) | tus, ${values['chunk-mb']} MiB chunks (tus-js-client) | ratio |`);
    console.log('| --- | --- | --- | --- |');
    timings.forEach((t, i) => console.log(`| ${i + 1} | ${t.multipart.toFixed(2)} s | ${t.tus.toFixed(2)} s | ${(t.tus / t.multipart).toFixed(2)}× |`));
    console.log(`\nMedian ratio: **${ratio.toFixed(2)}×** (target ≤ 1.3×), ${sizeMb} MiB files; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    console.log(`Server memory: VmRSS ${before.toFixed(0)} MiB before a ${sizeMb} MiB tus upload, peak (VmHWM) ${peak.toFixed(0)} MiB: growth **${growth.toFixed(0)} MiB** (target ≤ 64).\n`);
    console.log(`Cut at ${cutAt.map((f) => `${(f * 100).toFixed(0)} %`).join(' and ')}: ${(sentUp / MB).toFixed(1)} MiB went up for a ${(size / MB).toFixed(0)} MiB file: **${overhead.toFixed(3)}×** (target ≤ 1.05×).`);
    emitRows([
      {
        bench: 'tus-upload',
        measure: `${sizeMb} MiB over tus in ${values['chunk-mb']} MiB chunks vs one multipart POST, median of ${runs}`,
        shoebox: `${median(timings.map((t) => t.tus)).toFixed(2)} s`,
        baseline: `${median(timings.map((t) => t.multipart)).toFixed(2)} s`,
        ratio: `${ratio.toFixed(2)}×`,
        target: '≤ 1.3×',
        pass: ratio <= 1.3,
      },
      { bench: 'tus-upload', measure: `server peak memory growth during a ${sizeMb} MiB tus upload (VmHWM)`, shoebox: `${growth.toFixed(0)} MiB`, baseline: `${before.toFixed(0)} MiB before`, ratio: '—', target: '≤ 64 MiB', pass: growth <= 64 },
      { bench: 'tus-upload', measure: 'bytes sent for a file cut off at 40 % and 70 % and resumed', shoebox: `${(sentUp / MB).toFixed(1)} MiB`, baseline: `${(size / MB).toFixed(0)} MiB file`, ratio: `${overhead.toFixed(3)}×`, target: '≤ 1.05×', pass: overhead <= 1.05 },
    ]);
  } finally {
    await server.stop('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
