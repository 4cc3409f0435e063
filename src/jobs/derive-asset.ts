// One asset's derived files: grid thumbnail and preview under thumbnails/, and the
// ThumbHash placeholder. Rebuildable from the original at any time. For a video, the job
// also decides how it plays (media/web-video.ts) and queues its web-playable copy.
import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Asset } from '../db/schema.ts';
import { lowerImageThreads } from '../media/background-priority.ts';
import { makeDerivatives, type DerivativesResult, UndecodableError } from '../media/derivatives.ts';
import { detectFileType } from '../media/file-type.ts';
import { readFileHead } from '../media/read-bytes.ts';
import { HEAD_BYTES } from '../media/file-type.ts';
import { removeTempLeftovers } from '../media/atomic-write.ts';
import { absolute, previewRelPath, smallAvifRelPath, smallThumbRelPath, videoCopyRelPath } from '../storage/layout.ts';
import { markAssetFailed, markAssetReady } from '../queries/assets.ts';
import { queueJob } from '../queries/jobs.ts';
import { blankedOriginal } from '../queries/location-patches.ts';
import type { Db } from '../queries/users.ts';
import { locationLeft } from '../media/blanked-original.ts';
import { findMotionPhotoClip } from '../media/location-patches.ts';
import { readVideoMetadata } from '../media/video-metadata.ts';
import { playsInBrowsers } from '../media/web-video.ts';
import type { VideoPlayback } from '../db/schema.ts';
import type { JobContext, JobHandler } from './worker.ts';
import { plainFailure } from '../media/failure-words.ts';

export class PermanentJobError extends Error {
  readonly permanent = true;
}

export async function deriveAsset(asset: Asset, ctx: { dataRoot: string; ffmpegPath: string | null }): Promise<DerivativesResult> {
  const original = absolute(ctx.dataRoot, asset.storage_path);
  let head: Uint8Array;
  try {
    head = await readFileHead(original, HEAD_BYTES);
  } catch (err) {
    throw new PermanentJobError(`the original file is missing or unreadable: ${(err as Error).message}`);
  }
  const type = detectFileType(head);
  if (!type) throw new PermanentJobError('the original is no longer a recognised photo or video');
  const smallPath = absolute(ctx.dataRoot, smallThumbRelPath(asset.file_hash));
  const smallAvifPath = absolute(ctx.dataRoot, smallAvifRelPath(asset.file_hash));
  const largePath = absolute(ctx.dataRoot, previewRelPath(asset.file_hash));
  await mkdir(dirname(smallPath), { recursive: true });
  // A process killed while writing these left temp files beside them (see the worker's lease).
  for (const path of [smallPath, smallAvifPath, largePath]) await removeTempLeftovers(path);
  lowerImageThreads();
  try {
    return await makeDerivatives(
      { path: original, type },
      { smallPath, smallAvifPath, largePath },
      {
        ffmpegPath: ctx.ffmpegPath,
        durationSeconds: asset.duration_seconds,
        displaySize: asset.width && asset.height ? { width: asset.width, height: asset.height } : null,
      },
    );
  } catch (err) {
    if (err instanceof UndecodableError) throw new PermanentJobError(err.message);
    throw err;
  } finally {
    lowerImageThreads(); // those libvips started for this one
  }
}

/** Derived files for up to `concurrency` assets at a time (one per core by default). */
export function deriveJob(concurrency: number): JobHandler {
  return {
    kind: 'derive',
    concurrency,
    async run({ asset }, ctx) {
      const result = await deriveAsset(asset, { dataRoot: ctx.dataRoot, ffmpegPath: ctx.ffmpegPath });
      // What "strip location" links serve of it (patches, their CRC, the check), while its
      // bytes are fresh in the page cache; asked for again on first use if this fails.
      const blanked = await blankedOriginal(ctx.db, asset, ctx.dataRoot).catch((err) => {
        ctx.log.warn('location not worked out', { asset: asset.id, error: (err as Error).message });
        return undefined;
      });
      const playback = asset.kind === 'video' ? await videoPlayback(asset, ctx, blanked ? locationLeft(blanked.check) : false) : null;
      // A motion photo's clip, which the lightbox plays as a Live Photo's.
      const motionClip = asset.format === 'jpeg' ? await findMotionPhotoClip(absolute(ctx.dataRoot, asset.storage_path)).catch(() => undefined) : undefined;
      return {
        async record(trx) {
          await markAssetReady(trx, asset.id, {
            thumbhash: result.thumbhash,
            width: result.width,
            height: result.height,
            derivedSource: result.source,
            warning: result.warning ?? null,
            playback,
            motionClip: motionClip ?? null,
          });
          if (playback === 'preparing') await queueJob(trx, 'transcode', asset.id);
        },
      };
    },
    // The owner reads plain words; the job's row and the log keep the library's own message.
    failed: (trx: Db, asset, message) => markAssetFailed(trx, asset.id, plainFailure(message)),
  };
}

/**
 * How a video plays: as uploaded when every browser can play it; else from its copy, made
 * now unless it is on disk already (a rebuild does not make it again). An original whose
 * location could not be blanked gets a copy too, which carries none: guests of a "strip
 * location" link play that.
 */
async function videoPlayback(asset: Asset, ctx: JobContext, locationRemains: boolean): Promise<VideoPlayback> {
  const path = absolute(ctx.dataRoot, asset.storage_path);
  const meta = await readVideoMetadata(path).catch(() => undefined);
  if (meta && playsInBrowsers(meta) && !locationRemains) return 'original';
  const copy = absolute(ctx.dataRoot, videoCopyRelPath(asset.file_hash));
  if (await access(copy).then(() => true, () => false)) return 'copy';
  return ctx.ffmpegPath ? 'preparing' : 'none';
}
