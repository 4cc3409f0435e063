// When a file name says when it was taken: phones and messengers name files by the moment
// ("IMG_20180725_163423.jpg", "PXL_20230115_123456789.jpg", "20180725_163423.mp4",
// "Screenshot 2023-01-15 at 12.34.56.png", "2023-01-15 12.34.56.jpg", WhatsApp's
// "IMG-20230115-WA0007.jpg" with the day only). Used only when the file itself carries no
// date. Google Pixel names ("PXL_") are in UTC; the others are the phone's wall clock.
//   dateFromFileName(name) → { local: 'YYYY-MM-DDTHH:mm:ss', utc } | undefined
import { parseDateTime } from './taken-at.ts';

export interface FileNameDate {
  /** The wall clock, or the UTC time when `utc`. */
  local: string;
  utc: boolean;
}

// A year 1900–2099, month and day, then (after at most one separator, or " at ") a time;
// not inside a longer run of digits (an id, a counter) except milliseconds after the time.
const DATE_TIME = /(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?:(?:[-_. T]|\sat\s)([01]\d|2[0-3])[-_.:h]?([0-5]\d)[-_.:m]?([0-5]\d)(?:\d{1,3})?)?(?!\d)/i;

export function dateFromFileName(name: string): FileNameDate | undefined {
  const base = name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const m = DATE_TIME.exec(base);
  if (!m) return undefined;
  // A bare 8-digit day with nothing around it that names it a date ("20180725.jpg" is
  // likely one; "12345678.jpg" is not matched anyway): accept only with a time, a
  // separator inside it, or a known prefix.
  const [, y, mo, d, h, mi, s] = m;
  const hasTime = h !== undefined;
  if (!hasTime && !/[-_.]/.test(m[0]) && !/^(IMG|VID|PXL|PANO|MVIMG|Screenshot|signal)[-_ ]/i.test(base)) return undefined;
  const text = `${y}-${mo}-${d}T${hasTime ? `${h}:${mi}:${s}` : '12:00:00'}`;
  const parsed = parseDateTime(text);
  if (!parsed) return undefined; // 2023-02-30
  return { local: parsed.local, utc: /^PXL_/i.test(base) };
}
