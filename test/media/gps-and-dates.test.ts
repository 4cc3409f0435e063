import { describe, expect, it } from 'vitest';
import { iptcCaptureDate, xmpCaptureDate } from '../../src/media/embedded-dates.ts';
import { gpsFromExif, gpsFromLocationText } from '../../src/media/gps.ts';
import { toJsonSafe } from '../../src/media/json-safe.ts';

describe('gpsFromExif', () => {
  it('turns degrees, minutes, seconds and refs into signed decimals', () => {
    const furnaceCreek = gpsFromExif({
      GPSLatitude: [36, 26, 54],
      GPSLatitudeRef: 'N',
      GPSLongitude: [116, 51, 18],
      GPSLongitudeRef: 'W',
      GPSAltitude: 14.28,
      GPSAltitudeRef: new Uint8Array([1]),
    });
    expect(furnaceCreek?.latitude).toBeCloseTo(36.448333, 6);
    expect(furnaceCreek?.longitude).toBeCloseTo(-116.855, 6);
    expect(furnaceCreek?.altitude).toBe(-14.28);
    expect(gpsFromExif({ GPSLatitude: [38, 24.311687, 0], GPSLatitudeRef: 'S', GPSLongitude: [144, 11.33748, 0], GPSLongitudeRef: 'E' })?.latitude).toBeCloseTo(-38.40519, 5);
  });

  it('gives null for empty, zero or impossible positions', () => {
    expect(gpsFromExif(undefined)).toBeNull();
    expect(gpsFromExif({ GPSVersionID: new Uint8Array([2, 2, 0, 0]) })).toBeNull();
    expect(gpsFromExif({ GPSLatitude: [0, 0, 0], GPSLatitudeRef: 'N', GPSLongitude: [0, 0, 0], GPSLongitudeRef: 'E' })).toBeNull();
    expect(gpsFromExif({ GPSLatitude: [95, 0, 0], GPSLongitude: [10, 0, 0] })).toBeNull();
    expect(gpsFromExif({ GPSLatitude: [NaN, 0, 0], GPSLongitude: [10, 0, 0] })).toBeNull();
    expect(gpsFromExif({ GPSLatitude: 'garbage', GPSLongitude: [10, 0, 0] })).toBeNull();
  });
});

describe('gpsFromLocationText', () => {
  it('reads ISO 6709 and mediainfo text', () => {
    expect(gpsFromLocationText('+52.4597+013.3220+051.178/')).toEqual({ latitude: 52.4597, longitude: 13.322, altitude: 51.178 });
    expect(gpsFromLocationText('-33.8688+151.2093/')).toEqual({ latitude: -33.8688, longitude: 151.2093, altitude: null });
    expect(gpsFromLocationText('52.4597°N 13.3220°E 51.178m')).toEqual({ latitude: 52.4597, longitude: 13.322, altitude: 51.178 });
    expect(gpsFromLocationText('37.7858°N 122.4064°W 10.000000m / 37.785797°N 122.406387°W')?.longitude).toBe(-122.4064);
    expect(gpsFromLocationText('+00.0000+000.0000/')).toBeNull();
    expect(gpsFromLocationText('somewhere')).toBeNull();
  });
});

describe('capture dates outside EXIF', () => {
  it('reads XMP attributes and elements, in order of preference', () => {
    expect(xmpCaptureDate('<rdf:Description xmp:CreateDate="2019-06-09T12:57:32" photoshop:DateCreated="2019-06-09T12:57:32.835"/>')).toBe(
      '2019-06-09T12:57:32.835',
    );
    expect(xmpCaptureDate('<exif:DateTimeOriginal>2005-08-03T18:59:18-04:00</exif:DateTimeOriginal>')).toBe('2005-08-03T18:59:18-04:00');
    expect(xmpCaptureDate('<x:xmpmeta/>')).toBeUndefined();
  });

  it('reads IPTC DateCreated and TimeCreated', () => {
    const dataset = (n: number, text: string) => [0x1c, 0x02, n, 0, text.length, ...Buffer.from(text)];
    const iptc = new Uint8Array([...Buffer.from('Photoshop 3.0\0'), ...dataset(55, '20200723'), ...dataset(60, '113220+0000')]);
    expect(iptcCaptureDate(iptc)).toBe('2020-07-23T11:32:20+00:00');
    expect(iptcCaptureDate(new Uint8Array(dataset(55, '20200723')))).toBe('2020-07-23');
    expect(iptcCaptureDate(new Uint8Array(dataset(55, 'garbage!')))).toBeUndefined();
  });
});

describe('toJsonSafe', () => {
  it('keeps text and numbers, drops blobs, dates and non-finite numbers', () => {
    expect(
      toJsonSafe({ a: 'x\0', b: 1.5, c: Number.NaN, d: new Date(), e: new Uint8Array(4000), f: new Uint8Array([2, 2, 0, 0]), g: [1, 'two'], h: '  ' }),
    ).toEqual({ a: 'x', b: 1.5, f: [2, 2, 0, 0], g: [1, 'two'] });
  });
});
