// Finding location records inside the metadata blocks that containers carry, as byte edits
// that keep every length: the TIFF/EXIF structure (GPS IFD, maker-note location tags, and
// the IPTC, Photoshop and XMP blocks TIFF tags may hold), XMP packets, IPTC-IIM datasets and
// Photoshop resource blocks. The containers (JPEG, PNG, HEIF, QuickTime, ...) are walked in
// location-patches.ts; these functions only see a block and return edits relative to it.
//   tiffLocationEdits(reader, base, end, hooks?) → Edit[]   (async: a RAW's TIFF is the file)
//   xmpLocationEdits(bytes)                     → Edit[]
//   iimLocationEdits(bytes)                     → Edit[]
//   irbLocationEdits(bytes)                     → Promise<Edit[]>
// What "neutralised" means here, so that exiftool finds nothing and the file stays valid:
//   GPS IFD        every entry, value and the IFD itself zeroed, and the pointer to it retagged
//                  from GPSInfo (0x8825) to the unassigned 0x8826: nothing reaches it
//   maker notes    Samsung, Nikon and Panasonic location tags: value zeroed, tag retagged to an
//                  unassigned number of that maker's table
//   XMP            each location property (element or attribute, name and value) overwritten
//                  with spaces: the packet stays well-formed XML of the same length
//   IPTC-IIM       City, Sub-location, Province-State, Country and ContentLocation datasets:
//                  value blanked, dataset number moved to an unassigned one
//   text           an ISO 6709 position written out (+33.1268-117.3273/, as phones, GoPro
//                  and dashcams write them into records of their own): spaces

export interface Edit {
  /** Offset in the coordinates of the reader or buffer the edit was found in. */
  at: number;
  bytes: Buffer;
}

/** Random access to some bytes (a file, or a block already in memory); reads clip at `size`. */
export interface Reader {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export function bufferReader(bytes: Uint8Array): Reader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: buf.length,
    read: async (offset, length) => buf.subarray(Math.max(0, Math.min(offset, buf.length)), Math.max(0, Math.min(offset + length, buf.length))),
  };
}

export function zeros(at: number, length: number): Edit {
  return { at, bytes: Buffer.alloc(length) };
}

export function spaces(at: number, length: number): Edit {
  return { at, bytes: Buffer.alloc(length, 0x20) };
}

/** Applies edits (relative to `bytes`) to a copy. */
export function applyEdits(bytes: Uint8Array, edits: Edit[]): Buffer {
  const out = Buffer.from(bytes);
  for (const e of edits) {
    if (e.at < 0 || e.at >= out.length) continue;
    e.bytes.copy(out, e.at, 0, Math.min(e.bytes.length, out.length - e.at));
  }
  return out;
}

/**
 * An ISO 6709 position as text: latitude ±DD.D…, longitude ±DDD.D…, then optionally an
 * altitude and the closing '/'. Decimals required: integers alone are too common in bytes.
 */
export const ISO6709_TEXT = /[+-]\d{2}\.\d{1,12}[+-]\d{3}\.\d{1,12}(?:[+-]\d{1,6}(?:\.\d{1,6})?)?(?:CRSWGS_84)?\/?/g;

/** Spaces over every ISO 6709 position written in `bytes` (a latin1 view: byte offsets). */
export function textLocationEdits(bytes: Uint8Array): Edit[] {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return [...s.matchAll(ISO6709_TEXT)].map((m) => spaces(m.index!, m[0].length));
}

export function shiftEdits(edits: Edit[], by: number): Edit[] {
  return edits.map((e) => ({ at: e.at + by, bytes: e.bytes }));
}

// ---------------------------------------------------------------------------------------
// TIFF / EXIF

const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
const MAX_VALUE_BYTES = 16 * 1024 * 1024;
const MAX_IFDS = 64;

const T = {
  Make: 0x010f,
  SubIFDs: 0x014a,
  XMP: 0x02bc,
  IPTC: 0x83bb,
  Photoshop: 0x8649,
  ExifIFD: 0x8769,
  GPSInfo: 0x8825,
  MakerNote: 0x927c,
  PanasonicJpgFromRaw: 0x002e,
} as const;
/** Unassigned in exiftool's Exif table, and sorts where GPSInfo did. */
const RETAGGED_GPS_POINTER = 0x8826;

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute offset (reader coordinates) of the 12-byte entry. */
  entryAt: number;
  /** Absolute offset of the value bytes. */
  valueAt: number;
  size: number;
  /** The raw 4-byte value/offset field as an unsigned integer. */
  field: number;
}

