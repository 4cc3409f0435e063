// Location in the timed metadata tracks of MP4/MOV files: the samples readers decode as a GPS
// track (exiftool with -ee, GoPro's gpmf-parser, Street View), found through the sample
// tables and neutralised in place, keeping every length.
//   timedMetadataEdits(r, start, end) → Promise<Edit[]>   (file coordinates)
//       start/end: the MP4's extent in the reader (0 and r.size for a video file; a motion
//       photo's trailing MP4 counts its chunk offsets from its own start).
// Samples are located from moov/trak/mdia/minf/stbl (stsz or stz2, stco or co64, stsc) and,
// for fragmented files, from every top-level moof/traf (tfhd, trun; trex defaults).
// What is done, per track (its handler and the format of its sample entries):
//   gpmd (GoPro GPMF)   each STRM that carries GPS (GPS5, GPS9, GPSU, GPSF, GPSP, GPSA, GPRI,
//                       GLPI, ...) becomes an opaque KLV: key 'FREE', type 'B', payload zeroed;
//                       the accelerometer, gyro and other streams stay. A gpmd sample that is
//                       not GPMF (dashcams reuse the fourcc for NMEA-like records): zeroed
//   camm (Street View)  type 5 and 6 packets (GPS) zeroed, the other packets stay
//   mebx (Apple)        location keys (com.apple.quicktime.location.*) renamed in the sample
//                       entry's key table ('x' for every letter) and their values zeroed in
//                       every sample
//   text, sbtl, tx3g    a subtitle/text sample that reads like a GPS record (NMEA sentences,
//                       "GPS", latitude/longitude) is zeroed
//   rtmd (Sony), marl (GM), RVMI gReV records, 'gps ' handler tracks: samples zeroed
// A track's samples are read only when it is one of these (a few KB to a few MB for an hour
// of GoPro video); a track whose samples add up to more than MAX_READ is zeroed unread.
import { listBoxes, type Box } from './iso-bmff.ts';
import { zeros, type Edit, type Reader } from './location-records.ts';

const MAX_TABLE = 64 * 1024 * 1024;
const MAX_SAMPLES = 4_000_000;
/** Sample bytes of one track read at most; past this a track's samples are zeroed unread. */
const MAX_READ = 64 * 1024 * 1024;
const MAX_SAMPLE = 16 * 1024 * 1024;

export interface Sample {
  /** File offset. */
  offset: number;
  size: number;
  /** 1-based index of its sample entry in stsd. */
  entry: number;
}

interface SampleEntry {
  format: string;
  box: Box;
}

interface Track {
  id: number;
  handler: string;
  entries: SampleEntry[];
  samples: Sample[];
}

async function payloadOf(r: Reader, box: Box, max = MAX_TABLE): Promise<Buffer | undefined> {
  const length = box.end - box.payload;
  if (length < 0 || length > max) return undefined;
  const b = await r.read(box.payload, length);
  return b.length === length ? b : undefined;
}

const child = (boxes: Box[], type: string) => boxes.find((b) => b.type === type);

/** Track id, handler type and sample entries of a trak (sample tables not read yet). */
async function readTrackHead(r: Reader, trak: Box): Promise<{ id: number; handler: string; entries: SampleEntry[]; stbl?: Box } | undefined> {
  const kids = await listBoxes(r, trak.payload, trak.end);
  const tkhd = child(kids, 'tkhd');
  const mdia = child(kids, 'mdia');
  if (!tkhd || !mdia) return undefined;
  const th = await r.read(tkhd.payload, 24);
  if (th.length < 24) return undefined;
  const id = th.readUInt32BE(th[0] === 1 ? 20 : 12);
  const mdiaKids = await listBoxes(r, mdia.payload, mdia.end);
  const hdlr = child(mdiaKids, 'hdlr');
  const minf = child(mdiaKids, 'minf');
  const hh = hdlr ? await r.read(hdlr.payload, 12) : Buffer.alloc(0);
  const handler = hh.length === 12 ? hh.toString('latin1', 8, 12) : '';
  const stbl = minf ? child(await listBoxes(r, minf.payload, minf.end), 'stbl') : undefined;
  const entries: SampleEntry[] = [];
  const stsd = stbl ? child(await listBoxes(r, stbl.payload, stbl.end), 'stsd') : undefined;
  if (stsd) {
    for (const box of await listBoxes(r, stsd.payload + 8, stsd.end)) entries.push({ format: box.type, box });
  }
  return { id, handler, entries, stbl };
}

