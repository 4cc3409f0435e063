// Environment (and an optional .env file) → one typed, validated Config.
// A bad value stops the start with one line naming the variable.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import * as v from 'valibot';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  publicUrl: string | undefined;
  /** From SECRET_KEY; when absent the server makes one and keeps it in DATA_DIR. */
  secretKey: string | undefined;
  trustProxy: boolean;
  logLevel: LogLevel;
  maxUploadBytes: number;
  /** Resumable uploads: the chunk size browsers and the CLI send (at most a proxy's body cap). */
  uploadChunkBytes: number;
  /** Resumable uploads left unfinished this long are removed, bytes and all. */
  uploadExpiryMs: number;
  defaultTz: string;
  ffmpegPath: string | undefined;
  /** Longest edge of a video's web-playable copy, in pixels. */
  videoMaxEdge: number;
  mediaAccel: 'none' | 'nginx';
  workerConcurrency: number;
  /** With a shared Postgres: how long a job may go unrenewed before another process takes it over (its process died). */
  jobLeaseSeconds: number;
  /** Caps on what guests may add through one upload-enabled share link. */
  shareUpload: { maxFileBytes: number; maxFilesPerDay: number; maxBytesPerDay: number };
  /** Signed media URLs also carry the client IP (a copied URL fails elsewhere). */
  signedUrlBindIp: boolean;
  /** The integrity scrub re-hashes at most this many bytes of originals a day (0: off). */
  scrubBytesPerDay: number;
  /** GET /metrics answers (to a `metrics` token or a loopback peer). */
  metrics: boolean;
}

export class ConfigError extends Error {}

const GIB = 1024 ** 3;
const sizeUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: GIB, t: 1024 * GIB };

/** "16G", "500M", "1024" → bytes. */
function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * sizeUnits[m[2]!.toLowerCase()]!);
}

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const integer = (name: string, min: number, max: number, fallback: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.check((n) => Number.isInteger(n) && n >= min && n <= max, `${name} must be an integer between ${min} and ${max}`),
  );

const boolean = (name: string) =>
  v.pipe(
    v.optional(v.string(), 'false'),
    v.check((s) => /^(1|0|true|false|yes|no|on|off)$/i.test(s), `${name} must be true or false`),
    v.transform((s) => /^(1|true|yes|on)$/i.test(s)),
  );

const size = (name: string, fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform(parseSize),
    v.check((n) => n !== undefined && n > 0, `${name} must be a size such as 16G, 500M or a number of bytes`),
    v.transform((n) => n as number),
  );

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "24h", "30m", "7d", "90s", "1500ms" → milliseconds. */
const duration = (name: string, fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform((text) => {
      const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/i.exec(text.trim());
      return m ? Math.round(Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!) : Number.NaN;
    }),
    v.check((n) => Number.isFinite(n) && n > 0, `${name} must be a duration such as 24h, 30m or 7d`),
  );

