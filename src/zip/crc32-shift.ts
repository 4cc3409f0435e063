// CRC-32 arithmetic without the bytes: what a CRC becomes when zero bytes follow it, and
// the CRC of two pieces joined, from their CRCs and the second one's length (zlib's
// crc32_combine, which Node does not expose). A file's CRC-32 after a few bytes are
// patched in place can then be worked out from the stored CRC and the patched bytes alone
// (src/media/blanked-original.ts), without reading the rest of a file of gigabytes.
// Polynomials are in the reflected bit order zlib uses; lengths are bytes, up to 2^53.

const POLY = 0xedb88320;

/** a × b modulo the CRC polynomial. */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

// X2N[k] = x^(2^k) mod P.
const X2N: number[] = [0x40000000];
for (let k = 1; k < 64; k++) X2N.push(multiplyModP(X2N[k - 1]!, X2N[k - 1]!));

/** x^(8 × bytes) mod P: the factor that appending `bytes` zero bytes multiplies a register by. */
function zeroBytesFactor(bytes: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3 bits a byte
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) p = multiplyModP(X2N[k % 64]!, p);
  }
  return p;
}

/** A raw CRC register (no initial value, no final XOR) after `bytes` more zero bytes. */
export function shiftRegister(register: number, bytes: number): number {
  return bytes === 0 ? register >>> 0 : multiplyModP(zeroBytesFactor(bytes), register >>> 0);
}

/** CRC-32 of A followed by B, from crc32(A), crc32(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (shiftRegister(crcA, lengthB) ^ crcB) >>> 0;
}

/** CRC-32 of `bytes` zero bytes. */
export function crc32OfZeros(bytes: number): number {
  return (shiftRegister(0xffffffff, bytes) ^ 0xffffffff) >>> 0;
}
