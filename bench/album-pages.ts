// The album pages of a 2,000-item album: the owner's `/albums/{id}` and the guest's
// `/s/{token}` (first page, ≤ ~200 tiles), and a signed thumbnail, on a real Postgres
// (a throwaway cluster) and on PGlite, against nginx serving the same bytes.
//
//   node --import tsx bench/album-pages.ts [--assets 2000] [--requests 300] [--warmup 50]
//        [--duration 10] [--connections 32] [--runs 3] [--backend both|postgres|pglite]
//        [--browser postgres|both|none] [--cpu-prof DIR] [--pg-cpus 1] [--hold FILE]
// (--hold FILE: before the wrk runs, write the thumbnail URL to FILE and wait until it is
// removed, to look at the seeded server by hand. --quiet 25 --quiet-wait 900: before each
// phase, wait up to 900 s until the machine's CPUs are less than 25 % busy over 2 s, this
// bench's own processes being idle then; the busy share found is printed with the results.)
//
// Per backend:
//  1. Seed: start the real server as `npm start` does (bin/build.mjs, then `node
//     dist/server.mjs`) on a temp DATA_DIR,
//     POST /api/setup (owner + session cookie), POST /api/albums, upload three real JPEGs
//     (a 4:3 phone photo, a 3:2 DSLR photo, a portrait) with the album id and wait until
//     the worker has made their thumbnails, POST /api/albums/{id}/share {}; stop the
//     server; insert the other rows (status 'ready', a mix of sizes, 3 % videos, taken
//     over 60 days, each with its own ThumbHash made from a random crop of one of the
//     photos) straight into the database (Kysely over postgres.js, or the DATA_DIR's
//     PGlite opened here while the server is down), and hard-link the matching photo's
//     `_sm.webp` / `_lg.webp` to each row's thumbnail paths.
//     Postgres runs on core 1 with the server (`--pg-cpus 0-1` lets it use both): the
//     "server machine" is core 1 on either backend, PGlite being in the server's process.
//  2. Server time: the server pinned to core 1 (`taskset -c 1`) with LOG_LEVEL=info; this
//     process (pinned to core 0) makes `warmup` then `requests` sequential requests per
//     page with `Accept-Encoding: br, gzip` over one keep-alive connection and times each
//     to its last byte; the server's own per-request log line (src/http/request-log.ts:
//     from the first middleware until the handler returned its Response, i.e. queries and
//     rendering, not compression or socket writes) gives the server time.
//     Baseline: nginx (1 worker, core 1) serving a static copy of the same HTML
//     (gzip_static, the same compressed size).
//  3. Bytes before the first thumbnail: the page as sent plus every stylesheet and script
//     it links (not what is loaded on demand), each fetched with `Accept-Encoding: br, gzip`,
//     counting body bytes as they came over the wire.
//  4. Throughput: `taskset -c 0 wrk -t1 -c32 -d10s` against the server (LOG_LEVEL=warn,
//     core 1) for both pages and one signed thumbnail URL from the guest page; nginx
//     (core 1) serving the same thumbnail file and the static HTML copies; and the server
//     with MEDIA_ACCEL=nginx behind nginx running nginx/shoebox.conf as shipped (its
//     addresses changed), both on core 1.
//  5. Chromium (/usr/bin/chromium, playwright-core) at 390×844, DPR 3, CPU ×4, network
//     throttled through CDP: LCP and CLS from PerformanceObserver, and the bytes of each
//     resource type; a fresh context (empty cache) per run, median of `runs`.
// Prints Markdown tables for bench/RESULTS.md. Linux; needs wrk, nginx, taskset, Postgres
// server binaries (else the Postgres backend is skipped) and Chromium (else no browser runs).
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHmac } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { findPostgresBin, freePort, startCluster, type Cluster } from '../test/helpers/postgres-cluster.ts';
import { CHROMIUM, hasChromium, launchBrowser } from '../test/helpers/browser.ts';
import { nginxMainConfig, shippedNginxSite } from '../test/helpers/nginx.ts';
// @ts-expect-error: a plain JS build script without type declarations
import { buildServer } from '../bin/build.mjs';
import { smallThumbRelPath } from '../src/storage/layout.ts';
import { findAlbum } from '../src/queries/albums.ts';
import { countViews } from '../src/queries/links.ts';
import { loadGridPage } from '../src/routes/album-grid.ts';
import { createSigner } from '../src/sharing/signatures.ts';
import { readPermissions } from '../src/sharing/link-settings.ts';
import { mediaUrl, type MediaVariant } from '../views/parts/album-grid.tsx';
import { yearIn } from '../views/parts/dates.ts';
import { AlbumPage } from '../views/pages/album.tsx';
import { SharePage } from '../views/pages/share.tsx';
import { emitRows, ratioText, type BenchRow, note, load, waitQuiet as waitQuietFor } from './common.ts';
import { have, launch, pinned, pinSelf, planAssets, running, SECRET_KEY, seed, sleep, sourcePhotos, startServer, stopProc, until, type Proc, type Seeded, type SeedAsset, type Server, type SourcePhoto } from './album-seed.ts';

const { values: opts } = parseArgs({
  options: {
    assets: { type: 'string', default: '2000' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    runs: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'both' },
    browser: { type: 'string', default: 'postgres' },
    'cpu-prof': { type: 'string' },
    'pg-cpus': { type: 'string', default: '1' },
    hold: { type: 'string' },
    quiet: { type: 'string', default: '25' },
    'quiet-wait': { type: 'string', default: '900' },
  },
});
const N_ASSETS = Number(opts.assets);
const N_REQUESTS = Number(opts.requests);
const N_WARMUP = Number(opts.warmup);
const WRK_SECONDS = Number(opts.duration);
const WRK_CONNECTIONS = Number(opts.connections);
const BROWSER_RUNS = Number(opts.runs);
const PG_CPUS = opts['pg-cpus']!;
const ACCEPT = 'br, gzip';

// Targets (from the issues).
const T = {
  ownerP50Ms: 15, // issue 18: at most 15 ms, at 20,000 items too
  ownerBytes: 60 * 1024,
  guestP50Ms: 25,
  guestRps: 300,
  guestBytes: 40 * 1024,
  thumbRatio: 0.5,
  lcpFastMs: 1500,
  lcpSlowMs: 3000,
};



const kB = (n: number) => (n / 1024).toFixed(1) + ' kB';
const ms = (n: number) => n.toFixed(1) + ' ms';
const waitQuiet = (phase: string) => waitQuietFor(phase, Number(opts.quiet), Number(opts['quiet-wait']));
const pass = (ok: boolean) => (ok ? 'pass' : '**FAIL**');


