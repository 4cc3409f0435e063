// The shared camera files (../shared/fixtures) and what MANIFEST.tsv says of each, parsed
// from its notes column so tests compare against exiftool/ffprobe's readings, not copies.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
export const HAS_FIXTURES = existsSync(`${FIXTURES_DIR}MANIFEST.tsv`);
export const SKIP_REASON = `shared fixtures not found at ${FIXTURES_DIR}: media fixture tests skipped`;

if (!HAS_FIXTURES) console.warn(SKIP_REASON);

const runs = (command: string, args: string[]) => {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Whether ffmpeg runs here (tests that make clips with it skip without it). */
export const HAS_FFMPEG = runs('ffmpeg', ['-version']);
/** Whether exiftool runs here (the location checks need it). */
export const HAS_EXIFTOOL = runs('exiftool', ['-ver']);

export type ExifTags = Record<string, unknown>;

/** exiftool -j -a -G1 -n, one object per file (exit status 1 with warnings still prints the JSON). */
export function exiftool(paths: string[], extra: string[] = []): ExifTags[] {
  let out: string;
  try {
    out = execFileSync('exiftool', ['-j', '-a', '-G1', '-n', '-api', 'LargeFileSupport=1', ...extra, ...paths], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    out = (err as { stdout: string }).stdout;
  }
  return JSON.parse(out) as ExifTags[];
}

export function fixture(relative: string): string {
  return `${FIXTURES_DIR}${relative}`;
}

export interface ManifestEntry {
  path: string;
  bytes: number;
  kind: string;
  notes: string;
  /** 'Make Model' as exiftool joins them. */
  camera?: string;
  noMakeModel: boolean;
  gps?: { latitude: number; longitude: number };
  noGps: boolean;
  orientation?: number;
  /** Stored size as exiftool reports it (before orientation). */
  size?: { width: number; height: number };
  /** 'YYYY:MM:DD HH:MM:SS' and an offset when the note has one. */
  taken?: { wallClock: string; offset?: string };
  durationSeconds?: number;
  videoCodec?: string;
  audioCodec?: string | null;
}

function parseNotes(entry: ManifestEntry): void {
  const facts = entry.notes.split(' | ').slice(1).join(' | ');
  const pick = (re: RegExp) => re.exec(facts) ?? undefined;
  entry.camera = pick(/(?:^|; )camera: ([^;]+)/)?.[1]?.trim();
  const gps = pick(/has GPS (-?[\d.]+),(-?[\d.]+)/);
  if (gps) entry.gps = { latitude: Number(gps[1]), longitude: Number(gps[2]) };
  const orientation = pick(/; orientation (\d)/);
  if (orientation) entry.orientation = Number(orientation[1]);
  const size = pick(/; size (\d+)x(\d+)/);
  if (size) entry.size = { width: Number(size[1]), height: Number(size[2]) };
  const taken = pick(/; taken (\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2})([+-]\d{2}:\d{2})?/);
  if (taken) entry.taken = { wallClock: taken[1]!, ...(taken[2] ? { offset: taken[2] } : {}) };
  const duration = pick(/; duration ([\d.]+)s/);
  if (duration) entry.durationSeconds = Number(duration[1]);
  const probe = pick(/ffprobe: ok (\w+) (?:\+audio:(\w+)|no-audio)/);
  if (probe) {
    entry.videoCodec = probe[1];
    entry.audioCodec = probe[2] ?? null;
  }
}

export function readManifest(): ManifestEntry[] {
  if (!HAS_FIXTURES) return [];
  const lines = readFileSync(`${FIXTURES_DIR}MANIFEST.tsv`, 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [path = '', , bytes = '0', , kind = '', notes = ''] = line.split('\t');
    const entry: ManifestEntry = {
      path,
      bytes: Number(bytes),
      kind,
      notes,
      noMakeModel: notes.includes('no make/model'),
      noGps: /; no GPS|GPS tags present but EMPTY/.test(notes),
    };
    parseNotes(entry);
    return entry;
  });
}
