// Turning pixels upright by an EXIF orientation that is not in the image being decoded
// (RAW previews: the orientation is the RAW's, the embedded JPEG carries none).
//   applyOrientation(image, orientation) → the sharp pipeline with flips and rotation added
// sharp always mirrors before it rotates, hence transpose = flip + 90° and transverse = flop + 90°.
import type { Sharp } from './sharp.ts';

export function applyOrientation(image: Sharp, orientation: number): Sharp {
  switch (orientation) {
    case 2:
      return image.flop();
    case 3:
      return image.rotate(180);
    case 4:
      return image.flip();
    case 5:
      return image.flip().rotate(90);
    case 6:
      return image.rotate(90);
    case 7:
      return image.flop().rotate(90);
    case 8:
      return image.rotate(270);
    default:
      return image;
  }
}

export function swapsAxes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}