function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

// ─── processes ────────────────────────────────────────────────────────────────────────

/** The ceiling for any Node server here: node:http alone sending the thumbnail's bytes from memory, pinned like the server. */
async function startBareNode(file: string): Promise<Server> {
  const port = await freePort();
  const script = `const b=require('fs').readFileSync(${JSON.stringify(file)});require('http').createServer((q,r)=>{r.writeHead(200,{'content-type':'image/webp','content-length':b.length});r.end(b)}).listen(${port},'127.0.0.1')`;
  const [cmd, args] = pinned('1', process.execPath, ['-e', script]);
  const p = launch(cmd, args, { PATH: process.env.PATH });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (p.code() !== undefined) throw new Error(`bare node exited with ${p.code()}:\n${p.output()}`);
    return fetch(url).then((r) => r.ok, () => false);
  }, 'bare node:http');
  return { ...p, url, port };
}


// ─── HTTP as the bytes go over the wire ───────────────────────────────────────────────

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as sent (still compressed). */
  raw: Buffer;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(a: Answer): string {
  const enc = a.headers['content-encoding'];
  const body = enc === 'br' ? brotliDecompressSync(a.raw) : enc === 'gzip' ? gunzipSync(a.raw) : a.raw;
  return body.toString('utf8');
}

const unescapeHtml = (s: string) => s.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");

/** The stylesheets and scripts a page links in its markup (not what its scripts load later). */
function linkedAssets(html: string): { css: string[]; js: string[] } {
  const css: string[] = [];
  const js: string[] = [];
  for (const tag of html.match(/<link\b[^>]*>/g) ?? []) {
    if (/\brel="stylesheet"/.test(tag)) css.push(unescapeHtml(/\bhref="([^"]+)"/.exec(tag)![1]!));
  }
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
    const src = /\bsrc="([^"]+)"/.exec(tag)?.[1];
    if (src) js.push(unescapeHtml(src));
  }
  return { css, js };
}

interface PageWeight {
  html: number;
  htmlRaw: number;
  htmlEncoding: string;
  tiles: number;
  css: { url: string; bytes: number; encoding: string }[];
  js: { url: string; bytes: number; encoding: string }[];
  total: number;
}

async function pageWeight(base: string, path: string, headers: Record<string, string>): Promise<PageWeight> {
  const page = await get(base + path, { 'Accept-Encoding': ACCEPT, ...headers });
  if (page.status !== 200) throw new Error(`${path}: ${page.status}`);
  const html = decoded(page);
  const { css, js } = linkedAssets(html);
  const fetchAll = (urls: string[]) =>
    Promise.all(
      urls.map(async (u) => {
        const a = await get(base + u, { 'Accept-Encoding': ACCEPT });
        if (a.status !== 200) throw new Error(`${u}: ${a.status}`);
        return { url: u, bytes: a.raw.length, encoding: String(a.headers['content-encoding'] ?? 'identity') };
      }),
    );
  const cssW = await fetchAll(css);
  const jsW = await fetchAll(js);
  const total = page.raw.length + [...cssW, ...jsW].reduce((s, f) => s + f.bytes, 0);
  return {
    html: page.raw.length,
    htmlRaw: Buffer.byteLength(html),
    htmlEncoding: String(page.headers['content-encoding'] ?? 'identity'),
    tiles: (html.match(/<a class="tile"/g) ?? []).length,
    css: cssW,
    js: jsW,
    total,
  };
}

async function warm(base: string, pages: [string, Record<string, string>][]) {
  for (const [path, headers] of pages) {
    for (let i = 0; i < N_WARMUP; i++) {
      const a = await get(base + path, { 'Accept-Encoding': ACCEPT, ...headers });
      if (a.status !== 200) throw new Error(`${path}: ${a.status}`);
    }
  }
}

interface Timing {
  roundTrip: number[];
  /** From the server's request log; empty when it printed none. */
  server: number[];
}

/** Sequential requests over one keep-alive connection; the server log's times for the same requests. */
async function timeSequential(base: string, path: string, headers: Record<string, string>, server?: Proc): Promise<Timing> {
  const h = { 'Accept-Encoding': ACCEPT, ...headers };
  for (let i = 0; i < N_WARMUP; i++) {
    const a = await get(base + path, h);
    if (a.status !== 200) throw new Error(`${path}: ${a.status}`);
  }
  await sleep(200);
  const from = server?.lines.length ?? 0;
  const roundTrip: number[] = [];
  for (let i = 0; i < N_REQUESTS; i++) {
    const a = await get(base + path, h);
    if (a.status !== 200) throw new Error(`${path}: ${a.status}`);
    roundTrip.push(a.ms);
  }
  await sleep(300);
  const pathOnly = path.split('?')[0]!;
  const re = /\binfo\s+GET (\S+) (\d{3}) ([\d.]+)ms$/;
  const serverTimes = (server?.lines.slice(from) ?? [])
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => !!m && m[1] === pathOnly)
    .map((m) => Number(m[3]));
  return { roundTrip: roundTrip.sort((a, b) => a - b), server: serverTimes.sort((a, b) => a - b) };
}

// ─── wrk and nginx ─────────────────────────────────────────────────────────────────────

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: string;
  /** The machine just before the run. */
  machine: string;
}