interface Ifd {
  at: number;
  /** Bytes of the IFD itself: count, entries, next pointer. */
  length: number;
  entries: IfdEntry[];
  next: number;
}

interface TiffContext {
  r: Reader;
  /** Where offsets count from. */
  base: number;
  /** Nothing at or past this offset belongs to this TIFF. */
  end: number;
  le: boolean;
}

export interface TiffHooks {
  /** A JPEG the TIFF embeds whose own metadata readers parse (Panasonic's JpgFromRaw). */
  embeddedJpeg?(at: number, length: number): Promise<Edit[]>;
}

function u16(b: Buffer, at: number, le: boolean): number {
  return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
}

function u32(b: Buffer, at: number, le: boolean): number {
  return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
}

function tag16(tag: number, le: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(tag);
  else b.writeUInt16BE(tag);
  return b;
}

async function readIfd(ctx: TiffContext, at: number, valueBase = ctx.base, le = ctx.le): Promise<Ifd | undefined> {
  if (at < ctx.base || at + 2 > ctx.end) return undefined;
  const countBytes = await ctx.r.read(at, 2);
  if (countBytes.length < 2) return undefined;
  const count = u16(countBytes, 0, le);
  if (count === 0 || count > 1000) return undefined;
  const length = 2 + count * 12 + 4;
  const bytes = await ctx.r.read(at, Math.min(length, ctx.end - at));
  const whole = Math.floor((bytes.length - 2) / 12);
  const entries: IfdEntry[] = [];
  let bad = 0;
  for (let i = 0; i < Math.min(count, whole); i++) {
    const p = 2 + i * 12;
    const type = u16(bytes, p + 2, le);
    const n = u32(bytes, p + 4, le);
    const unit = TYPE_SIZE[type] ?? 0;
    if (!unit) {
      bad++;
      continue;
    }
    const size = unit * n;
    const field = u32(bytes, p + 8, le);
    entries.push({ tag: u16(bytes, p, le), type, count: n, entryAt: at + p, valueAt: size <= 4 ? at + p + 8 : valueBase + field, size, field });
  }
  // An IFD that is mostly nonsense is not an IFD: touch nothing in it.
  if (bad > count / 2 || entries.length === 0) return undefined;
  const next = bytes.length >= length ? u32(bytes, length - 4, le) : 0;
  return { at, length: Math.min(length, bytes.length), entries, next };
}

function inRange(ctx: { base: number; end: number }, at: number, size: number): boolean {
  return size >= 0 && at >= ctx.base && at + size <= ctx.end;
}

async function valueBytes(ctx: TiffContext, e: IfdEntry, max = MAX_VALUE_BYTES): Promise<Buffer | undefined> {
  if (e.size > max || !inRange(ctx, e.valueAt, e.size)) return undefined;
  const b = await ctx.r.read(e.valueAt, e.size);
  return b.length === e.size ? b : undefined;
}

const POINTER_TYPES = new Set([3, 4, 9, 13]); // SHORT, LONG, SLONG, IFD: all seen in the wild

/** Offsets an IFD-pointer entry holds (SubIFDs may hold several). */
async function pointers(ctx: TiffContext, e: IfdEntry): Promise<number[]> {
  if (!POINTER_TYPES.has(e.type)) return [];
  const b = e.size <= 4 ? await ctx.r.read(e.valueAt, e.size) : await valueBytes(ctx, e, 64 * 4);
  if (!b) return [];
  const out: number[] = [];
  const unit = e.type === 3 ? 2 : 4;
  for (let i = 0; i + unit <= b.length; i += unit) out.push(unit === 2 ? u16(b, i, ctx.le) : u32(b, i, ctx.le));
  return out;
}

