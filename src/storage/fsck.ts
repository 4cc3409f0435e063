// `shoebox fsck`: storage checked against the database. Reports originals without rows,
// rows without originals (or whose file no longer has the recorded size), missing and
// orphaned derived files, leftover temp files, stray resumable-upload parts and stray files; `verifyOriginals` re-hashes
// every original (bit rot). `repairStorage` fixes what may be fixed without losing anything:
// derived files are requeued, temp leftovers, stray upload parts and orphaned derived files removed, orphan
// originals given rows. An original is never deleted or changed.
import { unlink } from 'node:fs/promises';
import type { AppDeps } from '../http/env.ts';
import { checksumFile } from '../ingest/checksum.ts';
import { TEMP_FILE_PATTERN } from '../media/atomic-write.ts';
import { requeueAssets } from '../queries/assets.ts';
import type { Db } from '../queries/users.ts';
import { settleUpload } from '../queries/upload-usage.ts';
import { removeUploadPart, scanUploadParts, UPLOAD_PARTS_DIR, type StrayUploadPart } from './upload-parts.ts';
import { walkFiles as walk, type FileEntry } from './walk.ts';
import { absolute, derivedFileHash, derivedRelPaths, parseOriginalName, videoCopyRelPath } from './layout.ts';

type Deps = Pick<AppDeps, 'database' | 'dataDir' | 'config'>;

export interface FsckReport {
  summary: {
    assets: number;
    byStatus: Record<string, number>;
    originals: number;
    originalBytes: number;
    derivedFiles: number;
  };
  /** Files named like originals that no row points at. */
  orphanOriginals: { rel: string; size: number }[];
  /** Files under originals/ that Shoebox did not name (left alone, always). */
  unexpectedFiles: { rel: string }[];
  missingOriginals: { id: string; filename: string; rel: string }[];
  sizeMismatches: { id: string; filename: string; rel: string; expected: number; actual: number }[];
  /** Ready assets whose grid thumbnail or preview is gone. */
  missingDerived: { id: string; filename: string; missing: string[] }[];
  /** Thumbnails whose asset no longer exists. */
  orphanDerived: { rel: string }[];
  /** Unfinished uploads in tmp/ and half-written derived files, old enough to be leftovers. */
  tempLeftovers: { rel: string; size: number; ageMs: number }[];
  /** Temp files too fresh to call leftovers (an upload or import may be writing them). */
  tempInFlight: number;
  /** Resumable uploads in progress under tmp/tus/ (never touched). */
  uploadsInProgress: { count: number; bytes: number };
  /** What else tmp/tus/ holds: expired uploads, parts without records and records without parts. */
  strayUploadParts: StrayUploadPart[];
  /** Originals without a row yet, too fresh to call orphans (an upload may be about to insert it). */
  originalsInFlight: number;
  /** Assets whose processing failed for good (not a storage problem; `shoebox rebuild` retries). */
  failedAssets: { id: string; filename: string; error: string | null }[];
}

export interface RepairOutcome {
  requeued: number;
  removedTemp: number;
  removedUploadParts: number;
  removedDerived: number;
  adopted: { rel: string; adopted: boolean; note: string }[];
}

export interface VerifyResult {
  checked: number;
  bytes: number;
  /** Originals whose bytes no longer hash to their name. */
  mismatches: { rel: string; actual: string }[];
  unreadable: { rel: string; error: string }[];
}

interface AssetFileRow {
  id: string;
  file_hash: string;
  storage_path: string;
  status: string;
  file_size: number;
  original_filename: string;
  processing_error: string | null;
  playback: string | null;
}

async function listAssetRows(db: Db): Promise<AssetFileRow[]> {
  const rows = await db
    .selectFrom('assets')
    .select(['id', 'file_hash', 'storage_path', 'status', 'file_size', 'original_filename', 'processing_error', 'playback'])
    .execute();
  // bigint columns may come back as strings from postgres.js.
  return rows.map((r) => ({ ...r, file_size: Number(r.file_size) }));
}

const ORIGINAL_IN_FLIGHT_MS = 10 * 60_000;

/** What is on disk and in the database, side by side. Files are listed before rows are read,
 *  so a file that appears during the scan is never mistaken for an orphan of a deleted row. */
