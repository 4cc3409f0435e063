// Why a file could not be processed, or was not stored, in words the owner can act on. The
// libraries say "VipsJpeg: premature end of JPEG image"; the owner reads "This file is
// damaged: the picture ends early." The technical message stays in the log and in the job's
// row. Upload and import refuse with the same words (plainRefusal) as processing fails with
// (plainFailure).

const KEPT = 'The original is kept as uploaded.';

/** What is wrong with the file's contents, in a sentence; the same whether it was kept or refused. */
const DIAGNOSES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/premature end|ends early|truncated|unexpected end|end of (file|input|stream)/i, () => 'This file is damaged: the picture ends early.'],
  [/corrupt|bad huffman|invalid (marker|sos|huffman)|crc error|checksum|missing sos/i, () => 'This file is damaged: part of the picture is unreadable.'],
  [/above the limit of .* decompression bomb/i, (m) => `This picture is too large to show: ${/image is ([^;]+);/.exec(m.input)?.[1] ?? 'too many pixels'}.`],
  [/unsupported image format|no image data|no size in its header|cannot (read|decode) the image/i, () => 'This file is damaged or in a form that cannot be read: no picture could be read from it.'],
  [/HEIC/i, () => 'This HEIC/HEIF picture could not be decoded.'],
];

function diagnose(technical: string): string | undefined {
  for (const [pattern, words] of DIAGNOSES) {
    const m = pattern.exec(technical);
    if (m) return words(m);
  }
  return undefined;
}

/** A stored item whose processing failed: what happened, and that the original is kept. */
export function plainFailure(technical: string): string {
  // Already said in plain words where it was found (a damaged video, a HEIC too large to decode).
  if (/^This (video|file|picture) /.test(technical)) return technical;
  if (/files over \d+ MB are kept as uploaded/i.test(technical)) return `${technical.charAt(0).toUpperCase()}${technical.slice(1)}.`;
  if (/original file is missing or unreadable/i.test(technical)) {
    return 'The original file is missing from storage or cannot be read. Put it back from a backup, then try again.';
  }
  if (/no longer a recognised photo or video/i.test(technical)) {
    return 'The stored file is no longer a photo or video Shoebox recognises: it may have been overwritten on disk. Put it back from a backup, then try again.';
  }
  return `${diagnose(technical) ?? 'This file could not be processed.'} ${KEPT}`;
}

/** A file refused before it was stored (upload or import), named: what is wrong with it. */
export function plainRefusal(name: string, technical: string): string {
  return `${name} was not stored. ${diagnose(technical) ?? 'No picture could be read from it.'}`;
}
