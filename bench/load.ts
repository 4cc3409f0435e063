// Load: 100 guests browsing a shared 2,000-item album (its page, the grid's further pages
// and the thumbnails) while the owner uploads photos, and five more guests downloading
// another shared album's ZIP, every byte checked; on a real Postgres, over loopback only,
// for a bounded time.
//
//   node --import tsx bench/load.ts [--duration 60] [--guests 100] [--zip-guests 5]
//        [--assets 2000] [--zip-files 30] [--zip-file-mb 10] [--zip-rate-mb 20]
//        [--think-ms 1000] [--screen 24] [--unpinned] [--no-upload] [--server-log info]
//        [--quiet 25] [--quiet-wait 120]
//
// (--quiet 25 --quiet-wait 120: before each side, wait up to 120 s until the machine's
// CPUs are less than 25 % busy over 2 s, this bench being idle then; what was found is
// printed with the results.)
// (--server-log info: the server logs each request its app answers, and the report adds
// what the log says, per kind of request: how many, and the server's own time for them,
// from the first middleware to the Response, i.e. without queueing or sending. A
// thumbnail that the short path (src/routes/signed-thumbnail-fast.ts) answers is not
// logged. The logging costs the server a little.)
// Seeding (as bench/album-pages.ts and bench/zip.ts do): the real server on a throwaway
// Postgres, POST /api/setup, an API token, two albums, three real photos from the shared
// fixtures uploaded into the first and processed by the worker, a share link on each album
// (default settings: downloads on, location stripped). The server is stopped; the other
// rows of the 2,000 are inserted straight into the database (ready, taken over 60 days,
// 3 % videos), their thumbnails hard-linked from the three real ones; the ZIP album gets
// `zip-files` originals of `zip-file-mb` MiB of random bytes (made once, kept in
// bench/.cache/), hard-linked into DATA_DIR. The server is started again for the run.
//
// A guest (a virtual user): GET /s/<token> with `Accept-Encoding: br, gzip`, then its
// thumbnails a screen at a time (`screen` tiles, at most 6 requests at once, as a browser
// does per host, with a browser's image Accept header), `think-ms` (± 50 %) between
// screens; when the tiles run out, the grid's next page (the `hx-get` of its "more" link,
// `/s/<token>/tiles?...`) as htmx asks for it while scrolling. After 2 to 30 screens the
// visit ends: `think-ms` later the guest comes back as a new visitor (new connections, no
// cache). Guests start spread over the first 2 s. Latency is from sending the request to
// its last byte, in this process.
// A ZIP guest: GET /s/<token>/download.zip, from its own loopback address (127.0.0.11…, so
// the server's 3-per-IP limit sees five people), read at most `zip-rate-mb` MiB/s (a fast
// home line; 0 = as fast as loopback goes), each chunk compared with the reference ZIP as
// it arrives; again when done. The reference: the same ZIP fetched once before the run,
// checked by Python's zipfile (every entry's CRC-32 over its bytes) and each entry's CRC-32
// and size against the originals'. A download still running when the time is up is cut;
// its bytes so far were checked.
// The owner: POST /api/assets/upload with an API token, one photo after another, into the
// browsed album, real JPEGs from the shared fixtures, each made unique by a JPEG comment
// segment (else all but the first of each would be duplicates and cost nothing), so the
// worker makes thumbnails all through the run as it would for a real upload.
// An error: any answer other than 2xx/3xx, a network error or no answer within 30 s. A
// kept-alive connection closed by the server as a request went out on it is asked again
// once, as browsers do (counted as a retry, not an error).
//
// Baseline, same run, same guests and ZIP guests for the same time: nginx (1 worker)
// serving static copies of the same pages (gzip_static), one thumbnail file for every
// thumbnail URL (the file the server sends for the first tile) and the reference ZIP as a
// file. nginx has no owner upload.
// Pinned (taskset): the server, its Postgres and nginx on core 1, this process (all
// guests, the owner and the ZIP guests) on core 0; `--unpinned` leaves the scheduler to it.
// Measured: latency p50/p95/p99 of pages (the share page and the grid's further pages)
// and of thumbnails, errors, requests per second, the server's peak RSS (VmHWM of its
// process from /proc, since it started), this process's event-loop delay (if it is high,
// the load generator, not the server, was the bottleneck).
// Targets (issue 18): no errors, page p99 ≤ 300 ms, server RSS ≤ 300 MB.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { derivedRelPaths } from '../src/storage/layout.ts';
import { nginxMainConfig } from '../test/helpers/nginx.ts';
import { findPostgresBin, freePort, startCluster, type Cluster } from '../test/helpers/postgres-cluster.ts';
import { spawnServer, type SpawnedServer } from '../test/helpers/server.ts';
import { cachedOriginals, emitRows, linkOrCopy, ratioText, type BenchRow, note, load, waitQuiet as waitQuietFor } from './common.ts';
import { seededRandom as rng } from '../test/helpers/seeded-random.ts';

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    guests: { type: 'string', default: '100' },
    'zip-guests': { type: 'string', default: '5' },
    assets: { type: 'string', default: '2000' },
    'zip-files': { type: 'string', default: '30' },
    'zip-file-mb': { type: 'string', default: '10' },
    'zip-rate-mb': { type: 'string', default: '20' },
    'think-ms': { type: 'string', default: '1000' },
    screen: { type: 'string', default: '24' },
    unpinned: { type: 'boolean', default: false },
    'no-upload': { type: 'boolean', default: false },
    'server-log': { type: 'string', default: 'warn' },
    quiet: { type: 'string', default: '25' },
    'quiet-wait': { type: 'string', default: '120' },
  },
});
const DURATION_S = Number(opts.duration);
const GUESTS = Number(opts.guests);
const ZIP_GUESTS = Number(opts['zip-guests']);
const N_ASSETS = Number(opts.assets);
const ZIP_FILES = Number(opts['zip-files']);
const ZIP_FILE_MB = Number(opts['zip-file-mb']);
const ZIP_RATE = Number(opts['zip-rate-mb']) * 1024 * 1024;
const THINK_MS = Number(opts['think-ms']);
const SCREEN = Number(opts.screen);
const PINNED = !opts.unpinned;
const OWNER_UPLOADS = !opts['no-upload'];
const PER_HOST = 6;
const RAMP_MS = 2000;
const REQUEST_TIMEOUT_MS = 30_000;
const T = { pageP99Ms: 300, rssMb: 300 };