async function inspect(deps: Deps) {
  const root = deps.dataDir.root;
  const originalFiles = await walk(root, 'originals');
  const derivedFiles = [...(await walk(root, 'thumbnails')), ...(await walk(root, 'videos'))];
  const tmpFiles = await walk(root, 'tmp');
  const rows = await listAssetRows(deps.database.db);
  return { originalFiles, derivedFiles, tmpFiles, rows };
}

export async function scanStorage(deps: Deps, options: { tempMinAgeMs: number }): Promise<FsckReport> {
  const { originalFiles, derivedFiles, tmpFiles, rows } = await inspect(deps);
  const now = Date.now();
  const parts = await scanUploadParts(deps.dataDir.root, { expiryMs: deps.config.uploadExpiryMs, graceMs: options.tempMinAgeMs, now });
  const report: FsckReport = {
    summary: { assets: rows.length, byStatus: {}, originals: 0, originalBytes: 0, derivedFiles: 0 },
    orphanOriginals: [],
    unexpectedFiles: [],
    missingOriginals: [],
    sizeMismatches: [],
    missingDerived: [],
    orphanDerived: [],
    tempLeftovers: [],
    tempInFlight: parts.inFlight,
    uploadsInProgress: { count: parts.inProgress, bytes: parts.inProgressBytes },
    strayUploadParts: parts.strays,
    originalsInFlight: 0,
    failedAssets: [],
  };
  const temp = (f: FileEntry) => {
    const ageMs = Math.max(0, now - f.mtimeMs);
    if (ageMs >= options.tempMinAgeMs) report.tempLeftovers.push({ rel: f.rel, size: f.size, ageMs });
    else report.tempInFlight++;
  };

  const originals = new Map<string, FileEntry>();
  for (const f of originalFiles) {
    const name = f.rel.split('/').at(-1)!;
    if (TEMP_FILE_PATTERN.test(name)) temp(f);
    else if (parseOriginalName(name) && f.rel.split('/').length === 4) originals.set(f.rel, f);
    else report.unexpectedFiles.push({ rel: f.rel });
  }
  const derived = new Set<string>();
  for (const f of derivedFiles) {
    const name = f.rel.split('/').at(-1)!;
    if (TEMP_FILE_PATTERN.test(name)) temp(f);
    else derived.add(f.rel);
  }
  for (const f of tmpFiles) temp(f);

  const referenced = new Set<string>();
  const hashes = new Set<string>();
  for (const row of rows) {
    report.summary.byStatus[row.status] = (report.summary.byStatus[row.status] ?? 0) + 1;
    referenced.add(row.storage_path);
    hashes.add(row.file_hash);
    const file = originals.get(row.storage_path);
    if (!file) {
      report.missingOriginals.push({ id: row.id, filename: row.original_filename, rel: row.storage_path });
      continue;
    }
    if (file.size !== row.file_size) {
      report.sizeMismatches.push({ id: row.id, filename: row.original_filename, rel: row.storage_path, expected: row.file_size, actual: file.size });
    }
    if (row.status === 'failed') report.failedAssets.push({ id: row.id, filename: row.original_filename, error: row.processing_error });
    if (row.status === 'ready') {
      const expected = [...derivedRelPaths(row.file_hash), ...(row.playback === 'copy' ? [videoCopyRelPath(row.file_hash)] : [])];
      const missing = expected.filter((rel) => !derived.has(rel));
      if (missing.length) report.missingDerived.push({ id: row.id, filename: row.original_filename, missing });
    }
  }
  for (const [rel, f] of originals) {
    report.summary.originals++;
    report.summary.originalBytes += f.size;
    if (referenced.has(rel)) continue;
    // An upload renames its file into place, reads its metadata, then inserts the row: with
    // others writing, a fresh file without a row is most likely one of those.
    if (now - f.mtimeMs < Math.min(options.tempMinAgeMs, ORIGINAL_IN_FLIGHT_MS)) report.originalsInFlight++;
    else report.orphanOriginals.push({ rel, size: f.size });
  }
  for (const rel of derived) {
    const hash = derivedFileHash(rel.split('/').at(-1)!);
    if (!hash) continue; // a kind of derived file this version does not know: not ours to judge
    report.summary.derivedFiles++;
    if (!hashes.has(hash)) report.orphanDerived.push({ rel });
  }
  return report;
}

/** The problems a report holds (failed processing and in-flight temp files are not problems). */
export function countProblems(report: FsckReport): number {
  return (
    report.orphanOriginals.length +
    report.unexpectedFiles.length +
    report.missingOriginals.length +
    report.sizeMismatches.length +
    report.missingDerived.length +
    report.orphanDerived.length +
    report.tempLeftovers.length +
    report.strayUploadParts.length
  );
}

