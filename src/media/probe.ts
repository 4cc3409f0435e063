// The upload-time check, before a file is stored: can a photo's pixels be decoded at all?
//   probeUpload(path, type, { maxPixels }) → { ok: true } | { ok: false, status: 422, error }
// Photos: the header is read and the first rows decoded (a truncated photo that decodes in
// part passes: it is kept and flagged later); above maxPixels it fails. HEIC/HEIF: the
// container and its primary image's size are parsed (in the HEIC worker), without decoding.
// RAWs and videos always pass: RAWs are kept even without pixels, videos play where they can;
// so does JPEG XL where libvips cannot read it (kept, with a placeholder).
import sharp, { decodesJpegXl } from './sharp.ts';
import type { DetectedType } from './file-type.ts';
import { probeHeic } from './heic-decoder.ts';
import { DEFAULT_MAX_PIXELS, TooManyPixelsError } from './media-errors.ts';

export type ProbeResult = { ok: true } | { ok: false; status: 422; error: string };

export interface ProbeOptions {
  maxPixels?: number;
}

const PROBE_EDGE = 16;

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.trim() : String(error);
}

function refuse(error: string): ProbeResult {
  return { ok: false, status: 422, error };
}

export async function probeUpload(path: string, type: DetectedType, options: ProbeOptions = {}): Promise<ProbeResult> {
  if (type.kind !== 'photo' || (type.format === 'jxl' && !decodesJpegXl())) return { ok: true };
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (type.format === 'heic') {
    try {
      await probeHeic(path, maxPixels);
      return { ok: true };
    } catch (error) {
      return refuse(message(error));
    }
  }
  let width: number;
  let height: number;
  try {
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return refuse('the image has no size in its header');
    width = meta.width;
    height = meta.height;
  } catch (error) {
    return refuse(`the image cannot be decoded: ${message(error)}`);
  }
  if (width * height > maxPixels) return refuse(new TooManyPixelsError(width, height, maxPixels).message);
  try {
    // The top-left corner only: a sequential decoder stops after the first rows.
    await sharp(path, { failOn: 'none', limitInputPixels: maxPixels })
      .extract({ left: 0, top: 0, width: Math.min(width, PROBE_EDGE), height: Math.min(height, PROBE_EDGE) })
      .raw()
      .toBuffer();
    return { ok: true };
  } catch (error) {
    return refuse(`the image cannot be decoded: ${message(error)}`);
  }
}
