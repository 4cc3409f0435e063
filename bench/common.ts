// What the benches share: the rows they hand to `npm run bench` (bench/run.ts), and the
// inputs that are slow to make, made once and kept in bench/.cache/ (git-ignored).
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { appendFileSync, closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';

/** One line of the runner's table. `pass` is null for a measure without a target. */
export interface BenchRow {
  bench: string;
  measure: string;
  shoebox: string;
  baseline: string;
  ratio: string;
  target: string;
  pass: boolean | null;
}

/**
 * Hands rows to the runner: under `npm run bench`, BENCH_JSON names a file that each bench
 * appends its rows to (one JSON object a line). Without it this does nothing, and the
 * bench's own Markdown output is all there is.
 */
export function emitRows(rows: BenchRow[]): void {
  const path = process.env.BENCH_JSON;
  if (!path || !rows.length) return;
  appendFileSync(path, rows.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** `a / b` as "1.23×", or "—" when either is missing. */
export function ratioText(a: number, b: number, digits = 2): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(digits)}×` : '—';
}

export const CACHE_DIR = fileURLToPath(new URL('./.cache/', import.meta.url));

/** A path in bench/.cache/ (made on first use). */
export function cachePath(name: string): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  return join(CACHE_DIR, name);
}

/**
 * The cached file `name`, made by `make(tmpPath)` when it is not there yet (written under a
 * temporary name and renamed, so a run stopped half way leaves no half file behind).
 */
export function cachedFile(name: string, make: (tmpPath: string) => void): string {
  const path = cachePath(name);
  if (existsSync(path)) return path;
  const tmp = `${path}.part-${process.pid}`;
  make(tmp);
  renameSync(tmp, path);
  return path;
}

/** A valid MP4: ffmpeg's tiny clip (the seed drawn on it), then one `free` box of `mb` MiB of random bytes. */
function makeMp4(path: string, mb: number, seed: number) {
  const clip = `${path}.clip.mp4`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=10:duration=1`, '-vf', `drawtext=text=${seed}:x=10:y=10:fontsize=20:fontcolor=white`, '-pix_fmt', 'yuv420p', '-f', 'mp4', clip], { stdio: 'ignore' });
  const fd = openSync(path, 'w');
  writeSync(fd, readFileSync(clip));
  rmSync(clip);
  const payload = mb * 1024 * 1024;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload, 0);
  header.write('free', 4, 'latin1');
  writeSync(fd, header);
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  for (let left = payload; left > 0; left -= chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  }
  closeSync(fd);
}

/** The cached MP4 of `mb` MiB for `seed` (each seed its own bytes: no upload is a duplicate of another). */
export const cachedMp4 = (mb: number, seed: number) => cachedFile(`upload-${mb}mb-${seed}.mp4`, (tmp) => makeMp4(tmp, mb, seed));

/** A multipart upload of `file` with curl (POST /api/assets/upload): how long it took and the answer's body. */
export function curlUpload(url: string, token: string, file: string): Promise<{ seconds: number; body: string }> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const curl = spawn('curl', ['-s', '-S', '-H', `Authorization: Bearer ${token}`, '-F', `file=@${file};type=video/mp4`, `${url}/api/assets/upload`]);
    let body = '';
    curl.stdout.on('data', (d) => (body += d));
    curl.on('error', reject);
    curl.on('exit', (code) => (code === 0 ? resolve({ seconds: Number(process.hrtime.bigint() - t) / 1e9, body }) : reject(new Error(`curl exited ${code}`))));
  });
}

/** Hard-links `from` to `to` (the cache and the temp dirs share a file system here), else copies it. */
export function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(from, to);
  }
}

export interface Original {
  path: string;
  size: number;
  /** SHA-256, hex. */
  hash: string;
  crc32: number;
}

/**
 * `count` files of `mb` MiB of random bytes each (what zip.ts and load.ts seed as
 * originals), with their SHA-256 and CRC-32. Kept in bench/.cache/originals-<mb>mb/; a
 * later call that wants more makes only the missing ones. Never write into these files:
 * the benches hard-link them into their DATA_DIRs.
 */
export function cachedOriginals(count: number, mb: number): Original[] {
  const dir = cachePath(`originals-${mb}mb`);
  mkdirSync(dir, { recursive: true });
  const manifestPath = join(dir, 'manifest.json');
  const manifest: Record<string, { hash: string; crc32: number; size: number }> = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};
  const size = mb * 1024 * 1024;
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  const out: Original[] = [];
  let made = 0;
  for (let i = 0; i < count; i++) {
    const path = join(dir, `${String(i).padStart(4, '0')}.bin`);
    let entry = manifest[String(i)];
    if (!entry || !existsSync(path) || statSync(path).size !== entry.size) {
      const tmp = `${path}.part-${process.pid}`;
      const fd = openSync(tmp, 'w');
      const hash = createHash('sha256');
      let crc = 0;
      for (let left = size; left > 0; left -= chunk.length) {
        const part = chunk.subarray(0, Math.min(chunk.length, left));
        randomFillSync(part);
        writeSync(fd, part);
        hash.update(part);
        crc = crc32(part, crc);
      }
      closeSync(fd);
      renameSync(tmp, path);
      entry = { hash: hash.digest('hex'), crc32: crc >>> 0, size };
      manifest[String(i)] = entry;
      made++;
      // Saved as it goes: a run stopped half way keeps what it made.
      if (made % 10 === 0) writeFileSync(manifestPath, JSON.stringify(manifest));
    }
    out.push({ path, ...entry });
  }
  if (made) writeFileSync(manifestPath, JSON.stringify(manifest));
  return out;
}

export const note = (s: string) => process.stderr.write(s + '\n');
export const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The share of CPU time the machine spent busy (all cores) over `ms`, from /proc/stat. */
export async function cpuBusy(ms = 2000): Promise<number> {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + f[4]!, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await sleep(ms);
  const b = read();
  return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

/**
 * Waits (at most `maxWaitSeconds`) until the machine's CPUs are less than `quietPercent` busy,
 * the calling bench being idle meanwhile; says what it found, for the results.
 */
export async function waitQuiet(phase: string, quietPercent: number, maxWaitSeconds: number): Promise<string> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  const t0 = Date.now();
  let busy = await cpuBusy().catch(() => 0);
  while (busy >= quietPercent / 100 && Date.now() < deadline) {
    note(`  waiting for a quiet machine before ${phase}: CPUs ${(busy * 100).toFixed(0)} % busy, load ${load()}`);
    await sleep(3000);
    busy = await cpuBusy().catch(() => 0);
  }
  const waited = Math.round((Date.now() - t0) / 1000) - 2;
  return `CPUs ${(busy * 100).toFixed(0)} % busy${busy >= quietPercent / 100 ? ' (did not go quiet)' : ''}${waited > 0 ? ` after waiting ${waited} s` : ''}, load ${load()}`;
}
