// Photo metadata for the asset row and its JSONB `metadata`.
//   readPhotoMetadata(path, format, { defaultTz }) → PhotoMetadata; never throws: corrupt EXIF
//   gives what could be read plus `warnings`.
// width/height are as displayed (after EXIF orientation). takenAt comes from
// DateTimeOriginal (+ OffsetTimeOriginal), then DateTimeDigitized, then IPTC and XMP capture
// dates, then the GPS fix's time (an instant), then IFD0's ModifyDate; without a recorded
// offset the wall clock is read in `defaultTz` (default UTC). A date before photography or
// in the future (an unset camera clock) is skipped with a warning.
import type { MediaFormat } from './file-type.ts';
import { iptcCaptureDate, xmpCaptureDate } from './embedded-dates.ts';
import { contentIdFromMakerNote, contentIdFromXmp } from './content-id.ts';
import { readExifSources, type ExifSources, type TagBlock } from './exif-read.ts';
import { gpsFromExif, type GpsPosition } from './gps.ts';
import { pickJsonSafe, toJsonSafe } from './json-safe.ts';
import { parseDateTime, plausibleTakenAt, takenAtFromInstant, takenAtFromParsed, type TakenAt } from './taken-at.ts';
import { collectIfds, openTiff, TAG } from './tiff-ifd.ts';

export type { GpsPosition } from './gps.ts';
export type { TakenAt } from './taken-at.ts';

export interface PhotoMetadata {
  make: string | null;
  model: string | null;
  lens: string | null;
  iso: number | null;
  /** Seconds. */
  exposureTime: number | null;
  fNumber: number | null;
  /** Millimetres. */
  focalLength: number | null;
  /** EXIF orientation 1–8 (anything else reads as 1). */
  orientation: number;
  width: number | null;
  height: number | null;
  gps: GpsPosition | null;
  takenAt: TakenAt | null;
  /** Apple's content identifier: the photo of a Live Photo. */
  contentId: string | null;
  /** A JSON-safe selection of the tags, for JSONB. */
  raw: Record<string, unknown>;
  warnings: string[];
}

export interface PhotoMetadataOptions {
  /** IANA zone that a wall-clock time without an offset is read in. */
  defaultTz?: string;
}

