// Decompression-bomb test inputs: tiny files that declare a huge canvas.
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { crc32 } from 'node:zlib';


/** A valid small PNG whose IHDR then claims width x height (CRC fixed up). */
export async function writePngBomb(path: string, width: number, height: number): Promise<void> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
  // IHDR: length at 8, type at 12, data at 16 (width, height, ...), CRC after its 13 data bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  writeFileSync(path, png);
}