/** The samples of a trak's own sample tables, in file coordinates (`base` + chunk offset). */
async function tableSamples(r: Reader, stbl: Box, base: number): Promise<Sample[]> {
  const kids = await listBoxes(r, stbl.payload, stbl.end);
  const sizes: number[] = [];
  const stsz = child(kids, 'stsz');
  const stz2 = child(kids, 'stz2');
  if (stsz) {
    const b = await payloadOf(r, stsz);
    if (!b || b.length < 12) return [];
    const fixed = b.readUInt32BE(4);
    const count = Math.min(b.readUInt32BE(8), MAX_SAMPLES);
    for (let i = 0; i < count; i++) {
      if (fixed) sizes.push(fixed);
      else if (12 + i * 4 + 4 <= b.length) sizes.push(b.readUInt32BE(12 + i * 4));
      else break;
    }
  } else if (stz2) {
    const b = await payloadOf(r, stz2);
    if (!b || b.length < 12) return [];
    const bits = b[7]!;
    const count = Math.min(b.readUInt32BE(8), MAX_SAMPLES);
    for (let i = 0; i < count; i++) {
      const bit = i * bits;
      const at = 12 + Math.floor(bit / 8);
      if (at + Math.ceil(bits / 8) > b.length) break;
      sizes.push(bits === 4 ? (i % 2 ? b[at]! & 15 : b[at]! >> 4) : bits === 8 ? b[at]! : b.readUInt16BE(at));
    }
  } else {
    return [];
  }
  const chunks: number[] = [];
  const stco = child(kids, 'stco');
  const co64 = child(kids, 'co64');
  const table = stco ?? co64;
  const cb = table ? await payloadOf(r, table) : undefined;
  if (!table || !cb || cb.length < 8) return [];
  const unit = table.type === 'co64' ? 8 : 4;
  const chunkCount = Math.min(cb.readUInt32BE(4), MAX_SAMPLES);
  for (let i = 0; i < chunkCount && 8 + i * unit + unit <= cb.length; i++) {
    chunks.push(unit === 8 ? Number(cb.readBigUInt64BE(8 + i * 8)) : cb.readUInt32BE(8 + i * 4));
  }
  const stsc = child(kids, 'stsc');
  const sb = stsc ? await payloadOf(r, stsc) : undefined;
  if (!sb || sb.length < 8) return [];
  const runs: { first: number; perChunk: number; entry: number }[] = [];
  const runCount = sb.readUInt32BE(4);
  for (let i = 0; i < runCount && 8 + i * 12 + 12 <= sb.length; i++) {
    runs.push({ first: sb.readUInt32BE(8 + i * 12), perChunk: sb.readUInt32BE(12 + i * 12), entry: sb.readUInt32BE(16 + i * 12) });
  }
  const samples: Sample[] = [];
  let s = 0;
  for (let i = 0; i < runs.length && s < sizes.length; i++) {
    const run = runs[i]!;
    const last = i + 1 < runs.length ? runs[i + 1]!.first - 1 : chunks.length;
    for (let c = run.first; c <= last && c >= 1 && c <= chunks.length && s < sizes.length; c++) {
      let offset = base + chunks[c - 1]!;
      for (let k = 0; k < run.perChunk && s < sizes.length; k++, s++) {
        samples.push({ offset, size: sizes[s]!, entry: run.entry });
        offset += sizes[s]!;
      }
    }
  }
  return samples;
}

interface TrackDefaults {
  entry: number;
  size: number;
}

