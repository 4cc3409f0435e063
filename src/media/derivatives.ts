// Derived images of an asset: a grid thumbnail, a lightbox preview and a thumbhash.
//   makeDerivatives({ path, type }, { smallPath, largePath }, opts?) → DerivativesResult
//     small: WebP, 360 px on the short edge (Q78); large: WebP, 2048 px on the long edge (Q80);
//     never upscaled, upright, sRGB, no metadata; written atomically (temp + fsync + rename).
//     result: { width, height (of the decoded source, as displayed), thumbhash (base64),
//               source: 'decoded' | 'embedded-preview' | 'video-frame' | 'placeholder', warning? }
//   Throws UndecodableError (TooManyPixelsError above opts.maxPixels) for photos whose pixels
//   cannot be decoded; a photo that decodes partially gets derivatives and a `warning`.
//   RAWs, videos and JPEG XL (where libvips lacks it) fall back to a neutral placeholder
//   with the format's name on it, but for a video with no readable
//   video track that ffmpeg cannot decode either (damaged: UndecodableError).
//   findFfmpeg, UndecodableError, TooManyPixelsError, DEFAULT_MAX_PIXELS are re-exported.
// The source is decoded once, to an intermediate just large enough for both sizes, and every
// output is resized from that (STACK.md: faster than separate pipelines or vipsthumbnail).
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { decodesJpegXl, type FailOnOptions, type Metadata, type Sharp } from './sharp.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { formatName, type DetectedType, type RawFormat } from './file-type.ts';
import { drawLabel } from './placeholder-label.ts';
import { decodeHeic, readHeicColour, type HeicColour } from './heic-decoder.ts';
import { DEFAULT_MAX_PIXELS, isSharpPixelLimitError, TooManyPixelsError, UndecodableError } from './media-errors.ts';
import { applyOrientation, swapsAxes } from './orient.ts';
import { findRawPreviews, readRawPreview, type RawPreview } from './raw-preview.ts';
import { encodeThumbhash, THUMBHASH_MAX_SIDE } from './thumbhash.ts';
import { readVideoMetadata } from './video-metadata.ts';
import { extractVideoFrame, findFfmpeg } from './video-frame.ts';

export { DEFAULT_MAX_PIXELS, TooManyPixelsError, UndecodableError } from './media-errors.ts';
export { findFfmpeg } from './video-frame.ts';

export const GRID_SHORT_EDGE = 360;
export const PREVIEW_LONG_EDGE = 2048;
export const GRID_QUALITY = 78;
export const PREVIEW_QUALITY = 80;
const WEBP_EFFORT = 4;
// The grid thumbnail's AVIF copy: about half the WebP's bytes for the same look at grid
// size (what a phone on a slow network waits for). Effort 0 takes ~12 ms, as the WebP does
// (effort 2: ~60 ms for 1-10 % fewer bytes), so batches are not slowed by it.
const GRID_AVIF = { quality: 50, effort: 0, chromaSubsampling: '4:2:0' } as const;
// Smaller embedded images (EXIF thumbnails) are not worth showing instead of a placeholder.
const MIN_USEFUL_EDGE = 160;
const PLACEHOLDER_LONG_EDGE = 480;
const PLACEHOLDER_GREY = { r: 200, g: 200, b: 200 };
/** The format's name on it ("CRW", "JPEG XL"), darker grey. */
const PLACEHOLDER_INK = { r: 120, g: 120, b: 120 };
const NOT_TIFF_RAWS = new Set<RawFormat>(['cr3', 'raf', 'crw', 'mrw', 'x3f']);

export interface DerivativesInput {
  path: string;
  type: DetectedType;
}

export interface DerivativesOutput {
  smallPath: string;
  /** The grid thumbnail again as AVIF (left out when not given). */
  smallAvifPath?: string;
  largePath: string;
}

export interface DerivativesOptions {
  /** A working ffmpeg (from findFfmpeg); null: none; undefined: look for `ffmpeg` on PATH. */
  ffmpegPath?: string | null;
  /** Refuse images with more pixels than this (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Videos: where the frame is taken from; read with mediainfo when not given. */
  durationSeconds?: number | null;
  /** Displayed size known from metadata, to give a placeholder the right shape. */
  displaySize?: { width: number; height: number } | null;
}

export interface DerivativesResult {
  width: number;
  height: number;
  thumbhash: string;
  source: 'decoded' | 'embedded-preview' | 'video-frame' | 'placeholder';
  warning?: string;
}

interface Source {
  open(failOn: FailOnOptions): Sharp;
  /** As displayed, after orientation. */
  width: number;
  height: number;
  source: DerivativesResult['source'];
  warning?: string;
  /** Whether an image that decodes only with errors is still used (photos: yes). */
  allowPartial: boolean;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.trim() : String(error);
}

