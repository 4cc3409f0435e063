// One asset's derived files: grid thumbnail and preview under thumbnails/, and the
// ThumbHash placeholder. Rebuildable from the original at any time.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Asset } from '../db/schema.ts';
import { lowerImageThreads } from '../media/background-priority.ts';
import { makeDerivatives, type DerivativesResult, UndecodableError } from '../media/derivatives.ts';
import { detectFileType } from '../media/file-type.ts';
import { readFileHead } from '../media/read-bytes.ts';
import { HEAD_BYTES } from '../media/file-type.ts';
import { removeTempLeftovers } from '../media/atomic-write.ts';
import { absolute, previewRelPath, smallAvifRelPath, smallThumbRelPath } from '../storage/layout.ts';

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
