// Videos with a timed GPS track, for the "strip location" tests: an ffmpeg clip (moov after
// mdat, as ffmpeg writes it without +faststart) gets one more track whose samples go into a
// second mdat appended before the rebuilt moov, so the clip's own chunk offsets stay right.
//   withTimedTrack(clip, track) → Buffer
//   gpmfSample(i), cammSamples(i), mebxTrack() → the payloads exiftool -ee decodes as GPS:
//   GoPro GPMF (DEVC/STRM with GPS5 and SCAL), Google CAMM type 5 and 6 packets, and Apple
//   mebx timed metadata with a com.apple.quicktime.location.ISO6709 key.
// Every position is near the Eiffel tower (48.857x, 2.295x), which the tests look for.

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function full(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff));
  return box(type, vf, ...parts);
}

const u32s = (...vals: number[]) => {
  const b = Buffer.alloc(vals.length * 4);
  vals.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
};
const i32s = (...vals: number[]) => {
  const b = Buffer.alloc(vals.length * 4);
  vals.forEach((v, i) => b.writeInt32BE(v, i * 4));
  return b;
};

interface TopBox {
  type: string;
  start: number;
  end: number;
}

function topLevel(b: Buffer): TopBox[] {
  const out: TopBox[] = [];
  for (let at = 0; at + 8 <= b.length; ) {
    let size = b.readUInt32BE(at);
    if (size === 1) size = Number(b.readBigUInt64BE(at + 8));
    if (size === 0) size = b.length - at;
    if (size < 8) break;
    out.push({ type: b.toString('latin1', at + 4, at + 8), start: at, end: at + size });
    at += size;
  }
  return out;
}

export interface TimedTrack {
  handler: string;
  /** The whole sample entry box (e.g. box('gpmd', reserved...)). */
  sampleEntry: Buffer;
  samples: Buffer[];
}

/** Sample entry header: 6 reserved bytes and data reference index 1. */
export function sampleEntry(format: string, ...children: Buffer[]): Buffer {
  return box(format, Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), ...children);
}

/** The clip with `track` added as track 100 (samples one per chunk, 1 s each). */
export function withTimedTrack(clip: Buffer, track: TimedTrack): Buffer {
  const boxes = topLevel(clip);
  const moov = boxes.find((b) => b.type === 'moov');
  if (!moov || moov.end !== clip.length) throw new Error('expected the moov box last (no +faststart)');
  const head = clip.subarray(0, moov.start);
  const mdat = box('mdat', ...track.samples);
  let at = head.length + 8;
  const offsets = track.samples.map((s) => {
    const o = at;
    at += s.length;
    return o;
  });
  const n = track.samples.length;
  const matrix = u32s(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);
  const tkhd = full('tkhd', 0, 3, u32s(0, 0, 100, 0, n * 1000, 0, 0), Buffer.alloc(8), matrix, u32s(0, 0));
  const mdhd = full('mdhd', 0, 0, u32s(0, 0, 1000, n * 1000), Buffer.from([0x55, 0xc4, 0, 0]));
  const hdlr = full('hdlr', 0, 0, u32s(0), Buffer.from(track.handler, 'latin1'), u32s(0, 0, 0), Buffer.from('Timed metadata\0', 'latin1'));
  const dinf = box('dinf', full('dref', 0, 0, u32s(1), full('url ', 0, 1)));
  const stbl = box(
    'stbl',
    full('stsd', 0, 0, u32s(1), track.sampleEntry),
    full('stts', 0, 0, u32s(1, n, 1000)),
    full('stsc', 0, 0, u32s(1, 1, 1, 1)),
    full('stsz', 0, 0, u32s(0, n, ...track.samples.map((s) => s.length))),
    full('stco', 0, 0, u32s(n, ...offsets)),
  );
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', full('nmhd', 0, 0), dinf, stbl)));
  const moovBody = clip.subarray(moov.start + 8, moov.end);
  return Buffer.concat([head, mdat, box('moov', moovBody, trak)]);
}

// ---------------------------------------------------------------------------------------
// GoPro GPMF

function klv(key: string, type: string | 0, size: number, repeat: number, data: Buffer): Buffer {
  const length = size * repeat;
  const b = Buffer.alloc(8 + ((length + 3) & ~3));
  b.write(key, 0, 'latin1');
  b[4] = type === 0 ? 0 : type.charCodeAt(0);
  b[5] = size;
  b.writeUInt16BE(repeat, 6);
  data.copy(b, 8, 0, length);
  return b;
}
const nest = (key: string, kids: Buffer[]) => {
  const data = Buffer.concat(kids);
  return klv(key, 0, 1, data.length, data);
};
const text = (key: string, s: string) => klv(key, 'c', 1, s.length, Buffer.from(s, 'latin1'));

