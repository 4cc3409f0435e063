import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readVideoMetadata, type VideoMetadata } from '../../src/media/video-metadata.ts';
import { fixture, HAS_FFMPEG, HAS_FIXTURES, readManifest, SKIP_REASON, type ManifestEntry } from './fixtures.ts';

const videos = readManifest().filter((e) => e.kind === 'video');
const results = new Map<string, VideoMetadata>();

describe.skipIf(!HAS_FIXTURES)(`readVideoMetadata on the shared fixtures${HAS_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  beforeAll(async () => {
    for (const entry of videos) results.set(entry.path, await readVideoMetadata(fixture(entry.path)));
  });

  const each = (title: string, check: (entry: ManifestEntry, meta: VideoMetadata) => void) =>
    it.each(videos.map((e) => [e.path, e] as const))(`${title}: %s`, (_path, entry) => check(entry, results.get(entry.path)!));

  each('duration', (entry, meta) => {
    expect(meta.duration).not.toBeNull();
    expect(Math.abs(meta.duration! - entry.durationSeconds!)).toBeLessThan(0.05);
  });

  each('dimensions (the stored ones, turned by the rotation)', (entry, meta) => {
    const stored = entry.size!;
    const turned = meta.rotation === 90 || meta.rotation === 270;
    expect({ width: meta.width, height: meta.height }).toEqual(turned ? { width: stored.height, height: stored.width } : stored);
  });

  each('codecs as ffprobe names them', (entry, meta) => {
    expect(meta.videoCodec).toBe(entry.videoCodec);
    expect(meta.audioCodec).toBe(entry.audioCodec);
  });

  each('creation time (UTC in QuickTime), none for a zero epoch', (entry, meta) => {
    const wallClock = entry.taken?.wallClock;
    if (!wallClock || wallClock.startsWith('0000')) {
      expect(meta.takenAt).toBeNull();
      return;
    }
    const iso = `${wallClock.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T')}.000Z`;
    expect(meta.takenAt?.instant.toISOString()).toBe(iso);
  });

  it('reads the iPad clip: rotation, GPS, make, model, local time with its offset', () => {
    const ipad = results.get('video/quicktime-hvc1.mov')!;
    expect(ipad).toMatchObject({ width: 720, height: 1280, rotation: 90, container: 'mov', make: 'Apple', model: 'iPad mini' });
    expect(ipad.gps?.latitude).toBeCloseTo(52.4597, 4);
    expect(ipad.gps?.longitude).toBeCloseTo(13.322, 4);
    expect(ipad.takenAt).toMatchObject({ local: '2023-09-22T18:34:05', offset: '+02:00' });
    expect(ipad.frameRate).toBeCloseTo(29.97, 2);
  });

  it('names containers', () => {
    expect(results.get('video/small_video.mp4')?.container).toBe('mp4');
    expect(results.get('video/quicktime-jpeg.mov')?.container).toBe('mov');
  });

  it('gives JSON-safe raw fields', () => {
    for (const meta of results.values()) expect(JSON.parse(JSON.stringify(meta.raw))).toEqual(meta.raw);
  });

  it('serialises concurrent calls on the shared instance', async () => {
    const paths = [...videos, ...videos, ...videos].map((e) => e.path);
    const all = await Promise.all(paths.map((p) => readVideoMetadata(fixture(p))));
    all.forEach((meta, i) => expect(meta).toEqual(results.get(paths[i]!)));
  });

  it('refuses a file with no video track', async () => {
    await expect(readVideoMetadata(fixture('jpeg/camera/img_1771.jpg'))).rejects.toThrow(/no video track/);
  });
});

describe.skipIf(!HAS_FFMPEG)('readVideoMetadata on clips ffmpeg writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-vm-'));
  const make = (name: string, ...args: string[]) => {
    const out = join(dir, name);
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...args, out]);
    return out;
  };

  it('reads ©xyz location, creation time and Android make/model', async () => {
    const path = make(
      'android.mp4',
      '-movflags', 'use_metadata_tags',
      '-metadata', 'location=+37.7858-122.4064/',
      '-metadata', 'com.android.manufacturer=Google',
      '-metadata', 'com.android.model=Pixel 7',
    );
    const meta = await readVideoMetadata(path);
    expect(meta).toMatchObject({ make: 'Google', model: 'Pixel 7', width: 320, height: 240, videoCodec: 'h264', audioCodec: null });
    expect(meta.gps?.latitude).toBeCloseTo(37.7858, 4);
    expect(meta.gps?.longitude).toBeCloseTo(-122.4064, 4);

    const dated = await readVideoMetadata(make('dated.mp4', '-metadata', 'creation_time=2021-06-01T10:20:30Z'), { defaultTz: 'Europe/Berlin' });
    expect(dated.takenAt).toEqual({ instant: new Date('2021-06-01T10:20:30Z'), local: '2021-06-01T12:20:30', offset: null });
  });

  it('turns width and height by the track rotation', async () => {
    const base = make('base.mp4');
    const rotated = join(dir, 'rotated.mp4');
    // ffmpeg 5.1: the rotate tag sticks only with -c copy (STACK.md).
    execFileSync('ffmpeg', ['-v', 'error', '-i', base, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const meta = await readVideoMetadata(rotated);
    expect([90, 270]).toContain(meta.rotation);
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 240, height: 320 });
  });
});