function parseLatency(text: string | undefined): number {
  if (!text) return NaN;
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

async function wrk(url: string, headers: Record<string, string> = {}): Promise<WrkResult> {
  // A long timeout: a slow answer counts in the latency instead of vanishing as an error.
  const args = ['-t1', `-c${WRK_CONNECTIONS}`, `-d${WRK_SECONDS}s`, '--timeout', '30s', '--latency', '-H', `Accept-Encoding: ${ACCEPT}`];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const machine = await waitQuiet(`wrk ${new URL(url).pathname.slice(0, 24)}`);
  const [cmd, all] = pinned('0', 'wrk', [...args, url]);
  const p = launch(cmd, all, { PATH: process.env.PATH });
  await p.exited;
  const out = p.output();
  if (p.code() !== 0) throw new Error(`wrk failed:\n${out}`);
  note(`    wrk ${url.replace(/\?.*/, '?…')}: ${/Requests\/sec:.*/.exec(out)?.[0] ?? out}`);
  // wrk leaves up to -c requests in the server's hands: let it finish them before the next run.
  await drain(new URL(url).origin);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  return {
    rps,
    p50: parseLatency(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    p99: parseLatency(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    errors: /Socket errors: (.*)/.exec(out)?.[1] ?? '',
    machine,
  };
}

/** Waits until the server answers at once again (what wrk left behind is done). */
async function drain(origin: string) {
  await sleep(500);
  const deadline = Date.now() + 60_000;
  let quick = 0;
  while (quick < 3 && Date.now() < deadline) {
    const t0 = performance.now();
    await fetch(origin + '/healthz').catch(() => undefined);
    quick = performance.now() - t0 < 15 ? quick + 1 : 0;
    await sleep(50);
  }
}

/** nginx with one server block on a free port (`server`: what goes in it). */
function startNginx(dir: string, server: string): Promise<Proc & { url: string }> {
  return startNginxWith(
    dir,
    (port) => `
  types { text/html html; image/webp webp; text/css css; text/javascript js; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
${server}
  }`,
  );
}

/** nginx on a free port, pinned to core 1 (`http`: its http block, for that port). */
async function startNginxWith(dir: string, http: (port: number) => string): Promise<Proc & { url: string }> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = nginxMainConfig(dir, http(port));
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const [cmd, args] = pinned('1', '/usr/sbin/nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', join(dir, 'nginx.conf')]);
  const p = launch(cmd, args, { PATH: process.env.PATH });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (p.code() !== undefined) throw new Error(`nginx exited with ${p.code()}:\n${p.output()}\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    try {
      await fetch(url + '/');
      return true;
    } catch {
      return false;
    }
  }, 'nginx', 20_000);
  return { ...p, url };
}


// ─── where the time goes: the page's parts, timed one by one in this process ────────────

interface Breakdown {
  /** Median milliseconds. */
  ms: Record<string, number>;
  signaturesPerGuestPage: number;
  hmacUs: { oslo: number; nodeCrypto: number };
  sizes: { guestHtml: number; gzip6: number; brotli5: number; brotli11: number; ownerHtml: number; ownerGzip6: number; ownerBrotli5: number };
}

async function timeIt(fn: () => unknown, n = 60, warmup = 15): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

type AnyDb = Parameters<typeof findAlbum>[0];

/** The queries and the rendering of both pages, each timed alone (this process, core 0). */
async function breakdown(db: AnyDb, seeded: Seeded): Promise<Breakdown> {
  const tz = 'UTC';
  const user = await db.selectFrom('users').selectAll().where('id', '=', seeded.ownerId).executeTakeFirstOrThrow();
  const link = await db.selectFrom('shared_links').selectAll().where('token', '=', seeded.token).executeTakeFirstOrThrow();
  const album = (await findAlbum(db, seeded.albumId, { tz }))!;
  const ownerGrid = { albumId: album.id, sort: album.sort_order, grouping: 'day' as const, tz };
  const guestGrid = { ...ownerGrid, base: `/s/${link.token}` };
  const ownerPage = await loadGridPage(db, ownerGrid);
  const guestPage = await loadGridPage(db, guestGrid);
  const signer = createSigner(SECRET_KEY);
  const permissions = readPermissions(link.permissions);
  const signed = (id: string, variant: MediaVariant) => signer.signMedia(`/media/assets/${id}/${variant}`, link.id, '');
  const guestCtx = (media: typeof mediaUrl) => ({ currentYear: yearIn(tz), media, originals: permissions.allowDownload });
  const render = async (node: unknown) => String(await (node as { toString(): string | Promise<string> }).toString());
  const renderOwner = () => render(AlbumPage({ user, album, page: ownerPage, currentYear: yearIn(tz), uploadChunkBytes: 50 * 1024 * 1024 }));
  const renderGuest = (media: typeof mediaUrl) => render(SharePage({ album, page: guestPage, ctx: guestCtx(media) }));
  const guestHtml = await renderGuest(signed);
  const ownerHtml = await renderOwner();
  const brotli = (html: string, q: number) => brotliCompressSync(html, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: q, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: html.length } });
  const hmacKey = randomBytes(32);
  const ms: Record<string, number> = {
    'query: findAlbum (counts, days, cover)': await timeIt(() => findAlbum(db, album.id, { tz })),
    'query: loadGridPage (first page)': await timeIt(() => loadGridPage(db, guestGrid)),
    'query: countViews (UPDATE, guest page only)': await timeIt(() => countViews(db, link.id, 1)),
    'render owner page (AlbumPage → string)': await timeIt(renderOwner),
    'render guest page (SharePage → string, signed URLs)': await timeIt(() => renderGuest(signed)),
    'render guest page with plain URLs (no signing)': await timeIt(() => renderGuest(mediaUrl)),
    'new Response(guest HTML) (what c.html does; undici converts the string)': await timeIt(() => new Response(guestHtml)),
    'gzip level 6 of the guest HTML (zlib, sync)': await timeIt(() => gzipSync(guestHtml)),
    'brotli quality 5 of the guest HTML (zlib, sync)': await timeIt(() => brotli(guestHtml, 5)),
  };
  const url = `/media/assets/${album.cover!.id}/thumb`;
  const perCall = async (fn: () => unknown) => ((await timeIt(() => { for (let i = 0; i < 1000; i++) fn(); }, 20, 5)) * 1000) / 1000;
  return {
    ms,
    signaturesPerGuestPage: (guestHtml.match(/sig=/g) ?? []).length,
    hmacUs: {
      oslo: await perCall(() => signer.signMedia(url, link.id, '')),
      nodeCrypto: await perCall(() => createHmac('sha256', hmacKey).update(`${url}\n1234567890\n${link.id}\n`).digest().subarray(0, 16).toString('base64url')),
    },
    sizes: {
      guestHtml: Buffer.byteLength(guestHtml),
      gzip6: gzipSync(guestHtml).length,
      brotli5: brotli(guestHtml, 5).length,
      brotli11: brotli(guestHtml, 11).length,
      ownerHtml: Buffer.byteLength(ownerHtml),
      ownerGzip6: gzipSync(ownerHtml).length,
      ownerBrotli5: brotli(ownerHtml, 5).length,
    },
  };
}


// ─── the browser ───────────────────────────────────────────────────────────────────────

interface Profile {
  name: string;
  latency: number;
  downKbps: number;
  upKbps: number;
  lcpTarget: number;
  clsTarget?: number;
}

const PROFILES: Profile[] = [
  { name: '150 ms, 1.6 Mbps down / 750 kbps up', latency: 150, downKbps: 1600, upKbps: 750, lcpTarget: T.lcpFastMs, clsTarget: 0 },
  { name: '400 ms, 400 kbps down / 400 kbps up', latency: 400, downKbps: 400, upKbps: 400, lcpTarget: T.lcpSlowMs },
];

const OBSERVER = `
window.__perf = { lcp: 0, lcpTag: '', lcpUrl: '', lcpSize: 0, cls: 0, shifts: 0, fcp: 0, firstImagePaint: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.url && !window.__perf.firstImagePaint) window.__perf.firstImagePaint = e.startTime;
    window.__perf.lcp = e.startTime;
    window.__perf.lcpTag = e.element ? e.element.tagName.toLowerCase() + (e.element.className ? '.' + String(e.element.className).split(' ')[0] : '') : '';
    window.__perf.lcpUrl = (e.url || '').slice(0, 80);
    window.__perf.lcpSize = e.size;
  }
}).observe({ type: 'largest-contentful-paint', buffered: true });
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (!e.hadRecentInput) { window.__perf.cls += e.value; window.__perf.shifts++; }
  }
}).observe({ type: 'layout-shift', buffered: true });
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') window.__perf.fcp = e.startTime;
}).observe({ type: 'paint', buffered: true });
`;

interface BrowserRun {
  lcp: number;
  lcpTag: string;
  lcpUrl: string;
  cls: number;
  fcp: number;
  bytes: Record<string, { count: number; bytes: number }>;
  /** HTML + CSS + JS bytes received before the first image response started. */
  beforeFirstImage: number;
  firstImageMs: number;
  /** From the navigation's start: the HTML's response, the first image asked for and fully received, and first painted (its first LCP entry). */
  htmlMs: number;
  firstImageRequestMs: number;
  firstImageDoneMs: number;
  firstImagePaint: number;
  /** Image URLs the page asked for more than once (a preload the <img> did not reuse). */
  imagesTwice: number;
}

async function browserRuns(url: string, profile: Profile): Promise<BrowserRun[]> {
  const browser = await launchBrowser();
  const runs: BrowserRun[] = [];
  try {
    for (let r = 0; r < BROWSER_RUNS; r++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true });
      try {
        const page = await context.newPage();
        await page.addInitScript(OBSERVER);
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: profile.latency,
          downloadThroughput: (profile.downKbps * 1000) / 8,
          uploadThroughput: (profile.upKbps * 1000) / 8,
        });
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        const types = new Map<string, string>();
        const started = new Map<string, number>();
        const finished: { id: string; at: number; bytes: number }[] = [];
        let navStart = 0;
        let firstImage = Infinity;
        let firstImageRequest = Infinity;
        let htmlAt = NaN;
        const imageAsks = new Map<string, number>();
        cdp.on('Network.requestWillBeSent', (e) => {
          if (!navStart && e.type === 'Document') navStart = e.timestamp;
          started.set(e.requestId, e.timestamp);
          if (e.type === 'Image' && e.request.url.startsWith('http')) {
            firstImageRequest = Math.min(firstImageRequest, e.timestamp);
            imageAsks.set(e.request.url, (imageAsks.get(e.request.url) ?? 0) + 1);
          }
        });
        cdp.on('Network.responseReceived', (e) => {
          if (!e.response.url.startsWith('http')) return;
          types.set(e.requestId, e.type);
          if (e.type === 'Document' && Number.isNaN(htmlAt)) htmlAt = e.timestamp;
          if (e.type === 'Image') firstImage = Math.min(firstImage, e.timestamp);
        });
        cdp.on('Network.loadingFinished', (e) => finished.push({ id: e.requestId, at: e.timestamp, bytes: e.encodedDataLength }));
        await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
        await page.waitForLoadState('networkidle', { timeout: 120_000 }).catch(() => {});
        await sleep(500);
        const perf = (await page.evaluate('window.__perf')) as { lcp: number; lcpTag: string; lcpUrl: string; cls: number; fcp: number; firstImagePaint: number };
        const bytes: BrowserRun['bytes'] = {};
        let beforeFirstImage = 0;
        let firstImageDone = Infinity;
        for (const f of finished) {
          const type = types.get(f.id);
          if (!type) continue;
          if (type === 'Image') firstImageDone = Math.min(firstImageDone, f.at);
          bytes[type] ??= { count: 0, bytes: 0 };
          bytes[type].count++;
          bytes[type].bytes += f.bytes;
          if (['Document', 'Stylesheet', 'Script'].includes(type) && f.at <= firstImage) beforeFirstImage += f.bytes;
        }
        const since = (t: number) => (Number.isFinite(t) ? (t - navStart) * 1000 : NaN);
        const imagesTwice = [...imageAsks.values()].filter((n) => n > 1).length;
        runs.push({
          ...perf,
          bytes,
          beforeFirstImage,
          firstImageMs: since(firstImage),
          htmlMs: since(htmlAt),
          firstImageRequestMs: since(firstImageRequest),
          firstImageDoneMs: since(firstImageDone),
          imagesTwice,
        });
        note(
          `    run ${r + 1}: LCP ${perf.lcp.toFixed(0)} ms (${perf.lcpTag} ${perf.lcpUrl}), CLS ${perf.cls.toFixed(4)}, FCP ${perf.fcp.toFixed(0)} ms; ` +
            `HTML ${since(htmlAt).toFixed(0)}, first image asked ${since(firstImageRequest).toFixed(0)}, received ${since(firstImageDone).toFixed(0)}, painted ${perf.firstImagePaint.toFixed(0)} ms; ${imagesTwice} image URLs asked twice`,
        );
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return runs;
}

// ─── one backend ──────────────────────────────────────────────────────────────────────

interface BackendResult {
  backend: string;
  tiles: { owner: number; guest: number };
  seq: Record<'owner' | 'guest' | 'thumb' | 'nginxOwner' | 'nginxGuest' | 'nginxThumb', Timing>;
  weight: { owner: PageWeight; guest: PageWeight };
  wrk: Record<'guest' | 'owner' | 'thumb' | 'nginxGuest' | 'nginxThumb' | 'accelThumb' | 'accelPreview' | 'bareThumb', WrkResult>;
  thumbBytes: number;
  previewBytes: number;
  browser?: { profile: Profile; runs: BrowserRun[] }[];
  breakdown?: Breakdown;
  loads: string[];
}

async function runBackend(name: string, env: Record<string, string>, work: string, sources: SourcePhoto[], plan: SeedAsset[], withBrowser: boolean): Promise<BackendResult> {
  const dataDir = join(work, `data-${name}`);
  const serverEnv = { DATA_DIR: dataDir, ...env };
  const loads: string[] = [];
  note(`\n[${name}] seeding ${plan.length} items (load ${load()})`);
  const t0 = Date.now();
  const s = await seed<Seeded & { breakdown: Breakdown }>(serverEnv, dataDir, sources, plan, async (db, seeded) => ({ breakdown: await breakdown(db, seeded) }));
  note(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const ownerPath = `/albums/${s.albumId}`;
  const guestPath = `/s/${s.token}`;
  const ownerHeaders = { Cookie: s.cookie };

  // 1. Sequential requests, server log at info.
  loads.push(`sequential: ${await waitQuiet('the sequential requests')}`);
  note(`  sequential requests (${N_WARMUP} + ${N_REQUESTS} per page, load ${load()})`);
  const cpuProf = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(opts['cpu-prof'], name)}`] : [];
  let server = await startServer({ ...serverEnv, LOG_LEVEL: 'info' }, '1', cpuProf);
  let seqOwner: Timing, seqGuest: Timing, seqThumb: Timing;
  let weightOwner: PageWeight, weightGuest: PageWeight;
  let thumbUrl: string;
  let previewUrl: string;
  let thumbRel: string;
  let thumbBytes: number;
  const copies = join(work, `static-${name}`);
  mkdirSync(copies, { recursive: true });
  try {
    seqOwner = await timeSequential(server.url, ownerPath, ownerHeaders, server);
    seqGuest = await timeSequential(server.url, guestPath, {}, server);
    weightOwner = await pageWeight(server.url, ownerPath, ownerHeaders);
    weightGuest = await pageWeight(server.url, guestPath, {});
    // Static copies of the same pages for nginx, as the server sent them (gzip) and plain.
    for (const [file, path, headers] of [
      ['album.html', ownerPath, ownerHeaders],
      ['share.html', guestPath, {}],
    ] as const) {
      const html = decoded(await get(server.url + path, { 'Accept-Encoding': ACCEPT, ...headers }));
      writeFileSync(join(copies, file), html);
      writeFileSync(join(copies, file + '.gz'), gzipSync(html));
    }
    const guestHtml = decoded(await get(server.url + guestPath, { 'Accept-Encoding': ACCEPT }));
    thumbUrl = unescapeHtml(/<img[^>]*\bsrc="(\/media\/assets\/[^"]+\/thumb\?[^"]+)"/.exec(guestHtml)![1]!);
    const thumbId = /\/media\/assets\/([^/]+)\/thumb/.exec(thumbUrl)![1]!;
    previewUrl = unescapeHtml(new RegExp(`"(/media/assets/${thumbId}/preview\\?[^"]+)"`).exec(guestHtml)![1]!);
    const seededThumb = plan.find((a) => a.id === thumbId);
    // The first tile may be one of the real uploads (a guest's ETag no longer tells its hash).
    const thumbAnswer = await get(server.url + thumbUrl);
    if (thumbAnswer.status !== 200) throw new Error(`thumbnail: ${thumbAnswer.status}`);
    thumbBytes = thumbAnswer.raw.length;
    const thumbHash = seededThumb?.hash ?? s.uploadedHashes[thumbId];
    if (!thumbHash) throw new Error(`the first tile ${thumbId} is neither seeded nor uploaded`);
    thumbRel = smallThumbRelPath(thumbHash);
    seqThumb = await timeSequential(server.url, thumbUrl, {}, server);
  } finally {
    await stopProc(server);
  }

  // 2. nginx with the static copies and the same thumbnail file.
  loads.push(`nginx baseline: ${await waitQuiet('the nginx baseline')}`);
  note(`  nginx baseline (load ${load()})`);
  let nginx = await startNginx(join(work, `nginx-static-${name}`), `
    location /thumbnails/ { root ${dataDir}; }
    location / { root ${copies}; gzip_static on; }`);
  let seqNginxOwner: Timing, seqNginxGuest: Timing, seqNginxThumb: Timing;
  let wrkNginxGuest: WrkResult, wrkNginxThumb: WrkResult;
  try {
    seqNginxOwner = await timeSequential(nginx.url, '/album.html', {});
    seqNginxGuest = await timeSequential(nginx.url, '/share.html', {});
    seqNginxThumb = await timeSequential(nginx.url, '/' + thumbRel, {});
    wrkNginxGuest = await wrk(nginx.url + '/share.html');
    wrkNginxThumb = await wrk(nginx.url + '/' + thumbRel);
  } finally {
    await stopProc(nginx, 'SIGQUIT');
  }
  const bare = await startBareNode(join(dataDir, thumbRel));
  let wrkBareThumb: WrkResult;
  try {
    wrkBareThumb = await wrk(bare.url + '/');
  } finally {
    await stopProc(bare);
  }

  // 3. Throughput of the server itself (log at warn), and the browser.
  loads.push(`wrk on the server: ${await waitQuiet('wrk')}`);
  note(`  wrk against the server (load ${load()})`);
  server = await startServer(serverEnv, '1');
  let wrkGuest: WrkResult, wrkOwner: WrkResult, wrkThumb: WrkResult;
  let browser: BackendResult['browser'];
  try {
    // A fresh process compiles its modules on first use: warm it up as the timed runs were.
    await warm(server.url, [[guestPath, {}], [ownerPath, ownerHeaders], [thumbUrl, {}]]);
    if (opts.hold) {
      const env = Object.entries({ ...serverEnv, SECRET_KEY }).map(([k, v]) => `${k}=${v}`).join(' ');
      note(`  holding (--hold): server pid ${server.proc.pid}\n  to start it again by hand: ${env} PORT=${server.port} taskset -c 1 npm start\n  ${server.url}${guestPath}\n  ${server.url}${ownerPath} (Cookie: ${s.cookie})\n  ${server.url}${thumbUrl}\n  remove ${opts.hold} to go on`);
      writeFileSync(opts.hold, `${server.url}${thumbUrl}\n`);
      await until(() => !existsSync(opts.hold!), 'the hold file to go', 24 * 3600_000);
    }
    wrkGuest = await wrk(server.url + guestPath);
    wrkOwner = await wrk(server.url + ownerPath, ownerHeaders);
    wrkThumb = await wrk(server.url + thumbUrl);
    if (withBrowser) {
      browser = [];
      // The browser gets both cores back (children inherit this process's affinity).
      pinSelf('0-1');
      try {
        for (const profile of PROFILES) {
          loads.push(`browser ${profile.latency} ms: ${await waitQuiet('Chromium')}`);
          note(`  Chromium, ${profile.name} (load ${load()})`);
          browser.push({ profile, runs: await browserRuns(server.url + guestPath, profile) });
        }
      } finally {
        pinSelf('0');
      }
    }
  } finally {
    await stopProc(server);
  }

  // 4. MEDIA_ACCEL=nginx: the server behind nginx, nginx sends the file.
  loads.push(`accel: ${await waitQuiet('MEDIA_ACCEL=nginx')}`);
  note(`  MEDIA_ACCEL=nginx behind nginx (load ${load()})`);
  server = await startServer({ ...serverEnv, MEDIA_ACCEL: 'nginx' }, '1');
  let wrkAccel: WrkResult;
  let wrkAccelPreview: WrkResult;
  let previewBytes: number;
  try {
    // The shipped nginx/shoebox.conf, only its addresses changed.
    nginx = await startNginxWith(join(work, `nginx-accel-${name}`), (port) => shippedNginxSite({ port, appPort: server.port, dataRoot: dataDir }));
    try {
      const check = await get(nginx.url + thumbUrl);
      if (check.status !== 200 || check.raw.length !== thumbBytes) throw new Error(`accel thumbnail: ${check.status}, ${check.raw.length} bytes`);
      // A preview goes the X-Accel-Redirect way: the app checks, nginx sends the file.
      const preview = await get(nginx.url + previewUrl);
      if (preview.status !== 200 || !/^"[0-9a-f]+-[0-9a-f]+"$/.test(String(preview.headers.etag))) throw new Error(`accel preview: ${preview.status}, ETag ${preview.headers.etag}`);
      previewBytes = preview.raw.length;
      await warm(nginx.url, [[thumbUrl, {}], [previewUrl, {}]]);
      wrkAccel = await wrk(nginx.url + thumbUrl);
      wrkAccelPreview = await wrk(nginx.url + previewUrl);
    } finally {
      await stopProc(nginx, 'SIGQUIT');
    }
  } finally {
    await stopProc(server);
  }

  return {
    backend: name,
    tiles: { owner: weightOwner.tiles, guest: weightGuest.tiles },
    seq: { owner: seqOwner, guest: seqGuest, thumb: seqThumb, nginxOwner: seqNginxOwner, nginxGuest: seqNginxGuest, nginxThumb: seqNginxThumb },
    weight: { owner: weightOwner, guest: weightGuest },
    wrk: { guest: wrkGuest, owner: wrkOwner, thumb: wrkThumb, nginxGuest: wrkNginxGuest, nginxThumb: wrkNginxThumb, accelThumb: wrkAccel, accelPreview: wrkAccelPreview, bareThumb: wrkBareThumb },
    thumbBytes,
    previewBytes,
    browser,
    breakdown: s.breakdown,
    loads,
  };
}