const FIXTURES = '/work/shared/fixtures';
const PAGE_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const waitQuiet = (phase: string) => waitQuietFor(phase, Number(opts.quiet), Number(opts['quiet-wait'])).then((s) => `before: ${s}`);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Pins a process (all its threads; new ones and children follow) to `cpus`. */
function pin(pid: number, cpuList: string) {
  if (!PINNED) return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'pipe' });
  } catch {
    note('taskset failed: processes are not pinned');
  }
}

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}


// ─── HTTP, as a guest's browser would ────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

class Stats {
  readonly lat: Record<'page' | 'tiles' | 'thumb', number[]> = { page: [], tiles: [], thumb: [] };
  readonly errors = new Map<string, number>();
  retries = 0;
  requests = 0;
  bytes = 0;
  visits = 0;
  zip = { completed: 0, cut: 0, checkedBytes: 0, mismatches: 0, refused: 0, seconds: [] as number[] };
  owner = { uploads: 0, bytes: 0, failed: 0, ms: [] as number[], ids: [] as string[] };
  error(kind: string) {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }
  get errorCount() {
    return [...this.errors.values()].reduce((a, b) => a + b, 0);
  }
}

/** One GET to its last byte; a 30 s limit; asked again once when a kept-alive connection was closed under it. */
function get(agent: http.Agent, url: string, headers: Record<string, string>, retried = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        get(agent, url, headers, true).then((a) => resolve({ ...a, retried: true } as Answer), reject);
      } else reject(err);
    });
    req.end();
  });
}

function decoded(a: Answer): string {
  const enc = a.headers['content-encoding'];
  return (enc === 'br' ? brotliDecompressSync(a.body) : enc === 'gzip' ? gunzipSync(a.body) : a.body).toString('utf8');
}

const unescapeHtml = (s: string) => s.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
const thumbsIn = (html: string) => [...html.matchAll(/<img\b[^>]*?\bsrc="(\/media\/assets\/[^"]+\/thumb\?[^"]+)"/g)].map((m) => unescapeHtml(m[1]!));
const moreIn = (html: string) => {
  const m = /\bhx-get="([^"]+)"/.exec(html);
  return m ? unescapeHtml(m[1]!) : undefined;
};

// ─── the virtual users ─────────────────────────────────────────────────────────────────

interface Target {
  base: string;
  /** The album page's path. */
  page: string;
  /** The album ZIP's path for the ZIP guests. */
  zip: string;
}

