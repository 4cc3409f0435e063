// Extracted metadata → the asset's columns and its JSONB `metadata`. Corrupt metadata
// never fails an upload: what could not be read is left out and noted in `warnings`.
import type { DetectedType } from '../media/file-type.ts';
import type { NewAsset } from '../queries/assets.ts';
import type { Checksums } from './checksum.ts';
import { readPhotoMetadata, type PhotoMetadata } from '../media/photo-metadata.ts';
import { plausibleTakenAt, takenAtFromInstant, takenAtFromWallClock, type TakenAt } from '../media/taken-at.ts';
import { dateFromFileName } from '../media/file-name-date.ts';
import { readVideoMetadata, type VideoMetadata } from '../media/video-metadata.ts';
import { crashPoint } from '../crash-points.ts';

export interface AssetDescription {
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  takenAt: TakenAt;
  takenAtSource: 'metadata' | 'file-name' | 'file-modified' | 'uploaded';
  /** Apple's content identifier (a Live Photo's photo or video), when the file has one. */
  contentId: string | null;
  metadata: Record<string, unknown>;
}

function photoJson(m: PhotoMetadata) {
  return {
    camera: { make: m.make, model: m.model, lens: m.lens },
    exposure: { iso: m.iso, exposureTime: m.exposureTime, fNumber: m.fNumber, focalLength: m.focalLength },
    orientation: m.orientation,
    gps: m.gps,
    tags: m.raw,
  };
}

function videoJson(m: VideoMetadata) {
  return {
    camera: { make: m.make, model: m.model, lens: null },
    video: { duration: m.duration, rotation: m.rotation, frameRate: m.frameRate, videoCodec: m.videoCodec, audioCodec: m.audioCodec, container: m.container },
    gps: m.gps,
    tags: m.raw,
  };
}

async function readMetadata(path: string, type: DetectedType, defaultTz: string) {
  try {
    if (type.kind === 'video') {
      const m = await readVideoMetadata(path, { defaultTz });
      return { width: m.width, height: m.height, duration: m.duration, takenAt: m.takenAt, contentId: m.contentId, json: videoJson(m), warnings: m.warnings };
    }
    const m = await readPhotoMetadata(path, type.format, { defaultTz });
    return { width: m.width, height: m.height, duration: null, takenAt: m.takenAt, contentId: m.contentId, json: photoJson(m), warnings: m.warnings };
  } catch (err) {
    return { width: null, height: null, duration: null, takenAt: null, contentId: null, json: {}, warnings: [`metadata unreadable: ${(err as Error).message}`] };
  }
}

export async function describeAsset(
  path: string,
  type: DetectedType,
  context: { fileName?: string; lastModified?: number; now: Date; defaultTz: string },
): Promise<AssetDescription> {
  const m = await readMetadata(path, type, context.defaultTz);
  crashPoint('metadata');
  // What the file says (readMetadata skips an impossible date), else a date in its name,
  // else its modification time, else now: each only when it can be when it was taken.
  let takenAt = m.takenAt;
  let takenAtSource: AssetDescription['takenAtSource'] = 'metadata';
  const named = !takenAt && context.fileName ? dateFromFileName(context.fileName) : undefined;
  if (named) {
    const fromName = takenAtFromWallClock(named.local, named.utc ? '+00:00' : null, context.defaultTz);
    if (plausibleTakenAt(fromName, context.now.getTime())) {
      // A UTC name is an instant: its wall clock is the default zone's, as for a GPS time.
      takenAt = named.utc ? takenAtFromInstant(fromName.instant, context.defaultTz) : fromName;
      takenAtSource = 'file-name';
    }
  }
  if (!takenAt && context.lastModified !== undefined) {
    const modified = takenAtFromInstant(new Date(context.lastModified), context.defaultTz);
    if (plausibleTakenAt(modified, context.now.getTime())) {
      takenAt = modified;
      takenAtSource = 'file-modified';
    }
  }
  if (!takenAt) {
    takenAt = takenAtFromInstant(context.now, context.defaultTz);
    takenAtSource = 'uploaded';
  }
  return {
    width: m.width,
    height: m.height,
    durationSeconds: m.duration,
    takenAt,
    takenAtSource,
    contentId: m.contentId,
    metadata: { ...m.json, takenAtSource, ...(m.warnings.length ? { warnings: m.warnings } : {}) },
  };
}

/** The row for a stored original. */
export function assetRow(
  sums: Omit<Checksums, 'head'>,
  type: DetectedType,
  described: AssetDescription,
  where: { originalFilename: string; storagePath: string; uploadedBy: string | null; extraMetadata?: Record<string, unknown> },
): NewAsset {
  return {
    original_filename: where.originalFilename,
    file_hash: sums.sha256,
    file_size: sums.size,
    crc32: sums.crc32,
    mime_type: type.mime,
    kind: type.kind,
    format: type.format,
    is_video: type.kind === 'video',
    width: described.width,
    height: described.height,
    duration_seconds: described.durationSeconds,
    taken_at: described.takenAt.instant,
    taken_at_local: described.takenAt.local,
    taken_at_offset: described.takenAt.offset,
    storage_path: where.storagePath,
    metadata: { ...described.metadata, ...where.extraMetadata },
    uploaded_by: where.uploadedBy,
    content_id: described.contentId,
  };
}
