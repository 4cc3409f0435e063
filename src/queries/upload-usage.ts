// What a share link's guests have uploaded today (UTC day), taken per file before the file
// is received and settled once it is stored or refused. Each reservation is one row
// update under a row lock, so parallel uploads cannot pass a cap together, and a file
// that is not stored (refused, a duplicate, a client gone) gives its share back.
//   reserveUpload(db, linkId, caps, size?) → a reservation, or which cap is reached
//   settleUpload(db, linkId, reservation, storedBytes | null)
import { sql } from 'kysely';
import type { Db } from './users.ts';

export interface UploadCaps {
  maxFilesPerDay: number;
  maxBytesPerDay: number;
  maxFileBytes: number;
}

export interface UploadReservation {
  /** The UTC day the usage was counted on ('YYYY-MM-DD'). */
  day: string;
  /** Bytes set aside: the size when known, else as much as one file may be and the day has left. */
  bytes: number;
}

export type UploadRefusal = 'files' | 'bytes' | 'file size';

const today = sql<string>`(now() at time zone 'UTC')::date`;

export async function reserveUpload(db: Db, linkId: string, caps: UploadCaps, size?: number): Promise<UploadReservation | UploadRefusal> {
  if (size !== undefined && size > caps.maxFileBytes) return 'file size';
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('share_upload_usage').values({ link_id: linkId, day: today, files: 0, bytes: 0 }).onConflict((oc) => oc.doNothing()).execute();
    const { rows } = await sql<{ day: string; files: number; bytes: number }>`
      SELECT day::text AS day, files, bytes FROM share_upload_usage WHERE link_id = ${linkId} AND day = ${today} FOR UPDATE`.execute(trx);
    const used = rows[0]!;
    if (used.files >= caps.maxFilesPerDay) return 'files';
    const left = caps.maxBytesPerDay - used.bytes;
    const bytes = size ?? Math.min(caps.maxFileBytes, left);
    if (left <= 0 || bytes > left) return 'bytes';
    await sql`UPDATE share_upload_usage SET files = files + 1, bytes = bytes + ${bytes} WHERE link_id = ${linkId} AND day = ${used.day}::date`.execute(trx);
    return { day: used.day, bytes };
  });
}

/** The file was stored with `storedBytes` (what it keeps of the reservation), or not at all (null: all of it back). */
export async function settleUpload(db: Db, linkId: string, r: UploadReservation, storedBytes: number | null): Promise<void> {
  const files = storedBytes === null ? 1 : 0;
  const bytes = r.bytes - (storedBytes ?? 0);
  if (files === 0 && bytes === 0) return;
  await sql`
    UPDATE share_upload_usage SET files = files - ${files}, bytes = bytes - ${bytes}
    WHERE link_id = ${linkId} AND day = ${r.day}::date`.execute(db);
}

/** Today's use (for a quick refusal before a body is read; the reservation is what counts). */
export async function uploadUsageToday(db: Db, linkId: string): Promise<{ files: number; bytes: number }> {
  const row = await db
    .selectFrom('share_upload_usage')
    .select(['files', 'bytes'])
    .where('link_id', '=', linkId)
    .where('day', '=', today)
    .executeTakeFirst();
  return row ?? { files: 0, bytes: 0 };
}
