// Values from metadata parsers made safe for a JSONB column.
//   toJsonSafe(value) → strings without NULs, finite numbers, short number arrays, plain
//                       objects; binary blobs, Dates and non-finite numbers are dropped (undefined)
//   pickJsonSafe(source, keys) → { key: toJsonSafe(source[key]) } for the keys that survive

const MAX_ARRAY = 32;
const MAX_STRING = 1024;

export function toJsonSafe(value: unknown, depth = 0): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string': {
      const text = value.replace(/\0/g, '').trim();
      return text === '' ? undefined : text.slice(0, MAX_STRING);
    }
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return value;
    case 'bigint':
      return Number(value);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value instanceof Date) return undefined;
  if (ArrayBuffer.isView(value)) {
    // Short numeric typed arrays (GPSVersionID, an 1-byte ref) are useful; blobs are not.
    if (value instanceof DataView || value.byteLength > MAX_ARRAY) return undefined;
    return Array.from(value as unknown as ArrayLike<number>, Number);
  }
  if (depth > 3) return undefined;
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY) return undefined;
    const items = value.map((item) => toJsonSafe(item, depth + 1));
    return items.every((item) => item !== undefined) ? items : undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const safe = toJsonSafe(item, depth + 1);
    if (safe !== undefined) out[key] = safe;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function pickJsonSafe(source: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!source) return out;
  for (const key of keys) {
    const safe = toJsonSafe(source[key]);
    if (safe !== undefined) out[key] = safe;
  }
  return out;
}
