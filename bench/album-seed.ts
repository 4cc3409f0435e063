// What album-pages.ts and fling.ts share: starting the real server as `npm start` does
// (dist/server.mjs, built by bin/build.mjs's buildServer()), and seeding a big album the
// way album-pages.ts describes (step 1 of its header): an owner, an album, three real
// uploads, a share link, then the other rows straight into the database with their
// thumbnails hard-linked from the uploads'.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import sharp from 'sharp';
import { freePort } from '../test/helpers/postgres-cluster.ts';
// @ts-expect-error: a plain JS build script without type declarations
import { serverBundle } from '../bin/build.mjs';
import { openDatabase, type Database } from '../src/db/database.ts';
import { encodeThumbhash, THUMBHASH_MAX_SIDE } from '../src/media/thumbhash.ts';
import { derivedRelPaths } from '../src/storage/layout.ts';
import { seededRandom as rng } from '../test/helpers/seeded-random.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
/** The servers' SECRET_KEY (the same for every server of one run: signed URLs stay good). */
export const SECRET_KEY = 'bench-' + randomBytes(24).toString('hex');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
export const HAVE_TASKSET = have('taskset');
export const pinned = (cpu: string, cmd: string, args: string[]): [string, string[]] => (HAVE_TASKSET ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args]);
/** Pins this process (all its threads) to the given cores; children inherit it. */
export function pinSelf(cpu: string) {
  if (HAVE_TASKSET) execFileSync('taskset', ['-a', '-p', '-c', cpu, String(process.pid)], { stdio: 'pipe' });
}

// ─── processes ────────────────────────────────────────────────────────────────────────

export const running = new Set<ChildProcess>();

export interface Proc {
  proc: ChildProcess;
  output: () => string;
  lines: string[];
  exited: Promise<number | null>;
  code: () => number | null | undefined;
}

export function launch(cmd: string, args: string[], env: Record<string, string | undefined>): Proc {
  const proc = spawn(cmd, args, { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let output = '';
  const lines: string[] = [];
  let partial = '';
  const take = (d: Buffer) => {
    const text = d.toString();
    if (output.length < 200_000) output += text;
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  };
  proc.stdout!.on('data', take);
  proc.stderr!.on('data', take);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (c) => {
      code = c;
      running.delete(proc);
      resolve(c);
    }),
  );
  return { proc, output: () => output, lines, exited, code: () => code };
}

export async function stopProc(p: Proc, signal: NodeJS.Signals = 'SIGTERM') {
  if (p.code() !== undefined) return;
  p.proc.kill(signal);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 20_000);
  await p.exited;
  clearTimeout(timer);
}

export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Server extends Proc {
  url: string;
  port: number;
}

