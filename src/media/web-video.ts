// Web-playable video copies: which videos need one, and making it with the system ffmpeg.
//   playsInBrowsers(meta)   → whether the original plays as uploaded in current Chrome,
//                             Firefox and Safari, on phones and desktops (the one rule)
//   transcodeArgs(...)      → the ffmpeg command of a copy
//   makeWebCopy(...)        → runs it at background priority, reporting progress; aborts on a signal
// A copy is H.264 High 8-bit 4:2:0 tagged `avc1` (Apple devices refuse `hev1`/untagged
// streams), AAC stereo, moov first (+faststart: plays before it is all fetched), the long
// edge at most `maxEdge`, at most 60 frames a second, the pixels turned upright (ffmpeg
// applies the display matrix and writes none), PQ/HLG tone-mapped to SDR BT.709, and only
// the first video and audio streams: no data streams (a GoPro's GPMF holds positions), no
// metadata, no chapters.
import { spawn } from 'node:child_process';
import { lowerProcess } from './background-priority.ts';
import type { VideoMetadata } from './video-metadata.ts';

/** From bench/transcode.ts on this project's 2-core machine (bench/RESULTS.md). */
export const COPY_PRESET = 'veryfast';
export const COPY_CRF = 23;
const MAX_FPS = 60;

export type PlayFacts = Pick<VideoMetadata, 'container' | 'videoCodec' | 'audioCodec' | 'bitDepth' | 'chromaSubsampling' | 'hdr'>;

/**
 * H.264 8-bit 4:2:0, with AAC or no sound, in MP4 or QuickTime: what every current browser
 * plays. Everything else (HEVC, 10-bit or 4:2:2 H.264, VP9/AV1, MJPEG, MPEG-2, H.263, AMR,
 * AVI, MKV, MPEG-TS, 3GP) gets a copy: some browser somewhere shows a black box otherwise.
 */
export function playsInBrowsers(f: PlayFacts): boolean {
  return (
    (f.container === 'mp4' || f.container === 'mov') &&
    f.videoCodec === 'h264' &&
    (f.bitDepth ?? 8) === 8 &&
    (f.chromaSubsampling ?? '4:2:0') === '4:2:0' &&
    !f.hdr &&
    (f.audioCodec === null || f.audioCodec === 'aac')
  );
}

export interface CopyFacts {
  hdr: boolean;
  frameRate: number | null;
}

const TONE_MAP = 'zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv';

export function transcodeArgs(input: string, output: string, facts: CopyFacts, maxEdge: number): string[] {
  const even = (dim: 'iw' | 'ih') => `min(${maxEdge},trunc(${dim}/2)*2)`;
  const scale = `scale=w='if(gte(iw,ih),${even('iw')},-2)':h='if(gte(iw,ih),-2,${even('ih')})'`;
  const filters = [...(facts.hdr ? [TONE_MAP] : []), scale, 'format=yuv420p'];
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-i', input,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn',
    '-vf', filters.join(','),
    ...(facts.frameRate && facts.frameRate > MAX_FPS ? ['-r', String(MAX_FPS)] : []),
    '-c:v', 'libx264', '-profile:v', 'high', '-preset', COPY_PRESET, '-crf', String(COPY_CRF), '-tag:v', 'avc1',
    '-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709',
    '-c:a', 'aac', '-ac', '2', '-b:a', '128k',
    '-movflags', '+faststart',
    '-max_muxing_queue_size', '4096',
    '-f', 'mp4',
    '-progress', 'pipe:1', '-nostats',
    output,
  ];
}

export interface CopyOptions {
  facts: CopyFacts;
  maxEdge: number;
  /** Seconds, for progress; progress is not reported without it. */
  duration: number | null;
  signal: AbortSignal;
  onProgress(fraction: number): void;
}

/** Writes the copy of `input` to `output`; rejects with ffmpeg's last words when it fails. */
export function makeWebCopy(ffmpeg: string, input: string, output: string, o: CopyOptions): Promise<void> {
  return new Promise((done, fail) => {
    if (o.signal.aborted) return fail(new Error('cancelled'));
    const child = spawn(ffmpeg, transcodeArgs(input, output, o.facts, o.maxEdge), { stdio: ['ignore', 'pipe', 'pipe'] });
    lowerProcess(child.pid);
    const kill = () => child.kill('SIGKILL');
    o.signal.addEventListener('abort', kill, { once: true });
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      // -progress writes key=value lines; out_time_us is how far the output is.
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const m = /^out_time_us=(\d+)/.exec(line);
        if (m && o.duration && o.duration > 0) o.onProgress(Math.min(1, Number(m[1]) / 1e6 / o.duration));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-2000);
    });
    child.on('error', (error) => {
      o.signal.removeEventListener('abort', kill);
      fail(error);
    });
    child.on('close', (code, signal) => {
      o.signal.removeEventListener('abort', kill);
      if (code === 0) return done();
      if (o.signal.aborted) return fail(new Error('cancelled'));
      const detail = stderr.trim().split('\n').slice(-2).join(' / ');
      fail(new Error(`ffmpeg ${signal ? `was stopped (${signal})` : `exited with ${code}`}${detail ? `: ${detail}` : ''}`));
    });
  });
}
