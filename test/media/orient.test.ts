import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyOrientation, swapsAxes } from '../../src/media/orient.ts';
import { fixture, HAS_FIXTURES, SKIP_REASON } from './fixtures.ts';

describe.skipIf(!HAS_FIXTURES)(`applyOrientation${HAS_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('turns orientation %i exactly as libvips autoOrient does', async (n) => {
    const path = fixture(`jpeg/orientation/landscape_${n}.jpg`);
    const expected = await sharp(path).autoOrient().raw().toBuffer({ resolveWithObject: true });
    const ours = await applyOrientation(sharp(path, { autoOrient: false }), n).raw().toBuffer({ resolveWithObject: true });
    expect(ours.info.width).toBe(expected.info.width);
    expect(ours.info.height).toBe(expected.info.height);
    expect(ours.data.equals(expected.data)).toBe(true);
    expect(swapsAxes(n)).toBe(n >= 5);
  });
});
