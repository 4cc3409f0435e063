// Video metadata with mediainfo.js, reading the file in chunks through a file handle.
//   readVideoMetadata(path, { defaultTz }) → VideoMetadata; throws only when the file cannot be
//   opened or mediainfo finds no video track at all (warnings carry the lesser problems).
// width/height are as displayed (after the rotation in the track header); rotation is
// clockwise degrees, mediainfo's and exiftool's sign (ffprobe's displaymatrix is the opposite).
// One MediaInfo instance is reused and calls are serialised (an instance cannot run two
// analyses at once). Measured on the iPad fixture: 16–32 ms a call this way, 85 ms with a
// new instance per call (WASM instantiation), which also leaves a heap per instance.
import { open } from 'node:fs/promises';
import mediaInfoFactory, { type MediaInfo, type MediaInfoResult } from 'mediainfo.js';
import { gpsFromLocationText, type GpsPosition } from './gps.ts';
import { pickJsonSafe } from './json-safe.ts';
import { readRange } from './read-bytes.ts';
import { parseDateTime, plausibleTakenAt, takenAtFromInstant, takenAtFromParsed, type TakenAt } from './taken-at.ts';

export interface VideoMetadata {
  /** Seconds. */
  duration: number | null;
  width: number | null;
  height: number | null;
  /** Clockwise degrees the stored frames are turned for display. */
  rotation: 0 | 90 | 180 | 270;
  frameRate: number | null;
  /** 'h264', 'hevc', 'vp9', 'av1', 'mjpeg', ... (lower-case, ffmpeg's names where they differ). */
  videoCodec: string | null;
  audioCodec: string | null;
  /** 'mp4', 'mov', 'webm', 'mkv', '3gp', ... */
  container: string | null;
  /** Bits per sample of the video, e.g. 8 or 10. */
  bitDepth: number | null;
  /** '4:2:0', '4:2:2', ... */
  chromaSubsampling: string | null;
  /** The transfer is PQ or HLG (HDR): needs tone mapping to look right on an SDR screen. */
  hdr: boolean;
  takenAt: TakenAt | null;
  /** Apple's content identifier: the video of a Live Photo. */
  contentId: string | null;
  gps: GpsPosition | null;
  make: string | null;
  model: string | null;
  raw: Record<string, unknown>;
  warnings: string[];
}

export interface VideoMetadataOptions {
  /** IANA zone used to show a UTC-only creation time as a local wall clock. */
  defaultTz?: string;
}

type Track = Record<string, unknown>;

const VIDEO_CODECS: Record<string, string> = {
  AVC: 'h264',
  HEVC: 'hevc',
  'MPEG-4 Visual': 'mpeg4',
  'MPEG Video': 'mpeg2video',
  JPEG: 'mjpeg',
  'H.263': 'h263',
  ProRes: 'prores',
};
const AUDIO_CODECS: Record<string, string> = {
  'MPEG Audio': 'mp3',
  'AC-3': 'ac3',
  'E-AC-3': 'eac3',
  PCM: 'pcm',
};
const CONTAINERS: Record<string, string> = { QuickTime: 'mov', WebM: 'webm', Matroska: 'mkv', AVI: 'avi' };

const RAW_GENERAL_KEYS = [
  'Format', 'Format_Profile', 'CodecID', 'Duration', 'OverallBitRate', 'FrameRate', 'Encoded_Date', 'Tagged_Date',
  'Recorded_Date', 'Recorded_Location', 'Encoded_Application', 'Encoded_Hardware_CompanyName', 'Encoded_Hardware_Name',
  'Encoded_Hardware_Model', 'Encoded_Library',
];
const RAW_VIDEO_KEYS = [
  'Format', 'Format_Profile', 'CodecID', 'Width', 'Height', 'Rotation', 'FrameRate', 'FrameRate_Mode', 'BitRate',
  'BitDepth', 'ChromaSubsampling', 'ScanType', 'PixelAspectRatio', 'DisplayAspectRatio', 'colour_primaries',
  'transfer_characteristics', 'matrix_coefficients', 'HDR_Format',
];
const RAW_AUDIO_KEYS = ['Format', 'CodecID', 'Channels', 'SamplingRate', 'BitRate'];

let instance: Promise<MediaInfo<'object'>> | undefined;
let queue: Promise<unknown> = Promise.resolve();

function mediaInfo(): Promise<MediaInfo<'object'>> {
  instance ??= mediaInfoFactory({ format: 'object', full: false });
  return instance;
}

/** Runs one analysis at a time on the shared instance. */
function serialised<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

function analyse(path: string): Promise<MediaInfoResult> {
  return serialised(async () => {
    const mi = await mediaInfo();
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      return await mi.analyzeData(size, (chunkSize, offset) => readRange(handle, offset, chunkSize));
    } finally {
      mi.reset();
      await handle.close();
    }
  });
}

