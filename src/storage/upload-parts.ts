// What tmp/tus/ holds: each resumable upload is a part (<id>, the bytes so far) and its
// record (<id>.json, from @tus/file-store). A pair younger than UPLOAD_EXPIRY is an upload
// in progress and is never touched; anything else there is a stray: a part or a record
// without the other (older than the in-flight grace, as a creation writes one, then the
// other), a record that does not parse, or an upload past its expiry that the running
// server has not removed yet. Start-up recovery leaves this folder to the server's expiry.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadReservation } from '../queries/upload-usage.ts';

export const UPLOAD_PARTS_DIR = 'tmp/tus';

export interface StrayUploadPart {
  /** The upload's id: its files are tmp/tus/<id> and tmp/tus/<id>.json (either may be missing). */
  id: string;
  bytes: number;
  why: 'expired' | 'no record' | 'no part' | 'unreadable record';
  /** A guest's reservation to give back when it is removed. */
  release?: { linkId: string; reservation: UploadReservation };
}

export interface UploadPartsScan {
  inProgress: number;
  inProgressBytes: number;
  /** Part or record without the other, younger than the grace: being created right now. */
  inFlight: number;
  strays: StrayUploadPart[];
}

interface Record {
  creation_date?: string;
  metadata?: { linkId?: string; reservedDay?: string; reservedBytes?: string };
}

export async function scanUploadParts(root: string, o: { expiryMs: number; graceMs: number; now?: number }): Promise<UploadPartsScan> {
  const dir = join(root, UPLOAD_PARTS_DIR);
  const now = o.now ?? Date.now();
  const scan: UploadPartsScan = { inProgress: 0, inProgressBytes: 0, inFlight: 0, strays: [] };
  const names = await readdir(dir).catch(() => [] as string[]);
  const ids = new Set(names.map((n) => n.replace(/\.json$/, '')));
  for (const id of ids) {
    const part = await stat(join(dir, id)).catch(() => undefined);
    const recordText = await readFile(join(dir, `${id}.json`), 'utf8').catch(() => undefined);
    const bytes = part?.size ?? 0;
    if (!part || recordText === undefined) {
      const info = part ?? (await stat(join(dir, `${id}.json`)).catch(() => undefined));
      if (info && now - info.mtimeMs < o.graceMs) scan.inFlight++;
      else scan.strays.push({ id, bytes, why: part ? 'no record' : 'no part' });
      continue;
    }
    let record: Record;
    try {
      record = JSON.parse(recordText) as Record;
    } catch {
      scan.strays.push({ id, bytes, why: 'unreadable record' });
      continue;
    }
    const created = record.creation_date ? Date.parse(record.creation_date) : Number.NaN;
    if (Number.isFinite(created) && now - created <= o.expiryMs) {
      scan.inProgress++;
      scan.inProgressBytes += bytes;
      continue;
    }
    const m = record.metadata;
    const release = m?.linkId && m.reservedDay && m.reservedBytes ? { linkId: m.linkId, reservation: { day: m.reservedDay, bytes: Number(m.reservedBytes) } } : undefined;
    scan.strays.push({ id, bytes, why: 'expired', ...(release ? { release } : {}) });
  }
  return scan;
}

/** Removes an upload's part and record: which of them this call removed (the record's remover gives a reservation back). */
export async function removeUploadPart(root: string, id: string): Promise<{ part: boolean; record: boolean }> {
  const dir = join(root, UPLOAD_PARTS_DIR);
  const [part, record] = await Promise.all([unlink(join(dir, id)).then(() => true, () => false), unlink(join(dir, `${id}.json`)).then(() => true, () => false)]);
  return { part, record };
}
