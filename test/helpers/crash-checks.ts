// What the SIGKILL tests share: test/ingest/crash-safety.test.ts (kills at named steps) and
// bench/crash-soak.ts (kills from outside at random moments). The files they upload, the
// upload that tells "answered" from "no answer", and the checks after the last restart:
// every answered upload is there, no partial original, every original has its row and
// every row its original with the right SHA-256, derived files, no temp leftovers, fsck.
// The checks return the problems they found (an empty list when all is well) rather than
// asserting, so that the test can expect an empty list and the bench can print them.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import type { Database } from '../../src/db/database.ts';
import { TEMP_FILE_PATTERN } from '../../src/media/atomic-write.ts';
import { loadConfig } from '../../src/config.ts';
import { dataDirLayout } from '../../src/storage/data-dir.ts';
import { countProblems, scanStorage, verifyOriginals, type FsckReport, type VerifyResult } from '../../src/storage/fsck.ts';
import { parseOriginalName } from '../../src/storage/layout.ts';

export const MB = 1024 * 1024;

/** A file to upload. */
export interface SentFile {
  name: string;
  bytes: Buffer;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A JPEG of random pixels (random bytes make it unique and keep it large: 1100×900 is ~1.8 MB). */
export async function noiseJpeg(width: number, height: number, random: (n: number) => Buffer = randomBytes): Promise<Buffer> {
  return sharp(random(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

/** A real camera file made unique: its bytes with `tag` appended after the JPEG's end (still a valid JPEG with its EXIF). */
export function uniquePhoto(path: string, tag: string): Buffer {
  return Buffer.concat([readFileSync(path), Buffer.from(tag)]);
}

export interface UploadEntry {
  id: string;
  status: string;
}

/**
 * One file in one POST /api/assets/upload. Its entry when the server answered 200/201;
 * undefined when the server died under the request (no answer, no promise made); throws on
 * any other answer.
 */
export async function upload(url: string, token: string, file: SentFile): Promise<UploadEntry | undefined> {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(file.bytes)], { type: 'image/jpeg' }), file.name);
  let res: Response;
  try {
    res = await fetch(`${url}/api/assets/upload`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
  } catch {
    return undefined;
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return undefined; // the connection broke before the whole answer came: not answered
  }
  if (res.status !== 200 && res.status !== 201) throw new Error(`upload of ${file.name}: ${res.status} ${text}`);
  return (JSON.parse(text) as { assets: UploadEntry[] }).assets[0]!;
}

/** The owner (first setup) and an API token of theirs. */
export async function ownerToken(url: string): Promise<string> {
  const setup = await fetch(`${url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'crash@example.com', password: 'a long enough password' }),
  });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
  const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
  const made = await fetch(`${url}/api/tokens`, { method: 'POST', headers: { cookie, origin: url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'crash test' }) });
  if (made.status !== 201) throw new Error(`token: ${made.status} ${await made.text()}`);
  return ((await made.json()) as { token: string }).token;
}

/** Files under a DATA_DIR folder, relative to it. */
export function filesUnder(root: string, top: string): string[] {
  const dir = join(root, top);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

/** Waits until the worker has nothing left to do (GET /api/assets/status needs one asset id). */
export async function waitForBacklog(url: string, token: string, anyId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let backlog = -1;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/assets/status?ids=${anyId}`, { headers: { authorization: `Bearer ${token}` } });
    backlog = ((await res.json()) as { backlog: number }).backlog;
    if (backlog === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the worker still had ${backlog} assets to do after ${timeoutMs} ms`);
}

/**
 * With the server up again (no crash variable) and its worker done: its output holds no
 * crash, and every answered upload is served. `answered`: SHA-256 → asset id.
 */
export async function checkServed(url: string, token: string, answered: Map<string, string>, output: string): Promise<string[]> {
  const problems: string[] = [];
  const crashes = output.split('\n').filter((l) => /crash point|worker job crashed/.test(l));
  if (crashes.length) problems.push(`the last server's output: ${crashes.join(' | ')}`);
  for (const [hash, id] of answered) {
    const res = await fetch(`${url}/api/assets/${id}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) problems.push(`answered upload ${hash} (asset ${id}) is gone: GET /api/assets/${id} → ${res.status}`);
  }
  return problems;
}

export interface StoredCheck {
  problems: string[];
  rows: number;
  byStatus: Record<string, number>;
  verified: VerifyResult;
  fsck: FsckReport;
}

/**
 * Straight from the disk and the database, with the server stopped. `answered`: SHA-256 →
 * asset id of every upload answered 200/201 (each must be there, under that id); `sent`:
 * the SHA-256 of every file sent, answered or not (a row for anything else is a problem).
 * `sharedDatabase`: a real Postgres, where recovery leaves part files in tmp/ until they
 * are 6 hours old (another process may be writing them); alone on the embedded database,
 * recovery at start removed them. `allowFailed`: an asset whose processing failed for good
 * passes if it says why (else every asset must be ready).
 */
export async function checkStored(options: {
  root: string;
  db: Database;
  sharedDatabase: boolean;
  answered: Map<string, string>;
  sent: Set<string>;
  allowFailed?: boolean;
}): Promise<StoredCheck> {
  const { root, db, sharedDatabase, answered, sent } = options;
  const problems: string[] = [];
  const rows = await db.db.selectFrom('assets').select(['id', 'file_hash', 'storage_path', 'status', 'processing_error']).execute();
  const byHash = new Map(rows.map((r) => [r.file_hash, r]));
  const byStatus: Record<string, number> = {};
  for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;

  for (const [hash, id] of answered) {
    const row = byHash.get(hash);
    if (!row) problems.push(`answered upload ${hash} (asset ${id}) has no row`);
    else if (row.id !== id) problems.push(`answered upload ${hash} was asset ${id}, its row now is ${row.id}`);
  }
  for (const row of rows) {
    if (!sent.has(row.file_hash)) problems.push(`a row for bytes never sent: ${row.storage_path}`);
    if (parseOriginalName(basename(row.storage_path))?.hash !== row.file_hash) problems.push(`row ${row.id}: file_hash ${row.file_hash} but storage_path ${row.storage_path}`);
    if (row.status === 'ready') continue;
    if (row.status === 'failed' && options.allowFailed && row.processing_error?.trim()) continue;
    problems.push(`asset ${row.id} (${row.storage_path}) is ${row.status}${row.processing_error ? `: ${row.processing_error}` : row.status === 'failed' ? ' without a reason' : ''}`);
  }

  const isTemp = (rel: string) => TEMP_FILE_PATTERN.test(rel.split('/').at(-1)!);
  const originals = filesUnder(root, 'originals');
  for (const rel of originals.filter(isTemp)) problems.push(`partial original: ${rel}`);
  const onDisk = new Set(originals.filter((rel) => !isTemp(rel)));
  const inRows = new Set(rows.map((r) => r.storage_path));
  for (const rel of onDisk) if (!inRows.has(rel)) problems.push(`an original without a row: ${rel}`);
  for (const rel of inRows) if (!onDisk.has(rel)) problems.push(`a row without its original: ${rel}`);
  for (const rel of filesUnder(root, 'thumbnails').filter(isTemp)) problems.push(`half-written derived file: ${rel}`);

  const verified = await verifyOriginals(root);
  if (verified.checked !== rows.length) problems.push(`${verified.checked} originals re-hashed for ${rows.length} rows`);
  for (const m of verified.mismatches) problems.push(`original ${m.rel} hashes to ${m.actual}`);
  for (const u of verified.unreadable) problems.push(`original ${u.rel} unreadable: ${u.error}`);

  // fsck, as `shoebox fsck` runs it.
  const config = loadConfig({ DATA_DIR: root });
  const fsck = await scanStorage({ database: db, dataDir: dataDirLayout(root), config }, { tempMinAgeMs: sharedDatabase ? 6 * 3600_000 : 0 });
  if (countProblems(fsck)) {
    const { summary: _summary, tempInFlight: _t, originalsInFlight: _o, failedAssets: _f, ...found } = fsck;
    problems.push(`fsck: ${countProblems(fsck)} problems: ${JSON.stringify(Object.fromEntries(Object.entries(found).filter(([, v]) => (v as unknown[]).length)))}`);
  }
  if (fsck.summary.assets !== rows.length) problems.push(`fsck counted ${fsck.summary.assets} assets for ${rows.length} rows`);

  const tmp = filesUnder(root, 'tmp');
  const leftovers = sharedDatabase ? tmp.filter((rel) => !/^tmp\/upload-.+\.part$/.test(rel)) : tmp;
  for (const rel of leftovers) problems.push(`left in tmp/: ${rel}`);

  return { problems, rows: rows.length, byStatus, verified, fsck };
}