/** Edits that neutralise location in the TIFF structure whose header is at `base`. */
export async function tiffLocationEdits(r: Reader, base: number, end = r.size, hooks: TiffHooks = {}): Promise<Edit[]> {
  const head = await r.read(base, 8);
  if (head.length < 8) return [];
  const order = head.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return [];
  const le = order === 'II';
  const magic = u16(head, 2, le);
  if (magic !== 42 && magic !== 0x4f52 && magic !== 0x5352 && magic !== 0x55) return [];
  const ctx: TiffContext = { r, base, end: Math.min(end, r.size), le };
  const edits: Edit[] = [];
  const seen = new Set<number>();
  let make = '';
  const queue: { off: number; kind: 'chain' | 'sub' | 'exif' }[] = [{ off: u32(head, 4, le), kind: 'chain' }];
  let first = true;
  while (queue.length && seen.size < MAX_IFDS) {
    const { off, kind } = queue.shift()!;
    const at = base + off;
    if (off < 8 || seen.has(at)) continue;
    seen.add(at);
    const ifd = await readIfd(ctx, at);
    if (!ifd) continue;
    if (first) {
      first = false;
      const makeEntry = ifd.entries.find((e) => e.tag === T.Make && e.type === 2);
      if (makeEntry) make = ((await valueBytes(ctx, makeEntry, 256)) ?? Buffer.alloc(0)).toString('latin1').replace(/\0.*$/s, '').trim();
    }
    if (kind === 'chain' && ifd.next) queue.push({ off: ifd.next, kind: 'chain' });
    for (const e of ifd.entries) {
      switch (e.tag) {
        case T.SubIFDs:
          for (const p of await pointers(ctx, e)) queue.push({ off: p, kind: 'sub' });
          break;
        case T.ExifIFD:
          for (const p of await pointers(ctx, e)) queue.push({ off: p, kind: 'exif' });
          break;
        case T.GPSInfo: {
          const [to] = await pointers(ctx, e);
          if (to !== undefined) edits.push(...(await gpsIfdEdits(ctx, e, to)));
          break;
        }
        case T.XMP: {
          const b = await valueBytes(ctx, e);
          if (b) edits.push(...shiftEdits(xmpLocationEdits(b), e.valueAt));
          break;
        }
        case T.IPTC: {
          const b = await valueBytes(ctx, e);
          if (b) edits.push(...shiftEdits(iimLocationEdits(b), e.valueAt));
          break;
        }
        case T.Photoshop: {
          const b = await valueBytes(ctx, e);
          if (b) edits.push(...shiftEdits(await irbLocationEdits(b), e.valueAt));
          break;
        }
        case T.MakerNote:
          if (kind === 'exif') edits.push(...(await makerNoteEdits(ctx, e, make)));
          break;
        case T.PanasonicJpgFromRaw:
          if (magic === 0x55 && kind === 'chain' && hooks.embeddedJpeg && inRange(ctx, e.valueAt, e.size) && e.size > 4) {
            edits.push(...(await hooks.embeddedJpeg(e.valueAt, e.size)));
          }
          break;
      }
    }
  }
  return edits;
}

async function gpsIfdEdits(ctx: TiffContext, pointer: IfdEntry, to: number): Promise<Edit[]> {
  // Unreachable first: whatever the GPS IFD looks like, nothing points at it any more.
  const edits: Edit[] = [{ at: pointer.entryAt, bytes: tag16(RETAGGED_GPS_POINTER, ctx.le) }];
  const gps = await readIfd(ctx, ctx.base + to);
  if (!gps) return edits;
  for (const e of gps.entries) {
    if (e.size > 4 && e.size <= 1024 * 1024 && inRange(ctx, e.valueAt, e.size)) edits.push(zeros(e.valueAt, e.size));
  }
  edits.push(zeros(gps.at, gps.length));
  return edits;
}

// Maker notes: location tags of the makers whose notes carry them, each retagged to a
// number unassigned in that maker's table (exiftool shows unknown tags only with -u).
interface MakerRule {
  /** Retag → new tag number; undefined: zero the value only (already unnamed). */
  retag: Map<number, number | undefined>;
}

const SAMSUNG_TYPE2: MakerRule = {
  retag: new Map<number, number | undefined>([
    [0x0030, 0x0036], // LocalLocationName
    [0x0031, 0x0037], // LocationName
    [0x002f, undefined], // unnamed "GPSInfo01"-style strings next to them
    [0x0032, undefined],
    [0x0033, undefined],
    [0x0034, undefined],
  ]),
};
const NIKON: MakerRule = { retag: new Map([[0x0039, 0x003a]]) }; // LocationInfo
const PANASONIC: MakerRule = {
  retag: new Map([
    [0x0067, 0x0068], // Location
    [0x0069, 0x006a], // Country
    [0x006b, 0x006c], // State
    [0x006d, 0x006e], // City
    [0x006f, 0x006e], // Landmark
  ]),
};

