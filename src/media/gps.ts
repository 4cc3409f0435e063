// GPS positions from EXIF and from video containers; anything empty or broken becomes null.
//   gpsFromExif(gpsBlock)        → from exifr's raw GPS IFD (GPSLatitude [d, m, s] + Ref, ...)
//   gpsFromLocationText(text)    → from ISO 6709 ('+52.4597+013.3220+051.178/') or
//                                  mediainfo's '52.4597°N 13.3220°E 51.178m'

export interface GpsPosition {
  latitude: number;
  longitude: number;
  altitude: number | null;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function firstByte(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Uint8Array || Array.isArray(value)) return toNumber(value[0]);
  if (value && typeof value === 'object' && '0' in value) return toNumber((value as Record<string, unknown>)['0']);
  return undefined;
}

function degrees(value: unknown): number | undefined {
  const direct = toNumber(value);
  if (direct !== undefined) return direct;
  const parts = Array.isArray(value) ? value : value instanceof Float64Array ? [...value] : undefined;
  if (!parts || parts.length === 0) return undefined;
  const [d, m = 0, s = 0] = parts.map(toNumber);
  if (d === undefined || m === undefined || s === undefined) return undefined;
  return d + m / 60 + s / 3600;
}

function refSign(ref: unknown, negative: string): number {
  return typeof ref === 'string' && ref.trim().toUpperCase().startsWith(negative) ? -1 : 1;
}

/** Valid, non-(0,0) coordinates; (0,0) is what broken GPS units write. */
function position(latitude: number | undefined, longitude: number | undefined, altitude: number | undefined | null): GpsPosition | null {
  if (latitude === undefined || longitude === undefined) return null;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  if (latitude === 0 && longitude === 0) return null;
  return { latitude, longitude, altitude: altitude ?? null };
}

export function gpsFromExif(gps: Record<string, unknown> | undefined): GpsPosition | null {
  if (!gps) return null;
  const lat = degrees(gps.GPSLatitude);
  const lon = degrees(gps.GPSLongitude);
  const rawAltitude = toNumber(gps.GPSAltitude);
  const altitude = rawAltitude === undefined ? null : firstByte(gps.GPSAltitudeRef) === 1 ? -rawAltitude : rawAltitude;
  return position(
    lat === undefined ? undefined : lat * refSign(gps.GPSLatitudeRef, 'S'),
    lon === undefined ? undefined : lon * refSign(gps.GPSLongitudeRef, 'W'),
    altitude,
  );
}

const ISO6709 = /^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?/;
const HEMISPHERES = /(\d+(?:\.\d+)?)°\s*([NS])\s+(\d+(?:\.\d+)?)°\s*([EW])(?:\s+(-?\d+(?:\.\d+)?)\s*m)?/i;

export function gpsFromLocationText(text: unknown): GpsPosition | null {
  if (typeof text !== 'string') return null;
  const iso = ISO6709.exec(text);
  if (iso) return position(toNumber(iso[1]), toNumber(iso[2]), toNumber(iso[3]));
  const h = HEMISPHERES.exec(text);
  if (h) {
    const lat = toNumber(h[1]);
    const lon = toNumber(h[3]);
    return position(
      lat === undefined ? undefined : h[2]!.toUpperCase() === 'S' ? -lat : lat,
      lon === undefined ? undefined : h[4]!.toUpperCase() === 'W' ? -lon : lon,
      toNumber(h[5]),
    );
  }
  return null;
}
