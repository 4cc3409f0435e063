// A representative still from a video, with ffmpeg.
//   findFfmpeg(configured?)  → absolute path of a working ffmpeg (the configured one, else
//                              `ffmpeg` on PATH), or null
//   extractVideoFrame(ffmpeg, path, durationSeconds) → PNG of an upright frame, at most 2048 px
// The frame is taken ~10% in, the `thumbnail` filter choosing the most typical of the next
// frames (no black first frame, no fade); a near-black result is retried at the middle.
// ffmpeg applies the rotation in the track header when decoding, so frames come upright.
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import sharp from './sharp.ts';
import { lowerProcess } from './background-priority.ts';

const FRAME_TIMEOUT_MS = 60_000;
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const THUMBNAIL_BATCH = 24;
const MAX_EDGE = 2048;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runsAsFfmpeg(path: string): Promise<boolean> {
  return new Promise((done) => {
    execFile(path, ['-hide_banner', '-version'], { timeout: 10_000 }, (error, stdout) => {
      done(!error && /ffmpeg version/i.test(stdout));
    });
  });
}

export async function findFfmpeg(configured?: string): Promise<string | null> {
  const name = configured?.trim() || 'ffmpeg';
  const candidates =
    name.includes('/') || isAbsolute(name)
      ? [resolve(name)]
      : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    if ((await isExecutable(candidate)) && (await runsAsFfmpeg(candidate))) return candidate;
  }
  return null;
}

function runFfmpeg(ffmpeg: string, args: string[]): Promise<Buffer> {
  return new Promise((done, fail) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // Background work, below requests (as libvips' threads: media/background-priority.ts).
    lowerProcess(child.pid);
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), FRAME_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FRAME_BYTES) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && size > 0) done(Buffer.concat(chunks));
      else if (code === 0) done(Buffer.alloc(0));
      else {
        const detail = stderr.trim().split('\n').slice(-2).join(' / ');
        fail(new Error(`ffmpeg ${signal ? `killed (${signal})` : `exited with ${code}`}: ${detail}`));
      }
    });
  });
}

function frameArgs(path: string, seconds: number): string[] {
  const scale = `scale=w='if(gte(iw,ih),min(${MAX_EDGE},iw),-2)':h='if(gte(iw,ih),-2,min(${MAX_EDGE},ih))'`;
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-ss', seconds.toFixed(3),
    '-i', path,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', `${scale},thumbnail=${THUMBNAIL_BATCH},format=rgb24`,
    '-frames:v', '1',
    '-f', 'image2pipe', '-c:v', 'png', 'pipe:1',
  ];
}

async function brightness(png: Buffer): Promise<{ mean: number; stdev: number }> {
  const { channels } = await sharp(png).stats();
  const mean = Math.max(...channels.slice(0, 3).map((c) => c.mean));
  const stdev = Math.max(...channels.slice(0, 3).map((c) => c.stdev));
  return { mean, stdev };
}

export async function extractVideoFrame(ffmpeg: string, path: string, durationSeconds: number | null): Promise<Buffer> {
  const duration = durationSeconds && Number.isFinite(durationSeconds) && durationSeconds > 0 ? durationSeconds : 0;
  let frame = await runFfmpeg(ffmpeg, frameArgs(path, duration * 0.1));
  // Seeking can land past the last decodable frame of odd files: start from the beginning.
  if (frame.length === 0 && duration > 0) frame = await runFfmpeg(ffmpeg, frameArgs(path, 0));
  if (frame.length === 0) throw new Error('ffmpeg produced no frame');
  const light = await brightness(frame);
  if (light.mean < 12 && light.stdev < 6 && duration > 1) {
    const later = await runFfmpeg(ffmpeg, frameArgs(path, duration * 0.5)).catch(() => Buffer.alloc(0));
    if (later.length > 0 && (await brightness(later)).mean > light.mean) frame = later;
  }
  return frame;
}