/** The samples every moof/traf/trun puts in the tracks of `wanted`, in file coordinates. */
async function fragmentSamples(r: Reader, moof: Box, base: number, wanted: Map<number, Track>, defaults: Map<number, TrackDefaults>): Promise<void> {
  let nextBase = moof.start;
  for (const traf of await listBoxes(r, moof.payload, moof.end)) {
    if (traf.type !== 'traf') continue;
    const kids = await listBoxes(r, traf.payload, traf.end);
    const tfhd = child(kids, 'tfhd');
    const th = tfhd ? await payloadOf(r, tfhd, 64) : undefined;
    if (!th || th.length < 8) continue;
    const flags = th.readUIntBE(1, 3);
    const id = th.readUInt32BE(4);
    let p = 8;
    let trafBase = flags & 0x20000 ? moof.start : nextBase;
    if (flags & 0x1) {
      if (p + 8 > th.length) continue;
      trafBase = base + Number(th.readBigUInt64BE(p));
      p += 8;
    }
    const d = defaults.get(id) ?? { entry: 1, size: 0 };
    let entry = d.entry;
    let defaultSize = d.size;
    if (flags & 0x2) (entry = th.readUInt32BE(p)), (p += 4);
    if (flags & 0x8) p += 4;
    if (flags & 0x10 && p + 4 <= th.length) defaultSize = th.readUInt32BE(p);
    let dataAt = trafBase;
    const track = wanted.get(id);
    for (const trun of kids) {
      if (trun.type !== 'trun') continue;
      const b = await payloadOf(r, trun);
      if (!b || b.length < 8) continue;
      const tf = b.readUIntBE(1, 3);
      const count = Math.min(b.readUInt32BE(4), MAX_SAMPLES);
      let q = 8;
      if (tf & 0x1) (dataAt = trafBase + b.readInt32BE(q)), (q += 4);
      if (tf & 0x4) q += 4;
      const per = (tf & 0x100 ? 4 : 0) + (tf & 0x200 ? 4 : 0) + (tf & 0x400 ? 4 : 0) + (tf & 0x800 ? 4 : 0);
      for (let i = 0; i < count && q + per <= b.length; i++, q += per) {
        const size = tf & 0x200 ? b.readUInt32BE(q + (tf & 0x100 ? 4 : 0)) : defaultSize;
        if (track && track.samples.length < MAX_SAMPLES) track.samples.push({ offset: dataAt, size, entry });
        dataAt += size;
      }
    }
    nextBase = dataAt;
  }
}

/** The tracks of the MP4 in [start, end) with their samples (moov tables and fragments). */
export async function readTracks(r: Reader, start: number, end: number, keep: (t: Pick<Track, 'handler' | 'entries'>) => boolean = () => true): Promise<Track[]> {
  const top = await listBoxes(r, start, end);
  const moov = child(top, 'moov');
  if (!moov) return [];
  const moovKids = await listBoxes(r, moov.payload, moov.end);
  const tracks = new Map<number, Track>();
  for (const trak of moovKids) {
    if (trak.type !== 'trak') continue;
    const head = await readTrackHead(r, trak);
    if (!head || !keep(head)) continue;
    const samples = head.stbl ? await tableSamples(r, head.stbl, start) : [];
    tracks.set(head.id, { id: head.id, handler: head.handler, entries: head.entries, samples });
  }
  if (!tracks.size) return [];
  const defaults = new Map<number, TrackDefaults>();
  const mvex = child(moovKids, 'mvex');
  if (mvex) {
    for (const trex of await listBoxes(r, mvex.payload, mvex.end)) {
      const b = trex.type === 'trex' ? await payloadOf(r, trex, 64) : undefined;
      if (b && b.length >= 20) defaults.set(b.readUInt32BE(4), { entry: b.readUInt32BE(8), size: b.readUInt32BE(16) });
    }
    for (const box of top) if (box.type === 'moof') await fragmentSamples(r, box, start, tracks, defaults);
  }
  return [...tracks.values()];
}

// ---------------------------------------------------------------------------------------
// What to do with a track

type Kind = 'gpmd' | 'camm' | 'mebx' | 'text' | 'zero';

const TEXT_HANDLERS = new Set(['text', 'sbtl', 'subt']);
const TEXT_FORMATS = new Set(['text', 'tx3g', 'wvtt', 'stpp']);
/** Formats whose samples are GPS records or carry them among other readings. */
const ZERO_FORMATS = new Set(['rtmd', 'marl']);

function kindOf(track: Pick<Track, 'handler' | 'entries'>, entry: SampleEntry | undefined): Kind | 'rvmi' | undefined {
  const format = entry?.format;
  if (format === 'gpmd') return 'gpmd';
  if (format === 'camm' || (track.handler === 'camm' && !format)) return 'camm';
  if (format === 'mebx') return 'mebx';
  if (format && ZERO_FORMATS.has(format)) return 'zero';
  if (format === 'RVMI') return 'rvmi';
  if (track.handler === 'gps ') return 'zero';
  if (TEXT_HANDLERS.has(track.handler) || (format && TEXT_FORMATS.has(format))) return 'text';
  if (track.handler === 'camm') return 'camm';
  return undefined;
}