// ─── report ───────────────────────────────────────────────────────────────────────────

function report(results: BackendResult[], pgVersion: string | undefined): string {
  const out: string[] = [];
  const p = (t: Timing, q: number, which: 'roundTrip' | 'server' = 'roundTrip') => percentile(t[which], q);
  const backends = results.map((r) => r.backend).join(', ');

  out.push(`### Server time, sequential requests (${N_WARMUP} warm-up + ${N_REQUESTS} timed per page, one keep-alive connection, \`Accept-Encoding: ${ACCEPT}\`)`, '');
  out.push('Loopback = request sent → last byte received by this process (bounds the server time from above); server log = the request-log middleware (queries + rendering, before compression and the socket write).', '');
  out.push('| page | backend | tiles | loopback p50 | loopback p95 | server log p50 | server log p95 | target (server p50) | result | nginx static copy p50 | loopback / nginx |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
  for (const r of results) {
    for (const [label, t, base, target, tiles] of [
      ['owner `/albums/{id}`', r.seq.owner, r.seq.nginxOwner, T.ownerP50Ms, r.tiles.owner],
      ['guest `/s/{token}`', r.seq.guest, r.seq.nginxGuest, T.guestP50Ms, r.tiles.guest],
    ] as const) {
      const server50 = t.server.length ? p(t, 50, 'server') : p(t, 50);
      out.push(
        `| ${label} | ${r.backend} | ${tiles} | ${ms(p(t, 50))} | ${ms(p(t, 95))} | ${t.server.length ? ms(p(t, 50, 'server')) : '—'} | ${t.server.length ? ms(p(t, 95, 'server')) : '—'} | ≤ ${target} ms | ${pass(server50 <= target)} | ${ms(p(base, 50))} | ${(p(t, 50) / p(base, 50)).toFixed(1)}× |`,
      );
    }
    out.push(
      `| signed thumbnail (${kB(r.thumbBytes)}) | ${r.backend} | — | ${ms(p(r.seq.thumb, 50))} | ${ms(p(r.seq.thumb, 95))} | ${r.seq.thumb.server.length ? ms(p(r.seq.thumb, 50, 'server')) : '—'} | ${r.seq.thumb.server.length ? ms(p(r.seq.thumb, 95, 'server')) : '—'} | — | — | ${ms(p(r.seq.nginxThumb, 50))} | ${(p(r.seq.thumb, 50) / p(r.seq.nginxThumb, 50)).toFixed(1)}× |`,
    );
  }

  out.push('', `### Bytes before the first thumbnail (the page + the CSS and JS it links, bodies as sent with \`Accept-Encoding: ${ACCEPT}\`)`, '');
  out.push('| page | backend | HTML (as sent) | HTML uncompressed | CSS | JS | total | target | result |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    for (const [label, w, target] of [
      ['owner `/albums/{id}`', r.weight.owner, T.ownerBytes],
      ['guest `/s/{token}`', r.weight.guest, T.guestBytes],
    ] as const) {
      const css = w.css.reduce((s, f) => s + f.bytes, 0);
      const js = w.js.reduce((s, f) => s + f.bytes, 0);
      out.push(`| ${label} | ${r.backend} | ${kB(w.html)} (${w.htmlEncoding}) | ${kB(w.htmlRaw)} | ${kB(css)} (${w.css.length} files) | ${kB(js)} (${w.js.length} files) | **${kB(w.total)}** | ≤ ${kB(target)} | ${pass(w.total <= target)} |`);
    }
  }
  const w0 = results[0]!.weight;
  out.push('', 'Files linked (first backend):', '');
  for (const [label, w] of [['owner', w0.owner], ['guest', w0.guest]] as const) {
    out.push(`- ${label}: ` + [...w.css, ...w.js].map((f) => `\`${f.url.replace(/^\/static\//, '')}\` ${kB(f.bytes)} ${f.encoding}`).join(', '));
  }

  out.push('', `### Throughput: \`taskset -c 0 wrk -t1 -c${WRK_CONNECTIONS} -d${WRK_SECONDS}s\`, server (LOG_LEVEL=warn) or nginx (1 worker) on core 1`, '');
  out.push('| what | backend | req/s | latency p50 | latency p99 | non-2xx | target | result | baseline (nginx) req/s | ratio | machine before the run |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |');
  const row = (label: string, backend: string, w: WrkResult, target: string, ok: boolean | undefined, base?: WrkResult) =>
    `| ${label} | ${backend} | ${w.rps.toFixed(0)} | ${ms(w.p50)} | ${ms(w.p99)} | ${w.non2xx}${w.errors ? ` (${w.errors})` : ''} | ${target} | ${ok === undefined ? '—' : pass(ok)} | ${base ? base.rps.toFixed(0) : '—'} | ${base ? (w.rps / base.rps).toFixed(2) : '—'} | ${w.machine.replace(/, load .*/, '')} |`;
  for (const r of results) {
    out.push(row('guest page `/s/{token}`', r.backend, r.wrk.guest, `≥ ${T.guestRps} req/s`, r.wrk.guest.rps >= T.guestRps && r.wrk.guest.non2xx === 0, r.wrk.nginxGuest));
    out.push(row('owner page `/albums/{id}`', r.backend, r.wrk.owner, '—', undefined, r.wrk.nginxGuest));
    out.push(row(`signed thumbnail (${kB(r.thumbBytes)}), server alone`, r.backend, r.wrk.thumb, `≥ ${T.thumbRatio} × nginx`, r.wrk.thumb.rps / r.wrk.nginxThumb.rps >= T.thumbRatio && r.wrk.thumb.non2xx === 0, r.wrk.nginxThumb));
    // No speed target of their own: nginx and the app share core 1 and every request crosses
    // both, so the thumbnail is the server-alone figure less a proxy hop (the target is the
    // row above). Every answer must still be a 2xx.
    out.push(row('signed thumbnail, server behind nginx/shoebox.conf (MEDIA_ACCEL=nginx)', r.backend, r.wrk.accelThumb, '0 non-2xx', r.wrk.accelThumb.non2xx === 0, r.wrk.nginxThumb));
    out.push(row(`signed preview (${kB(r.previewBytes)}), behind nginx/shoebox.conf: the app checks, nginx sends the file (X-Accel-Redirect)`, r.backend, r.wrk.accelPreview, '0 non-2xx', r.wrk.accelPreview.non2xx === 0));
    out.push(row('nginx: static copy of the guest page (gzip_static)', r.backend, r.wrk.nginxGuest, '—', undefined));
    out.push(row('nginx: the thumbnail file', r.backend, r.wrk.nginxThumb, '—', undefined));
    out.push(row('bare node:http: the thumbnail from memory (any Node server\'s ceiling)', r.backend, r.wrk.bareThumb, '—', undefined, r.wrk.nginxThumb));
  }

  for (const r of results) {
    if (!r.browser) continue;
    out.push('', `### Chromium (${r.backend}): guest page at 390×844, DPR 3, CPU ×4, CDP network throttling; fresh context per run, median of ${BROWSER_RUNS}`, '');
    out.push('| network | LCP runs (ms) | LCP median | target | result | CLS (max of runs) | target | result | FCP median | LCP element | first image response | HTML+CSS+JS before it | JS | CSS | HTML | images |');
    out.push('| --- | --- | ---: | ---: | --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { profile, runs } of r.browser) {
      const lcp = median(runs.map((x) => x.lcp));
      const cls = Math.max(...runs.map((x) => x.cls));
      const med = (f: (x: BrowserRun) => number) => median(runs.map(f));
      const by = (type: string) => (x: BrowserRun) => x.bytes[type]?.bytes ?? 0;
      const images = med((x) => x.bytes.Image?.count ?? 0);
      out.push(
        `| ${profile.name} | ${runs.map((x) => x.lcp.toFixed(0)).join(', ')} | **${lcp.toFixed(0)}** | ≤ ${profile.lcpTarget} | ${pass(lcp <= profile.lcpTarget)} | ${cls.toFixed(4)} | ${profile.clsTarget ?? '—'} | ${profile.clsTarget === undefined ? '—' : pass(cls <= profile.clsTarget)} | ${med((x) => x.fcp).toFixed(0)} | ${runs[0]!.lcpTag}${runs[0]!.lcpUrl ? ' (' + runs[0]!.lcpUrl.replace(/\?.*/, '?…') + ')' : ''} | ${med((x) => x.firstImageMs).toFixed(0)} ms | ${kB(med((x) => x.beforeFirstImage))} | ${kB(med(by('Script')))} | ${kB(med(by('Stylesheet')))} | ${kB(med(by('Document')))} | ${images} (${kB(med(by('Image')))}) |`,
      );
    }
    out.push('', 'Bytes are CDP `encodedDataLength` (headers included) per resource type, medians of the runs.');
    out.push('', 'First thumbnails (ms from the navigation\'s start, medians of the runs): the HTML\'s response, the first image asked for, its response, fully received, first painted (the first LCP entry of an image), and image URLs asked for more than once (max of runs).', '');
    out.push('| network | HTML response | first image asked | first image response | first image received | first image painted | LCP | image URLs asked twice |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { profile, runs } of r.browser) {
      const med = (f: (x: BrowserRun) => number) => median(runs.map(f)).toFixed(0);
      out.push(`| ${profile.name} | ${med((x) => x.htmlMs)} | ${med((x) => x.firstImageRequestMs)} | ${med((x) => x.firstImageMs)} | ${med((x) => x.firstImageDoneMs)} | ${med((x) => x.firstImagePaint)} | ${med((x) => x.lcp)} | ${Math.max(...runs.map((x) => x.imagesTwice))} |`);
    }
  }

  for (const r of results) {
    const b = r.breakdown;
    if (!b) continue;
    out.push('', `### Where the time goes (${r.backend}): each part alone in the bench process, median of 60 after 15 warm-up`, '');
    out.push('| part | median |', '| --- | ---: |');
    for (const [k, v] of Object.entries(b.ms)) out.push(`| ${k} | ${ms(v)} |`);
    out.push(`| one media URL signature (@oslojs/crypto HMAC-SHA-256, as now) × ${b.signaturesPerGuestPage} per guest page | ${b.hmacUs.oslo.toFixed(1)} µs |`);
    out.push(`| the same HMAC with node:crypto createHmac | ${b.hmacUs.nodeCrypto.toFixed(1)} µs |`);
    out.push('', `Guest HTML ${kB(b.sizes.guestHtml)}: gzip 6 ${kB(b.sizes.gzip6)}, brotli 5 ${kB(b.sizes.brotli5)}, brotli 11 ${kB(b.sizes.brotli11)}. Owner HTML ${kB(b.sizes.ownerHtml)}: gzip 6 ${kB(b.sizes.ownerGzip6)}, brotli 5 ${kB(b.sizes.ownerBrotli5)}.`);
  }

  out.push('', 'The machine before each phase (this bench idle; CPU busy share over 2 s, load average 1/5/15 min):', '');
  for (const r of results) out.push(`- ${r.backend}: ${r.loads.join('; ')}`);
  out.push(`- backends: ${backends}${pgVersion ? ` (${pgVersion})` : ''}`);
  return out.join('\n');
}

