// The two files of a Live Photo, made for tests: a JPEG whose Apple maker note carries the
// content identifier (tag 0x0011, what exiftool calls MediaGroupUUID/ContentIdentifier), and
// a QuickTime clip whose com.apple.quicktime.content.identifier key carries the same.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/** An EXIF APP1 payload: IFD0 (Make, Model, Exif pointer), Exif IFD (DateTimeOriginal, an Apple maker note holding `id`). */
function appleExif(id: string, taken: string): Buffer {
  const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
  const u32 = (n: number) => Buffer.from([n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
  const entry = (tag: number, type: number, count: number, value: number) => Buffer.concat([u16(tag), u16(type), u32(count), u32(value)]);
  const idBytes = Buffer.from(`${id}\0`, 'ascii');
  // "Apple iOS\0", version 1, "MM", then an IFD of one entry (offsets from the note's start).
  const note = Buffer.concat([Buffer.from('Apple iOS\0', 'ascii'), u16(1), Buffer.from('MM'), u16(1), entry(0x0011, 2, idBytes.length, 32), u32(0), idBytes]);
  const make = Buffer.from('Apple\0');
  const model = Buffer.from('iPhone 15 Pro\0');
  const when = Buffer.from(`${taken}\0`);
  const IFD0 = 8;
  const EXIF = IFD0 + 2 + 3 * 12 + 4;
  let at = EXIF + 2 + 2 * 12 + 4;
  const place = (b: Buffer) => ((at += b.length), at - b.length);
  const [makeAt, modelAt, whenAt, noteAt] = [make, model, when, note].map(place);
  const tiff = Buffer.concat([
    Buffer.from('MM\0*'), u32(IFD0),
    u16(3), entry(0x010f, 2, make.length, makeAt!), entry(0x0110, 2, model.length, modelAt!), entry(0x8769, 4, 1, EXIF), u32(0),
    u16(2), entry(0x9003, 2, when.length, whenAt!), entry(0x927c, 7, note.length, noteAt!), u32(0),
    make, model, when, note,
  ]);
  return Buffer.concat([Buffer.from('Exif\0\0'), tiff]);
}

export interface LivePair {
  photo: string;
  video: string;
  contentId: string;
}

/** `<name>.jpg` and `<name>.mov` in `dir`, paired by a content identifier of their own. */
export async function makeLivePair(dir: string, name: string, hue: number): Promise<LivePair> {
  const contentId = `${name.toUpperCase()}-1F2E3D4C-5B6A-4978-8796-A5B4C3D2E1F0`.slice(0, 36);
  const jpeg = await sharp({ create: { width: 480, height: 360, channels: 3, background: { r: hue, g: 120, b: 255 - hue } } }).jpeg().toBuffer();
  const exif = appleExif(contentId, '2024:07:13 10:00:00');
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([(exif.length + 2) >> 8, (exif.length + 2) & 255]), exif]);
  const photo = join(dir, `${name}.jpg`);
  await writeFile(photo, Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]));
  const video = join(dir, `${name}.mov`);
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=s=480x360:r=25:d=2`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p',
    '-movflags', 'use_metadata_tags', '-metadata', `com.apple.quicktime.content.identifier=${contentId}`,
    '-f', 'mov', video,
  ]);
  return { photo, video, contentId };
}

/**
 * A Google motion photo: a JPEG whose XMP says GCamera:MicroVideoOffset (bytes from the end
 * of the file to the clip), and the clip, an MP4 with a position (©xyz), after the image.
 */
export async function makeMotionPhoto(dir: string, name: string): Promise<{ path: string; clip: Buffer }> {
  const clipPath = join(dir, `${name}-clip.mp4`);
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=s=480x360:r=25:d=2',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-metadata', 'location=+48.8570+002.2950/', '-f', 'mp4', clipPath,
  ]);
  const clip = await readFile(clipPath);
  const xmp = Buffer.from(
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      `<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="${clip.length}"/>` +
      '</rdf:RDF></x:xmpmeta>',
  );
  const payload = Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), xmp]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 255]), payload]);
  const jpeg = await sharp({ create: { width: 480, height: 360, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
  const path = join(dir, `${name}.jpg`);
  await writeFile(path, Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2), clip]));
  return { path, clip };
}
