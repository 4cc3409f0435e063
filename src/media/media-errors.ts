// Errors of the media layer that callers branch on.
//   UndecodableError     → the pixels cannot be decoded at all (upload: 422; worker: give up, record it)
//   TooManyPixelsError   → an UndecodableError for images above the pixel limit (decompression bombs)
//   DEFAULT_MAX_PIXELS   → sharp's own default limit, 0x3FFF * 0x3FFF ≈ 268 MP
// A photo that decodes only partially is not an error: makeDerivatives returns a `warning`.

export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

export class UndecodableError extends Error {
  override name = 'UndecodableError';
}

export class TooManyPixelsError extends UndecodableError {
  override name = 'TooManyPixelsError';
  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxPixels: number,
  ) {
    const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;
    super(
      `image is ${width}x${height} pixels (${mp(width * height)}), above the limit of ${mp(maxPixels)}; refused as a possible decompression bomb`,
    );
  }
}

/** sharp's own message for its pixel limit, to map it onto TooManyPixelsError. */
export function isSharpPixelLimitError(error: unknown): boolean {
  return error instanceof Error && /exceeds pixel limit/i.test(error.message);
}
