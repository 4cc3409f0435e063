// Why an item could not be processed, in words the owner can act on. The libraries say
// "VipsJpeg: premature end of JPEG image"; the owner reads "This file is damaged: the picture
// ends early." The technical message stays in the log and in the job's row.

const KEPT = 'The original is kept as uploaded.';

const RULES: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  // Already said in plain words where it was found (a damaged video, a HEIC too large to decode).
  [/^This (video|file|picture) /, (m) => m.input],
  [/files over \d+ MB are kept as uploaded/i, (m) => `${m.input.charAt(0).toUpperCase()}${m.input.slice(1)}.`],
  [/original file is missing or unreadable/i, () => 'The original file is missing from storage or cannot be read. Put it back from a backup, then try again.'],
  [/no longer a recognised photo or video/i, () => `The stored file is no longer a photo or video Shoebox recognises: it may have been overwritten on disk. Put it back from a backup, then try again.`],
  [/premature end|ends early|truncated|unexpected end|end of (file|input|stream)/i, () => `This file is damaged: the picture ends early. ${KEPT}`],
  [/corrupt|bad huffman|invalid (marker|sos|huffman)|crc error|checksum/i, () => `This file is damaged: part of the picture is unreadable. ${KEPT}`],
  [/above the limit of .* decompression bomb/i, (m) => `This picture is too large to show: ${/image is ([^;]+);/.exec(m.input)?.[1] ?? 'too many pixels'}. ${KEPT}`],
  [/unsupported image format|no image data|no size in its header|cannot (read|decode) the image/i, () => `This file is damaged or in a form that cannot be read: no picture could be read from it. ${KEPT}`],
  [/HEIC/i, () => `This HEIC/HEIF picture could not be decoded. ${KEPT}`],
];

export function plainFailure(technical: string): string {
  for (const [pattern, words] of RULES) {
    const m = pattern.exec(technical);
    if (m) return typeof words === 'string' ? words : words(m);
  }
  return `This file could not be processed. ${KEPT}`;
}