function num(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function normaliseRotation(value: unknown): VideoMetadata['rotation'] {
  const degrees = typeof value === 'string' ? Number.parseFloat(value) : typeof value === 'number' ? value : 0;
  if (!Number.isFinite(degrees)) return 0;
  const quarter = (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
  return quarter as VideoMetadata['rotation'];
}

function containerOf(general: Track): string | null {
  const format = str(general.Format);
  if (!format) return null;
  if (format === 'MPEG-4') {
    const codecId = str(general.CodecID) ?? '';
    if (str(general.Format_Profile) === 'QuickTime' || codecId.startsWith('qt')) return 'mov';
    if (codecId.startsWith('3g')) return '3gp';
    return 'mp4';
  }
  return CONTAINERS[format] ?? format.toLowerCase();
}

/** A creation time that is not a container's zero epoch (1904-01-01, 1970-01-01). */
function realDate(text: unknown): ReturnType<typeof parseDateTime> {
  const parsed = parseDateTime(text);
  if (!parsed) return undefined;
  if (parsed.local.startsWith('1904-01-01') || parsed.local.startsWith('1970-01-01')) return undefined;
  return parsed;
}

function takenAtOf(general: Track, video: Track, defaultTz: string): TakenAt | null {
  const recorded = realDate(general.Recorded_Date);
  const candidates = [
    // Apple's com.apple.quicktime.creationdate keeps the local time and its offset.
    () => (recorded?.offset ? takenAtFromParsed(recorded, undefined, defaultTz) : undefined),
    // QuickTime/MP4 creation times are UTC by definition.
    ...[general.Encoded_Date, video.Encoded_Date].map((value) => () => {
      const encoded = realDate(value);
      return encoded ? takenAtFromInstant(takenAtFromParsed(encoded, '+00:00').instant, defaultTz) : undefined;
    }),
    () => (recorded ? takenAtFromParsed(recorded, undefined, defaultTz) : undefined),
  ];
  // A camera whose clock was never set writes 2038 or 1904: not when it was taken.
  for (const candidate of candidates) {
    const takenAt = candidate();
    if (takenAt && plausibleTakenAt(takenAt)) return takenAt;
  }
  return null;
}

export async function readVideoMetadata(path: string, options: VideoMetadataOptions = {}): Promise<VideoMetadata> {
  const defaultTz = options.defaultTz ?? 'UTC';
  const result = await analyse(path);
  const tracks = (result.media?.track ?? []) as unknown as Track[];
  const general = tracks.find((t) => t['@type'] === 'General') ?? {};
  const video = tracks.find((t) => t['@type'] === 'Video');
  const audio = tracks.find((t) => t['@type'] === 'Audio');
  if (!video) throw new Error('no video track found');
  const warnings: string[] = [];

  const rotation = normaliseRotation(video.Rotation);
  let width = num(video.Width);
  let height = num(video.Height);
  const pixelAspect = num(video.PixelAspectRatio);
  if (width && pixelAspect && Math.abs(pixelAspect - 1) > 0.01) width = Math.round(width * pixelAspect);
  if (rotation === 90 || rotation === 270) [width, height] = [height, width];

  const videoFormat = str(video.Format);
  const audioFormat = str(audio?.Format);
  const location = str(general.Recorded_Location) ?? str(general.xyz);
  const gps = gpsFromLocationText(location);
  if (location && !gps) warnings.push(`unreadable location ${JSON.stringify(location)}`);
  const extra = (general.extra ?? {}) as Track;

  return {
    duration: num(general.Duration) ?? num(video.Duration),
    width,
    height,
    rotation,
    frameRate: num(video.FrameRate) ?? num(general.FrameRate),
    videoCodec: videoFormat ? (VIDEO_CODECS[videoFormat] ?? videoFormat.toLowerCase()) : null,
    audioCodec: audioFormat ? (AUDIO_CODECS[audioFormat] ?? audioFormat.toLowerCase()) : null,
    container: containerOf(general),
    bitDepth: num(video.BitDepth),
    chromaSubsampling: str(video.ChromaSubsampling),
    hdr: /\b(PQ|HLG|SMPTE ST 2084|ARIB STD-B67)\b/i.test(String(video.transfer_characteristics ?? '')) || str(video.HDR_Format) !== null,
    takenAt: takenAtOf(general, video, defaultTz),
    contentId: str(extra.com_apple_quicktime_content_identifier),
    gps,
    make: str(general.Encoded_Hardware_CompanyName) ?? str(extra.com_android_manufacturer),
    model: str(general.Encoded_Hardware_Model) ?? str(general.Encoded_Hardware_Name) ?? str(extra.com_android_model),
    raw: {
      general: pickJsonSafe(general, RAW_GENERAL_KEYS),
      video: pickJsonSafe(video, RAW_VIDEO_KEYS),
      ...(audio ? { audio: pickJsonSafe(audio, RAW_AUDIO_KEYS) } : {}),
    },
    warnings,
  };
}