const CHUNK = 1000;

/** requeueAssets in chunks (a statement takes at most 65535 parameters). */
export async function requeueInChunks(db: Db, ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += CHUNK) n += await requeueAssets(db, ids.slice(i, i + CHUNK));
  return n;
}

export async function repairStorage(deps: Deps, report: FsckReport): Promise<RepairOutcome> {
  const root = deps.dataDir.root;
  const outcome: RepairOutcome = { requeued: 0, removedTemp: 0, removedUploadParts: 0, removedDerived: 0, adopted: [] };
  outcome.requeued = await requeueInChunks(
    deps.database.db,
    report.missingDerived.map((m) => m.id),
  );
  for (const t of report.tempLeftovers) {
    if (await unlink(absolute(root, t.rel)).then(() => true, () => false)) outcome.removedTemp++;
  }
  for (const p of report.strayUploadParts) {
    const removed = await removeUploadPart(root, p.id);
    if (!removed.part && !removed.record) continue;
    outcome.removedUploadParts++;
    // A guest's share of the link's caps comes back, as the server's expiry gives it back
    // (only by whoever removed the record: the server may have expired it meanwhile).
    if (p.release && removed.record) await settleUpload(deps.database.db, p.release.linkId, p.release.reservation, null);
  }
  for (const d of report.orphanDerived) {
    if (await unlink(absolute(root, d.rel)).then(() => true, () => false)) outcome.removedDerived++;
  }
  // Loaded only when there is something to adopt: it brings the metadata readers.
  const { adoptOriginal } = report.orphanOriginals.length ? await import('../ingest/adopt-original.ts') : { adoptOriginal: undefined };
  for (const o of report.orphanOriginals) {
    try {
      outcome.adopted.push({ rel: o.rel, ...(await adoptOriginal!(deps, o.rel)) });
    } catch (err) {
      outcome.adopted.push({ rel: o.rel, adopted: false, note: `could not be read: ${(err as Error).message}; left alone` });
    }
  }
  return outcome;
}

/** Assets whose derived files should be made again: all, or those missing them (or failed). */
export async function assetsToRebuild(
  deps: Deps,
  mode: 'all' | 'missing',
): Promise<{ ids: string[]; missingOriginals: FsckReport['missingOriginals']; queued: number }> {
  const report = await scanStorage(deps, { tempMinAgeMs: Number.POSITIVE_INFINITY });
  const lost = new Set(report.missingOriginals.map((m) => m.id));
  let ids: string[];
  if (mode === 'all') {
    ids = (await listAssetRows(deps.database.db)).map((r) => r.id).filter((id) => !lost.has(id));
  } else {
    ids = [...report.missingDerived.map((m) => m.id), ...report.failedAssets.map((f) => f.id)];
  }
  const queued = (report.summary.byStatus.pending ?? 0) + (report.summary.byStatus.processing ?? 0);
  return { ids, missingOriginals: report.missingOriginals, queued };
}

/** Re-hashes every original (streaming) and compares with the hash in its name. */
export async function verifyOriginals(
  root: string,
  onProgress: (p: { files: number; totalFiles: number; bytes: number; totalBytes: number }) => void = () => {},
  isCancelled: () => boolean = () => false,
): Promise<VerifyResult> {
  const sized = (await walk(root, 'originals')).flatMap((f) => {
    const parsed = parseOriginalName(f.rel.split('/').at(-1)!);
    return parsed ? [{ ...f, hash: parsed.hash }] : [];
  });
  const totalBytes = sized.reduce((n, f) => n + f.size, 0);
  const result: VerifyResult = { checked: 0, bytes: 0, mismatches: [], unreadable: [] };
  for (const f of sized) {
    if (isCancelled()) break;
    try {
      const sums = await checksumFile(absolute(root, f.rel));
      if (sums.sha256 !== f.hash) result.mismatches.push({ rel: f.rel, actual: sums.sha256 });
    } catch (err) {
      result.unreadable.push({ rel: f.rel, error: (err as Error).message });
    }
    result.checked++;
    result.bytes += f.size;
    onProgress({ files: result.checked, totalFiles: sized.length, bytes: result.bytes, totalBytes });
  }
  return result;
}
