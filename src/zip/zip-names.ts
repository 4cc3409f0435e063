// Names inside a downloaded ZIP: the original file names, made safe for every unzipper
// and every file system they land on, and made distinct the way Windows and macOS compare
// names (case-insensitively, after NFC normalisation): IMG_0001.jpg, IMG_0001 (2).jpg.
// Nothing can leave the album's folder: no separators, no '..', no drive letters, no
// control or bidi-override characters, no name over 255 bytes (shortened, extension kept).

const MAX_NAME_BYTES = 255;
// C0 and C1 controls, and the bidi controls that can make a name read as something else.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Separators, and what Windows refuses in a name (a drive letter's ':' among them).
const RESERVED_CHARS = /[/\\:*?"<>|]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

const bytesOf = (s: string) => Buffer.byteLength(s, 'utf8');

/** Cuts `s` to at most `max` UTF-8 bytes, never inside a character. */
function cutToBytes(s: string, max: number): string {
  if (bytesOf(s) <= max) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = bytesOf(ch);
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return out;
}

/** Splits 'a.b.jpg' into ['a.b', '.jpg']; a leading dot is part of the stem. */
function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > 16) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/** One path component: safe characters, no dots or spaces at either end, at most `maxBytes` bytes. */
export function safeFileName(raw: string, fallback = 'file', maxBytes = MAX_NAME_BYTES): string {
  let name = raw.normalize('NFC').replace(UNSAFE_CHARS, '').replace(RESERVED_CHARS, '_').trim();
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, ''); // '..', hidden files, Windows' trailing dots
  if (!name) name = fallback;
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  return shorten(name, maxBytes);
}

function shorten(name: string, max: number): string {
  if (bytesOf(name) <= max) return name;
  const [stem, ext] = splitExtension(name);
  return cutToBytes(stem, max - bytesOf(ext)).trimEnd() + ext;
}

const compareKey = (name: string) => name.normalize('NFC').toLowerCase();

/**
 * Hands out distinct names in the order asked: the first 'IMG_0001.jpg' keeps its name,
 * the next is 'IMG_0001 (2).jpg', and so on, never clashing with a name given before.
 */
export class NameAllocator {
  private readonly taken = new Set<string>();

  allocate(raw: string): string {
    const name = safeFileName(raw);
    if (this.claim(name)) return name;
    const [stem, ext] = splitExtension(name);
    for (let n = 2; ; n++) {
      const suffix = ` (${n})`;
      const candidate = cutToBytes(stem, MAX_NAME_BYTES - bytesOf(suffix + ext)) + suffix + ext;
      if (this.claim(candidate)) return candidate;
    }
  }

  private claim(name: string): boolean {
    const key = compareKey(name);
    if (this.taken.has(key)) return false;
    this.taken.add(key);
    return true;
  }
}
