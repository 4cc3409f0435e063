// Hostile input (issue #18): over a thousand generated cases against one real server
// (PGlite, worker on), over raw TCP so nothing is tidied up by a client library: mutated and
// truncated media, wrong magic bytes, hand-built EXIF/TIFF/PNG/WebP/ISO-BMFF with absurd
// offsets and loops, broken multipart, hostile file names, JSON of the wrong shape, oversized
// bodies, huge and malformed header fields, hostile URLs. Each case must get an answer below
// 500 (or, where the request itself was cut or unreadable, a closed connection); a refusal
// says what was wrong; the server stays up; and in the end what is stored is exactly what was
// accepted: every original has its row and every row its original, no temp file is left, no
// refused upload kept, and the worker finished every accepted file (ready, or failed with a
// reason).
//
// Cases are generated from a printed seed: each case's bytes come from its own generator
// seeded by (seed, case number), so one case replays alone:
//   FUZZ_SEED=<seed> npx vitest run test/foundation/hostile-input.test.ts
//   FUZZ_SEED=<seed> FUZZ_CASE=17,230 npx vitest run test/foundation/hostile-input.test.ts
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log.ts';
import { parseOriginalName } from '../../src/storage/layout.ts';
import { newAlbum, newUser, sessionCookie } from '../helpers/factories.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const MAX_UPLOAD = 1 * MiB; // this server's MAX_UPLOAD_SIZE
const GUEST_MAX_FILE = 512 * KiB; // and its links' largest guest file
const CONCURRENCY = 6;

// --- Seed ------------------------------------------------------------------------------

const SEED = /^\d+$/.test(process.env.FUZZ_SEED ?? '') ? Number(process.env.FUZZ_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32) >>> 0;
/** FUZZ_CASE=17,230,400-420: only these cases (the checks after the run then see only what they did). */
const ONLY = process.env.FUZZ_CASE
  ? new Set(
      process.env.FUZZ_CASE.split(',').flatMap((s) => {
        const [from, to] = s.split('-').map((x) => Number(x.trim()));
        return to === undefined ? [from!] : Array.from({ length: to - from! + 1 }, (_, i) => from! + i);
      }),
    )
  : undefined;
/** FUZZ_VERBOSE=1: print every case and its answer. */
const VERBOSE = !!process.env.FUZZ_VERBOSE;
const REPLAY = `FUZZ_SEED=${SEED} npx vitest run test/foundation/hostile-input.test.ts`;
console.log(`hostile-input seed=${SEED} (replay: ${REPLAY}; one case: FUZZ_SEED=${SEED} FUZZ_CASE=<n> npx vitest run test/foundation/hostile-input.test.ts)`);