function joinWarnings(...parts: Array<string | undefined>): string | undefined {
  const kept = parts.filter((p): p is string => Boolean(p));
  return kept.length > 0 ? kept.join('; ') : undefined;
}

let pathFfmpeg: Promise<string | null> | undefined;

export async function makeDerivatives(
  input: DerivativesInput,
  out: DerivativesOutput,
  opts: DerivativesOptions = {},
): Promise<DerivativesResult> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  switch (input.type.kind) {
    case 'photo': {
      if (input.type.format === 'jxl' && !decodesJpegXl()) {
        return renderPlaceholder(input.type, out, opts.displaySize, 'JPEG XL is not decoded by this server: neutral placeholder');
      }
      const source =
        input.type.format === 'heic' ? await heicSource(input.path, maxPixels) : await fileSource(input.path, maxPixels);
      return render(source, out, maxPixels);
    }
    case 'raw':
      return renderRaw(input, out, opts, maxPixels);
    case 'video':
      return renderVideo(input, out, opts, maxPixels);
  }
}

/** An image file sharp decodes itself; its EXIF orientation is applied. */
async function fileSource(path: string, maxPixels: number): Promise<Source> {
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new UndecodableError(`cannot read the image: ${message(error)}`);
  }
  if (!meta.width || !meta.height) throw new UndecodableError('cannot read the image: no size in its header');
  if (meta.width * meta.height > maxPixels) throw new TooManyPixelsError(meta.width, meta.height, maxPixels);
  return {
    open: (failOn) => sharp(path, { failOn, limitInputPixels: maxPixels, autoOrient: true }),
    width: meta.autoOrient?.width ?? meta.width,
    height: meta.autoOrient?.height ?? meta.height,
    source: 'decoded',
    allowPartial: true,
  };
}

async function heicSource(path: string, maxPixels: number): Promise<Source> {
  // libheif has applied the HEIF transformations (irot/imir): the EXIF orientation the
  // file also carries must not be applied a second time.
  const [{ width, height, data }, colour] = await Promise.all([
    decodeHeic(path, maxPixels),
    readHeicColour(path).catch((): HeicColour => ({})),
  ]);
  const raw = { width, height, channels: 4 } as const;
  const { icc, warning } = await heicProfile(colour);
  const src: Source = { open: () => sharp(data, { raw }), width, height, source: 'decoded', allowPartial: false };
  if (warning) src.warning = warning;
  if (!icc) return src;
  // The pixels are in the file's colour space (iPhones: Display P3), and raw pixels cannot
  // carry a profile into sharp. So: shrink them to the intermediate size, wrap them in an
  // uncompressed PNG with the profile as its iCCP chunk, and let sharp's decode convert that
  // to sRGB (lcms, as for any JPEG or PNG with an embedded profile).
  const size = intermediateSize(width, height);
  const png = await sharp(data, { raw })
    .resize(size.width, size.height, { fit: 'fill' })
    .png({ compressionLevel: 0, adaptiveFiltering: false })
    .toBuffer();
  const tagged = pngWithIccProfile(png, icc);
  return { ...src, open: () => sharp(tagged) };
}

// nclx code points (ISO/IEC 23091-2) that are sRGB as far as a thumbnail goes.
const NCLX_SRGB_PRIMARIES = new Set([1, 2]); // BT.709, unspecified
const NCLX_SDR_TRANSFER = new Set([1, 2, 6, 13]); // BT.709, unspecified, BT.601, sRGB
const NCLX_P3_PRIMARIES = 12; // Display P3 (P3 primaries, D65)

let p3Profile: Promise<Buffer> | undefined;

/** The profile to convert a decoded HEIF from, or a warning when its colours cannot be converted. */
async function heicProfile(colour: HeicColour): Promise<{ icc?: Buffer; warning?: string }> {
  if (colour.icc) return { icc: colour.icc };
  const nclx = colour.nclx;
  if (!nclx || (NCLX_SRGB_PRIMARIES.has(nclx.primaries) && NCLX_SDR_TRANSFER.has(nclx.transfer))) return {};
  if (nclx.primaries === NCLX_P3_PRIMARIES && NCLX_SDR_TRANSFER.has(nclx.transfer)) {
    // libvips' own Display P3 profile, taken from an image it tags with it.
    p3Profile ??= sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .withIccProfile('p3')
      .png()
      .toBuffer()
      .then(async (png) => (await sharp(png).metadata()).icc!);
    return { icc: await p3Profile };
  }
  return {
    warning: `colours shown unconverted: HEIF colour space nclx primaries ${nclx.primaries}, transfer ${nclx.transfer} (HDR or wide gamut) is not converted to sRGB`,
  };
}