/** One second of GoPro telemetry: an accelerometer stream, then a GPS5 stream (3 fixes). */
export function gpmfSample(i: number): Buffer {
  const gps: number[] = [];
  for (let k = 0; k < 3; k++) gps.push(488577000 + i * 100 + k, 22950000 + i * 100 + k, 35000, 1200, 1300);
  const accl = Buffer.alloc(12);
  [981, 12, -30, 979, 10, -28].forEach((v, j) => accl.writeInt16BE(v, j * 2));
  return nest('DEVC', [
    klv('DVID', 'L', 4, 1, u32s(1)),
    text('DVNM', 'Camera'),
    nest('STRM', [klv('TSMP', 'L', 4, 1, u32s(i * 2)), text('STNM', 'Accelerometer'), klv('SCAL', 's', 2, 1, Buffer.from([0, 100])), klv('ACCL', 's', 6, 2, accl)]),
    nest('STRM', [
      klv('TSMP', 'L', 4, 1, u32s(i * 3)),
      text('STNM', 'GPS (Lat., Long., Alt., 2D speed, 3D speed)'),
      klv('GPSF', 'L', 4, 1, u32s(3)),
      text('GPSU', '230925123456.000'),
      klv('GPSP', 'S', 2, 1, Buffer.from([0, 150])),
      klv('SCAL', 'l', 4, 5, i32s(10000000, 10000000, 1000, 1000, 100)),
      klv('GPS5', 'l', 20, 3, i32s(...gps)),
    ]),
  ]);
}

export function gpmdTrack(samples = 3): TimedTrack {
  return { handler: 'meta', sampleEntry: sampleEntry('gpmd', u32s(0)), samples: Array.from({ length: samples }, (_, i) => gpmfSample(i)) };
}

// ---------------------------------------------------------------------------------------
// Google CAMM

function camm(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(type, 2);
  return Buffer.concat([head, body]);
}

const floats = (...vals: number[]) => {
  const b = Buffer.alloc(vals.length * 4);
  vals.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
};
const doubles = (...vals: number[]) => {
  const b = Buffer.alloc(vals.length * 8);
  vals.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b;
};

/** Samples of a camm track: gyro (2), GPS (5), accelerometer (3), full GPS (6). */
export function cammTrack(): TimedTrack {
  const gps6 = Buffer.concat([doubles(1695645296), Buffer.from([3, 0, 0, 0]), doubles(48.8577, 2.295), floats(35, 5, 5, 0.5, 0.1, 0.2, 0.05)]);
  return {
    handler: 'camm',
    sampleEntry: sampleEntry('camm'),
    samples: [camm(2, floats(0.01, 0.02, 0.03)), camm(5, doubles(48.8578, 2.2951, 36)), camm(3, floats(0.1, 9.8, 0.2)), camm(6, gps6)],
  };
}

// ---------------------------------------------------------------------------------------
// Apple mebx timed metadata

function mebxKey(id: number, name: string, dataType: number): Buffer {
  const keyd = box('keyd', Buffer.from('mdta' + name, 'latin1'));
  const dtyp = box('dtyp', u32s(0, dataType));
  const b = box('xxxx', keyd, dtyp);
  b.writeUInt32BE(id, 4);
  return b;
}

function mebxItem(id: number, value: Buffer): Buffer {
  const head = u32s(8 + value.length, id);
  return Buffer.concat([head, value]);
}

/** Key 1: a location (ISO 6709, UTF-8); key 2: a still-image time (int8): both in each sample. */
export function mebxTrack(): TimedTrack {
  const keys = box('keys', mebxKey(1, 'com.apple.quicktime.location.ISO6709', 1), mebxKey(2, 'com.apple.quicktime.still-image-time', 65));
  const samples = [0, 1, 2].map((i) =>
    Buffer.concat([mebxItem(1, Buffer.from(`+48.857${i}+002.295${i}+035.000/`, 'latin1')), mebxItem(2, Buffer.from([0xff]))]),
  );
  return { handler: 'meta', sampleEntry: sampleEntry('mebx', keys), samples };
}