function interesting(track: Pick<Track, 'handler' | 'entries'>): boolean {
  return track.entries.some((e) => kindOf(track, e)) || track.handler === 'gps ';
}

/** Edits that neutralise the location the timed metadata tracks of the MP4 in [start, end) carry. */
export async function timedMetadataEdits(r: Reader, start: number, end: number): Promise<Edit[]> {
  const edits: Edit[] = [];
  for (const track of await readTracks(r, start, end, interesting)) {
    const samples = track.samples.filter((s) => s.size > 0 && s.offset >= start && s.offset + s.size <= end);
    const total = samples.reduce((n, s) => n + s.size, 0);
    const mebxKeys = new Map<number, Set<string>>();
    for (const [i, entry] of track.entries.entries()) {
      if (kindOf(track, entry) !== 'mebx') continue;
      const { keyEdits, ids } = await mebxKeyEdits(r, entry.box);
      edits.push(...keyEdits);
      mebxKeys.set(i + 1, ids);
    }
    for (const s of samples) {
      const entry = track.entries[s.entry - 1] ?? track.entries[0];
      const kind = kindOf(track, entry);
      if (!kind) continue;
      if (kind === 'zero' || total > MAX_READ || s.size > MAX_SAMPLE) {
        if (kind !== 'mebx' || (mebxKeys.get(s.entry)?.size ?? 0) > 0) edits.push(zeros(s.offset, s.size));
        continue;
      }
      if (kind === 'mebx') {
        const ids = mebxKeys.get(s.entry);
        if (!ids?.size) continue;
        edits.push(...shift(mebxSampleEdits(await r.read(s.offset, s.size), ids), s.offset));
        continue;
      }
      const data = await r.read(s.offset, s.size);
      if (kind === 'gpmd') edits.push(...shift(gpmfLocationEdits(data, true), s.offset));
      else if (kind === 'camm') edits.push(...shift(cammEdits(data), s.offset));
      else if (kind === 'text') {
        if (GPS_TEXT.test(data.toString('latin1'))) edits.push(zeros(s.offset, s.size));
      } else if (kind === 'rvmi' && data.toString('latin1', 0, 4) === 'gReV') edits.push(zeros(s.offset, s.size));
    }
  }
  return edits;
}

function shift(edits: Edit[], by: number): Edit[] {
  return edits.map((e) => ({ at: e.at + by, bytes: e.bytes }));
}

// ---------------------------------------------------------------------------------------
// GPMF (GoPro): KLV, 4-byte key, type, structure size, repeat (big-endian), padded to 4

/** GPMF keys that hold a position or a GPS reading. */
const GPMF_LOCATION_KEY = /^(GPS.|GPR.|GLPI)$/;
const GPMF_KEY = /^[A-Z0-9 ]{4}$/i;
const NEUTRAL_KLV = Buffer.from('FREEB', 'latin1'); // key 'FREE', type 'B' (uint8)

/**
 * Edits (relative to `b`) that make every GPS stream of a GPMF payload opaque: the STRM (or a
 * location KLV outside any STRM) retagged 'FREE' of type 'B', its payload zeroed. A payload
 * that does not parse as GPMF: zeroed whole when `zeroIfNotGpmf`, else left alone.
 */
export function gpmfLocationEdits(b: Buffer, zeroIfNotGpmf = false): Edit[] {
  const edits: Edit[] = [];
  const ok = walkGpmf(b, 0, b.length, 0, edits);
  if (!ok) return zeroIfNotGpmf ? [zeros(0, b.length)] : edits;
  return edits;
}

interface Klv {
  at: number;
  key: string;
  type: number;
  data: number;
  length: number;
  next: number;
}

function readKlvs(b: Buffer, from: number, to: number): Klv[] | undefined {
  const out: Klv[] = [];
  let p = from;
  while (p + 8 <= to) {
    const key = b.toString('latin1', p, p + 4);
    if (key === '\0\0\0\0') break;
    if (!GPMF_KEY.test(key)) return undefined;
    const length = b[p + 5]! * b.readUInt16BE(p + 6);
    if (p + 8 + length > to) return undefined;
    out.push({ at: p, key, type: b[p + 4]!, data: p + 8, length, next: p + 8 + ((length + 3) & ~3) });
    p = out[out.length - 1]!.next;
  }
  return out;
}