export async function startServer(env: Record<string, string>, cpu?: string, extraNodeArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  const nodeArgs = [...extraNodeArgs, serverBundle];
  const [cmd, args] = cpu ? pinned(cpu, process.execPath, nodeArgs) : [process.execPath, nodeArgs];
  const p = launch(cmd, args, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: String(port),
    SECRET_KEY,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (p.code() !== undefined) throw new Error(`server exited with ${p.code()}:\n${p.output()}`);
    try {
      return (await fetch(`${url}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 'the server to answer /healthz');
  return { ...p, url, port };
}

// ─── seeding ──────────────────────────────────────────────────────────────────────────

export const FIXTURES = '/work/shared/fixtures/jpeg';
export interface SourcePhoto {
  key: 'landscape43' | 'landscape32' | 'portrait34';
  file: string;
  name: string;
}

/** Real photos when the shared fixtures are there; otherwise photo-like JPEGs made here. */
export async function sourcePhotos(work: string): Promise<SourcePhoto[]> {
  const wanted: [SourcePhoto['key'], string, string][] = [
    ['landscape43', `${FIXTURES}/phone/IMG_20180725_163423.jpg`, 'IMG_20180725_163423.jpg'],
    ['landscape32', `${FIXTURES}/camera/canon-dslr.jpg`, 'canon-dslr.jpg'],
    ['portrait34', `${FIXTURES}/orientation/landscape_6.jpg`, 'landscape_6.jpg'],
  ];
  const out: SourcePhoto[] = [];
  for (const [key, path, name] of wanted) {
    if (existsSync(path)) {
      out.push({ key, file: path, name });
      continue;
    }
    const [w, h] = key === 'landscape43' ? [4032, 3024] : key === 'landscape32' ? [5184, 3456] : [3024, 4032];
    const gradient = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) gradient.set([(x * 255) / w, (y * 255) / h, 128], (y * w + x) * 3);
    const noise = await sharp({ create: { width: w, height: h, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).png().toBuffer();
    const file = join(work, `${key}.jpg`);
    await sharp(gradient, { raw: { width: w, height: h, channels: 3 } }).composite([{ input: noise, blend: 'soft-light' }]).jpeg({ quality: 88 }).toFile(file);
    out.push({ key, file, name: `${key}.jpg` });
  }
  return out;
}

export interface SeedAsset {
  id: string;
  hash: string;
  source: SourcePhoto['key'];
  width: number;
  height: number;
  kind: 'photo' | 'video';
  takenAt: Date;
  takenAtLocal: string;
  thumbhash: string;
  fileSize: number;
  duration: number | null;
  name: string;
}


const TZ_OFFSET_H = 2; // the photos' wall clock: UTC+2
const pad = (n: number) => String(n).padStart(2, '0');

/** `count` items taken over 60 days (a few busy days, a few quiet ones), oldest first. */
export async function planAssets(count: number, sources: SourcePhoto[]): Promise<SeedAsset[]> {
  const rand = rng(20240601);
  // Day weights: most days a handful to a few dozen photos, some days none.
  const days = Array.from({ length: 60 }, () => (rand() < 0.15 ? 0 : 0.3 + rand() * rand() * 3));
  const sum = days.reduce((a, b) => a + b, 0);
  const start = Date.UTC(2024, 5, 1);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    let r = rand() * sum;
    let d = 0;
    while (r > days[d]! && d < days.length - 1) r -= days[d++]!;
    const seconds = (8 + rand() * 14) * 3600; // 08:00–22:00 local
    times.push(start + d * 86_400_000 + Math.floor(seconds) * 1000);
  }
  times.sort((a, b) => a - b);

  // Small RGBA copies of the photos to crop placeholders from.
  const small = new Map<string, { data: Buffer; w: number; h: number }>();
  for (const s of sources) {
    const { data, info } = await sharp(s.file).rotate().resize(320, 320, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    small.set(s.key, { data, w: info.width, h: info.height });
  }

  const plan: SeedAsset[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    let source: SourcePhoto['key'];
    let width: number;
    let height: number;
    let kind: 'photo' | 'video' = 'photo';
    if (r < 0.52) [source, width, height] = ['landscape43', 4032, 3024];
    else if (r < 0.77) [source, width, height] = ['portrait34', 3024, 4032];
    else if (r < 0.97) [source, width, height] = ['landscape32', 5184, 3456];
    else [source, width, height, kind] = ['landscape32', 1920, 1080, 'video'];
    const local = new Date(times[i]!);
    const takenAtLocal = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
    // A placeholder of its own: a random crop of the photo at the item's aspect, tinted.
    const src = small.get(source)!;
    const ar = width / height;
    const scale = 0.55 + rand() * 0.45;
    let cw = Math.round(src.w * scale);
    let ch = Math.round(cw / ar);
    if (ch > src.h) [ch, cw] = [src.h, Math.round(src.h * ar)];
    const left = Math.floor(rand() * (src.w - cw + 1));
    const top = Math.floor(rand() * (src.h - ch + 1));
    const { data, info } = await sharp(src.data, { raw: { width: src.w, height: src.h, channels: 4 } })
      .extract({ left, top, width: cw, height: ch })
      .modulate({ brightness: 0.75 + rand() * 0.5, hue: Math.round(rand() * 60 - 30) })
      .resize(THUMBHASH_MAX_SIDE, THUMBHASH_MAX_SIDE, { fit: 'inside' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    plan.push({
      id: randomUUID(),
      hash: randomBytes(32).toString('hex'),
      source,
      width,
      height,
      kind,
      takenAt: new Date(times[i]! - TZ_OFFSET_H * 3600_000),
      takenAtLocal,
      thumbhash: encodeThumbhash(new Uint8Array(data), info.width, info.height),
      fileSize: kind === 'video' ? 20_000_000 + Math.floor(rand() * 80_000_000) : 1_500_000 + Math.floor(rand() * 5_000_000),
      duration: kind === 'video' ? 3 + Math.floor(rand() * 90) : null,
      name: kind === 'video' ? `VID_${String(i).padStart(4, '0')}.MP4` : `IMG_${String(i).padStart(4, '0')}.JPG`,
    });
  }
  return plan;
}

export interface Seeded {
  cookie: string;
  albumId: string;
  token: string;
  ownerId: string;
  /** The real uploads: asset id → file hash (their thumbnails' file names). */
  uploadedHashes: Record<string, string>;
}

export async function api(base: string, path: string, init: { method?: string; cookie?: string; json?: unknown; body?: FormData }) {
  const headers: Record<string, string> = { Origin: base };
  if (init.cookie) headers.Cookie = init.cookie;
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { res, data: text ? JSON.parse(text) : undefined };
}

/** Owner, album, real uploads with their thumbnails, a share link; then the other rows and files. */
export async function seed<S extends Seeded = Seeded>(
  env: Record<string, string>,
  dataDir: string,
  sources: SourcePhoto[],
  plan: SeedAsset[],
  /** Runs on the seeded database before it is closed (album-pages.ts times its queries there). */
  withDb?: (db: Database['db'], seeded: Seeded) => Promise<Partial<S>>,
): Promise<S> {
  const server = await startServer(env);
  let seeded: Seeded;
  const uploaded = new Map<SourcePhoto['key'], { id: string; hash: string }>();
  try {
    const base = server.url;
    const setup = await api(base, '/api/setup', { method: 'POST', json: { email: 'owner@example.com', password: 'correct horse battery staple' } });
    const cookie = setup.res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const ownerId = setup.data.user.id as string;
    const album = await api(base, '/api/albums', { method: 'POST', cookie, json: { title: 'Summer 2024', description: 'Two months by the sea and in the mountains.' } });
    const albumId = album.data.album.id as string;
    for (const s of sources) {
      const form = new FormData();
      form.append('albumId', albumId);
      form.append('file', new Blob([readFileSync(s.file)], { type: 'image/jpeg' }), s.name);
      const up = await api(base, '/api/assets/upload', { method: 'POST', cookie, body: form });
      const entry = up.data.assets[0];
      if (!entry?.id) throw new Error(`upload of ${s.name}: ${JSON.stringify(up.data)}`);
      uploaded.set(s.key, { id: entry.id, hash: '' });
    }
    for (const [key, u] of uploaded) {
      await until(async () => {
        const { data } = await api(base, `/api/assets/${u.id}`, { cookie });
        if (data.asset.status === 'failed') throw new Error(`${key}: processing failed: ${data.asset.processingError}`);
        u.hash = data.asset.fileHash;
        return data.asset.status === 'ready';
      }, `thumbnails of ${key}`);
    }
    const share = await api(base, `/api/albums/${albumId}/share`, { method: 'POST', cookie, json: {} });
    seeded = { cookie, albumId, token: share.data.link.token, ownerId, uploadedHashes: Object.fromEntries([...uploaded.values()].map((u) => [u.id, u.hash])) };
  } finally {
    await stopProc(server);
  }

  // The other rows, straight into the database.
  const database = env.DATABASE_URL
    ? await openDatabase({ kind: 'postgres', url: env.DATABASE_URL })
    : await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'db') });
  try {
    const db = database.db;
    const real = plan.slice(0, uploaded.size);
    const rest = plan.slice(uploaded.size);
    // The uploaded photos join the album's timeline (their own dates are years before).
    let i = 0;
    for (const [, u] of uploaded) {
      const p = real[i++]!;
      await db.updateTable('assets').set({ taken_at: p.takenAt, taken_at_local: p.takenAtLocal, taken_at_offset: '+02:00' }).where('id', '=', u.id).execute();
    }
    for (let at = 0; at < rest.length; at += 250) {
      const batch = rest.slice(at, at + 250);
      await db
        .insertInto('assets')
        .values(
          batch.map((a) => ({
            id: a.id,
            original_filename: a.name,
            file_hash: a.hash,
            file_size: a.fileSize,
            mime_type: a.kind === 'video' ? 'video/mp4' : 'image/jpeg',
            width: a.width,
            height: a.height,
            duration_seconds: a.duration,
            taken_at: a.takenAt,
            taken_at_local: a.takenAtLocal,
            taken_at_offset: '+02:00',
            storage_path: `originals/${a.hash.slice(0, 2)}/${a.hash.slice(2, 4)}/${a.hash}.${a.kind === 'video' ? 'mp4' : 'jpg'}`,
            metadata: { make: 'Google', model: 'Pixel' },
            is_video: a.kind === 'video',
            kind: a.kind,
            format: a.kind === 'video' ? 'mp4' : 'jpeg',
            status: 'ready',
            thumbhash: a.thumbhash,
            uploaded_by: seeded.ownerId,
          })),
        )
        .execute();
      await db
        .insertInto('album_assets')
        .values(batch.map((a, j) => ({ album_id: seeded.albumId, asset_id: a.id, position: uploaded.size + at + j })))
        .execute();
    }
    // As autovacuum would within a minute of these inserts: without statistics the planner
    // takes the album for a handful of rows and joins 2,000 to sort them (~10 ms, not ~1).
    await sql`ANALYZE`.execute(db);
    if (withDb) Object.assign(seeded, await withDb(database.db, seeded));
  } finally {
    await database.close();
  }
  // Their thumbnails: the matching real photo's, hard-linked.
  for (const a of plan.slice(uploaded.size)) {
    const src = uploaded.get(a.source)!;
    const from = derivedRelPaths(src.hash);
    derivedRelPaths(a.hash).forEach((rel, i) => {
      const to = join(dataDir, rel);
      mkdirSync(dirname(to), { recursive: true });
      linkSync(join(dataDir, from[i]!), to);
    });
  }
  return seeded as S;
}