const url = (name: string, protocols: string[]) =>
  v.optional(
    v.pipe(
      v.string(),
      v.check((s) => {
        try {
          return protocols.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      }, `${name} must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`),
    ),
  );

const EnvSchema = v.object({
  PORT: integer('PORT', 1, 65535, 3000),
  HOST: v.optional(v.pipe(v.string(), v.minLength(1, 'HOST must not be empty')), '0.0.0.0'),
  DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1, 'DATA_DIR must not be empty')), './data'),
  DATABASE_URL: url('DATABASE_URL', ['postgres:', 'postgresql:']),
  PUBLIC_URL: url('PUBLIC_URL', ['http:', 'https:']),
  SECRET_KEY: v.optional(v.pipe(v.string(), v.minLength(32, 'SECRET_KEY must be at least 32 characters'))),
  TRUST_PROXY: boolean('TRUST_PROXY'),
  LOG_LEVEL: v.optional(
    v.picklist(['debug', 'info', 'warn', 'error'], 'LOG_LEVEL must be one of debug, info, warn, error'),
    'info',
  ),
  MAX_UPLOAD_SIZE: size('MAX_UPLOAD_SIZE', '16G'),
  UPLOAD_CHUNK_SIZE: size('UPLOAD_CHUNK_SIZE', '50M'),
  UPLOAD_EXPIRY: duration('UPLOAD_EXPIRY', '24h'),
  SHARE_UPLOAD_MAX_FILE_SIZE: size('SHARE_UPLOAD_MAX_FILE_SIZE', '4G'),
  SHARE_UPLOAD_MAX_FILES_PER_DAY: integer('SHARE_UPLOAD_MAX_FILES_PER_DAY', 1, 1_000_000, 500),
  SHARE_UPLOAD_MAX_BYTES_PER_DAY: size('SHARE_UPLOAD_MAX_BYTES_PER_DAY', '20G'),
  SIGNED_URL_BIND_IP: boolean('SIGNED_URL_BIND_IP'),
  DEFAULT_TZ: v.pipe(
    v.optional(v.string(), 'UTC'),
    v.check(isTimeZone, 'DEFAULT_TZ must be an IANA time zone such as Europe/Berlin'),
  ),
  FFMPEG_PATH: v.optional(v.pipe(v.string(), v.minLength(1, 'FFMPEG_PATH must not be empty'))),
  VIDEO_MAX_EDGE: integer('VIDEO_MAX_EDGE', 240, 4320, 1080),
  MEDIA_ACCEL: v.optional(v.picklist(['none', 'nginx'], 'MEDIA_ACCEL must be none or nginx'), 'none'),
  WORKER_CONCURRENCY: integer('WORKER_CONCURRENCY', 0, 64, 0),
  JOB_LEASE_SECONDS: integer('JOB_LEASE_SECONDS', 2, 3600, 60),
  SCRUB_BYTES_PER_DAY: v.pipe(
    v.optional(v.string(), '35G'),
    v.transform(parseSize),
    v.check((n) => n !== undefined, 'SCRUB_BYTES_PER_DAY must be a size such as 35G, or 0 to turn the scrub off'),
  ),
  METRICS: boolean('METRICS'),
});

/** Every variable the configuration reads (.env.example documents each). */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.entries);

/** Reads `.env` from the working directory; real environment variables win. */
export function readEnv(env: NodeJS.ProcessEnv = process.env, envFile = resolve('.env')): Record<string, string> {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  const merged: Record<string, string> = {};
  for (const [k, val] of Object.entries({ ...fromFile, ...env })) {
    // An empty variable means "not set", as in most .env conventions.
    if (val !== undefined && val !== '') merged[k] = val;
  }
  return merged;
}

export function loadConfig(env: Record<string, string | undefined> = readEnv()): Config {
  const result = v.safeParse(EnvSchema, env);
  if (!result.success) {
    const issue = result.issues[0];
    const key = issue.path?.[0]?.key;
    throw new ConfigError(typeof key === 'string' && !issue.message.startsWith(key) ? `${key}: ${issue.message}` : issue.message);
  }
  const e = result.output;
  const cores = availableParallelism();
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    secretKey: e.SECRET_KEY,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_SIZE,
    uploadChunkBytes: e.UPLOAD_CHUNK_SIZE,
    uploadExpiryMs: e.UPLOAD_EXPIRY,
    defaultTz: e.DEFAULT_TZ,
    ffmpegPath: e.FFMPEG_PATH,
    mediaAccel: e.MEDIA_ACCEL,
    videoMaxEdge: e.VIDEO_MAX_EDGE,
    workerConcurrency: e.WORKER_CONCURRENCY || Math.max(1, cores),
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    shareUpload: {
      maxFileBytes: e.SHARE_UPLOAD_MAX_FILE_SIZE,
      maxFilesPerDay: e.SHARE_UPLOAD_MAX_FILES_PER_DAY,
      maxBytesPerDay: e.SHARE_UPLOAD_MAX_BYTES_PER_DAY,
    },
    signedUrlBindIp: e.SIGNED_URL_BIND_IP,
    scrubBytesPerDay: e.SCRUB_BYTES_PER_DAY!,
    metrics: e.METRICS,
  };
}

/** For entry points: the config, or undefined after printing the one-line reason to stderr. */
export function loadConfigOrExplain(): Config | undefined {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`shoebox: configuration error: ${err.message}\n`);
    return undefined;
  }
}
