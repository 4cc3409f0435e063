// Album ZIP downloads on the real server (GET /api/albums/{id}/download.zip), on a real
// Postgres so the album can be seeded straight into the database beside the running
// server (rows, and originals written into its DATA_DIR).
//
// 1. An album of 200 originals of 10 MiB of random bytes (2 GiB), fetched with curl to
//    /dev/null, against nginx sending one static file of the same size (the same ZIP,
//    saved once) in the same run, runs interleaved, both from the page cache; the server
//    and nginx pinned to core 1, this process and curl to core 0 (with taskset: on two
//    shared cores, unpinned runs of one build differed by 2.5×). Target: the ZIP's wall
//    time at most 1.5× nginx's.
// 2. The server's peak memory (VmHWM, reset before each download) over its level before:
//    target at most +120 MB, for the 2 GiB ZIP and for a 6 GiB one (ZIP64: the same 200
//    plus two sparse originals of 2 GiB).
// 3. A range request for the last 1 MB of the 2 GiB ZIP: curl's total time over
//    loopback, 20 requests (target under 50 ms).
//
// The originals are made once and kept in bench/.cache/originals-<mb>mb/ (see common.ts),
// hard-linked into the server's DATA_DIR.
//
// Run: node --import tsx bench/zip.ts [--files 200] [--file-mb 10] [--runs 3]
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { crc32OfZeros } from '../src/zip/crc32-shift.ts';
import { nginxMainConfig } from '../test/helpers/nginx.ts';
import { findPostgresBin, freePort, startCluster } from '../test/helpers/postgres-cluster.ts';
import { spawnServer } from '../test/helpers/server.ts';
import { cachedOriginals, emitRows, linkOrCopy } from './common.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '200' }, 'file-mb': { type: 'string', default: '10' }, runs: { type: 'string', default: '3' } } });
const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'sbx-bench-zip-'));

/** Pins a process (all its threads) to the given core; new threads and children follow. */
function pin(pid: number, cpu: string) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'pipe' });
  } catch {
    console.error('taskset not available: the processes are not pinned');
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** curl to /dev/null: seconds, bytes and HTTP status (curl's own -w). */
function curl(url: string, headers: string[] = []): Promise<{ seconds: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const args = ['-s', '-o', '/dev/null', '-w', '%{time_total} %{size_download} %{http_code}', ...headers.flatMap((h) => ['-H', h]), url];
    const p = spawn('curl', args);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`curl exited ${code}`));
      const [t, n, s] = out.trim().split(' ').map(Number);
      resolve({ seconds: t!, bytes: n!, status: s! });
    });
  });
}

/** Samples the server's memory while `fn` runs: its level before and its peak (VmHWM, reset first). */
async function peakDuring<T>(pid: number, fn: () => Promise<T>): Promise<{ before: number; peak: number; result: T }> {
  await new Promise((r) => setTimeout(r, 1000));
  const before = procStatus(pid, 'VmRSS');
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const result = await fn();
  return { before, peak: procStatus(pid, 'VmHWM'), result };
}

