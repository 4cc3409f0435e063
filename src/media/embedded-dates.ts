// Capture dates outside EXIF, for photos whose EXIF has none (edited, agency, scanned):
//   xmpCaptureDate(xmp)    → exif:DateTimeOriginal | photoshop:DateCreated | xmp:CreateDate text
//   iptcCaptureDate(iptc)  → IPTC-IIM 2:55 DateCreated + 2:60 TimeCreated as ISO-like text
// Both return text for parseDateTime, or undefined.

const XMP_FIELDS = ['exif:DateTimeOriginal', 'photoshop:DateCreated', 'xmp:CreateDate'];

export function xmpCaptureDate(xmp: string | undefined): string | undefined {
  if (!xmp) return undefined;
  for (const field of XMP_FIELDS) {
    const name = field.replace(':', '\\:');
    const attribute = new RegExp(`${name}\\s*=\\s*["']([^"']+)["']`).exec(xmp);
    const element = new RegExp(`<${name}>\\s*([^<]+?)\\s*</${name}>`).exec(xmp);
    const value = attribute?.[1] ?? element?.[1];
    if (value) return value;
  }
  return undefined;
}

/** Finds one IIM dataset (record 2) in an IPTC block, wherever the Photoshop wrapper put it. */
function iimDataset(bytes: Uint8Array, dataset: number): string | undefined {
  for (let i = 0; i + 5 <= bytes.length; i++) {
    if (bytes[i] !== 0x1c || bytes[i + 1] !== 0x02 || bytes[i + 2] !== dataset) continue;
    const length = (bytes[i + 3]! << 8) | bytes[i + 4]!;
    if (length > 64 || i + 5 + length > bytes.length) continue;
    return Buffer.from(bytes.subarray(i + 5, i + 5 + length)).toString('latin1');
  }
  return undefined;
}

export function iptcCaptureDate(iptc: Uint8Array | undefined): string | undefined {
  if (!iptc) return undefined;
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(iimDataset(iptc, 55)?.trim() ?? '');
  if (!date) return undefined;
  const time = /^(\d{2})(\d{2})(\d{2})([+-]\d{2}\d{2})?$/.exec(iimDataset(iptc, 60)?.trim() ?? '');
  const day = `${date[1]}-${date[2]}-${date[3]}`;
  if (!time) return day;
  const offset = time[4] ? `${time[4].slice(0, 3)}:${time[4].slice(3)}` : '';
  return `${day}T${time[1]}:${time[2]}:${time[3]}${offset}`;
}
