// Short clips made by ffmpeg for the video tests: one per kind of file a phone or camera
// writes that a browser may or may not play as it is.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Clip {
  name: string;
  /** Whether every browser plays it as uploaded (no web copy). */
  playsAsIs: boolean;
  /** Displayed size (after rotation). */
  width: number;
  height: number;
  hdr?: boolean;
}

const SOURCE = (seconds: number, size = '320x180') => ['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=25:d=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:d=${seconds}`];

// H.263 only takes a few sizes (176x144 is QCIF); 3GP's usual sound is AMR, which this
// ffmpeg cannot encode, so the 3GP carries AAC.
export const CLIPS: (Clip & { args: string[] })[] = [
  {
    name: 'hevc-hlg-rotated.mov',
    playsAsIs: false,
    width: 180,
    height: 320,
    hdr: true,
    args: [...SOURCE(2), '-c:v', 'libx265', '-x265-params', 'log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc', '-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020', '-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc', '-tag:v', 'hvc1', '-c:a', 'aac'],
  },
  { name: 'h264.mp4', playsAsIs: true, width: 320, height: 180, args: [...SOURCE(2), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac'] },
  { name: 'mjpeg.avi', playsAsIs: false, width: 320, height: 180, args: [...SOURCE(2), '-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p', '-c:a', 'pcm_s16le'] },
  { name: 'mpeg2.ts', playsAsIs: false, width: 320, height: 180, args: [...SOURCE(2), '-c:v', 'mpeg2video', '-c:a', 'mp2', '-f', 'mpegts'] },
  { name: 'h263.3gp', playsAsIs: false, width: 176, height: 144, args: [...SOURCE(2, '176x144'), '-c:v', 'h263', '-c:a', 'aac', '-ar', '16000', '-ac', '1'] },
  { name: 'vp9.webm', playsAsIs: false, width: 320, height: 180, args: [...SOURCE(2), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus'] },
];

/** Makes the clips in `dir` (the HEVC one turned 90° by exiftool, as a phone held upright writes it). */
export async function makeClips(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const clip of CLIPS) {
    const path = join(dir, clip.name);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...clip.args, path]);
    if (clip.name.startsWith('hevc')) await run('exiftool', ['-q', '-overwrite_original', '-Rotation=90', path]);
    paths.push(path);
  }
  return paths;
}

export interface Probe {
  streams: { codec_type: string; codec_name: string; codec_tag_string: string; profile?: string; pix_fmt?: string; width?: number; height?: number; color_transfer?: string; side_data_list?: unknown[] }[];
  format: { duration: string };
}

export async function ffprobe(path: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path]);
  return JSON.parse(stdout) as Probe;
}

/** The top-level boxes of an MP4, in order. */
export function topLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    if (size === 0) size = bytes.length - at;
    boxes.push(type);
    if (size < 8) break;
    at += size;
  }
  return boxes;
}