function walkGpmf(b: Buffer, from: number, to: number, depth: number, edits: Edit[]): boolean {
  const klvs = readKlvs(b, from, to);
  if (!klvs || (depth === 0 && !klvs.length)) return false;
  for (const k of klvs) {
    if (k.type === 0 && depth < 4) {
      const inner = readKlvs(b, k.data, k.data + k.length);
      if (!inner) return false;
      if (inner.some((c) => GPMF_LOCATION_KEY.test(c.key))) edits.push(...neutralKlv(k));
      else if (!walkGpmf(b, k.data, k.data + k.length, depth + 1, edits)) return false;
    } else if (GPMF_LOCATION_KEY.test(k.key)) {
      edits.push(...neutralKlv(k));
    }
  }
  return true;
}

function neutralKlv(k: Klv): Edit[] {
  return [{ at: k.at, bytes: NEUTRAL_KLV }, zeros(k.data, k.length)];
}

// ---------------------------------------------------------------------------------------
// CAMM (Google Street View camera motion metadata): packets of 2 reserved bytes, a
// little-endian type, then a fixed-size body

const CAMM_SIZE = new Map([
  [0, 16],
  [1, 12],
  [2, 16],
  [3, 16],
  [4, 16],
  [5, 28],
  [6, 60],
  [7, 16],
]);

function cammEdits(b: Buffer): Edit[] {
  const edits: Edit[] = [];
  for (let p = 0; p + 4 <= b.length; ) {
    const type = b.readUInt16LE(p + 2);
    const size = CAMM_SIZE.get(type);
    if (!size || p + size > b.length) {
      // Not a packet a reader can step over: nothing after it is read as camm either, but
      // blank it all the same when it could hold a position.
      if (b.subarray(p).some((x) => x !== 0)) edits.push(zeros(p, b.length - p));
      break;
    }
    if (type === 5 || type === 6) edits.push(zeros(p, size));
    p += size;
  }
  return edits;
}

// ---------------------------------------------------------------------------------------
// mebx (QuickTime timed metadata): the sample entry's 'keys' box maps local ids to key names;
// each sample is a run of [size][local id][value] items

const LOCATION_KEY = /location|gps/i;

async function mebxKeyEdits(r: Reader, entry: Box): Promise<{ keyEdits: Edit[]; ids: Set<string> }> {
  const keyEdits: Edit[] = [];
  const ids = new Set<string>();
  // Sample entry: 6 reserved bytes, data reference index, then boxes.
  const keys = child(await listBoxes(r, entry.payload + 8, entry.end), 'keys');
  if (!keys) return { keyEdits, ids };
  for (const key of await listBoxes(r, keys.payload, keys.end, true)) {
    const keyd = child(await listBoxes(r, key.payload, key.end), 'keyd');
    const b = keyd ? await payloadOf(r, keyd, 64 * 1024) : undefined;
    if (!keyd || !b || b.length <= 4) continue;
    if (!LOCATION_KEY.test(b.toString('latin1', 4))) continue;
    ids.add(key.type);
    keyEdits.push({ at: keyd.payload + 4, bytes: Buffer.alloc(b.length - 4, 'x') });
  }
  return { keyEdits, ids };
}

function mebxSampleEdits(b: Buffer, ids: Set<string>): Edit[] {
  const edits: Edit[] = [];
  for (let p = 0; p + 8 <= b.length; ) {
    const size = b.readUInt32BE(p);
    if (size < 8 || p + size > b.length) break;
    if (ids.has(b.toString('latin1', p + 4, p + 8)) && size > 8) edits.push(zeros(p + 8, size - 8));
    p += size;
  }
  return edits;
}

// ---------------------------------------------------------------------------------------
// Text tracks: a sample that reads like a position (NMEA, dashcam and drone subtitles)

const GPS_TEXT = /\$[A-Z]{2}(RMC|GGA|GLL|GNS|GSA|VTG),|GPS|latitude|longitude|\blat(itude)?\s*[:=]|\blon(gitude)?\s*[:=]|\b[NS]\s?\d{1,3}\.\d+.{0,4}[EW]\s?\d{1,3}\.\d+/i;