const SAMSUNG_TYPE2_HEAD = /^(\0[\s\S]\0\x01\0\x07\0{3}\x04|[\s\S]\0\x01\0\x07\0\x04\0{3})0100/;

async function makerNoteEdits(ctx: TiffContext, note: IfdEntry, make: string): Promise<Edit[]> {
  if (note.size < 16 || !inRange(ctx, note.valueAt, note.size)) return [];
  const mn = note.valueAt;
  const mnEnd = mn + note.size;
  const head = await ctx.r.read(mn, 32);
  const text = head.toString('latin1');
  if (text.startsWith('Nikon\0\x02')) {
    // A TIFF header of its own at +10; offsets count from it.
    const order = text.slice(10, 12);
    if (order !== 'II' && order !== 'MM') return [];
    const le = order === 'II';
    // Values may run past the maker note (Nikon Capture data does, by 4 bytes): the base is
    // certain here, so the bound is the enclosing TIFF.
    const inner: TiffContext = { r: ctx.r, base: mn + 10, end: ctx.end, le };
    const ifd = await readIfd(inner, mn + 10 + u32(head, 14, le), inner.base, le);
    if (!ifd) return [];
    const edits = makerIfdEdits(inner, ifd, NIKON, [inner.base]);
    for (const e of ifd.entries) {
      if (e.tag !== 0x0e01 && e.tag !== 0x0e09) continue;
      const data = await valueBytes(inner, e);
      if (!data) continue;
      const local = e.tag === 0x0e01 ? nikonCaptureEdits(data) : nikonCaptureVersionsEdits(data);
      edits.push(...shiftEdits(local, e.valueAt));
    }
    return edits;
  }
  if (text.startsWith('Panasonic\0')) {
    const inner: TiffContext = { r: ctx.r, base: mn, end: mnEnd, le: ctx.le };
    const ifd = await readIfd(inner, mn + 12, ctx.base, ctx.le);
    return ifd ? makerIfdEdits(inner, ifd, PANASONIC, [ctx.base, mn]) : [];
  }
  if (make.toUpperCase() === 'SAMSUNG' && SAMSUNG_TYPE2_HEAD.test(text)) {
    // Byte order and offset base vary by model (exiftool probes both, so do we).
    for (const le of [ctx.le, !ctx.le]) {
      const inner: TiffContext = { r: ctx.r, base: mn, end: mnEnd, le };
      const ifd = await readIfd(inner, mn, ctx.base, le);
      if (ifd && ifd.entries.some((e) => e.tag === 0x0001)) return makerIfdEdits(inner, ifd, SAMSUNG_TYPE2, [ctx.base, mn]);
    }
  }
  return [];
}

/**
 * Nikon Capture's edit data (maker-note tag 0x0e01): records of a 4-byte id, 14 bytes, a
 * 4-byte size + 4, then the value, from offset 22. Its IPTCData record is IPTC-IIM.
 */
function nikonCaptureEdits(b: Buffer): Edit[] {
  const edits: Edit[] = [];
  for (let p = 22; p + 22 < b.length; ) {
    const id = b.readUInt32LE(p);
    const size = b.readUInt32LE(p + 18) - 4;
    p += 22;
    if (size < 0 || p + size > b.length) break;
    if (id === 0x9ef5f6e0) edits.push(...shiftEdits(iimLocationEdits(b.subarray(p, p + size)), p));
    p += size;
  }
  return edits;
}

/** Tag 0x0e09: a count, then that many length-prefixed Nikon Capture blocks. */
function nikonCaptureVersionsEdits(b: Buffer): Edit[] {
  const edits: Edit[] = [];
  if (b.length < 4) return edits;
  let p = 4;
  for (let n = b.readUInt32LE(0); n > 0 && p + 4 <= b.length; n--) {
    const length = b.readUInt32LE(p);
    if (p + 4 + length > b.length) break;
    edits.push(...shiftEdits(nikonCaptureEdits(b.subarray(p + 4, p + 4 + length)), p + 4));
    p += 4 + length;
  }
  return edits;
}