async function main() {
  pinSelf('0');
  buildServer();
  const work = mkdtempSync(join(tmpdir(), 'sbx-album-pages-'));
  let cluster: Cluster | undefined;
  const results: BackendResult[] = [];
  const startLoad = load();
  const started = new Date();
  try {
    for (const cmd of ['wrk', 'taskset']) if (!have(cmd)) note(`warning: ${cmd} not found${cmd === 'wrk' ? ' (apt-get install -y wrk)' : ': processes are not pinned'}`);
    if (!existsSync('/usr/sbin/nginx')) throw new Error('nginx is needed (/usr/sbin/nginx)');
    const sources = await sourcePhotos(work);
    note(`planning ${N_ASSETS} items (ThumbHashes from random crops of ${sources.map((s) => s.name).join(', ')})`);
    const plan = await planAssets(N_ASSETS, sources);
    // Copy the fixtures: the upload reads them from disk, and fixtures are read-only.
    for (const s of sources) {
      const copy = join(work, 'src-' + s.name);
      if (s.file !== copy) copyFileSync(s.file, copy);
      s.file = copy;
    }
    const which = opts.backend;
    const browserOn = (b: string) => hasChromium() && (opts.browser === 'both' || opts.browser === b);
    if (!hasChromium()) note(`no Chromium at ${CHROMIUM}: no browser runs`);
    if (which === 'both' || which === 'postgres') {
      const bin = findPostgresBin();
      if (!bin) note('no Postgres server binaries: skipping the Postgres backend');
      else {
        // Postgres is the server's side: started from here while this process is pinned to
        // core 1, its processes stay there with the server (wrk keeps core 0 to itself).
        pinSelf(PG_CPUS);
        try {
          cluster = await startCluster(bin);
        } finally {
          pinSelf('0');
        }
        try {
          results.push(await runBackend('Postgres', { DATABASE_URL: cluster.url }, work, sources, plan, browserOn('postgres')));
        } finally {
          cluster.stop();
        }
      }
    }
    if (which === 'both' || which === 'pglite') {
      results.push(await runBackend('PGlite', {}, work, sources, plan, browserOn('pglite')));
    }
  } finally {
    for (const p of running) p.kill('SIGKILL');
    agent.destroy();
    rmSync(work, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? 'unknown';
  const header = [
    `date: ${started.toString()}`,
    `machine: ${cpus().length} CPUs (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`,
    `command: node --import tsx bench/album-pages.ts ${process.argv.slice(2).join(' ')}`.trim(),
    `album: ${N_ASSETS} items; load average at start ${startLoad}, at end ${load()}`,
    '',
  ];
  process.stdout.write(header.join('\n') + '\n' + report(results, cluster?.version) + '\n');
  emitRows(benchRows(results));
}

/** The headline measures, for `npm run bench`'s table. */
function benchRows(results: BackendResult[]): BenchRow[] {
  const rows: BenchRow[] = [];
  const add = (measure: string, shoebox: string, baseline: string, ratio: string, target: string, passed: boolean | null) =>
    rows.push({ bench: 'album-pages', measure, shoebox, baseline, ratio, target, pass: passed });
  for (const r of results) {
    for (const [label, t, base, target] of [
      ['guest page `/s/{token}`', r.seq.guest, r.seq.nginxGuest, T.guestP50Ms],
      ['owner page `/albums/{id}`', r.seq.owner, r.seq.nginxOwner, T.ownerP50Ms],
    ] as const) {
      const server50 = percentile(t.server.length ? t.server : t.roundTrip, 50);
      const loop50 = percentile(t.roundTrip, 50);
      const base50 = percentile(base.roundTrip, 50);
      add(`${label} server time p50 (${t.server.length ? 'request log' : 'loopback'}), ${N_ASSETS} items, ${r.backend}; baseline nginx static copy (loopback, ratio of loopback times)`, ms(server50), ms(base50), ratioText(loop50, base50, 1), `≤ ${target} ms`, server50 <= target);
    }
    for (const [label, w, target] of [
      ['guest', r.weight.guest, T.guestBytes],
      ['owner', r.weight.owner, T.ownerBytes],
    ] as const) {
      add(`${label} page: HTML + CSS + JS before the first thumbnail, ${r.backend}`, kB(w.total), '—', '—', `≤ ${kB(target)}`, w.total <= target);
    }
    add(`guest page under wrk -c${WRK_CONNECTIONS}, ${r.backend}; baseline nginx static copy`, `${r.wrk.guest.rps.toFixed(0)} req/s`, `${r.wrk.nginxGuest.rps.toFixed(0)} req/s`, ratioText(r.wrk.guest.rps, r.wrk.nginxGuest.rps), `≥ ${T.guestRps} req/s`, r.wrk.guest.rps >= T.guestRps && r.wrk.guest.non2xx === 0);
    const thumbRatio = r.wrk.thumb.rps / r.wrk.nginxThumb.rps;
    add(`signed thumbnail under wrk, server alone, ${r.backend}; baseline nginx sending the file`, `${r.wrk.thumb.rps.toFixed(0)} req/s`, `${r.wrk.nginxThumb.rps.toFixed(0)} req/s`, ratioText(r.wrk.thumb.rps, r.wrk.nginxThumb.rps), `≥ ${T.thumbRatio}×`, thumbRatio >= T.thumbRatio && r.wrk.thumb.non2xx === 0);
    for (const { profile, runs } of r.browser ?? []) {
      const lcp = median(runs.map((x) => x.lcp));
      add(`Chromium LCP, ${profile.name}, median of ${runs.length}, ${r.backend}`, `${lcp.toFixed(0)} ms`, '—', '—', `≤ ${profile.lcpTarget} ms`, lcp <= profile.lcpTarget);
      if (profile.clsTarget !== undefined) {
        const cls = Math.max(...runs.map((x) => x.cls));
        add(`Chromium CLS, ${profile.name}, max of ${runs.length}, ${r.backend}`, cls.toFixed(4), '—', '—', String(profile.clsTarget), cls <= profile.clsTarget);
      }
    }
  }
  return rows;
}

await main();
