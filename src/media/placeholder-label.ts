// The format's name drawn on a neutral placeholder ("CRW", "JPEG XL"), so a tile that has no
// picture still says what the file is. A 5x7 pixel font of its own, drawn into raw RGB
// pixels: no font files, no text renderer, the same pixels on every machine.
//   drawLabel(pixels, width, height, text, colour) → the pixels, with `text` centred on them
// Letters, digits, space and / - . are drawn; anything else is left out.

const GLYPHS: Record<string, string> = {
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11110 10001 10001 10001 10001 10001 11110',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 01010 00100 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  0: '01110 10001 10011 10101 11001 10001 01110',
  1: '00100 01100 00100 00100 00100 00100 01110',
  2: '01110 10001 00001 00010 00100 01000 11111',
  3: '11111 00010 00100 00010 00001 10001 01110',
  4: '00010 00110 01010 10010 11111 00010 00010',
  5: '11111 10000 11110 00001 00001 10001 01110',
  6: '00110 01000 10000 11110 10001 10001 01110',
  7: '11111 00001 00010 00100 01000 01000 01000',
  8: '01110 10001 10001 01110 10001 10001 01110',
  9: '01110 10001 10001 01111 00001 00010 01100',
  ' ': '00000 00000 00000 00000 00000 00000 00000',
  '/': '00001 00010 00010 00100 01000 01000 10000',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
};
const GLYPH_WIDTH = 5;
const GLYPH_HEIGHT = 7;
const GAP = 1;

/** Draws `text` (upper-cased) centred on 3-channel pixels, as large as fits in 60 % of the width and a fifth of the height. */
export function drawLabel(pixels: Buffer, width: number, height: number, text: string, colour: { r: number; g: number; b: number }): Buffer {
  const glyphs = [...text.toUpperCase()].map((c) => GLYPHS[c]).filter((g): g is string => g !== undefined);
  if (!glyphs.length) return pixels;
  const cells = glyphs.length * (GLYPH_WIDTH + GAP) - GAP;
  const scale = Math.max(1, Math.floor(Math.min((width * 0.6) / cells, height / 5 / GLYPH_HEIGHT)));
  const left = Math.floor((width - cells * scale) / 2);
  const top = Math.floor((height - GLYPH_HEIGHT * scale) / 2);
  glyphs.forEach((glyph, i) => {
    const rows = glyph.split(' ');
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (rows[row]![col] !== '1') continue;
        const x0 = left + (i * (GLYPH_WIDTH + GAP) + col) * scale;
        const y0 = top + row * scale;
        for (let y = y0; y < y0 + scale && y < height; y++) {
          for (let x = x0; x < x0 + scale && x < width; x++) {
            const at = (y * width + x) * 3;
            pixels[at] = colour.r;
            pixels[at + 1] = colour.g;
            pixels[at + 2] = colour.b;
          }
        }
      }
    }
  });
  return pixels;
}
