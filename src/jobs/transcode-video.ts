// A video's web-playable copy (media/web-video.ts), one at a time, at background priority.
// Written to a temp file beside its place and renamed in whole when the run ends; a run stopped by a restart
// or a crash starts again from the beginning at the next start (its temp file removed).
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { removeTempLeftovers } from '../media/atomic-write.ts';
import { readVideoMetadata } from '../media/video-metadata.ts';
import { makeWebCopy } from '../media/web-video.ts';
import { setPlayback } from '../queries/assets.ts';
import { absolute, videoCopyRelPath } from '../storage/layout.ts';
import { PermanentJobError } from './derive-asset.ts';
import type { JobHandler } from './worker.ts';

export function transcodeJob(): JobHandler {
  return {
    kind: 'transcode',
    concurrency: 1,
    async run({ asset, signal, progress }, ctx) {
      if (!ctx.ffmpegPath) throw new PermanentJobError('ffmpeg is not installed');
      const input = absolute(ctx.dataRoot, asset.storage_path);
      const output = absolute(ctx.dataRoot, videoCopyRelPath(asset.file_hash));
      const meta = await readVideoMetadata(input).catch(() => undefined);
      await mkdir(dirname(output), { recursive: true });
      await removeTempLeftovers(output);
      const temp = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await makeWebCopy(ctx.ffmpegPath, input, temp, {
          facts: { hdr: meta?.hdr ?? false, frameRate: meta?.frameRate ?? null },
          maxEdge: ctx.videoMaxEdge,
          duration: meta?.duration ?? asset.duration_seconds,
          signal,
          onProgress: progress,
        });
        const handle = await open(temp, 'r');
        await handle.sync().finally(() => handle.close());
      } catch (err) {
        await unlink(temp).catch(() => {});
        throw err;
      }
      return {
        // Put in place only while the job is still this run's: a copy cancelled in its last
        // second is not left behind.
        async record(trx) {
          await rename(temp, output);
          await setPlayback(trx, asset.id, 'copy');
        },
        abandon: () => unlink(temp).catch(() => {}),
      };
    },
    // The original then plays where it can; the player says so where it cannot.
    failed: (trx, asset) => setPlayback(trx, asset.id, 'none'),
  };
}
