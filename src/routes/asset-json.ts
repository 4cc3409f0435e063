// An asset as the JSON API shows it to the owner (GET /api/assets/:id, the lightbox's
// info drawer); guests get a part of it (src/sharing/guest-view.ts).
import type { Asset } from '../db/schema.ts';

export function publicAsset(a: Asset) {
  return {
    id: a.id,
    originalFilename: a.original_filename,
    fileHash: a.file_hash,
    fileSize: a.file_size,
    mimeType: a.mime_type,
    kind: a.kind,
    format: a.format,
    isVideo: a.is_video,
    width: a.width,
    height: a.height,
    durationSeconds: a.duration_seconds,
    takenAt: a.taken_at?.toISOString() ?? null,
    takenAtLocal: a.taken_at_local,
    takenAtOffset: a.taken_at_offset,
    createdAt: a.created_at.toISOString(),
    status: a.status,
    processingError: a.processing_error,
    processingWarning: a.processing_warning,
    /** Whether links that hide location may send its original: 'clean', why not, or null (not checked yet). */
    locationCheck: a.location_check,
    thumbhash: a.thumbhash,
    metadata: a.metadata,
    /** In the trash since then (the owner still sees it there); null when not. */
    trashedAt: a.deleted_at?.toISOString() ?? null,
  };
}