/** One request a guest makes: timed, counted; undefined after an error. */
async function fetchAs(stats: Stats, agent: http.Agent, kind: 'page' | 'tiles' | 'thumb', url: string): Promise<Answer | undefined> {
  try {
    const a = await get(agent, url, kind === 'thumb' ? { Accept: IMAGE_ACCEPT } : { Accept: PAGE_ACCEPT, 'Accept-Encoding': 'br, gzip' });
    stats.requests++;
    stats.bytes += a.body.length;
    if ((a as Answer & { retried?: boolean }).retried) stats.retries++;
    if (a.status >= 400) {
      stats.error(`${kind} HTTP ${a.status}`);
      return undefined;
    }
    stats.lat[kind].push(a.ms);
    return a;
  } catch (err) {
    stats.requests++;
    stats.error(`${kind} ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
}

async function guest(t: Target, stats: Stats, until: number, seed: number) {
  const rand = rng(seed);
  const think = () => THINK_MS * (0.5 + rand());
  await sleep(rand() * RAMP_MS);
  while (Date.now() < until) {
    stats.visits++;
    const agent = new http.Agent({ keepAlive: true, maxSockets: PER_HOST });
    try {
      const screens = 2 + Math.floor(rand() * 29);
      let next: string | undefined = t.page;
      let kind: 'page' | 'tiles' = 'page';
      const queue: string[] = [];
      for (let shown = 0; shown < screens && Date.now() < until; ) {
        if (queue.length < SCREEN && next) {
          const a = await fetchAs(stats, agent, kind, t.base + next);
          if (!a) break;
          const html = decoded(a);
          queue.push(...thumbsIn(html));
          next = moreIn(html);
          kind = 'tiles';
          continue;
        }
        if (!queue.length) break; // the end of the album
        const batch = queue.splice(0, SCREEN);
        await Promise.all(
          Array.from({ length: PER_HOST }, async () => {
            for (let u = batch.shift(); u !== undefined; u = batch.shift()) await fetchAs(stats, agent, 'thumb', t.base + u);
          }),
        );
        shown++;
        await sleep(think());
      }
    } finally {
      agent.destroy();
    }
    await sleep(think());
  }
}

/** A ZIP guest: downloads, compares each chunk with the reference as it comes, again and again until the time is up. */
async function zipGuest(t: Target, ref: Buffer, stats: Stats, until: number, index: number) {
  const localAddress = `127.0.0.${11 + index}`;
  await sleep(index * 300);
  while (Date.now() < until) {
    const t0 = performance.now();
    const outcome = await new Promise<'complete' | 'cut' | 'mismatch' | 'refused' | 'error'>((resolve) => {
      let offset = 0;
      let done = false;
      const finish = (o: 'complete' | 'cut' | 'mismatch' | 'refused' | 'error', detail?: string) => {
        if (done) return;
        done = true;
        clearTimeout(stopAt);
        if (o === 'error' || o === 'mismatch') stats.error(`zip ${detail ?? o}`);
        resolve(o);
      };
      const req = http.request(t.base + t.zip, { localAddress, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          stats.error(`zip HTTP ${res.statusCode}`);
          return finish('refused');
        }
        if (Number(res.headers['content-length']) !== ref.length) {
          req.destroy();
          return finish('mismatch', `length ${res.headers['content-length']} of ${ref.length}`);
        }
        const started = performance.now();
        res.on('data', (c: Buffer) => {
          if (done) return;
          if (offset + c.length > ref.length || ref.compare(c, 0, c.length, offset, offset + c.length) !== 0) {
            req.destroy();
            return finish('mismatch', `bytes differ at or after ${offset}`);
          }
          offset += c.length;
          stats.zip.checkedBytes += c.length;
          if (ZIP_RATE > 0) {
            const ahead = (offset / ZIP_RATE) * 1000 - (performance.now() - started);
            if (ahead > 20) {
              res.pause();
              setTimeout(() => res.resume(), ahead);
            }
          }
        });
        res.on('end', () => finish(offset === ref.length ? 'complete' : 'error', `ended at ${offset} of ${ref.length}`));
        res.on('error', (e) => finish('error', (e as NodeJS.ErrnoException).code ?? e.message));
      });
      req.on('error', (e: NodeJS.ErrnoException) => finish('error', e.code ?? e.message));
      const stopAt = setTimeout(() => {
        finish('cut');
        req.destroy();
      }, Math.max(0, until - Date.now()));
      req.end();
    });
    stats.requests++;
    if (outcome === 'complete') {
      stats.zip.completed++;
      stats.zip.seconds.push((performance.now() - t0) / 1000);
    } else if (outcome === 'cut') stats.zip.cut++;
    else if (outcome === 'mismatch') stats.zip.mismatches++;
    else if (outcome === 'refused') stats.zip.refused++;
    await sleep(1000);
  }
}

/** A real JPEG with a comment segment after its APPn segments: the same photo, bytes of its own. */
function uniqueJpeg(jpeg: Buffer, label: string): Uint8Array<ArrayBuffer> {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1]! >= 0xe0 && jpeg[at + 1]! <= 0xef) at += 2 + jpeg.readUInt16BE(at + 2);
  const text = Buffer.from(label);
  const head = Buffer.from([0xff, 0xfe, 0, 0]);
  head.writeUInt16BE(text.length + 2, 2);
  return new Uint8Array(Buffer.concat([jpeg.subarray(0, at), head, text, jpeg.subarray(at)]));
}

/** The real JPEG photos of the shared fixtures (MANIFEST.tsv: kind jpeg, under jpeg/). */
function ownerPhotos(): { name: string; bytes: Buffer }[] {
  const manifest = join(FIXTURES, 'MANIFEST.tsv');
  if (!existsSync(manifest)) throw new Error(`${FIXTURES} is missing (the owner uploads its photos)`);
  return readFileSync(manifest, 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((f) => f[0]?.startsWith('jpeg/') && f[4] === 'jpeg')
    .map((f) => ({ name: basename(f[0]!), bytes: readFileSync(join(FIXTURES, f[0]!)) }));
}

async function owner(base: string, token: string, albumId: string, stats: Stats, until: number) {
  const photos = ownerPhotos();
  const run = randomBytes(4).toString('hex');
  for (let n = 0; Date.now() < until; n++) {
    const photo = photos[n % photos.length]!;
    const bytes = uniqueJpeg(photo.bytes, `bench/load.ts ${run} upload ${n}`);
    const form = new FormData();
    form.append('albumId', albumId);
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), `${n}-${photo.name}`);
    const t0 = performance.now();
    try {
      const res = await fetch(`${base}/api/assets/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const body = (await res.json()) as { assets?: { id?: string; status: string }[] };
      stats.requests++;
      const entry = body.assets?.[0];
      if (res.status !== 201 || entry?.status !== 'created' || !entry.id) {
        stats.owner.failed++;
        stats.error(`upload HTTP ${res.status} ${entry?.status ?? ''}`.trim());
        await sleep(500);
        continue;
      }
      stats.owner.uploads++;
      stats.owner.bytes += bytes.length;
      stats.owner.ms.push(performance.now() - t0);
      stats.owner.ids.push(entry.id);
    } catch (err) {
      stats.requests++;
      stats.owner.failed++;
      stats.error(`upload ${(err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message}`);
    }
  }
}

interface PhaseResult {
  stats: Stats;
  seconds: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  machine: string;
}