class Rng {
  readonly float: () => number;
  constructor(seed: number) {
    this.float = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  hex(n: number): string {
    return this.bytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

const caseRng = (index: number) => new Rng((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);

// --- Raw HTTP --------------------------------------------------------------------------

interface Outcome {
  /** null: the connection closed without an answer. */
  status: number | null;
  reason: string;
  headers: Record<string, string>;
  body: Buffer;
  error?: string;
}

function dechunk(b: Buffer): Buffer | undefined {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(b.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(out);
    if (eol + 2 + size > b.length) return undefined;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function parseAnswer(raw: Buffer, error?: string, head = false): Outcome {
  let rest = raw;
  for (;;) {
    if (!rest.length) return { status: null, reason: '', headers: {}, body: rest, error: error ?? 'closed' };
    const end = rest.indexOf('\r\n\r\n');
    const m = end < 0 ? null : /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(rest.subarray(0, rest.indexOf('\r\n')).toString('latin1'));
    if (!m) return { status: null, reason: '', headers: {}, body: rest, error: `garbled answer ${JSON.stringify(rest.subarray(0, 120).toString('latin1'))}` };
    const status = Number(m[1]);
    if (status >= 100 && status < 200) {
      rest = rest.subarray(end + 4); // 100 Continue: the real answer follows
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of rest.subarray(0, end).toString('latin1').split('\r\n').slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    let body = rest.subarray(end + 4);
    if (head) return { status, reason: m[2] ?? '', headers, body: Buffer.alloc(0), error };
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const whole = dechunk(body);
      if (!whole) return { status, reason: m[2] ?? '', headers, body, error: 'chunked answer cut short' };
      body = whole;
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (body.length < n) return { status, reason: m[2] ?? '', headers, body, error: `answer cut short (${body.length} of ${n} bytes)` };
      body = body.subarray(0, n);
    }
    return { status, reason: m[2] ?? '', headers, body, error };
  }
}

let serverPort = 0;

interface SendOptions {
  /** Half-close once everything is written: the request is deliberately incomplete. */
  end?: boolean;
  /** Half-close when no answer has come this long after everything was written (the request may be incomplete). */
  endAfterMs?: number;
  /** A HEAD request: the answer has no body. */
  head?: boolean;
  timeoutMs?: number;
}

/**
 * Writes the pieces on a fresh connection (stopping as soon as an answer arrives, so an
 * early refusal is read before the rest of a large body could reset it) and reads until the
 * server closes.
 */
function exchange(pieces: Buffer[], o: SendOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(serverPort, '127.0.0.1');
    const got: Buffer[] = [];
    let error: string | undefined;
    const timeoutMs = o.timeoutMs ?? 25_000;
    const timer = setTimeout(() => {
      error = `no answer within ${timeoutMs} ms`;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const outcome = parseAnswer(Buffer.concat(got), error, o.head);
      if (error?.startsWith('no answer')) outcome.error = error;
      resolve(outcome);
    });
    socket.once('connect', async () => {
      for (const piece of pieces) {
        for (let at = 0; at < piece.length; at += 64 * KiB) {
          if (got.length || !socket.writable) return;
          if (!socket.write(piece.subarray(at, at + 64 * KiB))) {
            await new Promise<void>((r) => {
              const done = () => {
                socket.off('drain', done);
                socket.off('close', done);
                r();
              };
              socket.once('drain', done);
              socket.once('close', done);
            });
          }
        }
      }
      if (o.end && socket.writable) socket.end();
      else if (o.endAfterMs !== undefined) {
        setTimeout(() => {
          if (!got.length && socket.writable) socket.end();
        }, o.endAfterMs).unref();
      }
    });
  });
}

type HeaderList = Array<[string, string | Buffer]>;

function rawRequest(
  method: string,
  path: string | Buffer,
  headers: HeaderList,
  body?: Buffer,
  o: { chunked?: boolean; contentLength?: number | null; host?: boolean } = {},
): Buffer[] {
  const lines: Buffer[] = [Buffer.concat([Buffer.from(`${method} `), Buffer.isBuffer(path) ? path : Buffer.from(path, 'latin1'), Buffer.from(' HTTP/1.1\r\n')])];
  const all: HeaderList = [];
  if (o.host !== false) all.push(['Host', `127.0.0.1:${serverPort}`]);
  all.push(['Connection', 'close']);
  if (body && o.chunked) all.push(['Transfer-Encoding', 'chunked']);
  else if (o.contentLength !== null && (body || o.contentLength !== undefined)) all.push(['Content-Length', String(o.contentLength ?? body!.length)]);
  all.push(...headers);
  for (const [k, v] of all) lines.push(Buffer.concat([Buffer.from(`${k}: `, 'latin1'), Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8'), Buffer.from('\r\n')]));
  lines.push(Buffer.from('\r\n'));
  const head = Buffer.concat(lines);
  if (!body) return [head];
  if (!o.chunked) return [head, body];
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += 16 * KiB) {
    const piece = body.subarray(at, at + 16 * KiB);
    chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from('0\r\n\r\n'));
  return [head, Buffer.concat(chunks)];
}

// --- Multipart -------------------------------------------------------------------------

interface Part {
  /** Raw header lines; by default a Content-Disposition for name/filename and a Content-Type. */
  headers?: Buffer[];
  name?: string;
  filename?: string | Buffer;
  type?: string;
  body: Buffer;
}

function disposition(name: string, filename?: string | Buffer): Buffer {
  const pieces: Buffer[] = [Buffer.from(`Content-Disposition: form-data; name="${name}"`)];
  if (filename !== undefined) pieces.push(Buffer.from('; filename="'), Buffer.isBuffer(filename) ? filename : Buffer.from(filename), Buffer.from('"'));
  return Buffer.concat(pieces);
}

function multipart(boundary: string, parts: Part[], o: { close?: boolean; preamble?: Buffer; epilogue?: Buffer; eol?: string } = {}): Buffer {
  const eol = o.eol ?? '\r\n';
  const out: Buffer[] = [];
  if (o.preamble) out.push(o.preamble, Buffer.from(eol));
  for (const p of parts) {
    out.push(Buffer.from(`--${boundary}${eol}`));
    const lines = p.headers ?? [disposition(p.name ?? 'file', p.filename), ...(p.filename !== undefined || p.type ? [Buffer.from(`Content-Type: ${p.type ?? 'application/octet-stream'}`)] : [])];
    for (const l of lines) out.push(l, Buffer.from(eol));
    out.push(Buffer.from(eol), p.body, Buffer.from(eol));
  }
  if (o.close !== false) out.push(Buffer.from(`--${boundary}--${eol}`));
  if (o.epilogue) out.push(o.epilogue);
  return Buffer.concat(out);
}

const field = (name: string, value: string | Buffer): Part => ({ name, body: Buffer.isBuffer(value) ? value : Buffer.from(value) });
const filePart = (filename: string | Buffer, body: Buffer, type = 'application/octet-stream'): Part => ({ name: 'file', filename, type, body });
const boundaryFor = (rng: Rng) => `----hostile${rng.hex(16)}`;

// --- Small media builders --------------------------------------------------------------

const u16be = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function jpegSegment(marker: number, payload: Buffer, length?: number): Buffer {
  return Buffer.concat([Buffer.from([0xff, marker]), u16be(length ?? payload.length + 2), payload]);
}

/** The JPEG with these segments right after its SOI. */
const withSegments = (jpeg: Buffer, segments: Buffer[]) => Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);

type TiffValue = number | Buffer | { ifd: number } | { at: number };
interface TiffEntry {
  tag: number;
  type: number;
  count?: number;
  value: TiffValue;
}
interface TiffIfdSpec {
  entries: TiffEntry[];
  next?: TiffValue;
  /** The entry count written in the IFD's header (a lie when it differs). */
  claimed?: number;
}
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
const BYTE = 1;
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const UNDEFINED = 7;
const SRATIONAL = 10;

/** A TIFF laid out header, then each IFD followed by its out-of-line values; pointers may name an IFD by index. */
function buildTiff(le: boolean, ifds: TiffIfdSpec[], o: { ifd0?: TiffValue; magic?: Buffer; pad?: number } = {}): Buffer {
  const start = 8 + (o.pad ?? 0);
  const ifdAt: number[] = [];
  const dataAt = new Map<TiffEntry, number>();
  let pos = start;
  for (const ifd of ifds) {
    ifdAt.push(pos);
    pos += 2 + 12 * ifd.entries.length + 4;
    for (const e of ifd.entries) {
      if (Buffer.isBuffer(e.value) && e.value.length > 4) {
        dataAt.set(e, pos);
        pos += e.value.length + (e.value.length & 1);
      }
    }
  }
  const buf = Buffer.alloc(pos);
  const u16 = (at: number, v: number) => (le ? buf.writeUInt16LE(v & 0xffff, at) : buf.writeUInt16BE(v & 0xffff, at));
  const u32 = (at: number, v: number) => (le ? buf.writeUInt32LE(v >>> 0, at) : buf.writeUInt32BE(v >>> 0, at));
  const resolve = (v: TiffValue): number => (typeof v === 'number' ? v : Buffer.isBuffer(v) ? 0 : 'ifd' in v ? (ifdAt[v.ifd] ?? 0xffffffff) : v.at);
  (o.magic ?? Buffer.from(le ? 'II*\0' : 'MM\0*', 'latin1')).copy(buf, 0);
  u32(4, o.ifd0 === undefined ? start : resolve(o.ifd0));
  ifds.forEach((ifd, i) => {
    let at = ifdAt[i]!;
    u16(at, ifd.claimed ?? ifd.entries.length);
    at += 2;
    for (const e of ifd.entries) {
      u16(at, e.tag);
      u16(at + 2, e.type);
      const size = TYPE_BYTES[e.type] ?? 1;
      u32(at + 4, e.count ?? (Buffer.isBuffer(e.value) ? Math.max(1, Math.floor(e.value.length / size)) : 1));
      if (Buffer.isBuffer(e.value)) {
        if (e.value.length <= 4) e.value.copy(buf, at + 8);
        else {
          u32(at + 8, dataAt.get(e)!);
          e.value.copy(buf, dataAt.get(e)!);
        }
      } else if (e.type === SHORT && typeof e.value === 'number') u16(at + 8, e.value);
      else u32(at + 8, resolve(e.value));
      at += 12;
    }
    u32(at, ifd.next === undefined ? 0 : resolve(ifd.next));
  });
  return buf;
}

function numbers(le: boolean, bytesEach: 2 | 4, values: number[]): Buffer {
  const b = Buffer.alloc(values.length * bytesEach);
  values.forEach((v, i) => {
    if (bytesEach === 2) le ? b.writeUInt16LE(v & 0xffff, i * 2) : b.writeUInt16BE(v & 0xffff, i * 2);
    else le ? b.writeUInt32LE(v >>> 0, i * 4) : b.writeUInt32BE(v >>> 0, i * 4);
  });
  return b;
}
const asciiZ = (s: string | Buffer) => Buffer.concat([Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'), Buffer.from([0])]);

function pngChunk(type: string, data: Buffer, length?: number): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(length ?? data.length), typeAndData, u32be(crc32(typeAndData))]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid 1×1 PNG with `extra` chunks between IHDR and IDAT. */
function tinyPng(extra: Buffer[], ihdr?: { width: number; height: number }): Buffer {
  const header = Buffer.concat([u32be(ihdr?.width ?? 1), u32be(ihdr?.height ?? 1), Buffer.from([8, 2, 0, 0, 0])]);
  const idat = deflateSync(Buffer.from([0, 255, 0, 0]));
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), ...extra, pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

function riff(chunks: Buffer[], sizeLie?: number): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP'), ...chunks]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE((sizeLie ?? body.length) >>> 0);
  return Buffer.concat([Buffer.from('RIFF'), size, body]);
}
function riffChunk(type: string, data: Buffer, sizeLie?: number): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE((sizeLie ?? data.length) >>> 0);
  return Buffer.concat([Buffer.from(type, 'latin1'), size, data, data.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** An ISO-BMFF box; `size` lies when given ('large': the 64-bit form with that value). */
function box(type: string, payload: Buffer, size?: number | { large: bigint }): Buffer {
  if (size && typeof size === 'object') {
    const large = Buffer.alloc(8);
    large.writeBigUInt64BE(size.large);
    return Buffer.concat([u32be(1), Buffer.from(type, 'latin1'), large, payload]);
  }
  return Buffer.concat([u32be(size ?? payload.length + 8), Buffer.from(type, 'latin1'), payload]);
}
const fullBox = (type: string, version: number, payload: Buffer, size?: number | { large: bigint }) => box(type, Buffer.concat([Buffer.from([version, 0, 0, 0]), payload]), size);
const ftyp = (major: string, compatible: string[]) => box('ftyp', Buffer.concat([Buffer.from(major, 'latin1'), u32be(0), ...compatible.map((c) => Buffer.from(c, 'latin1'))]));

const MAGICS: Array<[string, Buffer]> = [
  ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
  ['PNG', PNG_SIGNATURE],
  ['GIF', Buffer.from('GIF89a')],
  ['WebP', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')],
  ['TIFF LE', Buffer.from('II*\0\x08\0\0\0', 'latin1')],
  ['TIFF BE', Buffer.from('MM\0*\0\0\0\x08', 'latin1')],
  ['CR2', Buffer.from('II*\0\x10\0\0\0CR\x02\0', 'latin1')],
  ['RW2', Buffer.from('IIU\0\x08\0\0\0', 'latin1')],
  ['ORF', Buffer.from('IIRO\x08\0\0\0', 'latin1')],
  ['RAF', Buffer.from('FUJIFILMCCD-RAW 0201FF383501', 'latin1')],
  ['HEIC', ftyp('heic', ['mif1', 'heic'])],
  ['AVIF', ftyp('avif', ['mif1', 'avif'])],
  ['MP4', ftyp('isom', ['isom', 'mp42'])],
  ['MOV', ftyp('qt  ', ['qt  '])],
  ['CR3', ftyp('crx ', ['crx ', 'isom'])],
  ['moov first', box('moov', Buffer.alloc(0), 0)],
  ['Matroska', Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x93, 0x42, 0x82, 0x88, ...Buffer.from('matroska')])],
  ['WebM', Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x93, 0x42, 0x82, 0x84, ...Buffer.from('webm')])],
  ['PDF', Buffer.from('%PDF-1.7\n')],
  ['ZIP', Buffer.from('PK\x03\x04', 'latin1')],
  ['ELF', Buffer.from('\x7fELF\x02\x01\x01', 'latin1')],
  ['HTML', Buffer.from('<!doctype html><script>alert(1)</script>')],
  ['SVG', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')],
  ['M4A', ftyp('M4A ', ['M4A ', 'isom'])],
  ['nothing', Buffer.alloc(0)],
];

// --- The server and its state ----------------------------------------------------------

let server: TestServer;
let owner: User;
let cookie: string;
let albumA: string; // uploads land here (and through the guest link)
let albumB: string; // holds the seeded assets
let victimAlbum: string; // JSON cases may rename, re-sort, share it
let uploadLink: { id: string; token: string };
let passwordLink: { id: string; token: string };
let victimLink: { id: string; token: string };
let victimUploader: string;
const seededAssets: string[] = [];
const errorLogs: string[] = [];
let topLevelBefore: string[] = [];

/** Ids the server answered "created" (or "duplicate" of): every asset row must be one of these, and each of these a row. */
const accepted = new Map<string, string>(); // id → case that made it
/** Assets stored under a hostile file name: each is downloaded under it afterwards. */
const hostileNamed = new Set<string>();
let acceptedCount = 0;
const mayKeepNames = new Set<string>();
let refusedUploads = 0;

interface PoolItem {
  name: string;
  bytes: Buffer;
  /** Decodes to a picture a few hundred pixels across: its grid thumbnail (AVIF) costs the worker ~0.5 s. */
  large?: boolean;
}
let pool: PoolItem[] = [];
/** Mostly small pictures, so the worker keeps up; a quarter of the time a full-size one. */
const pickSource = (rng: Rng) => {
  const large = rng.chance(0.25);
  const from = pool.filter((p) => !!p.large === large);
  return rng.pick(from.length ? from : pool);
};
let tinyJpeg: Buffer;

const ownerHeaders = (): HeaderList => [
  ['Cookie', cookie],
  ['Origin', server.url],
];

function uniqueJpeg(index: number, salt = ''): Buffer {
  return withSegments(tinyJpeg, [jpegSegment(0xfe, Buffer.from(`hostile-input seed ${SEED} case ${index}${salt}`))]);
}

function uploadRequest(target: 'owner' | 'guest', boundary: string, body: Buffer, extraHeaders: HeaderList = [], o: { chunked?: boolean; contentLength?: number | null } = {}): Buffer[] {
  const path = target === 'owner' ? '/api/assets/upload' : `/api/share/${uploadLink.token}/upload`;
  const auth: HeaderList = target === 'owner' ? ownerHeaders() : [['Origin', server.url]];
  return rawRequest('POST', path, [...auth, ['Content-Type', `multipart/form-data; boundary=${boundary}`], ...extraHeaders], body, o);
}

// --- Cases -----------------------------------------------------------------------------

interface Spec {
  desc: string;
  send(): Promise<Outcome>;
  /** Statuses this case may get (any below 500 when absent). */
  status?: number[];
  /** The request is cut or unreadable: a connection closed without an answer is fine. */
  mayClose?: boolean;
  /** An upload: its answer says what was kept. */
  upload?: boolean;
  /** A JSON API under /api: a refusal must be JSON with an `error`. */
  api?: boolean;
  /** A HEAD request: no body to judge. */
  head?: boolean;
  /**
   * Files sent whole in a request the client then broke off: the server may have kept them
   * (nothing refused them), though no answer says so.
   */
  mayKeep?: string[];
  /** Further checks on the answer. */
  also?(out: Outcome): string | undefined;
}

type Generator = (rng: Rng, index: number) => Spec;

interface Family {
  name: string;
  count: number;
  gen: Generator;
}

const problems: string[] = [];
const counts = new Map<string, { cases: number; statuses: Map<string, number> }>();

function bodyText(out: Outcome): string {
  return out.body.toString('utf8');
}

function jsonOf(out: Outcome): unknown {
  try {
    return JSON.parse(bodyText(out));
  } catch {
    return undefined;
  }
}

/** What is wrong with this answer, if anything. */
function judge(spec: Spec, out: Outcome, caseRef: string): string[] {
  const found: string[] = [];
  if (out.status === null) {
    if (!spec.mayClose || out.error?.startsWith('garbled') || out.error?.startsWith('no answer')) found.push(`no answer: ${out.error}`);
    return found;
  }
  if (out.error && /cut short|no answer/.test(out.error)) found.push(out.error);
  if (out.status >= 500) found.push(`answered ${out.status}: ${bodyText(out).slice(0, 300)}`);
  else if (spec.status && !spec.status.includes(out.status)) found.push(`answered ${out.status}, expected one of ${spec.status.join('/')}: ${bodyText(out).slice(0, 300)}`);
  const type = out.headers['content-type'] ?? '';
  // 416 says what was wrong in its Content-Range (the size there is); 304 has no body by definition.
  const selfExplained = out.status === 416 && /^bytes \*\/\d+$/.test(out.headers['content-range'] ?? '');
  if (out.status >= 400 && !spec.head && !selfExplained) {
    if (/json/.test(type)) {
      const json = jsonOf(out) as { error?: unknown; assets?: Array<{ status?: string; error?: unknown }> } | undefined;
      const said =
        (typeof json?.error === 'string' && json.error.trim() !== '') ||
        (Array.isArray(json?.assets) && json.assets.length > 0 && json.assets.every((a) => a.status !== 'rejected' || (typeof a.error === 'string' && a.error.trim() !== '')));
      if (!said) found.push(`refusal ${out.status} does not say what was wrong: ${bodyText(out).slice(0, 200)}`);
    } else {
      // Below the app, Node's HTTP layer answers what it cannot parse in plain text.
      if (spec.api && !/^text\/plain/.test(type)) found.push(`API refusal ${out.status} is not JSON (${type}): ${bodyText(out).slice(0, 200)}`);
      if (!bodyText(out).trim()) found.push(`refusal ${out.status} ${out.reason} has an empty body`);
    }
  }
  const secret = server.deps.config.secretKey ?? '';
  const text = out.body.toString('latin1');
  if (/root:.*:0:0:/.test(text) || (secret && text.includes(secret))) found.push('the answer leaks a file from outside the app');
  if (spec.upload) found.push(...recordUpload(out, caseRef));
  const extra = spec.also?.(out);
  if (extra) found.push(extra);
  return found;
}

function recordUpload(out: Outcome, caseRef: string): string[] {
  const found: string[] = [];
  const json = jsonOf(out) as { assets?: Array<{ id?: string; status?: string; originalFilename?: string; error?: string }> } | undefined;
  const entries = json?.assets;
  if (out.status! < 300) {
    if (!Array.isArray(entries)) return [`an accepted upload answered without its entries: ${bodyText(out).slice(0, 200)}`];
    for (const e of entries) {
      if (e.status === 'created' || e.status === 'duplicate') {
        if (typeof e.id !== 'string') found.push(`entry without an id: ${JSON.stringify(e)}`);
        else {
          if (!accepted.has(e.id)) accepted.set(e.id, caseRef);
          acceptedCount++;
          const name = e.originalFilename ?? '';
          if (!/^c\d+\.\w+$/.test(name)) hostileNamed.add(e.id);
          if (/[/\\\u0000-\u001f\u007f]/.test(name) || name.length === 0 || name.length > 255) found.push(`kept an unsafe file name ${JSON.stringify(name)}`);
        }
      } else if (e.status === 'rejected') {
        refusedUploads++;
        if (!e.error) found.push(`a rejected entry without a reason: ${JSON.stringify(e)}`);
      } else found.push(`an entry with status ${JSON.stringify(e.status)}`);
    }
  } else {
    refusedUploads++;
    if (Array.isArray(entries) && entries.some((e) => e.status === 'created')) found.push(`answered ${out.status} yet an entry says created`);
  }
  return found;
}

async function runCase(family: string, gen: Generator, index: number) {
  const rng = caseRng(index);
  let spec: Spec | undefined;
  const ref = `#${index}`;
  try {
    spec = gen(rng, index);
    for (const name of spec.mayKeep ?? []) mayKeepNames.add(name);
    const started = performance.now();
    const out = await spec.send();
    const ms = Math.round(performance.now() - started);
    const tally = counts.get(family) ?? { cases: 0, statuses: new Map() };
    tally.cases++;
    const key = out.status === null ? 'closed' : String(out.status);
    tally.statuses.set(key, (tally.statuses.get(key) ?? 0) + 1);
    counts.set(family, tally);
    if (VERBOSE) console.log(`case ${ref} [${family}] ${ms} ms ${spec.desc.slice(0, 200)} → ${out.status ?? out.error} ${bodyText(out).slice(0, 160)}`);
    for (const p of judge(spec, out, ref)) problems.push(`case ${ref} [${family}] ${spec.desc.slice(0, 240)} → ${p}`);
  } catch (err) {
    problems.push(`case ${ref} [${family}] ${spec?.desc.slice(0, 240) ?? '(generator)'} → threw ${(err as Error).stack ?? err}`);
  }
}

async function alive(when: string) {
  const out = await exchange(rawRequest('GET', '/healthz', []));
  if (out.status !== 200) problems.push(`server not healthy ${when}: ${out.status} ${out.error ?? ''} ${bodyText(out).slice(0, 200)}`);
}

async function runFamily(f: Family) {
  // Case numbers follow the families' order, whichever of them run.
  let first = 0;
  for (const g of FAMILIES) {
    if (g === f) break;
    first += g.count;
  }
  const indices = Array.from({ length: f.count }, (_, i) => first + i).filter((i) => !ONLY || ONLY.has(i));
  let at = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (at < indices.length) {
        const index = indices[at++]!;
        await runCase(f.name, f.gen, index);
        if (++done % 50 === 0) await alive(`after ${done} ${f.name} cases`);
      }
    }),
  );
  await alive(`after the ${f.name} cases`);
}

function report(family: string): string {
  const t = counts.get(family);
  if (!t) return `${family}: no cases`;
  return `${family}: ${t.cases} cases, answers ${[...t.statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`;
}

function expectNoProblems(family: string) {
  console.log(`hostile-input ${report(family)}`);
  const mine = problems.splice(0);
  expect(mine, `seed ${SEED}: ${mine.length} problem(s) in ${family}; replay: ${REPLAY}\n${mine.slice(0, 30).join('\n')}`).toEqual([]);
}

// --- Family: mutated fixtures ----------------------------------------------------------

/** Full-size pictures (a few hundred pixels across). */
const MUTATE_FROM_LARGE = [
  'jpeg/camera/img_1771.jpg',
  'jpeg/gps/FurnaceCreekInn.jpg',
  'jpeg/gps/gps-2000.jpg',
  'jpeg/phone/IMG_4120.JPG',
  'jpeg/orientation/landscape_6.jpg',
  'jpeg/odd-exif/img_1771_no_exif.jpg',
  'jpeg/odd-exif/Iceland-P3.jpg',
  'webp/norway-kjetil-moe.webp',
  'avif/Irvine_CA.avif',
  'video/small_video.mp4',
];
/** Small pictures, RAWs without pixels, broken files. */
const MUTATE_FROM = [
  'png/png_with_exif_and_gps.png',
  'png/IMG_20180725_163423-1.png',
  'tiff/tif-with-iptc-icc-xmp.tif',
  'raw/DNG.dng',
  'raw/IMG_1361.dng',
  'raw/Nikon.nef',
  'raw/CanonRaw.cr2',
  'broken/RangeError_Invalid_typed_array_length.jpg',
  'broken/RangeError_Offset_outside_bounds.jpg',
  'broken/exiv2-bug1247.jpg',
  'misnamed/this-is-a-jpeg.png',
];
/** Large files: only their first 64 KiB (a truncated file, as a dropped upload leaves it). */
const HEADS_OF = ['heic/iphone_15_pro.heic', 'heic/Canon.HIF', 'raw/Canon-R6-pruned.CR3', 'video/mp42-hvc1.mp4', 'video/quicktime-jpeg.mov'];

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(bytes);
    return b.subarray(0, readSync(fd, b, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

const CAP = 160 * KiB;

function mutate(rng: Rng, src: PoolItem): { bytes: Buffer; how: string } {
  const b = src.bytes;
  const pos = (limit = b.length) => rng.int(Math.max(1, limit));
  const headPos = () => (rng.chance(0.6) ? pos(Math.min(b.length, 4096)) : pos());
  const other = () => rng.pick(pool).bytes;
  const op = rng.int(14);
  switch (op) {
    case 0: {
      const out = Buffer.from(b);
      const n = rng.range(1, 32);
      for (let i = 0; i < n && out.length; i++) out[headPos()]! ^= 1 << rng.int(8);
      return { bytes: out, how: `${n} bit flips` };
    }
    case 1: {
      const out = Buffer.from(b);
      const n = rng.range(1, 64);
      const v = rng.pick([0x00, 0xff, -1]);
      for (let i = 0; i < n && out.length; i++) out[headPos()] = v < 0 ? rng.int(256) : v;
      return { bytes: out, how: `${n} bytes stomped with ${v < 0 ? 'random' : v}` };
    }
    case 2: {
      const at = rng.chance(0.4) ? rng.range(0, Math.min(b.length, 512)) : pos();
      return { bytes: b.subarray(0, at), how: `truncated to ${at} bytes` };
    }
    case 3: {
      const at = rng.range(1, Math.min(b.length, 4096));
      return { bytes: b.subarray(at), how: `first ${at} bytes cut off` };
    }
    case 4: {
      const o = other();
      const from = rng.int(Math.max(1, o.length));
      const len = rng.range(1, 8192);
      const at = headPos();
      return { bytes: Buffer.concat([b.subarray(0, at), o.subarray(from, from + len), b.subarray(at + rng.int(len))]), how: `spliced ${len} bytes of another file in at ${at}` };
    }
    case 5: {
      const at = headPos();
      const len = rng.range(1, 2048);
      return { bytes: Buffer.concat([b.subarray(0, at), rng.bytes(len), b.subarray(at)]), how: `${len} random bytes inserted at ${at}` };
    }
    case 6: {
      const at = headPos();
      const len = rng.range(1, 512);
      const times = rng.range(2, 40);
      const piece = b.subarray(at, at + len);
      return { bytes: Buffer.concat([b.subarray(0, at), ...Array.from({ length: times }, () => piece), b.subarray(at + len)]), how: `${len} bytes at ${at} repeated ${times}×` };
    }
    case 7: {
      const out = Buffer.from(b);
      const at = headPos();
      const len = rng.range(1, 4096);
      out.fill(rng.pick([0, 0xff]), at, Math.min(out.length, at + len));
      return { bytes: out, how: `${len} bytes at ${at} blanked` };
    }
    case 8: {
      const [name, magic] = rng.pick(MAGICS);
      const keep = rng.chance(0.5);
      return { bytes: Buffer.concat([magic, keep ? b : b.subarray(Math.min(b.length, magic.length))]), how: `${name} magic ${keep ? 'put before' : 'written over'} the start` };
    }
    case 9: {
      const o = rng.pick(pool);
      const at = rng.range(8, 4096);
      return { bytes: Buffer.concat([o.bytes.subarray(0, at), b.subarray(at)]), how: `the first ${at} bytes of ${o.name} on the body of this file` };
    }
    case 10: {
      // JPEG: a marker segment whose length lies.
      const out = Buffer.from(b);
      const markers: number[] = [];
      for (let i = 2; i + 3 < out.length && markers.length < 64; i++) if (out[i] === 0xff && out[i + 1]! >= 0xc0 && out[i + 1]! !== 0xff && out[i + 1]! !== 0xd8) markers.push(i);
      if (!markers.length) return { bytes: out, how: 'unchanged (no JPEG segment to lie in)' };
      const at = rng.pick(markers);
      const len = rng.pick([0, 1, 2, 3, 0xffff, 0x8000, rng.int(0x10000)]);
      out.writeUInt16BE(len, at + 2);
      return { bytes: out, how: `JPEG segment 0xff${out[at + 1]!.toString(16)} at ${at} claims length ${len}` };
    }
    case 11: {
      // PNG chunk or ISO-BMFF box length lies: any 32-bit field near the start.
      const out = Buffer.from(b);
      const at = rng.int(Math.max(1, Math.min(out.length - 4, 512)));
      const v = rng.pick([0, 1, 7, 8, 0xffffffff, 0x7fffffff, out.length, out.length + 1, rng.int(2 ** 32)]);
      if (out.length >= 4) out.writeUInt32BE(v >>> 0, Math.max(0, at));
      return { bytes: out, how: `32-bit field at ${at} set to ${v}` };
    }
    case 12:
      return { bytes: Buffer.concat([b, b]), how: 'the file twice over' };
    default: {
      const n = rng.range(0, 4096);
      return { bytes: rng.chance(0.5) ? rng.bytes(n) : Buffer.concat([rng.pick(MAGICS)[1], rng.bytes(n)]), how: `${n} random bytes` };
    }
  }
}

const mutatedMedia: Generator = (rng, index) => {
  const src = pickSource(rng);
  const steps = rng.chance(0.25) ? 2 : 1;
  let bytes = src.bytes;
  const hows: string[] = [];
  for (let i = 0; i < steps; i++) {
    const m = mutate(rng, { name: src.name, bytes });
    bytes = m.bytes;
    hows.push(m.how);
  }
  bytes = bytes.subarray(0, CAP);
  const target = rng.chance(0.15) ? 'guest' : 'owner';
  const ext = src.name.split('.').at(-1) ?? 'bin';
  const b = boundaryFor(rng);
  const parts: Part[] = [];
  if (target === 'guest') parts.push(field('name', `Guest ${index}`));
  else if (rng.chance(0.1)) parts.push(field('albumId', albumA));
  parts.push(filePart(`c${index}.${ext}`, bytes, rng.pick(['image/jpeg', 'application/octet-stream', 'video/mp4', 'text/plain'])));
  return {
    desc: `${target} upload of ${src.name} (${bytes.length} bytes): ${hows.join(', then ')}`,
    upload: true,
    api: true,
    status: [200, 201, 413, 415, 422],
    send: () => exchange(uploadRequest(target, b, multipart(b, parts))),
  };
};

// --- Family: hand-built metadata with absurd offsets and loops --------------------------

const ABSURD_OFFSETS = [0, 1, 3, 7, 8, 0xffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

function hostileExif(rng: Rng): { tiff: Buffer; how: string[]; le: boolean } {
  const le = rng.chance(0.5);
  const how: string[] = [le ? 'II' : 'MM'];
  const absurd = () => (rng.chance(0.7) ? rng.pick(ABSURD_OFFSETS) : rng.int(2 ** 32));
  const ifd0: TiffIfdSpec = {
    entries: [
      { tag: 0x010f, type: ASCII, value: asciiZ(rng.pick(['Canon', 'NIKON CORPORATION', 'SONY', 'Apple', 'FUJIFILM'])) },
      { tag: 0x0110, type: ASCII, value: asciiZ('Hostile Model 1') },
      { tag: 0x0112, type: SHORT, value: 1 },
      { tag: 0x8769, type: LONG, value: { ifd: 1 } },
      { tag: 0x8825, type: LONG, value: { ifd: 2 } },
    ],
    next: { ifd: 3 },
  };
  const exif: TiffIfdSpec = {
    entries: [
      { tag: 0x829a, type: RATIONAL, value: numbers(le, 4, [1, 250]) },
      { tag: 0x829d, type: RATIONAL, value: numbers(le, 4, [28, 10]) },
      { tag: 0x8827, type: SHORT, value: 400 },
      { tag: 0x9003, type: ASCII, value: asciiZ('2021:06:01 12:00:00') },
      { tag: 0x9011, type: ASCII, value: asciiZ('+02:00') },
      { tag: 0xa002, type: LONG, value: 16 },
      { tag: 0xa003, type: LONG, value: 12 },
    ],
  };
  const gps: TiffIfdSpec = {
    entries: [
      { tag: 0x0001, type: ASCII, value: asciiZ('N') },
      { tag: 0x0002, type: RATIONAL, value: numbers(le, 4, [48, 1, 51, 1, 30, 1]) },
      { tag: 0x0003, type: ASCII, value: asciiZ('E') },
      { tag: 0x0004, type: RATIONAL, value: numbers(le, 4, [2, 1, 17, 1, 40, 1]) },
    ],
  };
  const thumb: TiffIfdSpec = {
    entries: [
      { tag: 0x0103, type: SHORT, value: 6 },
      { tag: 0x0201, type: LONG, value: 0 },
      { tag: 0x0202, type: LONG, value: 0 },
    ],
  };
  const ifds = [ifd0, exif, gps, thumb];
  const tweaks: Array<() => void> = [
    () => {
      ifd0.next = { ifd: 0 };
      how.push('IFD0 → itself');
    },
    () => {
      thumb.next = { ifd: 0 };
      how.push('IFD1 → IFD0 (loop)');
    },
    () => {
      ifd0.entries[3]!.value = { ifd: 0 };
      how.push('Exif pointer → IFD0');
    },
    () => {
      exif.entries.push({ tag: 0x8769, type: LONG, value: { ifd: 1 } });
      how.push('Exif IFD → itself');
    },
    () => {
      exif.entries.push({ tag: 0x8825, type: LONG, value: { ifd: 2 } });
      gps.entries.push({ tag: 0x8769, type: LONG, value: { ifd: 1 } });
      exif.next = { ifd: 2 };
      gps.next = { ifd: 1 };
      how.push('Exif ↔ GPS loops');
    },
    () => {
      exif.entries.push({ tag: 0xa005, type: LONG, value: { ifd: rng.pick([0, 1, 2]) } });
      how.push('Interop pointer into a parent IFD');
    },
    () => {
      const n = rng.pick([2, 64, 1000, 5000]);
      ifd0.entries.push({ tag: 0x014a, type: LONG, count: n, value: numbers(le, 4, Array.from({ length: n }, () => rng.pick([8, 8, absurd()]))) });
      how.push(`${n} SubIFDs mostly → IFD0`);
    },
    () => {
      const n = rng.pick([50, 500, 1500]);
      for (let i = 0; i < n; i++) ifds.push({ entries: [{ tag: 0x0100, type: LONG, value: i }], next: i === n - 1 ? { ifd: 0 } : { ifd: ifds.length + 1 } });
      thumb.next = { ifd: 4 };
      how.push(`a chain of ${n} IFDs back to IFD0`);
    },
    () => {
      ifd0.entries[3]!.value = { at: absurd() };
      ifd0.entries[4]!.value = { at: absurd() };
      how.push('Exif and GPS pointers to absurd offsets');
    },
    () => {
      const t = rng.pick(ifds.slice(0, 4));
      t.next = { at: absurd() };
      how.push('next-IFD pointer to an absurd offset');
    },
    () => {
      const t = rng.pick(ifds.slice(0, 4));
      const e = rng.pick(t.entries);
      e.count = rng.pick([0, 0xffffffff, 0x7fffffff, 0x10000000, rng.int(2 ** 32)]);
      if (rng.chance(0.5)) e.value = { at: absurd() };
      how.push(`tag 0x${e.tag.toString(16)} claims ${e.count} values`);
    },
    () => {
      const t = rng.pick(ifds.slice(0, 4));
      t.claimed = rng.pick([0xffff, 0x1000, 0, 1000]);
      how.push(`an IFD claims ${t.claimed} entries`);
    },
    () => {
      for (const e of rng.pick(ifds.slice(0, 4)).entries) if (rng.chance(0.5)) e.type = rng.pick([0, 14, 255, 0xffff, 13]);
      how.push('invalid field types');
    },
    () => {
      const w = rng.pick([0, 0xffff, 0xffffffff, 0x7fffffff, 100000]);
      ifd0.entries.push({ tag: 0x0100, type: LONG, value: w }, { tag: 0x0101, type: LONG, value: rng.pick([0, 0xffff, 0xffffffff, 100000]) });
      ifd0.entries.push({ tag: 0x0111, type: LONG, value: absurd() }, { tag: 0x0117, type: LONG, value: absurd() });
      exif.entries[5]!.value = w;
      how.push(`dimensions ${w}×…, strips at absurd offsets`);
    },
    () => {
      thumb.entries[1]!.value = rng.chance(0.5) ? absurd() : 0;
      thumb.entries[2]!.value = rng.pick([0, 0xffffffff, 0x7fffffff, 1, 100000]);
      how.push(`thumbnail at ${thumb.entries[1]!.value} length ${thumb.entries[2]!.value}`);
    },
    () => {
      ifd0.entries[2] = { tag: 0x0112, type: SHORT, count: rng.pick([1, 100, 0xffff]), value: rng.pick([0, 9, 255, 65535]) };
      how.push(`orientation ${ifd0.entries[2]!.value}`);
    },
    () => {
      const junk = rng.pick<Buffer>([
        asciiZ('0000:00:00 00:00:00'),
        asciiZ('9999:99:99 99:99:99'),
        asciiZ('-0001:13:32 25:61:61'),
        asciiZ('275760:09:13 00:00:01'),
        Buffer.from('2021:06:01 12:00:00'), // no NUL
        rng.bytes(rng.range(1, 64)),
        asciiZ('2021:06:01 12:00:00'.repeat(200)),
      ]);
      exif.entries[3]!.value = junk;
      exif.entries[4]!.value = asciiZ(rng.pick(['+99:99', '-24:00', 'Z', '', '+02:00:00:00', '\xff\xfe']));
      how.push('garbage dates and offsets');
    },
    () => {
      gps.entries[1]!.value = numbers(le, 4, rng.pick([[48, 0, 51, 0, 30, 0], [0xffffffff, 1, 0xffffffff, 1, 0xffffffff, 1], [0, 0, 0, 0, 0, 0], [1, 2]]));
      gps.entries[0]!.value = asciiZ(rng.pick(['X', '', 'NNNNNNNN', '\xff']));
      gps.entries.push({ tag: 0x0006, type: SRATIONAL, value: numbers(le, 4, [0x80000000, 0]) }, { tag: 0x001d, type: ASCII, value: asciiZ('0000:00:00') });
      if (rng.chance(0.5)) gps.entries[3]!.count = 1000;
      how.push('GPS with zero denominators and garbage refs');
    },
    () => {
      // A maker note holding its own TIFF whose IFD points back at itself.
      const inner = buildTiff(le, [{ entries: [{ tag: 0x0001, type: LONG, value: { ifd: 0 } }], next: { ifd: 0 } }]);
      exif.entries.push({ tag: 0x927c, type: UNDEFINED, value: Buffer.concat([Buffer.from('Nikon\0\x02\x10\0\0'), inner]) });
      how.push('a maker note whose IFD loops');
    },
    () => {
      ifd0.entries[0]!.value = asciiZ('NIKON' + 'A'.repeat(rng.pick([100, 4000, 20000])));
      ifd0.entries[1]!.value = rng.bytes(rng.range(5, 300));
      how.push('a long Make and a binary Model');
    },
    () => {
      exif.entries.push({ tag: 0x9286, type: UNDEFINED, value: Buffer.concat([Buffer.from(rng.pick(['UNICODE\0', 'ASCII\0\0\0', 'JIS\0\0\0\0\0'])), rng.bytes(rng.range(1, 101))]) });
      ifd0.entries.push({ tag: 0x9c9b, type: BYTE, value: rng.bytes(rng.range(1, 99) | 1) });
      how.push('odd-length UCS-2 comment and title');
    },
  ];
  const n = rng.range(1, 3);
  for (let i = 0; i < n; i++) rng.pick(tweaks)();
  let tiff = buildTiff(le, ifds, { ifd0: rng.chance(0.12) ? { at: absurd() } : undefined });
  if (rng.chance(0.15)) {
    const at = rng.int(tiff.length);
    tiff = Buffer.from(tiff);
    for (let i = 0; i < rng.range(1, 8); i++) tiff[Math.min(tiff.length - 1, at + i)] = rng.int(256);
    how.push('a few bytes stomped');
  }
  if (rng.chance(0.1)) {
    tiff = tiff.subarray(0, rng.range(8, tiff.length));
    how.push(`cut to ${tiff.length} bytes`);
  }
  return { tiff, how, le };
}

function rawify(rng: Rng, le: boolean): { tiff: Buffer; how: string } {
  const make = rng.pick(['NIKON CORPORATION', 'Canon', 'SONY', 'OLYMPUS', 'Panasonic', 'FUJIFILM']);
  const absurd = () => rng.pick(ABSURD_OFFSETS);
  const previewAt = rng.chance(0.5) ? absurd() : 0;
  const sub: TiffIfdSpec = {
    entries: [
      { tag: 0x00fe, type: LONG, value: 0 },
      { tag: 0x0100, type: LONG, value: rng.pick([6000, 0xffffffff, 0]) },
      { tag: 0x0101, type: LONG, value: rng.pick([4000, 0xffffffff, 0]) },
      { tag: 0x0103, type: SHORT, value: rng.pick([7, 34713, 32767]) },
      { tag: 0x0106, type: SHORT, value: 32803 },
      { tag: 0x0111, type: LONG, value: absurd() },
      { tag: 0x0117, type: LONG, value: absurd() },
    ],
    next: rng.chance(0.3) ? { ifd: 1 } : undefined,
  };
  const ifd0: TiffIfdSpec = {
    entries: [
      { tag: 0x00fe, type: LONG, value: 1 },
      { tag: 0x010f, type: ASCII, value: asciiZ(make) },
      { tag: 0x0112, type: SHORT, value: rng.pick([1, 6, 0, 65535]) },
      { tag: 0x014a, type: LONG, count: rng.pick([1, 2, 1000]), value: rng.chance(0.5) ? { ifd: 1 } : { at: absurd() } },
      { tag: 0x0201, type: LONG, value: previewAt },
      { tag: 0x0202, type: LONG, value: rng.pick([0, 0xffffffff, 1000, 0x7fffffff]) },
    ],
    next: rng.chance(0.3) ? { ifd: 0 } : undefined,
  };
  if (rng.chance(0.3)) ifd0.entries.push({ tag: 0xc612, type: BYTE, value: Buffer.from([1, 4, 0, 0]) });
  const cr2 = make === 'Canon' && rng.chance(0.5);
  const tiff = buildTiff(le, [ifd0, sub], cr2 ? { magic: Buffer.from(le ? 'II*\0' : 'MM\0*', 'latin1'), pad: 8 } : {});
  if (cr2) Buffer.from('CR\x02\0', 'latin1').copy(tiff, 8);
  return { tiff, how: `${make}${cr2 ? ' CR2' : ''} RAW layout, preview at ${previewAt}` };
}

function hostileBmff(rng: Rng): { bytes: Buffer; how: string } {
  const lie = (): number | { large: bigint } | undefined =>
    rng.chance(0.4) ? rng.pick<number | { large: bigint }>([0, 1, 7, 0xffffffff, 9, { large: 0xffffffffffffffffn }, { large: 0x7fffffffffffffffn }, { large: 4n }]) : undefined;
  const kind = rng.pick(['heic', 'heic-grid', 'mp4', 'mov', 'cr3', 'deep']);
  if (kind === 'heic' || kind === 'heic-grid') {
    const w = rng.pick([0, 1, 64, 0xffff, 0xffffffff, 100000]);
    const h = rng.pick([0, 1, 48, 0xffff, 0xffffffff, 100000]);
    const itemCount = rng.pick([1, 2, 0xffff]);
    const grid = kind === 'heic-grid';
    const infe = (id: number, type: string) => fullBox('infe', 2, Buffer.concat([u16be(id), u16be(0), Buffer.from(type, 'latin1'), Buffer.from('\0')]));
    const iinf = fullBox('iinf', 0, Buffer.concat([u16be(itemCount), infe(1, grid ? 'grid' : 'hvc1'), ...(grid ? [infe(2, 'hvc1')] : [])]), lie());
    const extentOffset = rng.pick([0, 0xffffffff, 100, 0x7fffffff]);
    const extentLength = rng.pick([0, 0xffffffff, 16, 0x7fffffff]);
    const iloc = fullBox('iloc', rng.pick([0, 1, 2]), Buffer.concat([Buffer.from([0x44, 0x00]), u16be(rng.pick([1, 0xffff])), u16be(1), u16be(0), u16be(1), u32be(extentOffset), u32be(extentLength)]), lie());
    const ispe = fullBox('ispe', 0, Buffer.concat([u32be(w), u32be(h)]));
    const hvcC = box('hvcC', rng.bytes(rng.range(0, 40)), lie());
    const ipma = fullBox('ipma', 0, Buffer.concat([u32be(1), u16be(1), Buffer.from([2, 0x81, 0x02])]));
    // A grid whose tile is itself (and a second item that refers back).
    const iref = grid ? fullBox('iref', 0, box('dimg', Buffer.concat([u16be(1), u16be(2), u16be(1), u16be(rng.pick([1, 2]))]))) : Buffer.alloc(0);
    const meta = fullBox(
      'meta',
      0,
      Buffer.concat([fullBox('hdlr', 0, Buffer.concat([u32be(0), Buffer.from('pict'), Buffer.alloc(13)])), fullBox('pitm', 0, u16be(rng.pick([1, 7, 0xffff]))), iinf, iloc, iref, box('iprp', Buffer.concat([box('ipco', Buffer.concat([hvcC, ispe])), ipma]))]),
      lie(),
    );
    const bytes = Buffer.concat([ftyp(rng.pick(['heic', 'mif1', 'avif']), ['mif1', 'heic']), meta, box('mdat', rng.bytes(rng.range(0, 256)), lie())]);
    return { bytes, how: `${grid ? 'HEIC grid of itself' : 'HEIC'} ${w}×${h}, ${itemCount} items, extent ${extentOffset}+${extentLength}` };
  }
  if (kind === 'deep') {
    const depth = rng.pick([100, 1000, 5000]);
    let inner = box('free', Buffer.alloc(0));
    for (let i = 0; i < depth; i++) inner = box(rng.pick(['moov', 'trak', 'mdia', 'minf', 'stbl', 'meta', 'udta']), inner);
    return { bytes: Buffer.concat([ftyp(rng.pick(['isom', 'heic', 'qt  ']), ['isom']), inner]), how: `boxes nested ${depth} deep` };
  }
  const timescale = rng.pick([0, 1, 1000, 0xffffffff]);
  const duration = rng.pick([0, 0xffffffff, 1000]);
  const matrix = Buffer.concat(Array.from({ length: 9 }, () => u32be(rng.pick([0, 0x10000, 0xffff0000, 0x40000000, rng.int(2 ** 32)]))));
  const mvhd = fullBox('mvhd', 0, Buffer.concat([u32be(0), u32be(0), u32be(timescale), u32be(duration), Buffer.alloc(16), matrix, Buffer.alloc(28)]), lie());
  const tkhd = fullBox('tkhd', 0, Buffer.concat([Buffer.alloc(20), Buffer.alloc(16), matrix, u32be(rng.pick([0, 0xffffffff, 1920 << 16])), u32be(rng.pick([0, 0xffffffff, 1080 << 16]))]), lie());
  const mdhd = fullBox('mdhd', 0, Buffer.concat([u32be(0), u32be(0), u32be(timescale), u32be(duration), Buffer.alloc(4)]));
  const stts = fullBox('stts', 0, Buffer.concat([u32be(rng.pick([1, 0xffffffff])), u32be(0xffffffff), u32be(0)]), lie());
  const stco = fullBox('stco', 0, Buffer.concat([u32be(rng.pick([1, 0xffffffff])), u32be(0xffffffff)]));
  const stsd = fullBox('stsd', 0, Buffer.concat([u32be(1), box(rng.pick(['avc1', 'hvc1', 'mp4v', 'jpeg']), rng.bytes(rng.range(0, 120)), lie())]));
  const hdlr = fullBox('hdlr', 0, Buffer.concat([u32be(0), Buffer.from(rng.pick(['vide', 'soun', 'meta', '\0\0\0\0'])), Buffer.alloc(12), Buffer.from('x')]));
  const trak = box('trak', Buffer.concat([tkhd, box('mdia', Buffer.concat([mdhd, hdlr, box('minf', box('stbl', Buffer.concat([stsd, stts, stco])))]))]), lie());
  const xyz = box('\xa9xyz', Buffer.concat([u16be(40), u16be(0), Buffer.from(rng.pick(['+99.9999-999.9999/', '+48.8566+002.3522+9999999999/', '\xff\xfe\xfd', '', '+', '-90.0000+180.0000+00.000/'.repeat(20)]), 'latin1')]));
  const udta = box('udta', Buffer.concat([xyz, box('\xa9day', Buffer.concat([u16be(20), u16be(0), Buffer.from(rng.pick(['0000-00-00T00:00:00Z', '9999-99-99', '275760-09-13T00:00:00Z', 'x']))]))]), lie());
  const moov = box('moov', Buffer.concat([mvhd, trak, udta]), lie());
  const brand = kind === 'mp4' ? ftyp(rng.pick(['isom', 'mp42', 'M4V ']), ['isom']) : kind === 'mov' ? ftyp('qt  ', ['qt  ']) : ftyp('crx ', ['crx ', 'isom']);
  const cr3 = kind === 'cr3' ? box('uuid', Buffer.concat([Buffer.from('85c0b687820f11e08111f4ce462b6a48', 'hex'), box('PRVW', Buffer.concat([Buffer.alloc(8), u16be(0xffff), u16be(0xffff), u32be(rng.pick([0xffffffff, 0, 100])), rng.bytes(20)]), lie())])) : Buffer.alloc(0);
  const mdat = box('mdat', rng.bytes(rng.range(0, 512)), lie());
  const order = rng.chance(0.3) ? [moov, brand, mdat] : [brand, cr3, moov, mdat];
  return { bytes: Buffer.concat(order), how: `${kind.toUpperCase()} boxes, timescale ${timescale}, duration ${duration}` };
}

const exifCraft: Generator = (rng, index) => {
  const container = rng.pick(['jpeg', 'jpeg', 'jpeg', 'jpeg', 'jpeg', 'tiff', 'raw', 'raw', 'png', 'webp', 'raf', 'bmff', 'bmff', 'bmff']);
  let bytes: Buffer;
  let how: string;
  if (container === 'bmff') ({ bytes, how } = hostileBmff(rng));
  else if (container === 'raw') {
    const le = rng.chance(0.5);
    const r = rawify(rng, le);
    bytes = r.tiff;
    how = r.how;
  } else {
    const { tiff, how: steps } = hostileExif(rng);
    how = steps.join(', ');
    if (container === 'jpeg') {
      const payload = Buffer.concat([Buffer.from('Exif\0\0'), tiff]).subarray(0, 65533);
      const lengthLie = rng.chance(0.15) ? rng.pick([0, 1, 2, 3, 0xffff, payload.length + 1000]) : undefined;
      const segs = [jpegSegment(0xe1, payload, lengthLie)];
      if (rng.chance(0.2)) segs.push(jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), tiff.subarray(0, rng.int(tiff.length))])));
      if (rng.chance(0.1)) segs.unshift(jpegSegment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:RDF><rdf:Description exif:GPSLatitude="999,99N"/></rdf:RDF></x:xmpmeta>')));
      bytes = withSegments(uniqueJpeg(index), segs);
      how = `JPEG APP1${lengthLie !== undefined ? ` (length says ${lengthLie})` : ''}: ${how}`;
    } else if (container === 'tiff') {
      bytes = tiff;
      how = `bare TIFF: ${how}`;
    } else if (container === 'png') {
      const big = rng.chance(0.2);
      const lengthLie = rng.chance(0.15) ? rng.pick([0, 0xffffffff, 0x7fffffff, tiff.length + 100]) : undefined;
      bytes = tinyPng([pngChunk('eXIf', tiff, lengthLie)], big ? { width: 0xffffff, height: 0xffffff } : undefined);
      how = `PNG eXIf${big ? ' with a 16M×16M IHDR' : ''}${lengthLie !== undefined ? ` (length says ${lengthLie})` : ''}: ${how}`;
    } else if (container === 'webp') {
      const flags = Buffer.from([0x08, 0, 0, 0]);
      const canvas = Buffer.alloc(6);
      canvas.writeUIntLE(rng.pick([0, 15, 0xffffff]), 0, 3);
      canvas.writeUIntLE(rng.pick([0, 11, 0xffffff]), 3, 3);
      const vp8l = webpImageChunk;
      const sizeLie = rng.chance(0.15) ? rng.pick([0, 0xffffffff, 4]) : undefined;
      bytes = riff([riffChunk('VP8X', Buffer.concat([flags, canvas])), vp8l, riffChunk('EXIF', tiff, sizeLie)], rng.chance(0.1) ? 0xffffffff : undefined);
      how = `WebP EXIF chunk${sizeLie !== undefined ? ` (size says ${sizeLie})` : ''}: ${how}`;
    } else {
      // RAF: a fixed header whose JPEG preview offset and length lie, around a JPEG with this EXIF.
      const jpeg = withSegments(uniqueJpeg(index), [jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), tiff]).subarray(0, 65533))]);
      const header = Buffer.alloc(160);
      Buffer.from('FUJIFILMCCD-RAW 0201FF383501', 'latin1').copy(header);
      Buffer.from('X-T3\0', 'latin1').copy(header, 28);
      const offset = rng.chance(0.5) ? 160 : rng.pick(ABSURD_OFFSETS);
      const length = rng.chance(0.5) ? jpeg.length : rng.pick(ABSURD_OFFSETS);
      header.writeUInt32BE(offset >>> 0, 84);
      header.writeUInt32BE(length >>> 0, 88);
      header.writeUInt32BE(rng.pick(ABSURD_OFFSETS) >>> 0, 92);
      bytes = Buffer.concat([header, jpeg]);
      how = `RAF, preview at ${offset} length ${length}: ${how}`;
    }
  }
  bytes = bytes.subarray(0, CAP);
  const b = boundaryFor(rng);
  const target = rng.chance(0.1) ? 'guest' : 'owner';
  const parts = [...(target === 'guest' ? [field('name', `Crafter ${index}`)] : []), filePart(`c${index}.${container}`, bytes)];
  return {
    desc: `${target} upload, ${bytes.length} bytes: ${how}`,
    upload: true,
    api: true,
    status: [200, 201, 415, 422],
    send: () => exchange(uploadRequest(target, b, multipart(b, parts))),
  };
};

