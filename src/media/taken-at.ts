// When a photo or video was taken: an instant plus the wall-clock time to show.
//   parseDateTime(value)                     → { local, millis, offset } from EXIF/XMP/QuickTime text
//   normaliseOffset(value)                   → '+02:00' | null
//   takenAtFromWallClock(local, offset, tz)  → TakenAt (no offset: the wall clock is read in tz)
//   takenAtFromInstant(instant, tz)          → TakenAt with the wall clock of tz, offset null
//   plausibleTakenAt(takenAt, now)           → false for a date before photography or in the future
// Dates are never revived through the process time zone (STACK.md: exifr trap).

export interface TakenAt {
  instant: Date;
  /** Wall-clock time where it was taken, 'YYYY-MM-DDTHH:mm:ss'. */
  local: string;
  /** The UTC offset recorded in the file, or null when it had none. */
  offset: string | null;
}

export interface ParsedDateTime {
  local: string;
  millis: number;
  offset: string | null;
}

const DATE_TIME =
  /^\s*(UTC\s+)?(\d{4})[:\-](\d{2})[:\-](\d{2})(?:[T\s]+(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|[+\-]\d{2}:?\d{2})?\s*$/i;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Accepts '2019:10:26 16:07:24', '2019-10-26T16:07:24.5+02:00', '2023-09-22 16:34:05 UTC', ... */
export function parseDateTime(value: unknown): ParsedDateTime | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value.replace(/\0/g, ''));
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[2], m[3], m[4], m[5], m[6], m[7]].map(
    (part) => (part === undefined ? undefined : Number(part)),
  ) as number[];
  if (year === undefined || month === undefined || day === undefined) return undefined;
  // 0000:00:00 and the QuickTime/Unix zero epochs mean "not set".
  if (year < 1800 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return undefined;
  const millis = m[8] ? Math.floor(Number(`0.${m[8]}`) * 1000) : 0;
  const local = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(Math.min(second, 59))}`;
  return { local, millis, offset: normaliseOffset(m[9] ?? (m[1] ? 'UTC' : undefined)) };
}

export function normaliseOffset(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^(Z|UTC)$/i.test(text)) return '+00:00';
  const m = /^([+\-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 14 || minutes > 59) return null;
  return `${m[1]}${m[2]}:${m[3]}`;
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

function wallClockAsUtc(local: string): number {
  const [date = '', time = ''] = local.split('T');
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `timeZone` at `instantMs`, as 'YYYY-MM-DDTHH:mm:ss'. */
export function wallClockIn(instantMs: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const { type, value } of formatterFor(timeZone).formatToParts(new Date(instantMs))) parts[type] = value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallClockAsUtc(wallClockIn(whole, timeZone)) - whole;
}

export function takenAtFromWallClock(local: string, offset: string | null, defaultTz = 'UTC', millis = 0): TakenAt {
  const asUtc = wallClockAsUtc(local);
  if (offset) return { instant: new Date(asUtc - offsetMinutes(offset) * 60_000 + millis), local, offset };
  // Two passes settle the zone's offset around DST changes.
  let instant = asUtc - zoneOffsetMs(asUtc, defaultTz);
  const second = asUtc - zoneOffsetMs(instant, defaultTz);
  if (second !== instant) instant = second;
  return { instant: new Date(instant + millis), local, offset: null };
}

export function takenAtFromInstant(instant: Date, defaultTz = 'UTC'): TakenAt {
  return { instant, local: wallClockIn(instant.getTime(), defaultTz), offset: null };
}

/** A parsed date as TakenAt; an offset in the text wins over the separate offset tag. */
export function takenAtFromParsed(parsed: ParsedDateTime, offsetTag: unknown, defaultTz = 'UTC'): TakenAt {
  const offset = parsed.offset ?? normaliseOffset(offsetTag);
  return takenAtFromWallClock(parsed.local, offset, defaultTz, parsed.millis);
}

/** The first photograph (Niépce, Le Gras) is from 1826 or 1827: nothing was taken before. */
const FIRST_PHOTOGRAPH = Date.UTC(1826, 0, 1);
/** Clocks and zones differ: a day ahead of this machine's clock still counts as now. */
const CLOCK_GRACE_MS = 86_400_000;

/** Whether a date read from a file can be when it was taken: a camera whose clock was never set says 2038 or 1904. */
export function plausibleTakenAt(takenAt: TakenAt, now = Date.now()): boolean {
  const t = takenAt.instant.getTime();
  return Number.isFinite(t) && t >= FIRST_PHOTOGRAPH && t <= now + CLOCK_GRACE_MS;
}

/**
 * When the owner says it was taken: a wall clock and where, as an offset ('+02:00', 'Z')
 * or an IANA zone ('Europe/Paris': its offset at that wall clock is recorded). Undefined
 * when the zone is neither.
 */
export function takenAtInZone(local: string, zone: string): TakenAt | undefined {
  const offset = normaliseOffset(zone);
  if (offset) return takenAtFromWallClock(local, offset);
  try {
    formatterFor(zone);
  } catch {
    return undefined; // not a zone this runtime knows
  }
  const { instant } = takenAtFromWallClock(local, null, zone);
  const minutes = Math.round((wallClockAsUtc(local) - instant.getTime()) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return { instant, local, offset: `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}` };
}