/**
 * Retags and zeroes the rule's entries. Out-of-line values are zeroed only with an offset
 * base under which every out-of-line value of this IFD lies inside the maker note: a wrong
 * guess must never zero someone else's bytes.
 */
function makerIfdEdits(mn: TiffContext, ifd: Ifd, rule: MakerRule, bases: number[]): Edit[] {
  const edits: Edit[] = [];
  const outOfLine = ifd.entries.filter((e) => e.size > 4);
  const base = bases.find((b) => outOfLine.every((e) => b + e.field >= mn.base && b + e.field + e.size <= mn.end));
  for (const e of ifd.entries) {
    if (!rule.retag.has(e.tag)) continue;
    const to = rule.retag.get(e.tag);
    if (to !== undefined) edits.push({ at: e.entryAt, bytes: tag16(to, mn.le) });
    if (e.size <= 4) edits.push(zeros(e.entryAt + 8, 4));
    else if (base !== undefined && e.size <= 1024 * 1024) edits.push(zeros(base + e.field, e.size));
  }
  return edits;
}

// ---------------------------------------------------------------------------------------
// XMP

/**
 * Local names of XMP properties that say where: exif:GPS*, Iptc4xmpCore:Location and
 * CountryCode, Iptc4xmpExt:LocationCreated/LocationShown (whole structures), photoshop:City,
 * State and Country, drone-dji:GpsLatitude/AbsoluteAltitude, and the like.
 */
const XMP_LOCATION_NAME = /gps|location|latitude|longitude|altitude|^city$|^state$|^country$|countrycode|countryname|^sublocation$|provincestate|worldregion/i;

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function isLocationProperty(qname: string): boolean {
  if (qname.startsWith('xmlns') || !qname.includes(':')) return false;
  const prefix = qname.slice(0, qname.indexOf(':'));
  if (prefix === 'rdf' || prefix === 'x' || prefix === 'xml') return false;
  return XMP_LOCATION_NAME.test(localName(qname));
}

const NAME_CHAR = /[^\s/>=]/;

/**
 * Blanks every location property of an XMP packet (UTF-8) with spaces: a property element
 * from its start tag to its end tag, or an attribute from its name to its closing quote.
 * Works on bytes (latin1 view), so offsets are byte offsets and no character is split.
 */
export function xmpLocationEdits(bytes: Uint8Array): Edit[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // UTF-16/32 packets are rare enough to leave alone here (no ASCII '<' run to scan).
  const s = buf.toString('latin1');
  const edits: Edit[] = [];
  let i = s.indexOf('<');
  // Elements being blanked: depth counter of same-named nested elements.
  let blanking: { name: string; start: number; depth: number } | undefined;
  while (i >= 0 && i < s.length) {
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      if (end < 0) break;
      i = s.indexOf('<', end + 3);
      continue;
    }
    if (s.startsWith('<![CDATA[', i)) {
      const end = s.indexOf(']]>', i + 9);
      if (end < 0) break;
      i = s.indexOf('<', end + 3);
      continue;
    }
    if (s.startsWith('<?', i) || s.startsWith('<!', i)) {
      const end = s.indexOf('>', i + 2);
      if (end < 0) break;
      i = s.indexOf('<', end + 1);
      continue;
    }
    const closing = s[i + 1] === '/';
    let p = i + (closing ? 2 : 1);
    const nameStart = p;
    while (p < s.length && NAME_CHAR.test(s[p]!)) p++;
    const name = s.slice(nameStart, p);
    const tagEnd = findTagEnd(s, p);
    if (tagEnd < 0 || !name) break;
    const selfClosing = !closing && s[tagEnd - 1] === '/';
    if (blanking) {
      if (name === blanking.name) {
        if (closing) blanking.depth--;
        else if (!selfClosing) blanking.depth++;
        if (blanking.depth === 0) {
          edits.push(spaces(blanking.start, tagEnd + 1 - blanking.start));
          blanking = undefined;
        }
      }
    } else if (!closing && isLocationProperty(name)) {
      if (selfClosing) edits.push(spaces(i, tagEnd + 1 - i));
      else blanking = { name, start: i, depth: 1 };
    } else if (!closing) {
      edits.push(...attributeEdits(s, p, tagEnd));
    }
    i = s.indexOf('<', tagEnd + 1);
  }
  return edits;
}