let webpImageChunk: Buffer;

// --- Family: hostile file names --------------------------------------------------------

const NAME_PIECES: Array<string | Buffer> = [
  '../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/shadow',
  '....//....//etc/passwd',
  '..',
  '.',
  '',
  ' ',
  '~/.ssh/id_rsa',
  'a/../../b.jpg',
  '%2e%2e%2f%2e%2e%2fpasswd.jpg',
  'C:\\boot.ini',
  '\\\\server\\share\\x.jpg',
  'file:///etc/passwd',
  'con.jpg',
  'NUL',
  'a\u0000b.jpg',
  '\u0000',
  'tab\there.jpg',
  '\u007fdel.jpg',
  '\u202egpj.exe',
  '\u2066evil\u2069.jpg',
  'zero\u200bwidth\u200d.jpg',
  'e\u0301'.repeat(400),
  '😀'.repeat(100) + '.jpg',
  '<script>alert(1)</script>.jpg',
  '"; rm -rf / #.jpg',
  "'; DROP TABLE assets; --.jpg",
  '${jndi:ldap://x/a}.jpg',
  '%s%s%n.jpg',
  '\u0085\u2028\u2029.jpg',
  '\ufeffbom.jpg',
  'x'.repeat(300),
  'y'.repeat(5000) + '.jpg',
  'z'.repeat(30000),
  'IMG_0001.JPG',
  'thumbnails/../originals/x.jpg',
  Buffer.from([0xff, 0xfe, 0x2e, 0x2e, 0x2f]),
  Buffer.from([0xc0, 0xaf, 0xc0, 0xaf, 0x2e, 0x6a, 0x70, 0x67]),
  Buffer.from([0xed, 0xa0, 0x80, 0x2e, 0x6a, 0x70, 0x67]),
  Buffer.from([0x80, 0x81, 0xfe]),
  Buffer.from('caf\xe9 cr\xe8me.jpg', 'latin1'),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xe2, 0x80]),
];