/** All the guests, the ZIP guests and (when given) the owner against one server, for DURATION_S. */
async function runPhase(name: string, t: Target, ref: Buffer, withOwner?: { token: string; albumId: string }): Promise<PhaseResult> {
  note(`  ${name}: ${GUESTS} guests, ${ZIP_GUESTS} ZIP guests${withOwner ? ', the owner uploading' : ''}, ${DURATION_S} s (load ${load()})`);
  const stats = new Stats();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const machine = await waitQuiet(name);
  const t0 = Date.now();
  const until = t0 + DURATION_S * 1000;
  delay.enable();
  const progress = setInterval(() => note(`    ${((Date.now() - t0) / 1000).toFixed(0)} s: ${stats.requests} requests, ${stats.errorCount} errors, ${stats.zip.completed} ZIPs`), 10_000);
  try {
    await Promise.all([
      ...Array.from({ length: GUESTS }, (_, i) => guest(t, stats, until, 1000 + i)),
      ...Array.from({ length: ZIP_GUESTS }, (_, i) => zipGuest(t, ref, stats, until, i)),
      ...(withOwner ? [owner(t.base, withOwner.token, withOwner.albumId, stats, until)] : []),
    ]);
  } finally {
    clearInterval(progress);
    delay.disable();
  }
  for (const k of ['page', 'tiles', 'thumb'] as const) stats.lat[k].sort((a, b) => a - b);
  return { stats, seconds: (Date.now() - t0) / 1000, loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6, machine };
}

// ─── seeding ───────────────────────────────────────────────────────────────────────────

interface Seeded {
  token: string;
  cookie: string;
  browseAlbum: string;
  browseToken: string;
  zipToken: string;
}

async function api(base: string, path: string, init: { method?: string; cookie?: string; json?: unknown; body?: FormData }) {
  const headers: Record<string, string> = { Origin: base };
  if (init.cookie) headers.Cookie = init.cookie;
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method: init.method ?? 'GET', headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { res, data: text ? JSON.parse(text) : undefined };
}

const SOURCES = [
  { key: 'landscape43', file: `${FIXTURES}/jpeg/phone/IMG_20180725_163423.jpg`, w: 4032, h: 3024, share: 0.52 },
  { key: 'portrait34', file: `${FIXTURES}/jpeg/orientation/landscape_6.jpg`, w: 3024, h: 4032, share: 0.25 },
  { key: 'landscape32', file: `${FIXTURES}/jpeg/camera/canon-dslr.jpg`, w: 5184, h: 3456, share: 0.23 },
] as const;

/**
 * spawnServer, started while this process may use both cores: the server's defaults (its
 * worker's concurrency) are what `npm start` gives on this machine, not what core 0 alone
 * would give. It is pinned afterwards.
 */
async function startServer(env: Record<string, string>): Promise<SpawnedServer> {
  pin(process.pid, '0-1');
  try {
    return await spawnServer(env, 60_000);
  } finally {
    pin(process.pid, '0');
  }
}

