// Dates as the album pages show them, from 'YYYY-MM-DD' day keys (wall-clock dates where
// the items were taken: no time zone arithmetic here).
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parts(day: string) {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return { y, m, d, weekday: WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!, month: MONTHS[m - 1]! };
}

/** The current year where the server's DEFAULT_TZ is. */
export function yearIn(tz: string, now = new Date()): number {
  let format = yearFormats.get(tz);
  if (!format) yearFormats.set(tz, (format = new Intl.DateTimeFormat('en', { timeZone: tz, year: 'numeric' })));
  return Number(format.format(now));
}
/** Making a formatter costs ~0.3 ms, using one microseconds: one per zone (a handful at most). */
const yearFormats = new Map<string, Intl.DateTimeFormat>();

/** "Sat, 13 Jul", with the year when it is not `currentYear`. */
export function dayHeading(day: string, currentYear: number): string {
  const { weekday, date, year } = dayHeadingParts(day, currentYear);
  return weekday + date + year;
}

/** dayHeading in its parts: 'Sat, ', '13 Jul', ' 2024' (or ''), so a narrow header can leave some out. */
export function dayHeadingParts(day: string, currentYear: number) {
  const p = parts(day);
  return { weekday: `${p.weekday}, `, date: `${p.d} ${p.month}`, year: p.y === currentYear ? '' : ` ${p.y}` };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "July 2024" from '2024-07', "July" when it is in `currentYear`. */
export function monthHeading(month: string, currentYear: number): string {
  const { short, rest, year } = monthHeadingParts(month, currentYear);
  return short + rest + year;
}

/** monthHeading in its parts: 'Sep', 'tember', ' 2024' (or ''), so a narrow header can say "Sep". */
export function monthHeadingParts(month: string, currentYear: number) {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const name = MONTH_NAMES[m - 1]!;
  return { short: name.slice(0, 3), rest: name.slice(3), year: y === currentYear ? '' : ` ${y}` };
}

/** "13 Jul 2024", "12–19 Jul 2024", "28 Jun – 3 Jul 2024", "28 Dec 2023 – 3 Jan 2024". */
export function dayRange(first: string, last: string): string {
  const a = parts(first);
  const b = parts(last);
  if (first === last) return `${a.d} ${a.month} ${a.y}`;
  if (a.y !== b.y) return `${a.d} ${a.month} ${a.y} – ${b.d} ${b.month} ${b.y}`;
  if (a.m !== b.m) return `${a.d} ${a.month} – ${b.d} ${b.month} ${b.y}`;
  return `${a.d}–${b.d} ${b.month} ${b.y}`;
}

/** "Jul 2024", "Jun – Jul 2024", "Dec 2023 – Jan 2024". */
export function monthRange(first: string, last: string): string {
  const a = parts(first);
  const b = parts(last);
  if (a.y !== b.y) return `${a.month} ${a.y} – ${b.month} ${b.y}`;
  if (a.m !== b.m) return `${a.month} – ${b.month} ${b.y}`;
  return `${b.month} ${b.y}`;
}

/** "0:07", "12:30", "1:02:03". */
export function duration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** "1 photo", "124 photos". */
export const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