async function main() {
  const files = Number(values.files);
  const runs = Number(values.runs);
  const bin = findPostgresBin();
  if (!bin) throw new Error('no Postgres server binaries (PG_BIN or /usr/lib/postgresql/*/bin)');
  const cluster = await startCluster(bin);
  const dataDir = join(work, 'data');
  const server = await spawnServer({ DATA_DIR: dataDir, DATABASE_URL: cluster.url, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '1' });
  const pid = server.proc.pid!;
  pin(process.pid, '0');
  pin(pid, '1');
  let nginx: ReturnType<typeof spawn> | undefined;
  const sql = postgres(cluster.url, { max: 2, onnotice: () => {} });
  try {
    const setup = await fetch(`${server.url}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 123' }) });
    const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
    const { token } = (await (await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) })).json()) as { token: string };
    const auth = `Authorization: Bearer ${token}`;
    const newAlbum = async (title: string) =>
      ((await (await fetch(`${server.url}/api/albums`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title }) })).json()) as { album: { id: string } }).album.id;
    const album2g = await newAlbum('Two gigabytes');
    const album6g = await newAlbum('Six gigabytes');

    // Originals straight into DATA_DIR, rows straight into the database (ready: nothing for the worker).
    const insert = async (albumIds: string[], name: string, path: string, size: number, crc: number, hash: string, i: number) => {
      const rel = `originals/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.jpg`;
      mkdirSync(dirname(join(dataDir, rel)), { recursive: true });
      linkOrCopy(path, join(dataDir, rel));
      const [row] = await sql`
        INSERT INTO assets (original_filename, file_hash, file_size, crc32, mime_type, storage_path, kind, status, taken_at, taken_at_local, location_patches, location_crc32, location_check)
        VALUES (${name}, ${hash}, ${size}, ${crc}, 'image/jpeg', ${rel}, 'photo', 'ready', ${new Date(Date.UTC(2024, 6, 1, 10, i))}, ${`2024-07-01T10:${String(i % 60).padStart(2, '0')}:00`}, '[]'::jsonb, ${crc}, 'clean')
        RETURNING id`;
      for (const albumId of albumIds) await sql`INSERT INTO album_assets (album_id, asset_id, position) VALUES (${albumId}, ${row!.id}, ${i})`;
    };
    const t0 = Date.now();
    const originals = cachedOriginals(files, Number(values['file-mb']));
    for (const [i, o] of originals.entries()) {
      await insert([album2g, album6g], `IMG_${String(i + 1).padStart(4, '0')}.JPG`, o.path, o.size, o.crc32, o.hash, i);
    }
    for (let i = 0; i < 2; i++) {
      const path = join(work, `sparse-${i}.bin`);
      writeFileSync(path, '');
      truncateSync(path, 2 * 1024 * MiB);
      await insert([album6g], `VID_${i + 1}.MOV`, path, 2 * 1024 * MiB, crc32OfZeros(2 * 1024 * MiB), createHash('sha256').update(`sparse ${i}`).digest('hex'), files + i);
    }
    execFileSync('sync');
    console.error(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const zipUrl = (id: string) => `${server.url}/api/albums/${id}/download.zip`;
    // The baseline's file: the same ZIP, saved once (and checked by Python's zipfile).
    const saved = join(work, 'www', 'album.zip');
    mkdirSync(dirname(saved), { recursive: true });
    execFileSync('curl', ['-s', '-f', '-H', auth, '-o', saved, zipUrl(album2g)]);
    execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.infolist()))', saved], { stdio: 'ignore' });
    const zipBytes = statSync(saved).size;
    execFileSync('sync');

    const port = await freePort();
    const ndir = join(work, 'nginx');
    mkdirSync(ndir, { recursive: true });
    writeFileSync(join(ndir, 'nginx.conf'), nginxMainConfig(ndir, `  sendfile on;\n  server { listen 127.0.0.1:${port}; root ${dirname(saved)}; }`));
    nginx = spawn('taskset', ['-c', '1', '/usr/sbin/nginx', '-p', ndir, '-c', join(ndir, 'nginx.conf')], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    const staticUrl = `http://127.0.0.1:${port}/album.zip`;

    // Warm both, then interleave.
    await curl(staticUrl);
    await curl(zipUrl(album2g), [auth]);
    const rows: string[] = [];
    const nginxTimes: number[] = [];
    const zipTimes: number[] = [];
    for (let run = 0; run < runs; run++) {
      execFileSync('sync');
      const base = await curl(staticUrl);
      execFileSync('sync');
      const zip = await curl(zipUrl(album2g), [auth]);
      if (zip.status !== 200 || zip.bytes !== zipBytes || base.bytes !== zipBytes) throw new Error(`unexpected: ${JSON.stringify({ zip, base, zipBytes })}`);
      nginxTimes.push(base.seconds);
      zipTimes.push(zip.seconds);
      rows.push(`| ${run + 1} | ${base.seconds.toFixed(2)} s | ${zip.seconds.toFixed(2)} s | ${(zipBytes / MiB / zip.seconds).toFixed(0)} MiB/s | ${(zip.seconds / base.seconds).toFixed(2)}× |`);
    }

    const mem2 = await peakDuring(pid, () => curl(zipUrl(album2g), [auth]));
    const mem6 = await peakDuring(pid, () => curl(zipUrl(album6g), [auth]));
    const head6 = await fetch(zipUrl(album6g), { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
    const size6 = Number(head6.headers.get('content-length'));
    if (mem6.result.bytes !== size6) throw new Error(`6 GiB ZIP: ${mem6.result.bytes} bytes of ${size6}`);
    const tail = Buffer.from(await (await fetch(zipUrl(album6g), { headers: { authorization: `Bearer ${token}`, range: `bytes=${size6 - 98}-` } })).arrayBuffer());
    const zip64 = tail.readUInt32LE(0) === 0x06064b50;

    const rangeTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await curl(zipUrl(album2g), [auth, `Range: bytes=${zipBytes - 1_000_000}-`]);
      if (r.status !== 206 || r.bytes !== 1_000_000) throw new Error(`range: ${JSON.stringify(r)}`);
      rangeTimes.push(r.seconds * 1000);
    }

    const ratio = median(zipTimes) / median(nginxTimes);
    console.log(`\n## ZIP downloads (bench/zip.ts) — ${new Date().toISOString()}\n`);
    console.log(`Album: ${files} originals of ${values['file-mb']} MiB; ZIP ${(zipBytes / MiB).toFixed(0)} MiB. curl to /dev/null over loopback, server on Postgres.\n`);
    console.log('| run | nginx, static file of the same size | Shoebox ZIP | ZIP rate | ratio |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
    console.log(`\nMedian ratio: **${ratio.toFixed(2)}×** (target ≤ 1.5×; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
    console.log('| server memory | 2 GiB ZIP | 6 GiB ZIP (ZIP64) |');
    console.log('| --- | --- | --- |');
    console.log(`| VmRSS before | ${mem2.before.toFixed(0)} MiB | ${mem6.before.toFixed(0)} MiB |`);
    console.log(`| VmHWM during (reset before) | ${mem2.peak.toFixed(0)} MiB | ${mem6.peak.toFixed(0)} MiB |`);
    console.log(`| growth | **${(mem2.peak - mem2.before).toFixed(0)} MiB** | **${(mem6.peak - mem6.before).toFixed(0)} MiB** (target ≤ 120) |`);
    console.log(`| bytes sent | ${(mem2.result.bytes / MiB).toFixed(0)} MiB in ${mem2.result.seconds.toFixed(1)} s | ${(mem6.result.bytes / MiB).toFixed(0)} MiB in ${mem6.result.seconds.toFixed(1)} s, ZIP64 end record: ${zip64 ? 'yes' : 'NO'} |`);
    console.log(`\nLast 1 MB of the 2 GiB ZIP (Range), 20 requests: p50 **${median(rangeTimes).toFixed(1)} ms**, max ${Math.max(...rangeTimes).toFixed(1)} ms (curl total time over loopback; target < 50 ms)`);

    const zipMiB = (zipBytes / MiB).toFixed(0);
    const growth2 = mem2.peak - mem2.before;
    const growth6 = mem6.peak - mem6.before;
    emitRows([
      {
        bench: 'zip',
        measure: `album ZIP of ${files} × ${values['file-mb']} MiB (${zipMiB} MiB), curl, median of ${runs}; baseline nginx sending the same ZIP as a file`,
        shoebox: `${median(zipTimes).toFixed(2)} s`,
        baseline: `${median(nginxTimes).toFixed(2)} s`,
        ratio: `${ratio.toFixed(2)}×`,
        target: '≤ 1.5×',
        pass: ratio <= 1.5,
      },
      { bench: 'zip', measure: `server peak memory growth during the ${zipMiB} MiB ZIP (VmHWM)`, shoebox: `${growth2.toFixed(0)} MiB`, baseline: `${mem2.before.toFixed(0)} MiB before`, ratio: '—', target: '≤ 120 MiB', pass: growth2 <= 120 },
      {
        bench: 'zip',
        measure: `server peak memory growth during the ${(size6 / MiB).toFixed(0)} MiB ZIP64 (VmHWM; end record ${zip64 ? 'checked' : 'MISSING'})`,
        shoebox: `${growth6.toFixed(0)} MiB`,
        baseline: `${mem6.before.toFixed(0)} MiB before`,
        ratio: '—',
        target: '≤ 120 MiB, ZIP64 end record',
        pass: growth6 <= 120 && zip64,
      },
      { bench: 'zip', measure: 'last 1 MB of the ZIP by Range, curl total time, p50 of 20', shoebox: `${median(rangeTimes).toFixed(1)} ms`, baseline: '—', ratio: '—', target: '< 50 ms', pass: median(rangeTimes) < 50 },
    ]);
  } finally {
    nginx?.kill('SIGQUIT');
    await sql.end({ timeout: 1 });
    await server.stop('SIGTERM');
    cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