/** A PNG with an iCCP chunk (the profile, deflated) put right after IHDR; the pixels untouched. */
function pngWithIccProfile(png: Buffer, icc: Buffer): Buffer {
  const afterIhdr = 8 + 8 + 13 + 4;
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG from sharp');
  const body = Buffer.concat([Buffer.from('iCCP'), Buffer.from('ICC profile\0\0', 'latin1'), deflateSync(icc)]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return Buffer.concat([png.subarray(0, afterIhdr), chunk, png.subarray(afterIhdr)]);
}

/** Just large enough for both derived sizes: the preview's long edge and the grid's short edge. */
function intermediateSize(width: number, height: number): { width: number; height: number; scale: number } {
  const scale = Math.min(1, Math.max(PREVIEW_LONG_EDGE / Math.max(width, height), GRID_SHORT_EDGE / Math.min(width, height)));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), scale };
}

async function decodeIntermediate(src: Source, failOn: FailOnOptions) {
  const size = intermediateSize(src.width, src.height);
  let image = src.open(failOn);
  if (size.scale < 1) image = image.resize(size.width, size.height, { fit: 'inside' });
  return image.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
}

async function render(src: Source, out: DerivativesOutput, maxPixels: number): Promise<DerivativesResult> {
  let warning = src.warning;
  let decoded: Awaited<ReturnType<typeof decodeIntermediate>>;
  try {
    decoded = await decodeIntermediate(src, 'error');
  } catch (error) {
    if (isSharpPixelLimitError(error)) throw new TooManyPixelsError(src.width, src.height, maxPixels);
    if (!src.allowPartial) throw new UndecodableError(`cannot decode the image: ${message(error)}`);
    try {
      decoded = await decodeIntermediate(src, 'none');
    } catch (again) {
      throw new UndecodableError(`cannot decode the image: ${message(again)}`);
    }
    warning = joinWarnings(warning, `image data is damaged or truncated; derived from the part that decodes (${message(error)})`);
  }

  const { data, info } = decoded;
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const from = () => sharp(data, { raw });
  const landscape = info.width >= info.height;
  const grid = () => from().resize(landscape ? null : GRID_SHORT_EDGE, landscape ? GRID_SHORT_EDGE : null, { withoutEnlargement: true });
  const [large, small, smallAvif, tiny] = await Promise.all([
    from()
      .resize(PREVIEW_LONG_EDGE, PREVIEW_LONG_EDGE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: PREVIEW_QUALITY, effort: WEBP_EFFORT })
      .toBuffer(),
    grid().webp({ quality: GRID_QUALITY, effort: WEBP_EFFORT }).toBuffer(),
    // The copy is optional: should its encoder fail, the WebP is sent instead (fsck lists it).
    out.smallAvifPath ? grid().avif(GRID_AVIF).toBuffer().catch(() => undefined) : undefined,
    from()
      .resize(THUMBHASH_MAX_SIDE, THUMBHASH_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);

  await Promise.all([mkdir(dirname(out.largePath), { recursive: true }), mkdir(dirname(out.smallPath), { recursive: true })]);
  await Promise.all([writeFileAtomic(out.largePath, large), writeFileAtomic(out.smallPath, small), smallAvif && writeFileAtomic(out.smallAvifPath!, smallAvif)]);
  const result: DerivativesResult = {
    width: src.width,
    height: src.height,
    thumbhash: encodeThumbhash(tiny.data, tiny.info.width, tiny.info.height),
    source: src.source,
  };
  if (warning) result.warning = warning;
  return result;
}

async function previewSource(path: string, preview: RawPreview, rawOrientation: number): Promise<Source> {
  const jpeg = await readRawPreview(path, preview);
  const own = (await sharp(jpeg).metadata()).orientation;
  // A preview with its own EXIF orientation is turned by it; most carry none and take the RAW's.
  const orientation = own && own !== 1 ? own : rawOrientation;
  const swap = swapsAxes(orientation);
  return {
    open: (failOn) =>
      own && own !== 1 ? sharp(jpeg, { failOn, autoOrient: true }) : applyOrientation(sharp(jpeg, { failOn }), orientation),
    width: swap ? preview.height : preview.width,
    height: swap ? preview.width : preview.height,
    source: 'embedded-preview',
    allowPartial: false,
  };
}

async function renderRaw(
  input: DerivativesInput,
  out: DerivativesOutput,
  opts: DerivativesOptions,
  maxPixels: number,
): Promise<DerivativesResult> {
  const problems: string[] = [];
  try {
    const { previews, cutOff, orientation } = await findRawPreviews(input.path, input.type.format as RawFormat);
    for (const preview of cutOff) problems.push(`the file ends inside its ${preview.width}x${preview.height} preview (an interrupted copy?)`);
    for (const preview of previews) {
      if (Math.max(preview.width, preview.height) < MIN_USEFUL_EDGE) continue;
      if (preview.width * preview.height > maxPixels) {
        problems.push(`preview ${preview.width}x${preview.height} is above the pixel limit`);
        continue;
      }
      try {
        const source = await previewSource(input.path, preview, orientation);
        // A larger preview that could not be used makes this one a fallback worth a badge.
        if (problems.length) source.warning = joinWarnings(source.warning, `made from a ${preview.width}x${preview.height} preview`, ...problems);
        return await render(source, out, maxPixels);
      } catch (error) {
        problems.push(`preview ${preview.width}x${preview.height}: ${message(error)}`);
      }
    }
  } catch (error) {
    problems.push(`previews: ${message(error)}`);
  }
  // libtiff reads some TIFF-based RAWs itself (a DNG's IFD0 preview strip, for one).
  if (!NOT_TIFF_RAWS.has(input.type.format as RawFormat)) {
    try {
      const src = await fileSource(input.path, maxPixels);
      if (Math.max(src.width, src.height) >= MIN_USEFUL_EDGE) return await render({ ...src, allowPartial: false }, out, maxPixels);
      problems.push(`only a ${src.width}x${src.height} image decodes`);
    } catch (error) {
      problems.push(`decode: ${message(error)}`);
    }
  }
  return renderPlaceholder(input.type, out, opts.displaySize, joinWarnings('no usable preview in this RAW file', ...problems));
}

async function renderVideo(
  input: DerivativesInput,
  out: DerivativesOutput,
  opts: DerivativesOptions,
  maxPixels: number,
): Promise<DerivativesResult> {
  const ffmpeg = opts.ffmpegPath === null ? null : (opts.ffmpegPath ?? (await (pathFfmpeg ??= findFfmpeg())));
  let { durationSeconds, displaySize } = opts;
  if (durationSeconds === undefined || (!ffmpeg && !displaySize)) {
    const meta = await readVideoMetadata(input.path).catch(() => undefined);
    durationSeconds ??= meta?.duration ?? null;
    if (!displaySize && meta?.width && meta.height) displaySize = { width: meta.width, height: meta.height };
  }
  if (!ffmpeg) return renderPlaceholder(input.type, out, displaySize, 'ffmpeg is not available: neutral poster');
  try {
    const frame = await extractVideoFrame(ffmpeg, input.path, durationSeconds ?? null);
    const meta = await sharp(frame).metadata();
    return await render(
      {
        open: (failOn) => sharp(frame, { failOn, limitInputPixels: maxPixels }),
        width: meta.width!,
        height: meta.height!,
        source: 'video-frame',
        allowPartial: false,
      },
      out,
      maxPixels,
    );
  } catch (error) {
    // ffmpeg decoded nothing, and no video track can be read either (a cut-off or garbled
    // file): damaged. A readable track whose frames are elsewhere keeps a neutral poster.
    if (!(await readVideoMetadata(input.path).then(() => true, () => false))) {
      throw new UndecodableError('This video is damaged: no picture could be read from it. The original is kept as uploaded.');
    }
    return renderPlaceholder(input.type, out, displaySize, `no poster frame: ${message(error)}`);
  }
}

function placeholderSize(display: DerivativesOptions['displaySize']): { width: number; height: number } {
  const aspect = display && display.width > 0 && display.height > 0 ? Math.min(3, Math.max(1 / 3, display.width / display.height)) : 4 / 3;
  return aspect >= 1
    ? { width: PLACEHOLDER_LONG_EDGE, height: Math.round(PLACEHOLDER_LONG_EDGE / aspect) }
    : { width: Math.round(PLACEHOLDER_LONG_EDGE * aspect), height: PLACEHOLDER_LONG_EDGE };
}

async function renderPlaceholder(
  type: DetectedType,
  out: DerivativesOutput,
  display: DerivativesOptions['displaySize'],
  warning: string | undefined,
): Promise<DerivativesResult> {
  const { width, height } = placeholderSize(display);
  const { r, g, b } = PLACEHOLDER_GREY;
  const pixels = Buffer.alloc(width * height * 3);
  for (let at = 0; at < pixels.length; at += 3) pixels.set([r, g, b], at);
  drawLabel(pixels, width, height, formatName(type.format), PLACEHOLDER_INK);
  const src: Source = {
    open: () => sharp(pixels, { raw: { width, height, channels: 3 } }),
    width,
    height,
    source: 'placeholder',
    allowPartial: false,
  };
  if (warning) src.warning = warning;
  return render(src, out, DEFAULT_MAX_PIXELS);
}