const RAW_IFD0_KEYS = ['Make', 'Model', 'Software', 'Orientation', 'ModifyDate', 'Artist', 'Copyright', 'ImageDescription', 'HostComputer'];
const RAW_EXIF_KEYS = [
  'DateTimeOriginal', 'CreateDate', 'OffsetTime', 'OffsetTimeOriginal', 'OffsetTimeDigitized', 'SubSecTimeOriginal',
  'ExposureTime', 'FNumber', 'ISO', 'ExposureProgram', 'ExposureCompensation', 'MeteringMode', 'Flash', 'FocalLength',
  'FocalLengthIn35mmFormat', 'LensMake', 'LensModel', 'LensInfo', 'WhiteBalance', 'ColorSpace', 'ExifImageWidth',
  'ExifImageHeight', 'SceneCaptureType', 'DigitalZoomRatio',
];
const RAW_GPS_KEYS = [
  'GPSLatitudeRef', 'GPSLatitude', 'GPSLongitudeRef', 'GPSLongitude', 'GPSAltitudeRef', 'GPSAltitude', 'GPSTimeStamp',
  'GPSDateStamp', 'GPSImgDirectionRef', 'GPSImgDirection', 'GPSSpeedRef', 'GPSSpeed', 'GPSHPositioningError',
];
const RAW_FORMATS = new Set<MediaFormat>(['dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'raf', 'rw2', 'crw', 'mrw', 'x3f', 'raw']);

function text(value: unknown): string | null {
  const safe = toJsonSafe(value);
  return typeof safe === 'string' ? safe : null;
}

function positive(value: unknown): number | null {
  const n = Array.isArray(value) || ArrayBuffer.isView(value) ? (value as ArrayLike<unknown>)[0] : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

function orientationOf(ifd0: TagBlock, warnings: string[]): number {
  const value = ifd0.Orientation;
  if (value === undefined) return 1;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8) return value;
  warnings.push(`invalid EXIF orientation ${String(value)} read as 1`);
  return 1;
}

export async function readPhotoMetadata(
  path: string,
  format: MediaFormat,
  options: PhotoMetadataOptions = {},
): Promise<PhotoMetadata> {
  const defaultTz = options.defaultTz ?? 'UTC';
  const sources = await readExifSources(path, format);
  const { ifd0, exif, gps, warnings } = sources;

  const orientation = orientationOf(ifd0, warnings);
  const size = displayedSize(sources, format, orientation);
  const position = gpsFromExif(gps);
  if (!position && (gps.GPSLatitude !== undefined || gps.GPSLongitude !== undefined)) {
    warnings.push('GPS tags present but not a valid position');
  }
  const taken = takenAtOf(sources, defaultTz, warnings);

  const raw: Record<string, unknown> = {
    ...pickJsonSafe(ifd0, RAW_IFD0_KEYS),
    ...pickJsonSafe(exif, RAW_EXIF_KEYS),
    ...pickJsonSafe(gps, RAW_GPS_KEYS),
  };
  if (taken.source !== 'exif' && taken.text) raw.CaptureDateSource = `${taken.source}: ${taken.text}`;

  return {
    make: text(ifd0.Make),
    model: text(ifd0.Model),
    lens: text(exif.LensModel),
    iso: positive(exif.ISO),
    exposureTime: positive(exif.ExposureTime),
    fNumber: positive(exif.FNumber),
    focalLength: positive(exif.FocalLength),
    orientation,
    width: size?.width ?? null,
    height: size?.height ?? null,
    gps: position,
    takenAt: taken.takenAt,
    contentId: contentIdFromMakerNote(sources.makerNote) ?? contentIdFromXmp(sources.xmp),
    raw,
    warnings,
  };
}

interface TakenAtChoice {
  takenAt: TakenAt | null;
  source: 'exif' | 'iptc' | 'xmp' | 'gps' | 'modified' | 'none';
  text?: string;
}

function takenAtOf(sources: ExifSources, defaultTz: string, warnings: string[]): TakenAtChoice {
  const { exif, ifd0, gps } = sources;
  const candidates: Array<[TakenAtChoice['source'], unknown, unknown, unknown]> = [
    ['exif', exif.DateTimeOriginal, exif.OffsetTimeOriginal, exif.SubSecTimeOriginal],
    ['exif', exif.CreateDate, exif.OffsetTimeDigitized, exif.SubSecTimeDigitized],
    ['iptc', iptcCaptureDate(sources.iptc), undefined, undefined],
    ['xmp', xmpCaptureDate(sources.xmp), undefined, undefined],
    ['gps', gpsDateTime(gps.GPSDateStamp, gps.GPSTimeStamp), undefined, undefined],
    ['modified', ifd0.ModifyDate, exif.OffsetTime, exif.SubSecTime],
  ];
  for (const [source, value, offset, subSeconds] of candidates) {
    if (value === undefined || value === null || value === '') continue;
    const parsed = parseDateTime(value);
    if (!parsed) {
      warnings.push(`unreadable ${source} date ${JSON.stringify(String(value))}`);
      continue;
    }
    if (parsed.millis === 0 && typeof subSeconds === 'string' && /^\d+$/.test(subSeconds.trim())) {
      parsed.millis = Math.floor(Number(`0.${subSeconds.trim()}`) * 1000);
    }
    // The GPS fix is in UTC: an instant, shown in the default zone.
    const takenAt = source === 'gps' ? takenAtFromInstant(takenAtFromParsed(parsed, '+00:00').instant, defaultTz) : takenAtFromParsed(parsed, offset, defaultTz);
    if (!plausibleTakenAt(takenAt)) {
      warnings.push(`${source} date ${JSON.stringify(String(value))} is before photography or in the future: not used`);
      continue;
    }
    return { takenAt, source, text: String(value) };
  }
  return { takenAt: null, source: 'none' };
}

/** GPSDateStamp '2018:07:25' and GPSTimeStamp [14, 34, 23.5] as one UTC date text, or undefined. */
function gpsDateTime(date: unknown, time: unknown): string | undefined {
  if (typeof date !== 'string' || !Array.isArray(time) || time.length !== 3 || !time.every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  const [h, m, s] = time as number[];
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${date.trim()} ${pad(h!)}:${pad(m!)}:${pad(s!)}Z`;
}

/** Whole numbers of pixels that the asset's int columns hold: a tag claiming 0xFFFFFFFF or 1.5 pixels is no size. */
const isSide = (n: number) => Number.isInteger(n) && n >= 1 && n <= 2 ** 31 - 1;

function displayedSize(sources: ExifSources, format: MediaFormat, orientation: number): { width: number; height: number } | undefined {
  const size = claimedSize(sources, format, orientation);
  return size && isSide(size.width) && isSide(size.height) ? size : undefined;
}

function claimedSize(
  sources: ExifSources,
  format: MediaFormat,
  orientation: number,
): { width: number; height: number } | undefined {
  const swap = orientation >= 5;
  const oriented = (width: number, height: number) => (swap ? { width: height, height: width } : { width, height });
  const meta = sources.sharpMeta;
  if (meta?.width && meta.height && !RAW_FORMATS.has(format)) {
    // sharp's autoOrient dims follow its own reading of the orientation (and HEIF's irot,
    // which libheif has applied already).
    if (meta.autoOrient?.width && meta.autoOrient.height) return { width: meta.autoOrient.width, height: meta.autoOrient.height };
    return oriented(meta.width, meta.height);
  }
  const sensor = sources.rawHead ? sensorSize(sources.rawHead) : undefined;
  if (sensor) return oriented(sensor.width, sensor.height);
  const w = positive(sources.exif.ExifImageWidth);
  const h = positive(sources.exif.ExifImageHeight);
  if (w && h) return oriented(w, h);
  return undefined;
}

/** The size of the sensor-data IFD (colour filter array or linear raw) of a TIFF-based RAW. */
function sensorSize(head: Uint8Array): { width: number; height: number } | undefined {
  const reader = openTiff(head);
  if (!reader) return undefined;
  for (const { ifd, kind } of collectIfds(reader)) {
    if (kind === 'exif') continue;
    const photometric = reader.number(ifd, TAG.Photometric);
    if (photometric !== 32803 && photometric !== 34892) continue;
    const width = reader.number(ifd, TAG.ImageWidth);
    const height = reader.number(ifd, TAG.ImageLength);
    if (width && height) return { width, height };
  }
  return undefined;
}
