// The integrity scrub's job: re-hash one original and record what was found. A mismatch, a
// missing or an unreadable file is reported (the asset's row, the log, Settings, /healthz);
// the original is never deleted, moved, rewritten or marked for deletion.
import { checksumFile } from '../ingest/checksum.ts';
import type { IntegrityState } from '../db/schema.ts';
import { albumTitlesOf, recordCheck } from '../queries/integrity.ts';
import { absolute } from '../storage/layout.ts';
import type { JobHandler } from './worker.ts';

export interface CheckOutcome {
  state: IntegrityState;
  detail: string | null;
}

export async function checkOriginal(dataRoot: string, rel: string, expectedSha256: string): Promise<CheckOutcome> {
  try {
    const { sha256 } = await checksumFile(absolute(dataRoot, rel));
    return sha256 === expectedSha256 ? { state: 'ok', detail: null } : { state: 'mismatch', detail: `its SHA-256 is now ${sha256}, not the ${expectedSha256} it had when stored` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing', detail: `${rel} is not on disk` };
    return { state: 'unreadable', detail: (err as Error).message };
  }
}

export function scrubJob(): JobHandler {
  return {
    kind: 'scrub',
    concurrency: 1,
    async run({ asset }, ctx) {
      const found = await checkOriginal(ctx.dataRoot, asset.storage_path, asset.file_hash);
      return {
        async record(trx) {
          await recordCheck(trx, asset.id, found.state, found.detail);
          if (found.state !== 'ok') {
            const albums = await albumTitlesOf(trx, asset.id);
            ctx.log.error('integrity check: an original is damaged or gone', {
              file: asset.original_filename,
              asset: asset.id,
              path: asset.storage_path,
              found: found.state,
              detail: found.detail ?? '',
              albums: albums.join(', ') || '(none)',
            });
          }
        },
      };
    },
    // checkOriginal reports every outcome; only the database failing ends here.
    failed: async () => {},
  };
}