async function seed(env: Record<string, string>, dataDir: string, cluster: Cluster): Promise<Seeded> {
  const server = await startServer(env);
  let seeded: Seeded;
  const uploaded: { id: string; hash: string; thumbhash: string }[] = [];
  let zipAlbum: string;
  let ownerId: string;
  try {
    const base = server.url;
    const setup = await api(base, '/api/setup', { method: 'POST', json: { email: 'owner@example.com', password: 'correct horse battery staple' } });
    const cookie = setup.res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    ownerId = setup.data.user.id as string;
    const { token } = (await api(base, '/api/tokens', { method: 'POST', cookie, json: { name: 'bench' } })).data as { token: string };
    const browseAlbum = (await api(base, '/api/albums', { method: 'POST', cookie, json: { title: 'Summer 2024', description: 'Two months by the sea and in the mountains.' } })).data.album.id as string;
    zipAlbum = (await api(base, '/api/albums', { method: 'POST', cookie, json: { title: 'Originals' } })).data.album.id as string;
    for (const s of SOURCES) {
      const form = new FormData();
      form.append('albumId', browseAlbum);
      form.append('file', new Blob([readFileSync(s.file)], { type: 'image/jpeg' }), basename(s.file));
      const entry = (await api(base, '/api/assets/upload', { method: 'POST', cookie, body: form })).data.assets[0];
      if (!entry?.id) throw new Error(`upload of ${s.file}: ${JSON.stringify(entry)}`);
      uploaded.push({ id: entry.id, hash: '', thumbhash: '' });
    }
    const deadline = Date.now() + 120_000;
    for (const u of uploaded) {
      for (;;) {
        const a = (await api(base, `/api/assets/${u.id}`, { cookie })).data.asset;
        if (a.status === 'failed') throw new Error(`processing failed: ${a.processingError}`);
        if (a.status === 'ready') {
          u.hash = a.fileHash;
          break;
        }
        if (Date.now() > deadline) throw new Error('the worker did not make the thumbnails in 2 min');
        await sleep(200);
      }
    }
    const browseToken = (await api(base, `/api/albums/${browseAlbum}/share`, { method: 'POST', cookie, json: {} })).data.link.token as string;
    const zipToken = (await api(base, `/api/albums/${zipAlbum}/share`, { method: 'POST', cookie, json: {} })).data.link.token as string;
    seeded = { token, cookie, browseAlbum, browseToken, zipToken };
  } finally {
    await server.stop('SIGTERM');
  }

  const sql = postgres(cluster.url, { max: 2, onnotice: () => {} });
  try {
    for (const u of uploaded) u.thumbhash = (await sql`SELECT thumbhash FROM assets WHERE id = ${u.id}`)[0]!.thumbhash;
    // The browsed album: the three uploads and the rest, taken over 60 days, oldest first.
    const rand = rng(20240601);
    const days = Array.from({ length: 60 }, () => (rand() < 0.15 ? 0 : 0.3 + rand() * rand() * 3));
    const sum = days.reduce((a, b) => a + b, 0);
    const times: number[] = [];
    for (let i = 0; i < N_ASSETS; i++) {
      let r = rand() * sum;
      let d = 0;
      while (r > days[d]! && d < days.length - 1) r -= days[d++]!;
      times.push(Date.UTC(2024, 5, 1) + d * 86_400_000 + Math.floor((8 + rand() * 14) * 3600) * 1000);
    }
    times.sort((a, b) => a - b);
    const local = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    const utc = (ms: number) => new Date(ms - 2 * 3600_000);
    for (const [i, u] of uploaded.entries()) {
      await sql`UPDATE assets SET taken_at = ${utc(times[i]!)}, taken_at_local = ${local(times[i]!)}, taken_at_offset = '+02:00' WHERE id = ${u.id}`;
    }
    const rows: Record<string, unknown>[] = [];
    const links: [string, string][] = [];
    for (let i = uploaded.length; i < N_ASSETS; i++) {
      const r = rand();
      const src = r < SOURCES[0].share ? 0 : r < SOURCES[0].share + SOURCES[1].share ? 1 : 2;
      const video = src === 2 && rand() < 0.13;
      const hash = randomBytes(32).toString('hex');
      const s = SOURCES[src]!;
      rows.push({
        id: randomUUID(),
        original_filename: video ? `VID_${String(i).padStart(4, '0')}.MP4` : `IMG_${String(i).padStart(4, '0')}.JPG`,
        file_hash: hash,
        file_size: video ? 20_000_000 + Math.floor(rand() * 80_000_000) : 1_500_000 + Math.floor(rand() * 5_000_000),
        mime_type: video ? 'video/mp4' : 'image/jpeg',
        width: video ? 1920 : s.w,
        height: video ? 1080 : s.h,
        duration_seconds: video ? 3 + Math.floor(rand() * 90) : null,
        taken_at: utc(times[i]!),
        taken_at_local: local(times[i]!),
        taken_at_offset: '+02:00',
        storage_path: `originals/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}.${video ? 'mp4' : 'jpg'}`,
        is_video: video,
        kind: video ? 'video' : 'photo',
        format: video ? 'mp4' : 'jpeg',
        status: 'ready',
        thumbhash: uploaded[src]!.thumbhash,
        uploaded_by: ownerId,
      });
      links.push([uploaded[src]!.hash, hash]);
    }
    for (let at = 0; at < rows.length; at += 500) {
      const batch = rows.slice(at, at + 500);
      await sql`INSERT INTO assets ${sql(batch as never[])}`;
      const members = batch.map((row, j) => ({ album_id: seeded.browseAlbum, asset_id: row.id, position: uploaded.length + at + j }));
      await sql`INSERT INTO album_assets ${sql(members as never[])}`;
    }
    // The ZIP album: originals of random bytes, CRC-32 known, no location to blank.
    const originals = cachedOriginals(ZIP_FILES, ZIP_FILE_MB);
    for (const [i, o] of originals.entries()) {
      const rel = `originals/${o.hash.slice(0, 2)}/${o.hash.slice(2, 4)}/${o.hash}.jpg`;
      mkdirSync(dirname(join(dataDir, rel)), { recursive: true });
      linkOrCopy(o.path, join(dataDir, rel));
      const [row] = await sql`
        INSERT INTO assets (original_filename, file_hash, file_size, crc32, mime_type, storage_path, kind, status, taken_at, taken_at_local, location_patches, location_crc32, location_check, uploaded_by)
        VALUES (${`IMG_${String(i + 1).padStart(4, '0')}.JPG`}, ${o.hash}, ${o.size}, ${o.crc32}, 'image/jpeg', ${rel}, 'photo', 'ready', ${new Date(Date.UTC(2024, 6, 1, 10, i))}, ${`2024-07-01T10:${String(i % 60).padStart(2, '0')}:00`}, '[]'::jsonb, ${o.crc32}, 'clean', ${ownerId})
        RETURNING id`;
      await sql`INSERT INTO album_assets (album_id, asset_id, position) VALUES (${zipAlbum}, ${row!.id}, ${i})`;
    }
    // As autovacuum would soon after such inserts.
    await sql`ANALYZE`;
    // The seeded rows' thumbnails: the matching real photo's files, hard-linked.
    for (const [from, to] of links) {
      const src = derivedRelPaths(from);
      derivedRelPaths(to).forEach((rel, k) => {
        const dest = join(dataDir, rel);
        mkdirSync(dirname(dest), { recursive: true });
        if (existsSync(join(dataDir, src[k]!))) linkSync(join(dataDir, src[k]!), dest);
      });
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
  return seeded;
}

/** The reference ZIP: fetched once, checked by Python's zipfile (each entry's CRC-32 over its bytes) and against the originals' CRC-32s and sizes. */
function referenceZip(url: string, file: string): Buffer {
  execFileSync('curl', ['-s', '-f', '-o', file, url]);
  const originals = cachedOriginals(ZIP_FILES, ZIP_FILE_MB);
  const expected = JSON.stringify(originals.map((o) => [o.crc32, o.size]));
  const check = `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, 'bad CRC'
got = [[i.CRC, i.file_size] for i in z.infolist() if not i.is_dir()]
want = json.loads(sys.argv[2])
assert got == want, 'entries differ from the originals'
print(len(got))`;
  const entries = execFileSync('python3', ['-c', check, file, expected], { encoding: 'utf8' }).trim();
  note(`  reference ZIP: ${(statSync(file).size / MiB).toFixed(0)} MiB, ${entries} entries, every CRC-32 checked`);
  return readFileSync(file);
}

// ─── nginx ─────────────────────────────────────────────────────────────────────────────

async function startNginx(dir: string, http: (port: number) => string): Promise<{ proc: ChildProcess; url: string; stop: () => Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxMainConfig(dir, http(port)));
  // Started under taskset: its worker, forked at once, must be on core 1 too.
  const args = ['-p', dir, '-e', `${dir}/error.log`, '-c', join(dir, 'nginx.conf')];
  const proc = PINNED ? spawn('taskset', ['-c', '1', '/usr/sbin/nginx', ...args], { stdio: 'ignore' }) : spawn('/usr/sbin/nginx', args, { stdio: 'ignore' });
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(url + '/').then(() => true, () => false)) break;
    if (i > 100) throw new Error(`nginx did not start: ${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`);
    await sleep(100);
  }
  return {
    proc,
    url,
    stop: async () => {
      proc.kill('SIGQUIT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** nginx's worker (the child of its master): its peak memory. */
function nginxWorkerHwmKb(masterPid: number): number {
  try {
    const kids = readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    return kids.reduce((s, pid) => s + (procKb(pid, 'VmHWM') || 0), 0);
  } catch {
    return NaN;
  }
}

// ─── report ────────────────────────────────────────────────────────────────────────────

/** The server's request log (src/http/request-log.ts), by kind of request: the app's own times. */
function appTimes(output: string): Map<string, number[]> {
  const kinds = new Map<string, number[]>();
  for (const m of output.matchAll(/\binfo\s+(GET|POST|HEAD) (\S+) (\d{3}) ([\d.]+)ms$/gm)) {
    const path = m[2]!;
    const kind = /^\/media\/assets\/[^/]+\/thumb$/.test(path)
      ? 'thumbnail (not the short path)'
      : /^\/s\/[^/]+$/.test(path)
        ? 'share page'
        : /^\/s\/[^/]+\/tiles$/.test(path)
          ? 'grid page'
          : /\/download\.zip$/.test(path)
            ? 'ZIP (until its Response, not the sending)'
            : path === '/api/assets/upload'
              ? 'upload'
              : `${m[1]} ${path.replace(/[0-9a-f-]{36}/g, ':id')}`;
    const list = kinds.get(kind) ?? [];
    list.push(Number(m[4]));
    kinds.set(kind, list);
  }
  for (const list of kinds.values()) list.sort((a, b) => a - b);
  return kinds;
}

const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '—');
const pct = (xs: number[], p: number) => percentile(xs, p);

async function main() {
  if (!existsSync('/usr/sbin/nginx')) throw new Error('nginx is needed (/usr/sbin/nginx)');
  const bin = findPostgresBin();
  if (!bin) throw new Error('no Postgres server binaries (PG_BIN or /usr/lib/postgresql/*/bin)');
  const started = new Date();
  const startLoad = load();
  const work = mkdtempSync(join(tmpdir(), 'sbx-bench-load-'));
  const dataDir = join(work, 'data');
  let cluster: Cluster | undefined;
  let server: SpawnedServer | undefined;
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    // Postgres belongs to the server's side: started while this process is on core 1.
    pin(process.pid, '1');
    try {
      cluster = await startCluster(bin);
    } finally {
      pin(process.pid, '0');
    }
    const env = { DATA_DIR: dataDir, DATABASE_URL: cluster.url, LOG_LEVEL: 'warn' };
    const runEnv = { ...env, LOG_LEVEL: opts['server-log']! };
    note(`seeding: ${N_ASSETS} items to browse, a ZIP album of ${ZIP_FILES} × ${ZIP_FILE_MB} MiB (load ${load()})`);
    const t0 = Date.now();
    const s = await seed(env, dataDir, cluster);
    note(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    server = await startServer(runEnv);
    const pid = server.proc.pid!;
    pin(pid, '1');
    const shoebox: Target = { base: server.url, page: `/s/${s.browseToken}`, zip: `/s/${s.zipToken}/download.zip` };

    // What the guests will see, fetched once: the pages' chain (to copy for nginx), the thumbnail sent for the first tile.
    const copies = join(work, 'www');
    mkdirSync(join(copies, 'copy'), { recursive: true });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let path: string | undefined = shoebox.page;
    let firstThumb: Answer | undefined;
    let tiles = 0;
    for (let i = 0; path; i++) {
      const a = await get(agent, shoebox.base + path, { Accept: PAGE_ACCEPT, 'Accept-Encoding': 'br, gzip' });
      if (a.status !== 200) throw new Error(`${path}: ${a.status}`);
      const html = decoded(a);
      const thumbs = thumbsIn(html);
      tiles += thumbs.length;
      if (!firstThumb && thumbs[0]) {
        firstThumb = await get(agent, shoebox.base + thumbs[0], { Accept: IMAGE_ACCEPT });
        if (firstThumb.status !== 200) throw new Error(`thumbnail: ${firstThumb.status}`);
      }
      path = moreIn(html);
      // The copy's "more" link leads to the next copy.
      const copy = path ? html.replace(/\bhx-get="[^"]+"/, `hx-get="/copy/p${i + 1}.html"`) : html;
      writeFileSync(join(copies, 'copy', `p${i}.html`), copy);
      writeFileSync(join(copies, 'copy', `p${i}.html.gz`), gzipSync(copy));
    }
    agent.destroy();
    if (!firstThumb) throw new Error('no thumbnail on the page');
    const thumbType = String(firstThumb.headers['content-type']);
    const thumbExt = thumbType === 'image/avif' ? 'avif' : 'webp';
    writeFileSync(join(copies, `thumb.${thumbExt}`), firstThumb.body);
    note(`  the album's pages: ${tiles} tiles; thumbnail ${thumbType}, ${(firstThumb.body.length / 1024).toFixed(1)} kB`);
    const ref = referenceZip(shoebox.base + shoebox.zip, join(copies, 'album.zip'));

    // Baseline: nginx with the static copies, the same guests.
    nginx = await startNginx(join(work, 'nginx'), (port) => `
  types { text/html html; image/avif avif; image/webp webp; application/zip zip; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    root ${copies};
    location /copy/ { gzip_static on; }
    location /media/ { try_files /thumb.${thumbExt} =404; }
  }`);
    const baseTarget: Target = { base: nginx.url, page: '/copy/p0.html', zip: '/album.zip' };
    const base = await runPhase('baseline: nginx', baseTarget, ref);
    const nginxHwmKb = nginxWorkerHwmKb(nginx.proc.pid!);
    await nginx.stop();
    nginx = undefined;

    // Shoebox: the same guests, the owner uploading into the album they browse.
    let maxRssKb = procKb(pid, 'VmRSS');
    const sampler = setInterval(() => (maxRssKb = Math.max(maxRssKb, procKb(pid, 'VmRSS') || 0)), 250);
    let run: PhaseResult;
    const logFrom = server.output().length;
    try {
      run = await runPhase('Shoebox', shoebox, ref, OWNER_UPLOADS ? { token: s.token, albumId: s.browseAlbum } : undefined);
    } finally {
      clearInterval(sampler);
    }
    const hwmKb = procKb(pid, 'VmHWM');
    const alive = server.proc.exitCode === null;
    // How far the worker got with the owner's uploads.
    const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
    let ready = 0;
    try {
      const ids = run.stats.owner.ids;
      if (ids.length) ready = Number((await sql`SELECT count(*)::int AS n FROM assets WHERE status = 'ready' AND id = ANY(${ids}::uuid[])`)[0]!.n);
    } finally {
      await sql.end({ timeout: 1 });
    }

    const serverLog = opts['server-log'] === 'info' || opts['server-log'] === 'debug' ? appTimes(server.output().slice(logFrom)) : undefined;
    report({ run, base, hwmKb, maxRssKb, nginxHwmKb, ready, alive, tiles, thumbType, thumbBytes: firstThumb.body.length, refBytes: ref.length, started, startLoad, serverLog });
  } finally {
    await nginx?.stop();
    await server?.stop('SIGTERM');
    cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function report(r: {
  run: PhaseResult;
  base: PhaseResult;
  hwmKb: number;
  maxRssKb: number;
  nginxHwmKb: number;
  ready: number;
  alive: boolean;
  tiles: number;
  thumbType: string;
  thumbBytes: number;
  refBytes: number;
  started: Date;
  startLoad: string;
  serverLog?: Map<string, number[]>;
}) {
  const { run, base } = r;
  const pages = (p: PhaseResult) => [...p.stats.lat.page, ...p.stats.lat.tiles].sort((a, b) => a - b);
  const runPages = pages(run);
  const basePages = pages(base);
  const rps = (p: PhaseResult) => p.stats.requests / p.seconds;
  const errText = (p: PhaseResult) => (p.stats.errorCount ? `${p.stats.errorCount} (${[...p.stats.errors].map(([k, n]) => `${k}: ${n}`).join(', ')})` : '0');
  const hwmMb = r.hwmKb / 1024;
  const pageP99 = pct(runPages, 99);
  const zipOk = run.stats.zip.mismatches === 0 && run.stats.zip.completed > 0;
  const o = run.stats.owner;

  const rows: BenchRow[] = [];
  const add = (measure: string, shoebox: string, baseline: string, ratio: string, target: string, pass: boolean | null) => rows.push({ bench: 'load', measure, shoebox, baseline, ratio, target, pass });
  for (const q of [50, 95, 99]) {
    add(`page latency p${q} (share page + grid pages), ${GUESTS} guests`, ms(pct(runPages, q)), ms(pct(basePages, q)), ratioText(pct(runPages, q), pct(basePages, q), 1), q === 99 ? `≤ ${T.pageP99Ms} ms` : '—', q === 99 ? pageP99 <= T.pageP99Ms : null);
  }
  for (const q of [50, 95, 99]) {
    add(`thumbnail latency p${q}`, ms(pct(run.stats.lat.thumb, q)), ms(pct(base.stats.lat.thumb, q)), ratioText(pct(run.stats.lat.thumb, q), pct(base.stats.lat.thumb, q), 1), '—', null);
  }
  add('errors (non-2xx/3xx, network, no answer in 30 s)', errText(run), errText(base), '—', '0', run.stats.errorCount === 0 && r.alive);
  add('server peak RSS (VmHWM since start)', `${hwmMb.toFixed(0)} MB`, Number.isFinite(r.nginxHwmKb) ? `nginx worker ${(r.nginxHwmKb / 1024).toFixed(0)} MB` : '—', '—', `≤ ${T.rssMb} MB`, hwmMb <= T.rssMb);
  add('requests per second (all guests, ZIP guests, owner)', `${rps(run).toFixed(0)}`, `${rps(base).toFixed(0)}`, ratioText(rps(run), rps(base)), '—', null);
  add(
    `ZIP downloads (${ZIP_GUESTS} guests, ${(r.refBytes / MiB).toFixed(0)} MiB, ${ZIP_RATE ? `≤ ${opts['zip-rate-mb']} MiB/s each` : 'unthrottled'}), every byte compared`,
    `${run.stats.zip.completed} complete, ${run.stats.zip.cut} cut at the end, ${run.stats.zip.mismatches} differing, ${run.stats.zip.refused} refused; ${(run.stats.zip.checkedBytes / MiB).toFixed(0)} MiB checked`,
    `${base.stats.zip.completed} complete, ${base.stats.zip.mismatches} differing`,
    '—',
    '0 differing, ≥ 1 complete',
    zipOk,
  );
  add('owner uploads during the run (real JPEGs, one at a time)', `${o.uploads} (${(o.bytes / MiB).toFixed(0)} MiB), p50 ${ms(pct([...o.ms].sort((a, b) => a - b), 50))}; ${r.ready} made ready by the worker`, 'nginx: none', '—', '—', null);

  emitRows(rows);

  const out: string[] = [];
  out.push(`## Load (bench/load.ts) — ${r.started.toISOString()}`, '');
  out.push(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}; load average at start ${r.startLoad}, at end ${load()}`);
  out.push(`command: node --import tsx bench/load.ts ${process.argv.slice(2).join(' ')}`.trim());
  out.push(
    `setup: ${GUESTS} guests browsing a ${N_ASSETS}-item album (${r.tiles} tiles in its pages; thumbnail ${r.thumbType} ${(r.thumbBytes / 1024).toFixed(1)} kB), ${SCREEN} thumbnails a screen, ${PER_HOST} at once, think ${THINK_MS} ms ± 50 %; ${ZIP_GUESTS} ZIP guests; ${OWNER_UPLOADS ? 'the owner uploading' : 'no owner upload (--no-upload)'}; ${DURATION_S} s per side; ${PINNED ? 'server, Postgres and nginx on core 1, this load generator on core 0 (taskset)' : 'unpinned'}; Postgres backend.`,
  );
  out.push('');
  out.push('| measure | Shoebox | baseline (nginx, static copies) | ratio | target | result |');
  out.push('| --- | --- | --- | ---: | --- | --- |');
  for (const row of rows) out.push(`| ${row.measure} | ${row.shoebox} | ${row.baseline} | ${row.ratio} | ${row.target} | ${row.pass === null ? '—' : row.pass ? 'pass' : '**FAIL**'} |`);
  out.push('');
  out.push('| detail | Shoebox | nginx |');
  out.push('| --- | --- | --- |');
  const detail = (label: string, f: (p: PhaseResult) => string) => out.push(`| ${label} | ${f(run)} | ${f(base)} |`);
  detail('share page p50 / p99 (count)', (p) => `${ms(pct(p.stats.lat.page, 50))} / ${ms(pct(p.stats.lat.page, 99))} (${p.stats.lat.page.length})`);
  detail('grid pages p50 / p99 (count)', (p) => `${ms(pct(p.stats.lat.tiles, 50))} / ${ms(pct(p.stats.lat.tiles, 99))} (${p.stats.lat.tiles.length})`);
  detail('thumbnails (count)', (p) => String(p.stats.lat.thumb.length));
  detail('page / thumbnail max', (p) => `${ms(pages(p).at(-1) ?? NaN)} / ${ms(p.stats.lat.thumb.at(-1) ?? NaN)}`);
  detail('visits', (p) => String(p.stats.visits));
  detail('MiB received by the guests (not ZIPs)', (p) => (p.stats.bytes / MiB).toFixed(0));
  detail('connections closed under a request, asked again', (p) => String(p.stats.retries));
  detail('ZIP time p50 (complete downloads)', (p) => (p.stats.zip.seconds.length ? `${pct([...p.stats.zip.seconds].sort((a, b) => a - b), 50).toFixed(1)} s` : '—'));
  detail('load generator event-loop delay p99 / max', (p) => `${p.loopDelayP99Ms.toFixed(1)} / ${p.loopDelayMaxMs.toFixed(1)} ms`);
  detail('wall time', (p) => `${p.seconds.toFixed(1)} s (${p.machine})`);
  out.push(`| server VmRSS highest sampled (every 250 ms) | ${(r.maxRssKb / 1024).toFixed(0)} MB | — |`);
  out.push(`| server still running at the end | ${r.alive ? 'yes' : '**no**'} | — |`);
  if (r.serverLog) {
    out.push('', `The server's request log during the run (${opts['server-log']}): requests its app answered, and its own time for them (first middleware → Response).`, '');
    out.push('| kind | count | p50 | p99 | max |');
    out.push('| --- | ---: | ---: | ---: | ---: |');
    for (const [kind, list] of [...r.serverLog].sort((a, b) => b[1].length - a[1].length)) {
      out.push(`| ${kind} | ${list.length} | ${ms(pct(list, 50))} | ${ms(pct(list, 99))} | ${ms(list.at(-1) ?? NaN)} |`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}

await main();