function hostileName(rng: Rng): { header: Buffer; desc: string } {
  const n = rng.range(1, 3);
  const pieces: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const p = rng.pick(NAME_PIECES);
    pieces.push(Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8'));
  }
  const name = Buffer.concat(pieces);
  const shown = JSON.stringify(name.toString('latin1').slice(0, 80)) + (name.length > 80 ? `…(${name.length} bytes)` : '');
  const style = rng.int(6);
  const base = 'Content-Disposition: form-data; name="file"';
  switch (style) {
    case 0: // raw bytes in quotes, quotes and backslashes escaped
      return { header: Buffer.concat([Buffer.from(`${base}; filename="`), Buffer.from(name.toString('latin1').replace(/["\\]/g, '\\$&'), 'latin1'), Buffer.from('"')]), desc: `filename=${shown} (escaped)` };
    case 1: // raw bytes in quotes, nothing escaped
      return { header: Buffer.concat([Buffer.from(`${base}; filename="`), name, Buffer.from('"')]), desc: `filename=${shown} (raw)` };
    case 2: // RFC 5987
      return { header: Buffer.from(`${base}; filename*=UTF-8''${[...name].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')}`), desc: `filename*=${shown}` };
    case 3: // both, disagreeing
      return { header: Buffer.from(`${base}; filename="safe.jpg"; filename*=UTF-8''${encodeURIComponent(name.toString('utf8'))}`), desc: `filename="safe.jpg" and filename*=${shown}` };
    case 4: // unquoted
      return { header: Buffer.concat([Buffer.from(`${base}; filename=`), name]), desc: `unquoted filename=${shown}` };
    default: // a broken RFC 5987 value
      return { header: Buffer.from(`${base}; filename*=${rng.pick(["UTF-8''%", "bogus'x'%zz", "UTF-8'en'%ff%fe", "''", "UTF-16''%00%2e"])}`), desc: 'a broken filename* value' };
  }
}

const hostileNames: Generator = (rng, index) => {
  const { header, desc } = hostileName(rng);
  const b = boundaryFor(rng);
  const intoAlbum = rng.chance(0.4);
  const guest = rng.chance(0.2);
  const parts: Part[] = [];
  if (guest) parts.push(field('name', `Namer ${index}`));
  else if (intoAlbum) parts.push(field('albumId', albumA));
  parts.push({ headers: [header, Buffer.from('Content-Type: image/jpeg')], body: uniqueJpeg(index) });
  return {
    desc: `${guest ? 'guest' : 'owner'} upload named by ${desc}`,
    upload: true,
    api: true,
    status: [200, 201, 400],
    send: () => exchange(uploadRequest(guest ? 'guest' : 'owner', b, multipart(b, parts))),
  };
};

// --- Family: broken multipart ----------------------------------------------------------

const brokenMultipart: Generator = (rng, index) => {
  const b = boundaryFor(rng);
  const jpeg = uniqueJpeg(index);
  const ok = (name = `c${index}.jpg`) => filePart(name, jpeg, 'image/jpeg');
  const upload = (target: 'owner' | 'guest', body: Buffer, headers: HeaderList = [], o: { chunked?: boolean; contentLength?: number | null } = {}) => () => exchange(uploadRequest(target, b, body, headers, o));
  const scenario = rng.int(34);
  const target: 'owner' | 'guest' = rng.chance(0.25) ? 'guest' : 'owner';
  const named = (parts: Part[]) => (target === 'guest' ? [field('name', `Breaker ${index}`), ...parts] : parts);
  const base = { upload: true, api: true };
  switch (scenario) {
    case 0:
      return { ...base, desc: `${target}: multipart without a boundary`, status: [400], send: () => exchange(rawRequest('POST', target === 'owner' ? '/api/assets/upload' : `/api/share/${uploadLink.token}/upload`, [...(target === 'owner' ? ownerHeaders() : [['Origin', server.url] as [string, string]]), ['Content-Type', 'multipart/form-data']], multipart(b, named([ok()])))) };
    case 1: {
      const weird = rng.pick(['', '"', '""', 'a'.repeat(200), 'x y', '--', '\u00ff\u00fe', 'b; boundary=c']);
      return { ...base, desc: `${target}: boundary=${JSON.stringify(weird)}`, status: [400, 415], send: () => exchange(rawRequest('POST', '/api/assets/upload', [...ownerHeaders(), ['Content-Type', `multipart/form-data; boundary=${weird}`]], multipart(b, [ok()]))) };
    }
    case 2: {
      const type = rng.pick(['application/json', 'text/plain', 'image/jpeg', 'multipart/mixed; boundary=' + b, 'application/x-www-form-urlencoded', '']);
      return { ...base, desc: `${target}: Content-Type ${JSON.stringify(type)}`, status: [400, 415], send: () => exchange(rawRequest('POST', '/api/assets/upload', [...ownerHeaders(), ...(type ? [['Content-Type', type] as [string, string]] : [])], multipart(b, [ok()]))) };
    }
    case 3:
      return { ...base, desc: `${target}: a body that never names the boundary`, status: [400], send: upload(target, rng.bytes(rng.range(0, 8192))) };
    case 4:
      return { ...base, desc: `${target}: one file part, no closing boundary`, status: [400], send: upload(target, multipart(b, named([ok()]), { close: false })) };
    case 5:
      // The good file is stored: the answer lists it, refuses the broken one and says what broke.
      return {
        ...base,
        desc: `${target}: a good file, then a part cut off without its closing boundary`,
        status: [201],
        also: (out) => (/malformed multipart/.test(String((jsonOf(out) as { error?: unknown } | undefined)?.error)) ? undefined : 'the answer does not say the body broke'),
        send: upload(target, Buffer.concat([multipart(b, named([ok()]), { close: false }), Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="half.jpg"\r\n\r\n`), jpeg.subarray(0, rng.int(jpeg.length))])),
      };
    case 6:
      return { ...base, desc: `${target}: only fields, no file`, status: [400], send: upload(target, multipart(b, named([field('albumId', albumA), field('lastModified', '1')]))) };
    case 7: {
      const name = rng.pick(['files', 'image', '', 'FILE', 'file[]', 'file\u0000']);
      return { ...base, desc: `${target}: the file under the field name ${JSON.stringify(name)}`, status: [400], send: upload(target, multipart(b, named([{ name, filename: 'x.jpg', body: jpeg }]))) };
    }
    case 8:
      return { ...base, desc: 'owner: albumId twice, the first right', status: [201], send: upload('owner', multipart(b, [field('albumId', albumA), field('albumId', rng.uuid()), ok()])) };
    case 9:
      return { ...base, desc: 'owner: albumId twice, the first unknown', status: [404], send: upload('owner', multipart(b, [field('albumId', rng.uuid()), field('albumId', albumA), ok()])) };
    case 10: {
      const id = rng.pick([rng.uuid(), 'not-a-uuid', '', "' or 1=1 --", albumA.toUpperCase() + 'x', '\u0000', '../' + albumA, 'a'.repeat(60000)]);
      return { ...base, desc: `owner: albumId ${JSON.stringify(id.slice(0, 60))}`, status: [404], send: upload('owner', multipart(b, [field('albumId', id), ok()])) };
    }
    case 11:
      return { ...base, desc: 'owner: albumId after the file (the file goes to the library)', status: [201], send: upload('owner', multipart(b, [ok(), field('albumId', rng.uuid())])) };
    case 12: {
      const size = rng.pick([9 * KiB, 90 * KiB, 300 * KiB]);
      return { ...base, desc: `${target}: a part header line of ${size} bytes`, mayClose: true, send: upload(target, multipart(b, named([{ headers: [Buffer.from(`Content-Disposition: form-data; name="file"; filename="c${index}.jpg"; x="${'x'.repeat(size)}"`)], body: jpeg }]))) };
    }
    case 13: {
      const n = rng.pick([100, 2500, 10000]);
      return { ...base, desc: `${target}: a part with ${n} header lines`, mayClose: true, send: upload(target, multipart(b, named([{ headers: [disposition('file', `c${index}.jpg`), ...Array.from({ length: n }, (_, i) => Buffer.from(`X-H${i}: ${i}`))], body: jpeg }]))) };
    }
    case 14:
      return { ...base, desc: `${target}: a part without Content-Disposition`, status: [400], send: upload(target, multipart(b, named([{ headers: [Buffer.from('Content-Type: image/jpeg')], body: jpeg }]))) };
    case 15: {
      const header = rng.pick([Buffer.from('no colon here'), Buffer.from('Bad Name: x'), Buffer.from([0xff, 0xfe, 0x3a, 0x20, 0x80]), Buffer.from(': empty name'), Buffer.from('Content-Disposition: form-data; name=file; filename=')]);
      return { ...base, desc: `${target}: a part header ${JSON.stringify(header.toString('latin1'))}`, status: [200, 201, 400], send: upload(target, multipart(b, named([{ headers: [disposition('file', `c${index}.jpg`), header], body: jpeg }]))) };
    }
    case 16: {
      const v = rng.pick(['1e300', '-1', 'NaN', 'Infinity', '9'.repeat(400), '8640000000000001', '253402300800000', '1e15', '0x10', '', ' 1 ', '1.5', '-8640000000000000', '99999999999999', '\u0000']);
      return { ...base, desc: `${target}: lastModified ${JSON.stringify(v.slice(0, 40))}`, status: [201], send: upload(target, multipart(b, named([field('lastModified', v), ok()]))) };
    }
    case 17:
      return { ...base, desc: `${target}: 10 KiB of preamble and epilogue garbage`, status: [201], send: upload(target, multipart(b, named([ok()]), { preamble: Buffer.from(rng.bytes(10 * KiB).map((x) => (x === 0x2d ? 0x2e : x))), epilogue: rng.bytes(10 * KiB) })) };
    case 18:
      return { ...base, desc: `${target}: LF-only line endings`, status: [200, 201, 400], send: upload(target, multipart(b, named([ok()]), { eol: '\n' })) };
    case 19: {
      const inner = multipart('inner' + b, [ok()]);
      return { ...base, desc: `${target}: a nested multipart/mixed part`, status: [400], send: upload(target, multipart(b, named([{ headers: [Buffer.from('Content-Disposition: form-data; name="files"'), Buffer.from(`Content-Type: multipart/mixed; boundary=inner${b}`)], body: inner }]))) };
    }
    case 20: {
      const n = rng.pick([250, 1000, 5000]);
      return { ...base, desc: `owner: ${n} small fields before the file`, status: [201], send: upload('owner', multipart(b, [...Array.from({ length: n }, (_, i) => field(`f${i}`, 'v'.repeat(rng.range(0, 20)))), ok()])) };
    }
    case 21: {
      const n = rng.pick([20, 120]);
      return { ...base, desc: `owner: ${n} empty file parts`, status: [415], send: upload('owner', multipart(b, Array.from({ length: n }, (_, i) => filePart(`e${i}.jpg`, Buffer.alloc(0))))) };
    }
    case 22: {
      const n = rng.range(5, 40);
      const bad = rng.int(n);
      return {
        ...base,
        desc: `${target}: ${n} files, number ${bad} garbage`,
        status: [201],
        send: upload(target, multipart(b, named(Array.from({ length: n }, (_, i) => (i === bad ? filePart(`bad${i}.jpg`, rng.bytes(300)) : filePart(`c${index}-${i}.jpg`, uniqueJpeg(index, `-${i}`))))))),
      };
    }
    case 23: {
      const body = multipart(b, named([ok()]));
      const cut = rng.range(10, body.length - 10);
      return { ...base, desc: `${target}: the client goes away after ${cut} of ${body.length} bytes`, mayClose: true, mayKeep: [`c${index}.jpg`], send: () => exchange([uploadRequest(target, b, Buffer.alloc(0), [], { contentLength: body.length })[0]!, body.subarray(0, cut)], { end: true }) };
    }
    case 24:
      return { ...base, desc: `${target}: a chunked multipart body`, status: [201], send: upload(target, multipart(b, named([ok()])), [], { chunked: true }) };
    case 25: {
      const body = multipart(b, named([ok()]));
      const chunked = rawRequest('POST', '/x', [], body, { chunked: true })[1]!;
      const cut = rng.range(5, chunked.length - 6);
      return { ...base, desc: `${target}: a chunked body cut after ${cut} bytes`, mayClose: true, mayKeep: [`c${index}.jpg`], send: () => exchange([uploadRequest(target, b, Buffer.alloc(0), [], { chunked: true, contentLength: null })[0]!.subarray(0), chunked.subarray(0, cut)], { end: true }) };
    }
    case 26: {
      const big = Buffer.concat([jpeg.subarray(0, 4), rng.bytes(MAX_UPLOAD + rng.range(1, 200 * KiB))]);
      // The big file is refused; the one after it may still have been read and stored.
      return { ...base, desc: `owner: a file of ${big.length} bytes, over MAX_UPLOAD_SIZE`, status: [201, 413], also: (out) => ((jsonOf(out) as { assets?: Array<{ status: string }> } | undefined)?.assets?.[0]?.status === 'rejected' ? undefined : 'the big file was not refused'), send: upload('owner', multipart(b, [filePart(`big${index}.jpg`, big), ok(`after-big${index}.jpg`)])) };
    }
    case 27: {
      const big = Buffer.concat([jpeg.subarray(0, 4), rng.bytes(GUEST_MAX_FILE + rng.range(1, 100 * KiB))]);
      return { ...base, desc: `guest: a file of ${big.length} bytes, over the link's file size`, status: [413], send: upload('guest', multipart(b, [field('name', `Big ${index}`), filePart(`big${index}.jpg`, big)])) };
    }
    case 28: {
      const name = rng.pick(['', ' ', 'x'.repeat(61), '\u0000'.repeat(3), '\u202e'.repeat(70)]);
      return { ...base, desc: `guest: name ${JSON.stringify(name.slice(0, 20))}`, status: [400], send: upload('guest', multipart(b, [field('name', name), ok()])) };
    }
    case 29:
      return { ...base, desc: 'guest: the name after the file', status: [400], send: upload('guest', multipart(b, [ok(), field('name', `Late ${index}`)])) };
    case 30: {
      const token = rng.pick([rng.hex(64), 'x', rng.hex(63), rng.hex(64).toUpperCase(), passwordLink.token]);
      return {
        ...base,
        desc: `guest: upload through token ${token.slice(0, 20)}…`,
        status: [401, 403, 404],
        send: () => exchange(rawRequest('POST', `/api/share/${token}/upload`, [['Origin', server.url], ['Content-Type', `multipart/form-data; boundary=${b}`]], multipart(b, [field('name', 'X'), ok()]))),
      };
    }
    case 31: {
      // The boundary almost appears inside the file.
      const trap = Buffer.concat([jpeg, Buffer.from(`\r\n--${b.slice(0, -1)}\r\n--${b}X\r\n-- ${b}`)]);
      return { ...base, desc: `${target}: near-boundaries inside the file`, status: [200, 201, 422], send: upload(target, multipart(b, named([filePart(`trap${index}.jpg`, trap)]))) };
    }
    case 32:
      return { ...base, desc: `${target}: Content-Length larger than the body, then the client half-closes`, mayClose: true, mayKeep: [`c${index}.jpg`], send: () => exchange(uploadRequest(target, b, multipart(b, named([ok()])), [], { contentLength: 10 * MiB }), { end: true }) };
    default:
      return { ...base, desc: `owner: a file part with Content-Transfer-Encoding base64 and charset junk`, status: [200, 201, 415, 422], send: upload('owner', multipart(b, [{ headers: [disposition('file', `b64-${index}.jpg`), Buffer.from('Content-Type: image/jpeg; charset=\u00ff'), Buffer.from('Content-Transfer-Encoding: base64')], body: Buffer.from(jpeg.toString('base64')) }])) };
  }
};

// --- Family: JSON of the wrong shape ---------------------------------------------------

interface Endpoint {
  method: string;
  path: () => string;
  auth: 'owner' | 'anon';
  template: Record<string, unknown>;
  /** A form route (HTML answers), not JSON. */
  form?: boolean;
}

const someIds = (rng: Rng) => Array.from({ length: rng.range(1, 5) }, () => (rng.chance(0.3) && seededAssets.length ? rng.pick(seededAssets) : rng.uuid()));
const badId = (rng: Rng) => rng.pick(['not-a-uuid', '00000000-0000-0000-0000-000000000000', rng.uuid(), rng.uuid().toUpperCase(), '%00', 'x'.repeat(500), "1'%20OR%20'1'='1", '..%2f..%2f', '%ff%fe']);

function endpoints(rng: Rng): Endpoint[] {
  const victim = () => (rng.chance(0.85) ? victimAlbum : badId(rng));
  return [
    { method: 'POST', path: () => '/api/albums', auth: 'owner', template: { title: 'Trip', description: 'x' } },
    { method: 'PATCH', path: () => `/api/albums/${victim()}`, auth: 'owner', template: { title: 'New', description: 'd', coverAssetId: null, sortOrder: 'taken-asc' } },
    { method: 'POST', path: () => `/api/albums/${victim()}/assets`, auth: 'owner', template: { assetIds: someIds(rng) } },
    { method: 'DELETE', path: () => `/api/albums/${victim()}/assets`, auth: 'owner', template: { assetIds: someIds(rng) } },
    { method: 'PUT', path: () => `/api/albums/${victim()}/order`, auth: 'owner', template: { assetIds: someIds(rng) } },
    { method: 'DELETE', path: () => `/api/albums/${badId(rng)}`, auth: 'owner', template: {} },
    { method: 'POST', path: () => `/api/albums/${victim()}/share`, auth: 'owner', template: { label: 'l', password: null, expiresAt: null, allowDownload: true, showMetadata: false, stripLocation: true, allowUpload: false } },
    { method: 'PATCH', path: () => `/api/share/${rng.chance(0.8) ? victimLink.token : rng.hex(64)}`, auth: 'owner', template: { label: 'l', expiresAt: '2030-01-01T00:00:00Z', allowDownload: false } },
    { method: 'POST', path: () => '/api/downloads', auth: 'owner', template: { assetIds: someIds(rng), albumId: rng.chance(0.5) ? albumB : rng.uuid() } },
    { method: 'POST', path: () => '/api/assets/check', auth: 'owner', template: { hashes: [rng.hex(64)] } },
    { method: 'POST', path: () => '/api/assets/delete', auth: 'owner', template: { ids: [rng.uuid()] } },
    { method: 'POST', path: () => '/api/assets/albums', auth: 'owner', template: { ids: someIds(rng) } },
    { method: 'POST', path: () => '/api/trash/restore', auth: 'owner', template: { ids: [rng.uuid()] } },
    { method: 'POST', path: () => '/api/trash/delete', auth: 'owner', template: { ids: [rng.uuid()] } },
    { method: 'POST', path: () => '/api/tokens', auth: 'owner', template: { name: 'script', scopes: ['api'] } },
    { method: 'DELETE', path: () => `/api/tokens/${badId(rng)}`, auth: 'owner', template: {} },
    { method: 'DELETE', path: () => `/api/sessions/${badId(rng)}`, auth: 'owner', template: {} },
    { method: 'DELETE', path: () => `/api/users/${badId(rng)}`, auth: 'owner', template: {} },
    { method: 'POST', path: () => '/api/users', auth: 'owner', template: { email: 'up@example.com', password: 'x'.repeat(12) } },
    { method: 'PUT', path: () => `/api/users/${rng.chance(0.8) ? victimUploader : badId(rng)}/albums`, auth: 'owner', template: { albumIds: [albumB] } },
    { method: 'GET', path: () => `/api/assets/${badId(rng)}`, auth: 'owner', template: {} },
    { method: 'POST', path: () => '/api/auth/login', auth: 'anon', template: { email: 'nobody@example.com', password: 'wrong password' } },
    { method: 'POST', path: () => '/api/setup', auth: 'anon', template: { email: 'again@example.com', password: 'x'.repeat(12) } },
    { method: 'POST', path: () => `/api/share/${passwordLink.token}/auth`, auth: 'anon', template: { password: 'not the password' } },
    { method: 'POST', path: () => `/api/share/${uploadLink.token}/downloads`, auth: 'anon', template: { assetIds: someIds(rng) } },
    { method: 'POST', path: () => '/login', auth: 'anon', template: { email: 'a@example.com', password: 'p', next: '//evil.example' }, form: true },
    { method: 'POST', path: () => '/albums', auth: 'owner', template: { title: 'Form album', description: '' }, form: true },
    { method: 'POST', path: () => `/albums/${victim()}/details`, auth: 'owner', template: { title: 'T', description: 'D' }, form: true },
    { method: 'POST', path: () => `/albums/${victim()}/sort`, auth: 'owner', template: { sortOrder: 'taken-asc' }, form: true },
    { method: 'POST', path: () => `/albums/${victim()}/share`, auth: 'owner', template: { label: 'form link', expires: '7d' }, form: true },
    { method: 'POST', path: () => `/links/${rng.chance(0.7) ? victimLink.id : badId(rng)}/edit`, auth: 'owner', template: { label: 'edited' }, form: true },
    { method: 'POST', path: () => `/s/${passwordLink.token}`, auth: 'anon', template: { password: 'wrong' }, form: true },
    { method: 'POST', path: () => '/settings/tokens', auth: 'owner', template: { name: 'form token' }, form: true },
    { method: 'POST', path: () => '/settings/uploaders', auth: 'owner', template: { email: 'form@example.com', password: 'x'.repeat(12) }, form: true },
    { method: 'POST', path: () => `/settings/uploaders/${rng.chance(0.7) ? victimUploader : badId(rng)}/albums`, auth: 'owner', template: { albumId: albumB }, form: true },
  ];
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  "'; DROP TABLE assets; --",
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '%s%n',
  '../../etc/passwd',
  'x'.repeat(10_000),
  '😀'.repeat(3000),
  '\ufeff',
  'null',
  'true',
  '1e400',
  '2024-02-30T25:61:00Z',
  '275760-09-13T00:00:00.001Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '10000-01-01T00:00:00Z',
  'Invalid Date',
];
// Raw JSON number texts that JSON.parse reads into odd values.
const HOSTILE_NUMBERS = ['1e400', '-1e400', '-0', '1e-400', '123456789012345678901234567890', '9007199254740993', '0.1', '-1', '2147483648', '1.7976931348623157e308'];

function hostileValueText(rng: Rng, depth = 0): string {
  const k = rng.int(depth > 2 ? 5 : 8);
  switch (k) {
    case 0:
      return 'null';
    case 1:
      return rng.pick(['true', 'false']);
    case 2:
      return rng.pick(HOSTILE_NUMBERS);
    case 3:
    case 4:
      return JSON.stringify(rng.pick(HOSTILE_STRINGS));
    case 5:
      return `[${Array.from({ length: rng.range(0, 4) }, () => hostileValueText(rng, depth + 1)).join(',')}]`;
    case 6:
      return `{${Array.from({ length: rng.range(0, 3) }, () => `${JSON.stringify(rng.pick(['a', '__proto__', 'constructor', 'prototype', '', 'toString']))}:${hostileValueText(rng, depth + 1)}`).join(',')}}`;
    default:
      return JSON.stringify(rng.uuid());
  }
}

function objectText(entries: Array<[string, string]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

function hostileBody(rng: Rng, ep: Endpoint): { text: Buffer; how: string; contentType?: string } {
  const fields = Object.entries(ep.template).map(([k, v]) => [k, JSON.stringify(v)] as [string, string]);
  const op = rng.int(15);
  const cap = ep.auth === 'anon' ? 60 * KiB : 900 * KiB;
  switch (op) {
    case 0: {
      const v = rng.pick(['[]', 'null', '0', '"str"', 'true', `[${objectText(fields)}]`, '1e400', '{}', '""']);
      return { text: Buffer.from(v), how: `top level ${v.slice(0, 30)}` };
    }
    case 1:
    case 2:
    case 3: {
      if (!fields.length) return { text: Buffer.from(hostileValueText(rng)), how: 'a hostile value' };
      const i = rng.int(fields.length);
      const v = hostileValueText(rng);
      const out = fields.map(([k, x], j) => [k, j === i ? v : x] as [string, string]);
      return { text: Buffer.from(objectText(out)), how: `${fields[i]![0]} = ${v.slice(0, 60)}` };
    }
    case 4: {
      const out = fields.map(([k]) => [k, hostileValueText(rng)] as [string, string]);
      return { text: Buffer.from(objectText(out)), how: `every field hostile: ${objectText(out).slice(0, 100)}` };
    }
    case 5: {
      const extra: Array<[string, string]> = [
        ['__proto__', '{"isOwner":true,"role":"owner"}'],
        ['constructor', '{"prototype":{"polluted":true}}'],
        [rng.hex(8), hostileValueText(rng)],
      ];
      return { text: Buffer.from(objectText([...fields, ...extra])), how: 'prototype-polluting and unknown keys' };
    }
    case 6: {
      const key = fields.find(([k]) => /ids|Ids|hashes/.test(k))?.[0] ?? 'assetIds';
      const n = rng.pick([0, 1, 10_001, 3000]);
      const list = Array.from({ length: n }, () => (rng.chance(0.1) ? rng.uuid().toUpperCase() : rng.chance(0.05) ? 'x' : rng.uuid()));
      const text = objectText([...fields.filter(([k]) => k !== key), [key, JSON.stringify(list)]]);
      return { text: Buffer.from(text.slice(0, cap)), how: `${key}: ${n} ids that do not exist${text.length > cap ? ' (cut short)' : ''}` };
    }
    case 7: {
      const depth = rng.pick([100, 2000, ep.auth === 'anon' ? 20_000 : 200_000]);
      const open = rng.pick(['[', '{"a":']);
      const close = open === '[' ? ']' : '}';
      return { text: Buffer.from(open.repeat(depth) + (rng.chance(0.5) ? close.repeat(depth) : '')), how: `nested ${depth} deep` };
    }
    case 8: {
      const text = rng.pick([
        '{',
        '{"title":',
        "{'title':'single quotes'}",
        '{"title":"a",}',
        '{"title":NaN}',
        '{"title":"a"} trailing',
        '/* comment */ {}',
        '\ufeff{"title":"bom"}',
        '{"title":"\\ud800\\u0000"}',
        '{"title":"\\x41"}',
        '{"title":"a","title":5,"title":null}',
        '',
      ]);
      return { text: Buffer.from(text), how: `not JSON: ${text.slice(0, 40)}` };
    }
    case 9:
      return { text: rng.bytes(rng.range(1, 2048)), how: 'random bytes' };
    case 10: {
      const utf16 = Buffer.from(objectText(fields), 'utf16le');
      return { text: utf16, how: 'UTF-16 JSON', contentType: 'application/json; charset=utf-16' };
    }
    case 11: {
      const ct = rng.pick(['text/plain', 'application/jsonx', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;;', '']);
      return { text: Buffer.from(objectText(fields)), how: `Content-Type ${JSON.stringify(ct)}`, contentType: ct };
    }
    case 12: {
      const dates = HOSTILE_STRINGS.filter((s) => /^[-+\d]/.test(s) || s === 'Invalid Date');
      const d = rng.pick(dates);
      return { text: Buffer.from(objectText([...fields.filter(([k]) => k !== 'expiresAt'), ['expiresAt', JSON.stringify(d)]])), how: `expiresAt ${d}` };
    }
    case 13: {
      const big = 'w'.repeat(rng.pick([200, 5000, Math.min(cap - 200, 50_000)]));
      const out = fields.map(([k, v]) => [k, /^"/.test(v) ? JSON.stringify(big) : v] as [string, string]);
      return { text: Buffer.from(objectText(out)), how: `strings of ${big.length} characters` };
    }
    default: {
      const s = rng.pick(HOSTILE_STRINGS);
      const out = fields.map(([k, v]) => [k, /^"/.test(v) ? JSON.stringify(s) : v] as [string, string]);
      return { text: Buffer.from(objectText(out)), how: `every string ${JSON.stringify(s).slice(0, 40)}` };
    }
  }
}

/** Percent-encodes every byte of the UTF-8 (lone surrogates become U+FFFD, as a browser sends them). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');

function formBody(rng: Rng, ep: Endpoint): { text: Buffer; how: string; contentType?: string } {
  const op = rng.int(7);
  const entries = Object.entries(ep.template).map(([k, v]) => [k, String(v)]);
  switch (op) {
    case 0:
      return { text: Buffer.from(entries.map(([k, v]) => `${k}=${pct(v!)}`).join('&') + `&${rng.pick(['%', '%zz', '%ff%fe', '&&&', '==', '%00'])}`), how: 'broken percent-encoding', contentType: 'application/x-www-form-urlencoded' };
    case 1: {
      const s = rng.pick(HOSTILE_STRINGS);
      return { text: Buffer.from(entries.map(([k]) => `${k}=${pct(s)}`).join('&')), how: `every field ${JSON.stringify(s).slice(0, 40)}`, contentType: 'application/x-www-form-urlencoded' };
    }
    case 2:
      return { text: Buffer.from(entries.map(([k, v]) => `${k}=${pct(v!)}&${k}=${pct(rng.pick(HOSTILE_STRINGS))}`).join('&')), how: 'every field twice', contentType: 'application/x-www-form-urlencoded' };
    case 3:
      return { text: Buffer.from(''), how: 'an empty form', contentType: 'application/x-www-form-urlencoded' };
    case 4:
      return { text: rng.bytes(rng.range(1, 1024)), how: 'random bytes as a form', contentType: rng.pick(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', 'multipart/form-data']) };
    case 5: {
      const b = 'formb' + rng.hex(8);
      return { text: multipart(b, entries.map(([k, v]) => field(k!, v!)), { close: rng.chance(0.5) }), how: 'a multipart form, maybe unterminated', contentType: `multipart/form-data; boundary=${b}` };
    }
    default:
      return { text: Buffer.from(JSON.stringify(ep.template)), how: 'JSON sent to a form route', contentType: rng.pick(['application/json', 'text/plain']) };
  }
}

const wrongJson: Generator = (rng) => {
  const ep = rng.pick(endpoints(rng));
  const path = ep.path();
  const { text, how, contentType } = ep.form ? formBody(rng, ep) : hostileBody(rng, ep);
  const ct = contentType ?? 'application/json';
  const headers: HeaderList = [...(ep.auth === 'owner' ? ownerHeaders() : [['Origin', server.url] as [string, string]]), ...(ct ? [['Content-Type', ct] as [string, string]] : [])];
  const withBody = ep.method !== 'GET';
  return {
    desc: `${ep.method} ${path.slice(0, 120)} (${ep.auth}): ${how}`,
    api: path.startsWith('/api/'),
    send: () => exchange(rawRequest(ep.method, path, headers, withBody ? text : undefined)),
  };
};

// --- Family: oversized bodies ----------------------------------------------------------

const oversized: Generator = (rng) => {
  const anon = rng.chance(0.5);
  const chunked = rng.chance(0.4);
  const lying = !chunked && rng.chance(0.2);
  const size = anon ? 64 * KiB + rng.range(1, 200 * KiB) : MiB + rng.range(1, 400 * KiB);
  const targets = anon
    ? [
        { path: '/api/auth/login', type: 'application/json', make: (n: number) => JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(n) }) },
        { path: '/api/setup', type: 'application/json', make: (n: number) => JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(n) }) },
        { path: `/api/share/${passwordLink.token}/auth`, type: 'application/json', make: (n: number) => JSON.stringify({ password: 'p'.repeat(n) }) },
        { path: '/login', type: 'application/x-www-form-urlencoded', make: (n: number) => `email=a%40example.com&password=${'x'.repeat(n)}` },
        { path: `/s/${passwordLink.token}`, type: 'application/x-www-form-urlencoded', make: (n: number) => `password=${'x'.repeat(n)}` },
      ]
    : [
        { path: '/api/albums', type: 'application/json', make: (n: number) => JSON.stringify({ title: 't'.repeat(n) }) },
        { path: `/api/albums/${victimAlbum}/assets`, type: 'application/json', make: (n: number) => JSON.stringify({ assetIds: Array.from({ length: Math.ceil(n / 39) }, () => rng.uuid()) }) },
        { path: '/api/downloads', type: 'application/json', make: (n: number) => JSON.stringify({ assetIds: Array.from({ length: Math.ceil(n / 39) }, () => rng.uuid()) }) },
        { path: '/api/assets/check', type: 'application/json', make: (n: number) => JSON.stringify({ hashes: Array.from({ length: Math.ceil(n / 67) }, () => rng.hex(64)) }) },
        { path: '/albums', type: 'application/x-www-form-urlencoded', make: (n: number) => `title=${'t'.repeat(n)}` },
      ];
  const guestSelection = anon && rng.chance(0.2);
  const t = guestSelection
    ? { path: `/api/share/${uploadLink.token}/downloads`, type: 'application/json', make: (n: number) => JSON.stringify({ assetIds: Array.from({ length: Math.ceil(n / 39) }, () => rng.uuid()) }) }
    : rng.pick(targets);
  const n = guestSelection ? MiB + rng.range(1, 200 * KiB) : size;
  const body = Buffer.from(t.make(n));
  const headers: HeaderList = [...(anon ? [['Origin', server.url] as [string, string]] : ownerHeaders()), ['Content-Type', t.type]];
  const pieces = lying ? [rawRequest('POST', t.path, headers, undefined, { contentLength: body.length })[0]!, body.subarray(0, rng.range(0, 100))] : rawRequest('POST', t.path, headers, body, { chunked });
  return {
    desc: `${anon ? 'anonymous' : 'owner'} POST ${t.path} of ${body.length} bytes${chunked ? ', chunked' : lying ? ' (Content-Length only, body withheld)' : ''}`,
    api: t.path.startsWith('/api/'),
    status: [413],
    send: () => exchange(pieces, lying ? { endAfterMs: 3000 } : {}),
  };
};

// --- Family: huge and malformed header fields, bad framing -----------------------------

const hostileHeaders: Generator = (rng) => {
  const target = rng.pick([
    { method: 'GET', path: '/healthz', owner: false },
    { method: 'GET', path: '/api/albums', owner: true },
    { method: 'GET', path: '/', owner: true },
    { method: 'POST', path: '/api/albums', owner: true, body: Buffer.from('{"title":"Headers"}'), type: 'application/json' },
    { method: 'GET', path: `/s/${uploadLink.token}`, owner: false },
  ]);
  const auth = (): HeaderList => (target.owner ? ownerHeaders() : []);
  const withBody = (extra: HeaderList, o: { chunked?: boolean; contentLength?: number | null } = {}) =>
    rawRequest(target.method, target.path, [...auth(), ...(target.type ? [['Content-Type', target.type] as [string, string]] : []), ...extra], target.body, o);
  const scenario = rng.int(30);
  const closeOk = { mayClose: true };
  const one = (desc: string, pieces: Buffer[], extra: Partial<Spec> = {}, send: SendOptions = {}): Spec => ({ desc: `${target.method} ${target.path}: ${desc}`, ...closeOk, ...extra, send: () => exchange(pieces, send) });
  const incomplete = { endAfterMs: 400 };
  const latin = (s: string) => Buffer.from(s, 'latin1');
  switch (scenario) {
    case 0:
    case 1: {
      const n = rng.pick([17 * KiB, 64 * KiB, 200 * KiB]);
      return one(`one header of ${n} bytes`, withBody([['X-Huge', 'h'.repeat(n)]]), { status: [431] });
    }
    case 2: {
      const n = rng.pick([500, 2000, 20000]);
      return one(`${n} headers`, withBody(Array.from({ length: n }, (_, i) => [`X-H${i}`, String(i)] as [string, string])), { status: [200, 201, 302, 431] });
    }
    case 3: {
      const n = rng.pick([17 * KiB, 100 * KiB]);
      return one(`a URL of ${n} bytes`, rawRequest('GET', `/api/albums/${'a'.repeat(n)}`, auth()), { status: [414, 431, 404] });
    }
    case 4:
      return one('a cookie of 4000 pairs', withBody([['Cookie', Array.from({ length: 4000 }, (_, i) => `c${i}=${i}`).join('; ')]]), { status: [200, 201, 302, 431] });
    case 5: {
      const v = rng.pick(['sbx_' + 'a'.repeat(10_000), 'Bearer ' + 'x'.repeat(12 * KiB), 'Bearer sbx_\u00ff\u00fe', 'Basic !!!', 'Bearer', 'Bearer  sbx_']);
      return one(`Authorization ${JSON.stringify(v.slice(0, 30))}`, rawRequest(target.method, target.path, [['Authorization', v]], target.body, {}), { status: [200, 201, 302, 401, 403, 431] });
    }
    case 6: {
      const name = rng.pick(['X Bad', 'X\u0001Ctl', '(paren)', 'Ä', '', ' Leading']);
      return one(`header name ${JSON.stringify(name)}`, withBody([[name, 'v']]), { status: [400] });
    }
    case 7: {
      const v = rng.pick([latin('a\u0000b'), latin('a\rb'), latin('a\u0001b'), latin('\u007f'), Buffer.from([0xff, 0xfe, 0x00])]);
      return one(`a header value with ${JSON.stringify(v.toString('latin1'))}`, withBody([['X-Bad', v]]), { status: [200, 201, 302, 400] });
    }
    case 8:
      return one('an obs-fold continuation line', withBody([['X-Folded', latin('a\r\n b')]]), { status: [200, 201, 302, 400] });
    case 9:
      return one('two different Content-Lengths', rawRequest('POST', '/api/albums', [...ownerHeaders(), ['Content-Type', 'application/json'], ['Content-Length', '5'], ['Content-Length', '7']], Buffer.from('{"a":1}'), { contentLength: null }), { status: [400] });
    case 10: {
      const v = rng.pick(['-1', 'abc', '99999999999999999999', '1, 2', '0x10', ' 5', '1e3', '']);
      return one(`Content-Length ${JSON.stringify(v)}`, rawRequest('POST', '/api/albums', [...ownerHeaders(), ['Content-Type', 'application/json'], ['Content-Length', v]], Buffer.from('{"title":"x"}'), { contentLength: null }), { status: [400, 413] });
    }
    case 11:
      return one('Transfer-Encoding chunked and a Content-Length', rawRequest('POST', '/api/albums', [...ownerHeaders(), ['Content-Type', 'application/json'], ['Content-Length', '3']], Buffer.from('{"title":"te-cl"}'), { chunked: true }), { status: [400] });
    case 12: {
      const te = rng.pick(['gzip', 'chunked, chunked', 'identity', 'chunked;q=1', 'x-unknown', 'gzip, chunked']);
      return one(`Transfer-Encoding ${te}`, rawRequest('POST', '/api/albums', [...ownerHeaders(), ['Content-Type', 'application/json'], ['Transfer-Encoding', te]], Buffer.from('{"title":"te"}'), { contentLength: null }), { status: [201, 400, 415, 501] });
    }
    case 13:
    case 14: {
      const bad = rng.pick(['zz\r\nabc\r\n0\r\n\r\n', 'fffffffffffffffffff\r\nabc\r\n', '-1\r\nabc\r\n0\r\n\r\n', '3\r\nabcdef\r\n0\r\n\r\n', '3\r\nabc0\r\n\r\n', `1;${'e'.repeat(20 * KiB)}\r\na\r\n0\r\n\r\n`, '3\r\nabc\r\n0\r\nX-Trailer: ' + 't'.repeat(20 * KiB) + '\r\n\r\n', '0x3\r\nabc\r\n0\r\n\r\n', '3 \r\nabc\r\n0\r\n\r\n']);
      const head = rawRequest('POST', '/api/albums', [...ownerHeaders(), ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], undefined, { contentLength: null })[0]!;
      return one(`bad chunked body ${JSON.stringify(bad.slice(0, 40))}`, [head, latin(bad)], { status: [201, 400, 413, 431] }, incomplete);
    }
    case 15: {
      const line = rng.pick(['GARBAGE', 'GET / HTTP/9.9', 'GET /', 'G\u0000T / HTTP/1.1', 'GET  /  HTTP/1.1', 'GET http://evil.example/ HTTP/1.1', 'get / HTTP/1.1', 'PRI * HTTP/2.0', '\u0016\u0003\u0001\u0002\u0000\u0001', 'GET / HTTP/1.1 extra', 'CONNECT 127.0.0.1:22 HTTP/1.1', '/ GET HTTP/1.1']);
      return one(`request line ${JSON.stringify(line)}`, [latin(`${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)], { status: [200, 302, 400, 404, 405, 505] });
    }
    case 16:
      return one('no Host header', rawRequest('GET', '/healthz', [], undefined, { host: false }), { status: [400] });
    case 17: {
      const host = rng.pick(['../../', 'a b', 'evil.example', '[::1', 'x'.repeat(10_000), '127.0.0.1:99999', '\u00ff']);
      return one(`Host ${JSON.stringify(host.slice(0, 30))}`, rawRequest(target.method, target.path, [['Host', host], ...auth()], target.body, { host: false }), { status: [200, 201, 302, 400, 403, 431] });
    }
    case 18: {
      const origin = rng.pick(['null', 'http://[::1', 'http://evil.example', '', 'javascript:alert(1)', 'http://127.0.0.1:1', '\u00ff\u00fe', 'http://' + 'a'.repeat(5000)]);
      return one(`Origin ${JSON.stringify(origin.slice(0, 30))}`, rawRequest('POST', '/api/albums', [['Cookie', cookie], ['Origin', origin], ['Content-Type', 'application/json']], Buffer.from('{"title":"origin"}')), { status: [201, 400, 403], api: true, mayClose: false });
    }
    case 19: {
      const range = rng.pick(['bytes=99999999999999999999-', 'bytes=-0', 'bytes=5-1', Array.from({ length: 1000 }, (_, i) => `${i}-${i}`).join(',').replace(/^/, 'bytes='), 'bytes=0-0,-1', 'items=0-1', 'bytes=-99999999999999999999', 'bytes=0-18446744073709551616', 'bytes=--1']);
      const id = seededAssets[0]!;
      return one(`Range ${JSON.stringify(range.slice(0, 40))} on a download`, rawRequest('GET', `/api/assets/${id}/download`, [...ownerHeaders(), ['Range', range], ...(rng.chance(0.3) ? [['If-Range', rng.pick(['"x"', 'W/"y"', 'Mon, 99 Foo 9999'])] as [string, string]] : [])]), { status: [200, 206, 400, 416], mayClose: false });
    }
    case 20: {
      const v = rng.pick(['"' + 'e'.repeat(12_000) + '"', '*', ',,,,', 'W/', '"a", W/"b", *, "c"']);
      return one('If-None-Match oddities', rawRequest('GET', `/api/assets/${seededAssets[0]!}/download`, [...ownerHeaders(), ['If-None-Match', v], ['If-Modified-Since', 'not a date']]), { status: [200, 304, 431], mayClose: false });
    }
    case 21: {
      const ae = rng.pick(['gzip;q=2, br;q=-1, *;q=nan', 'x'.repeat(8000), 'identity;q=0, *;q=0', ',,,', 'br, gzip, deflate, zstd']);
      return one(`Accept-Encoding ${JSON.stringify(ae.slice(0, 30))}`, rawRequest('GET', '/', [...ownerHeaders(), ['Accept-Encoding', ae], ['Accept', 'image/avif;q=x, */*']]), { status: [200, 302], mayClose: false });
    }
    case 22:
      return one('Expect: 100-continue, then the body', [rawRequest('POST', '/api/albums', [...ownerHeaders(), ['Content-Type', 'application/json'], ['Expect', '100-continue']], undefined, { contentLength: 16 })[0]!, Buffer.from('{"title":"100c"}')], { status: [201], mayClose: false });
    case 23: {
      const e = rng.pick(['200-ok', 'x'.repeat(100), '100-continue, foo']);
      return one(`Expect ${JSON.stringify(e.slice(0, 20))}`, rawRequest('GET', '/healthz', [['Expect', e]]), { status: [200, 417] });
    }
    case 24:
      return one('headers that never end', [latin(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ${'a'.repeat(rng.range(1, 5000))}`)], { status: [400, 431] }, incomplete);
    case 25:
      return one('a request line only, then close', [latin('GET /healthz HTTP/1.1\r\n')], {}, incomplete);
    case 26: {
      const xff = rng.pick(['1.1.1.1, ' + '2.2.2.2, '.repeat(2000), 'not an ip', '::ffff:999.1.1.1', '\u00ff']);
      return one('X-Forwarded-* junk', withBody([['X-Forwarded-For', xff], ['X-Forwarded-Proto', 'gopher'], ['X-Forwarded-Host', 'evil.example']]), { status: [200, 201, 302, 431] });
    }
    case 27: {
      const method = rng.pick(['TRACE', 'OPTIONS', 'PROPFIND', 'BREW', 'DELETE', 'PATCH', 'M-SEARCH', 'X'.repeat(100)]);
      return one(`method ${method.slice(0, 20)}`, rawRequest(method, '/api/albums', ownerHeaders(), Buffer.from('{}')), { status: [400, 403, 404, 405, 415, 501] });
    }
    case 28:
      // Node may refuse the garbage before the first answer is written: then only the 400 comes.
      return one('a second request pipelined after garbage', [latin('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGARBAGE\r\n\r\n')], { status: [200, 400] });
    default: {
      const n = rng.pick([4 * KiB, 12 * KiB]);
      return one(`Content-Type of ${n} bytes`, rawRequest('POST', '/api/assets/upload', [...ownerHeaders(), ['Content-Type', `multipart/form-data; ${'x=y; '.repeat(n / 5)}boundary=zz`]], Buffer.from('--zz--\r\n')), { status: [400, 415, 431] });
    }
  }
};

// --- Family: hostile URLs --------------------------------------------------------------

const hostileUrls: Generator = (rng) => {
  const id = () => rng.pick([albumA, rng.uuid(), badId(rng)]);
  const asset = () => rng.pick([seededAssets[0]!, rng.uuid(), badId(rng)]);
  const paths = [
    () => '/static/../../../../etc/passwd',
    () => '/static/..%2f..%2f..%2f..%2fetc%2fpasswd',
    () => '/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    () => '/static/css/%00',
    () => '/static/' + '..%5c'.repeat(8) + 'secret.key',
    () => '/static/%ff%fe',
    () => '/%',
    () => '/%%%',
    () => '/api/albums/%E0%A4%A',
    () => `/api/assets/..%2f..%2fsecret.key/download`,
    () => `/api/assets/${asset()}/download?x=${'%'.repeat(rng.range(1, 5))}`,
    () => `/media/assets/${asset()}/${rng.pick(['thumb', 'preview', 'original'])}?l=${rng.pick([uploadLink.id, rng.uuid(), 'x'])}&exp=${rng.pick(['99999999999999999999', '-1', '1e309', 'NaN', '0', String(Math.floor(Date.now() / 1000) + 3600)])}&sig=${rng.pick(['', 'x', rng.hex(64), '%00', 'a'.repeat(500)])}`,
    () => `/media/assets/${asset()}/thumb?sig=`,
    () => `/media/assets/${asset()}/../../../secret.key`,
    () => `/s/${rng.pick([rng.hex(64), 'x', '..%2f..', rng.hex(64).toUpperCase(), uploadLink.token + '%00', passwordLink.token])}`,
    () => `/s/${uploadLink.token}?after=${rng.pick(['x', rng.uuid(), '%ff', ''])}`,
    () => `/s/${uploadLink.token}/tiles?sort=${rng.pick(['evil', 'taken-asc', '%00'])}&open=${rng.pick(['x', '2024-13-45', rng.uuid(), '9'.repeat(50)])}&after=${rng.pick(['x', rng.uuid()])}`,
    () => `/s/${uploadLink.token}/placed-tiles?ids=${Array.from({ length: rng.range(0, 300) }, () => rng.pick([rng.uuid(), 'x', ''])).join(',')}`,
    () => `/api/share/${uploadLink.token}/status?ids=${Array.from({ length: rng.range(0, 3000) }, () => rng.uuid()).join(',')}`,
    () => `/api/share/${uploadLink.token}?after=${rng.pick(['x', rng.uuid(), '%ff'])}`,
    () => `/api/share/${uploadLink.token}/assets/${asset()}`,
    () => `/api/albums/${id()}?limit=${rng.pick(['-1', '1e309', 'abc', '99999999999999999999', '0', '1001', '1.5', ''])}&after=${rng.pick(['x', rng.uuid(), ''])}`,
    () => `/albums/${id()}/tiles?sort=${rng.pick(['x', 'taken-desc'])}&open=${rng.pick(['2024-13', 'x', ''])}`,
    () => `/albums/${id()}/placed-tiles?ids=${rng.pick(['x,y', '', rng.uuid()])}`,
    () => `/library/placed-tiles?filter=${rng.pick(['evil', 'all'])}&ids=${rng.pick(['x', rng.uuid()])}`,
    () => `/library?after=${rng.pick(['x', '%ff', rng.uuid()])}&filter=${rng.pick(['x', 'unsorted'])}`,
    () => `/api/assets/status?ids=${Array.from({ length: rng.range(0, 500) }, () => rng.pick([rng.uuid(), 'x'])).join(',')}`,
    () => `/api/downloads/${rng.pick(['x', 'A'.repeat(22), '%00', 'a'.repeat(22) + '.zip', '../../x.zip', 'A'.repeat(500) + '.zip'])}`,
    () => `/s/${uploadLink.token}/downloads/${rng.pick(['x.zip', 'A'.repeat(22) + '.zip', '..%2f.zip'])}`,
    () => `/links/${rng.pick([rng.uuid(), 'x', victimLink.id])}/qr.svg`,
    () => `/api/albums/${id()}/download.zip`,
    () => `/login?next=${rng.pick(['//evil.example', '/\\evil.example', 'javascript:alert(1)', '%2f%2fevil', '/' + 'a'.repeat(5000)])}`,
    () => `/${rng.bytes(rng.range(1, 40)).toString('latin1').replace(/[\s?#]/g, 'x')}`,
    () => `/api/${'../'.repeat(rng.range(1, 10))}etc/passwd`,
    () => `/healthz?${'a=1&'.repeat(rng.range(1, 5000))}`,
  ];
  const make = rng.pick(paths);
  const path = make();
  const owner = rng.chance(0.5);
  const method = rng.pick(['GET', 'GET', 'GET', 'HEAD']);
  const rawBytes = /[^\x21-\x7e]/.test(path);
  return {
    desc: `${method} ${JSON.stringify(path.slice(0, 160))} (${owner ? 'owner' : 'anonymous'})`,
    mayClose: rawBytes,
    head: method === 'HEAD',
    api: path.startsWith('/api/') && !rawBytes && !path.includes('..'), // dot segments are resolved away from /api
    send: () => exchange(rawRequest(method, Buffer.from(path, 'latin1'), owner ? ownerHeaders() : []), { head: method === 'HEAD' }),
  };
};

// --- The run ---------------------------------------------------------------------------

const FAMILIES: Family[] = [
  { name: 'mutated-media', count: 130, gen: mutatedMedia },
  { name: 'exif-craft', count: 120, gen: exifCraft },
  { name: 'names', count: 50, gen: hostileNames },
  { name: 'multipart', count: 100, gen: brokenMultipart },
  { name: 'json', count: 350, gen: wrongJson },
  { name: 'oversized', count: 24, gen: oversized },
  { name: 'headers', count: 140, gen: hostileHeaders },
  { name: 'urls', count: 136, gen: hostileUrls },
];
const TOTAL = FAMILIES.reduce((n, f) => n + f.count, 0);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('hostile input', () => {
  beforeAll(async () => {
    server = await startTestServer({
      backend: 'pglite',
      worker: true,
      log: createLogger('error', (line) => errorLogs.push(line)),
      config: {
        maxUploadBytes: MAX_UPLOAD,
        shareUpload: { maxFileBytes: GUEST_MAX_FILE, maxFilesPerDay: 100_000, maxBytesPerDay: 1024 * MiB },
      },
    });
    serverPort = Number(new URL(server.url).port);
    const db = server.database.db;
    owner = await newUser(db, { role: 'owner' });
    cookie = await sessionCookie(db, owner);
    albumA = (await newAlbum(db, owner.id, { title: 'Uploads' })).id;
    albumB = (await newAlbum(db, owner.id, { title: 'Seeded' })).id;
    victimAlbum = (await newAlbum(db, owner.id, { title: 'Victim' })).id;

    const api = async (method: string, path: string, body: unknown) => {
      const res = await server.fetch(path, { method, headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    };
    uploadLink = (await api('POST', `/api/albums/${albumA}/share`, { allowUpload: true, allowDownload: true, showMetadata: true })).link;
    passwordLink = (await api('POST', `/api/albums/${albumA}/share`, { password: 'correct horse battery staple' })).link;
    victimLink = (await api('POST', `/api/albums/${victimAlbum}/share`, {})).link;
    victimUploader = (await api('POST', '/api/users', { email: 'victim-uploader@example.com', password: 'uploader password 1' })).user.id;

    tinyJpeg = await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 200, g: 80, b: 40 } } }).jpeg().toBuffer();
    const png = await sharp({ create: { width: 9, height: 7, channels: 4, background: { r: 10, g: 200, b: 40, alpha: 0.5 } } }).png().toBuffer();
    const webp = await sharp({ create: { width: 15, height: 11, channels: 3, background: { r: 1, g: 2, b: 250 } } }).webp({ lossless: true }).toBuffer();
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 90, b: 90 } } }).gif().toBuffer();
    const tiff = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 5, g: 5, b: 5 } } }).tiff().toBuffer();
    webpImageChunk = webp.subarray(12); // its VP8L chunk, to wrap in a VP8X file
    pool = [
      { name: 'synthetic.jpg', bytes: tinyJpeg },
      { name: 'synthetic.png', bytes: png },
      { name: 'synthetic.webp', bytes: webp },
      { name: 'synthetic.gif', bytes: gif },
      { name: 'synthetic.tif', bytes: tiff },
    ];
    if (HAS_FIXTURES) {
      for (const p of MUTATE_FROM) if (existsSync(fixture(p))) pool.push({ name: p, bytes: readFileSync(fixture(p)) });
      for (const p of MUTATE_FROM_LARGE) if (existsSync(fixture(p))) pool.push({ name: p, bytes: readFileSync(fixture(p)), large: true });
      for (const p of HEADS_OF) if (existsSync(fixture(p))) pool.push({ name: `${p} (first 64 KiB)`, bytes: readHead(fixture(p), 64 * KiB) });
    }

    for (const i of [0, 1]) {
      const b = `seed${i}`;
      const out = await exchange(uploadRequest('owner', b, multipart(b, [field('albumId', albumB), filePart(`seed-${i}.jpg`, uniqueJpeg(-1 - i))])));
      const id = (jsonOf(out) as { assets?: Array<{ id: string }> } | undefined)?.assets?.[0]?.id;
      if (out.status !== 201 || !id) throw new Error(`seeding failed: ${out.status} ${bodyText(out)}`);
      seededAssets.push(id);
      accepted.set(id, 'seed');
    }
    topLevelBefore = readdirSync(server.deps.dataDir.root).sort();
  });
  afterAll(() => server?.close());

  it(`has at least 1,000 cases (${TOTAL})`, () => {
    expect(TOTAL).toBeGreaterThanOrEqual(1000);
  });

  for (const f of FAMILIES) {
    it(`${f.name}: ${f.count} cases, none answered 5xx, every refusal says why`, async () => {
      await runFamily(f);
      expectNoProblems(f.name);
    }, 120_000);
  }

  it('afterwards: everything still renders, stored files and rows agree, nothing refused was kept, the worker finished', async () => {
    const root = server.deps.dataDir.root;
    const found: string[] = [];

    // What the hostile names and metadata look like on the pages that show them.
    for (const [path, headers] of [
      [`/api/albums/${albumA}`, { cookie }],
      [`/albums/${albumA}`, { cookie }],
      ['/library', { cookie }],
      [`/s/${uploadLink.token}`, {}],
      [`/api/share/${uploadLink.token}`, {}],
      [`/api/albums/${albumA}/download.zip`, { cookie }],
      [`/s/${uploadLink.token}/download.zip`, {}],
    ] as const) {
      let res = await server.fetch(path, { headers });
      // A strip-location link's ZIP is prepared first (503 with Retry-After), then sent.
      for (let i = 0; i < 75 && res.status === 503 && res.headers.get('retry-after'); i++) {
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 200));
        res = await server.fetch(path, { headers });
      }
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200 && !(ONLY && res.status === 404)) found.push(`GET ${path} answered ${res.status}: ${body.toString('utf8').slice(0, 300)}`);
    }

    // Each hostile name as a download's file name (Content-Disposition).
    for (const id of hostileNamed) {
      const res = await server.fetch(`/api/assets/${id}/download`, { headers: { cookie } });
      await res.arrayBuffer();
      const disposition = res.headers.get('content-disposition') ?? '';
      if (res.status !== 200 || !/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]*$/.test(disposition)) found.push(`download of ${id} (case ${accepted.get(id)}): ${res.status} ${JSON.stringify(disposition)}`);
    }

    // The worker: every accepted file ready, or failed with a reason.
    const idle = await Promise.race([server.idle().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 60_000))]);
    if (!idle) found.push('the worker did not become idle within 60 s');

    // Temp files of refused and broken uploads are gone (removal may trail the answer a little).
    let leftovers: string[] = [];
    for (let i = 0; i < 50; i++) {
      leftovers = filesUnder(server.deps.dataDir.tmp).filter((f) => !/\.probe-/.test(f));
      if (!leftovers.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (leftovers.length) found.push(`temp files left: ${leftovers.map((f) => relative(root, f)).join(', ')}`);

    const rows = await server.database.db
      .selectFrom('assets')
      .leftJoin('jobs', (j) => j.onRef('jobs.asset_id', '=', 'assets.id').on('jobs.kind', '=', 'derive'))
      .select(['assets.id', 'assets.storage_path', 'assets.status', 'assets.processing_error', 'assets.original_filename', 'jobs.error as job_error', 'jobs.next_attempt_at'])
      .execute();
    const originals = filesUnder(server.deps.dataDir.originals).map((f) => relative(root, f));
    for (const f of originals) if (!parseOriginalName(f.split('/').at(-1)!)) found.push(`a stranger under originals/: ${f}`);
    const paths = new Set(rows.map((r) => r.storage_path));
    const onDisk = new Set(originals);
    for (const f of onDisk) if (!paths.has(f)) found.push(`an original without its row: ${f}`);
    for (const r of rows) if (!onDisk.has(r.storage_path)) found.push(`a row without its original: ${r.id} ${r.storage_path}`);
    const ids = new Set(rows.map((r) => r.id));
    let keptFromBrokenOff = 0;
    for (const r of rows) {
      if (accepted.has(r.id)) continue;
      if (mayKeepNames.has(r.original_filename)) keptFromBrokenOff++;
      else found.push(`kept though no answer accepted it: asset ${r.id} ${JSON.stringify(r.original_filename.slice(0, 80))}`);
    }
    for (const [id, ref] of accepted) if (!ids.has(id)) found.push(`accepted by case ${ref} but no row: ${id}`);
    const now = Date.now();
    const statuses = new Map<string, number>();
    for (const r of rows) {
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const retrying = r.status === 'pending' && r.job_error && r.next_attempt_at && new Date(r.next_attempt_at).getTime() > now;
      if (r.status === 'failed' && !r.processing_error?.trim()) found.push(`asset ${r.id} (case ${accepted.get(r.id)}) failed without a reason`);
      if (r.status !== 'ready' && r.status !== 'failed' && !retrying) found.push(`asset ${r.id} (case ${accepted.get(r.id)}) stuck in ${r.status}`);
    }
    for (const name of readdirSync(root)) if (!topLevelBefore.includes(name) && !['shoebox.lock', 'admin.sock'].includes(name)) found.push(`a new entry at the top of DATA_DIR: ${name}`);
    if (errorLogs.length) found.push(...errorLogs.slice(0, 10).map((l) => `logged an error: ${l.slice(0, 400)}`));

    console.log(
      `hostile-input: ${TOTAL} cases; ${acceptedCount} files accepted (${rows.length} assets: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}), ${refusedUploads} upload refusals, ${keptFromBrokenOff} kept from requests the client broke off; seed=${SEED}`,
    );
    expect(found, `seed ${SEED}: ${found.length} problem(s) after the run; replay: ${REPLAY}\n${found.slice(0, 40).join('\n')}`).toEqual([]);
  }, 120_000);
});