/** The index of the '>' that ends the tag whose attributes start at `from`, skipping quoted values. */
function findTagEnd(s: string, from: number): number {
  let quote: string | undefined;
  for (let p = from; p < s.length; p++) {
    const c = s[p]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return p;
    else if (c === '<') return -1;
  }
  return -1;
}

function attributeEdits(s: string, from: number, to: number): Edit[] {
  const edits: Edit[] = [];
  let p = from;
  while (p < to) {
    while (p < to && /\s/.test(s[p]!)) p++;
    const start = p;
    while (p < to && NAME_CHAR.test(s[p]!)) p++;
    const name = s.slice(start, p);
    if (!name) {
      p++;
      continue;
    }
    while (p < to && /\s/.test(s[p]!)) p++;
    if (s[p] !== '=') continue;
    p++;
    while (p < to && /\s/.test(s[p]!)) p++;
    const quote = s[p];
    if (quote !== '"' && quote !== "'") continue;
    const close = s.indexOf(quote, p + 1);
    if (close < 0 || close > to) break;
    p = close + 1;
    if (isLocationProperty(name)) edits.push(spaces(start, p - start));
  }
  return edits;
}

// ---------------------------------------------------------------------------------------
// IPTC-IIM and Photoshop resources

/** Record 2 datasets that say where → a dataset number exiftool's IPTC table leaves unassigned. */
const IIM_LOCATION = new Map([
  [26, 28], // ContentLocationCode
  [27, 29], // ContentLocationName
  [90, 91], // City
  [92, 93], // Sub-location
  [95, 96], // Province-State
  [100, 102], // Country-PrimaryLocationCode
  [101, 102], // Country-PrimaryLocationName
]);

export function iimLocationEdits(bytes: Uint8Array): Edit[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const edits: Edit[] = [];
  let p = 0;
  // Some writers pad the front; datasets start at the first tag marker.
  while (p < b.length && b[p] !== 0x1c && p < 16) p++;
  while (p + 5 <= b.length && b[p] === 0x1c) {
    const record = b[p + 1]!;
    const dataset = b[p + 2]!;
    let length = b.readUInt16BE(p + 3);
    let data = p + 5;
    if (length & 0x8000) {
      const n = length & 0x7fff;
      if (n > 4 || data + n > b.length) break;
      length = 0;
      for (let k = 0; k < n; k++) length = length * 256 + b[data + k]!;
      data += n;
    }
    if (data + length > b.length) break;
    const to = record === 2 ? IIM_LOCATION.get(dataset) : undefined;
    if (to !== undefined) {
      edits.push({ at: p + 2, bytes: Buffer.from([to]) });
      if (length) edits.push(spaces(data, length));
    }
    p = data + length;
  }
  return edits;
}

const IRB_SIGNATURES = new Set(['8BIM', 'PHUT', 'AgHg', 'DCSR', 'MeSa']);

/** Photoshop image resources: IPTC (0x0404), EXIF copies (0x0422, 0x0423) and XMP (0x0424). */
export async function irbLocationEdits(bytes: Uint8Array): Promise<Edit[]> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const edits: Edit[] = [];
  let p = 0;
  while (p + 12 <= b.length && IRB_SIGNATURES.has(b.toString('latin1', p, p + 4))) {
    const id = b.readUInt16BE(p + 4);
    const nameLength = b[p + 6]!;
    let q = p + 6 + nameLength + 1;
    if (q % 2) q++;
    if (q + 4 > b.length) break;
    const data = q + 4;
    // Some writers leave the IPTC resource's size 0: its datasets then run to the end.
    const size = id === 0x0404 && b.readUInt32BE(q) === 0 ? b.length - data : b.readUInt32BE(q);
    if (data + size > b.length) break;
    const block = b.subarray(data, data + size);
    if (id === 0x0404) edits.push(...shiftEdits(iimLocationEdits(block), data));
    else if (id === 0x0422 || id === 0x0423) edits.push(...shiftEdits(await tiffLocationEdits(bufferReader(block), 0), data));
    else if (id === 0x0424) edits.push(...shiftEdits(xmpLocationEdits(block), data));
    p = data + size + (size % 2);
  }
  return edits;
}
