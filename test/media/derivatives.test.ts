import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  findFfmpeg,
  makeDerivatives,
  TooManyPixelsError,
  UndecodableError,
  type DerivativesResult,
} from '../../src/media/derivatives.ts';
import { decodeHeic, readHeicColour } from '../../src/media/heic-decoder.ts';
import { detectFileType, HEAD_BYTES, type DetectedType } from '../../src/media/file-type.ts';
import { findRawPreviews, readRawPreview } from '../../src/media/raw-preview.ts';
import { readFileHead } from '../../src/media/read-bytes.ts';
import { thumbhashToDataUrl } from '../../src/media/thumbhash.ts';
import { writePngBomb } from './bomb.ts';
import { exiftool, fixture, HAS_EXIFTOOL, HAS_FIXTURES, readManifest, SKIP_REASON } from './fixtures.ts';
import { FUJI_XT3, PANASONIC_G9, rebuildCr3, SONY_A7M3, writeArw, writeOrf, writeRaf, writeRw2 } from './raw-samples.ts';

const HAS_HEIF_CONVERT = spawnSync('heif-convert', ['--version'], { stdio: 'ignore' }).error === undefined;
const work = mkdtempSync(join(tmpdir(), 'shoebox-derivatives-'));
let counter = 0;

interface Made extends DerivativesResult {
  small: { width: number; height: number; path: string };
  large: { width: number; height: number; path: string };
}

async function typeOf(path: string): Promise<DetectedType> {
  const type = detectFileType(await readFileHead(path, HEAD_BYTES));
  if (!type) throw new Error(`${path}: not detected`);
  return type;
}

async function derive(path: string, opts: Parameters<typeof makeDerivatives>[2] = {}): Promise<Made> {
  const dir = join(work, String(counter++));
  const out = { smallPath: join(dir, 'x_sm.webp'), largePath: join(dir, 'x_lg.webp') };
  const result = await makeDerivatives({ path, type: await typeOf(path) }, out, opts);
  const small = await sharp(out.smallPath).metadata();
  const large = await sharp(out.largePath).metadata();
  expect(small.format).toBe('webp');
  expect(large.format).toBe('webp');
  return {
    ...result,
    small: { width: small.width!, height: small.height!, path: out.smallPath },
    large: { width: large.width!, height: large.height!, path: out.largePath },
  };
}

/** Mean absolute difference of two images as 16x12 greyscale. */
async function difference(a: string, b: string): Promise<number> {
  const grey = (p: string) => sharp(p).resize(16, 12, { fit: 'fill' }).greyscale().raw().toBuffer();
  const [x, y] = await Promise.all([grey(a), grey(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

const shortEdge = (s: { width: number; height: number }) => Math.min(s.width, s.height);
const longEdge = (s: { width: number; height: number }) => Math.max(s.width, s.height);


describe.skipIf(!HAS_FIXTURES)(`makeDerivatives on photos${HAS_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  it('makes a 360 px grid thumbnail and a 2048 px preview from a large JPEG', async () => {
    const made = await derive(fixture('jpeg/camera/canon-dslr.jpg'));
    expect(made).toMatchObject({ width: 5184, height: 3456, source: 'decoded' });
    expect(made.warning).toBeUndefined();
    expect(shortEdge(made.small)).toBe(360);
    expect(made.small.width).toBe(540);
    expect(made.large).toMatchObject({ width: 2048, height: 1365 });
    expect(made.thumbhash).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('never upscales', async () => {
    const made = await derive(fixture('jpeg/camera/img_1771.jpg'));
    expect(made.large).toMatchObject({ width: 480, height: 360 });
    expect(made.small).toMatchObject({ width: 480, height: 360 });
    const tiny = await derive(fixture('png/IMG_20180725_163423-1.png'));
    expect(tiny.small).toMatchObject({ width: 40, height: 30 });
  });

  describe('EXIF orientation 1-8 of one scene', () => {
    let reference: Made;
    beforeAll(async () => {
      reference = await derive(fixture('jpeg/orientation/landscape_1.jpg'));
    });

    it.each([2, 3, 4, 5, 6, 7, 8])('orientation %i comes out upright', async (n) => {
      const path = fixture(`jpeg/orientation/landscape_${n}.jpg`);
      const stored = await sharp(path).metadata();
      const made = await derive(path);
      // 5-8 store the pixels turned (450x600): shown, they are swapped back to 600x450.
      if (n >= 5) expect({ width: made.width, height: made.height }).toEqual({ width: stored.height, height: stored.width });
      expect({ width: made.width, height: made.height }).toEqual({ width: 600, height: 450 });
      // This scene is a landscape once upright, so its thumbnail is too (as landscape_1's).
      expect(made.small).toMatchObject({ width: reference.small.width, height: reference.small.height });
      expect(await difference(made.small.path, reference.small.path)).toBeLessThan(8);
    });

    it('a wrongly turned image would be caught by the comparison', async () => {
      const unrotated = join(work, 'unrotated.png');
      await sharp(fixture('jpeg/orientation/landscape_6.jpg'), { autoOrient: false }).resize(480, 360, { fit: 'fill' }).png().toFile(unrotated);
      expect(await difference(unrotated, reference.small.path)).toBeGreaterThan(30);
    });
  });

  it('converts wide-gamut photos to sRGB and writes no metadata, GPS included', async () => {
    for (const path of ['jpeg/odd-exif/Iceland-P3.jpg', 'jpeg/phone/IMG_20180725_163423.jpg', 'png/png_with_exif_and_gps.png']) {
      const made = await derive(fixture(path));
      for (const file of [made.small.path, made.large.path]) {
        const meta = await sharp(file).metadata();
        expect(meta.space, path).toBe('srgb');
        expect(meta.exif, path).toBeUndefined();
        expect(meta.icc, path).toBeUndefined();
        expect(meta.xmp, path).toBeUndefined();
        if (HAS_EXIFTOOL) expect(execFileSync('exiftool', ['-s', '-GPS:all', file], { encoding: 'utf8' }).trim()).toBe('');
      }
    }
  });

  it('writes atomically: the target is replaced, no temp file stays', async () => {
    const dir = join(work, 'atomic');
    const out = { smallPath: join(dir, 'a_sm.webp'), largePath: join(dir, 'a_lg.webp') };
    const input = { path: fixture('jpeg/gps/FurnaceCreekInn.jpg'), type: await typeOf(fixture('jpeg/gps/FurnaceCreekInn.jpg')) };
    await makeDerivatives(input, out);
    writeFileSync(out.smallPath, 'old');
    await makeDerivatives(input, out);
    expect((await sharp(out.smallPath).metadata()).format).toBe('webp');
    expect(readdirSync(dir).sort()).toEqual(['a_lg.webp', 'a_sm.webp']);
  });

  it('gives a thumbhash that paints as a data URL of the same colours', async () => {
    const made = await derive(fixture('webp/norway-kjetil-moe.webp'));
    const url = thumbhashToDataUrl(made.thumbhash);
    expect(url).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    const [placeholder, thumb] = await Promise.all([sharp(png).stats(), sharp(made.small.path).stats()]);
    for (let c = 0; c < 3; c++) expect(Math.abs(placeholder.channels[c]!.mean - thumb.channels[c]!.mean)).toBeLessThan(25);
  });
});

describe.skipIf(!HAS_FIXTURES)('makeDerivatives on HEIC/HEIF (decoded in a worker thread)', () => {
  it.each([
    ['heic/heic-iphone7.heic', 4032, 3024],
    ['heic/iphone_15_pro.heic', 3024, 4032],
    ['heic/2021-02-13-1929.heic', 3024, 4032],
    ['heic/Canon.HIF', 2400, 1600],
  ])('%s is %ix%i as displayed', async (path, width, height) => {
    const made = await derive(fixture(path));
    expect(made).toMatchObject({ width, height, source: 'decoded' });
    expect(longEdge(made.large)).toBe(2048);
    expect(shortEdge(made.small)).toBe(360);
    // Orientation 6 iPhone photos are portraits: libheif has turned them, EXIF must not again.
    expect(made.small.height > made.small.width).toBe(height > width);
  });

  it('keeps the event loop free while decoding', async () => {
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 10);
    const started = performance.now();
    await derive(fixture('heic/heic-iphone7.heic'));
    const total = performance.now() - started;
    clearInterval(timer);
    // Decoding is most of the work; on the main thread it would block the loop for nearly all
    // of it. Relative to the whole, so a loaded machine (slower decode) does not make it flaky.
    expect(worst).toBeLessThan(total / 3);
  });
});

/** Mean saturation (max - min of R, G, B) of an image at 64x48, after sharp's own colour conversion. */
async function chroma(image: Sharp): Promise<number> {
  const px = await image.resize(64, 48, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < px.length; i += 3) sum += Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!);
  return sum / (px.length / 3);
}

/** The same pixels sent through the preview's size and encoding with their profile ignored: a naive copy. */
async function naivePreview(image: Sharp): Promise<Sharp> {
  const webp = await image
    .resize(2048, 2048, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80, effort: 4 })
    .toBuffer();
  return sharp(webp);
}

describe.skipIf(!HAS_FIXTURES)('colour management: wide-gamut sources come out as sRGB values, not copied numbers', () => {
  // Converting a wider gamut to sRGB spreads the channel values of saturated colours apart
  // (Display P3 or Adobe RGB red is redder than sRGB red with the same numbers), so a
  // converted preview is measurably more saturated than a naive copy of the same pixels.
  it.each(['heic/heic-iphone7.heic', 'heic/iphone_15_pro.heic', 'heic/2021-02-13-1929.heic'])(
    '%s (Display P3 ICC in its colr box) is converted from P3',
    async (path) => {
      const colour = await readHeicColour(fixture(path));
      expect(colour.icc?.subarray(36, 40).toString('latin1')).toBe('acsp');
      if (HAS_EXIFTOOL) expect(colour.icc!.equals(execFileSync('exiftool', ['-b', '-ICC_Profile', fixture(path)]))).toBe(true);
      const made = await derive(fixture(path));
      expect(made.warning).toBeUndefined();
      const { width, height, data } = await decodeHeic(fixture(path), 100_000_000);
      const naive = await chroma(await naivePreview(sharp(data, { raw: { width, height, channels: 4 } })));
      const ours = await chroma(sharp(made.large.path));
      expect(ours - naive).toBeGreaterThan(1.5);
    },
  );

  it.skipIf(!HAS_HEIF_CONVERT)('matches libheif + lcms for an iPhone HEIC (heif-convert keeps the profile, sharp converts it)', async () => {
    const reference = join(work, 'iphone7-heif-convert.png');
    execFileSync('heif-convert', [fixture('heic/heic-iphone7.heic'), reference], { stdio: 'ignore' });
    expect((await sharp(reference).metadata()).icc).toBeDefined();
    const made = await derive(fixture('heic/heic-iphone7.heic'));
    const converted = await chroma(await naivePreview(sharp(reference).toColourspace('srgb')));
    const naive = await chroma(await naivePreview(sharp(reference, { ignoreIcc: true })));
    const ours = await chroma(sharp(made.large.path));
    expect(Math.abs(ours - converted)).toBeLessThan(0.5);
    expect(Math.abs(ours - naive)).toBeGreaterThan(1.5);
  });

  it.each([
    ['jpeg/odd-exif/Iceland-P3.jpg', 'Display P3', 1],
    ['misnamed/wrong.heic', 'Adobe RGB (1998)', 1],
    ['tiff/tif-with-iptc-icc-xmp.tif', 'ProPhoto RGB', 5],
  ])('%s (%s ICC profile) is converted by sharp on decode', async (path, profile, margin) => {
    if (HAS_EXIFTOOL) expect(execFileSync('exiftool', ['-s3', '-ProfileDescription', fixture(path)], { encoding: 'utf8' }).trim()).toBe(profile);
    const made = await derive(fixture(path));
    const naive = await chroma(await naivePreview(sharp(fixture(path), { ignoreIcc: true })));
    const ours = await chroma(sharp(made.large.path));
    expect(ours - naive).toBeGreaterThan(margin);
  });

  it('an sRGB source is left as it is', async () => {
    const path = fixture('jpeg/phone/IMG_20180725_163423.jpg');
    const made = await derive(path);
    const naive = await chroma(await naivePreview(sharp(path, { ignoreIcc: true })));
    expect(Math.abs((await chroma(sharp(made.large.path))) - naive)).toBeLessThan(0.5);
  });

  it('says so when a HEIF is in a colour space it does not convert (Canon HIF: BT.2020 PQ, HDR)', async () => {
    expect(await readHeicColour(fixture('heic/Canon.HIF'))).toEqual({ nclx: { primaries: 9, transfer: 16, matrix: 9, fullRange: true } });
    const made = await derive(fixture('heic/Canon.HIF'));
    expect(made.warning).toMatch(/colours shown unconverted: .*primaries 9, transfer 16/);
  });
});

describe.skipIf(!HAS_FIXTURES)('makeDerivatives on RAW files (always kept, never throwing)', () => {
  it('uses the largest embedded preview of a DNG', async () => {
    const made = await derive(fixture('raw/canon_eos_6d.dng'));
    expect(made).toMatchObject({ source: 'embedded-preview', width: 1024, height: 683 });
    expect(made.warning).toBeUndefined();
    const stats = await sharp(made.small.path).stats();
    expect(stats.channels[0]!.stdev).toBeGreaterThan(10);
  });

  it("uses a CR3's PRVW preview when the full-size JPEG has been pruned away", async () => {
    // exiv2 cut this file before its mdat: track 1's JPEG (3408x2272) points past the end.
    const made = await derive(fixture('raw/Canon-R6-pruned.CR3'));
    expect(made).toMatchObject({ source: 'embedded-preview', width: 1620, height: 1080 });
    expect(made.large).toMatchObject({ width: 1620, height: 1080 });
  });

  describe('a CR3 with its full-size JPEG (the pruned fixture with its mdat put back)', () => {
    const cr3 = join(work, 'full.CR3');
    const turned = join(work, 'full-orientation-6.CR3');
    let prvw: Buffer;
    beforeAll(async () => {
      // The scene is the fixture's own PRVW preview, scaled to the sensor size track 1 declares.
      const pruned = await findRawPreviews(fixture('raw/Canon-R6-pruned.CR3'), 'cr3');
      prvw = await readRawPreview(fixture('raw/Canon-R6-pruned.CR3'), pruned.previews[0]!);
      const jpeg = await sharp(prvw).resize(3408, 2272).jpeg({ quality: 70 }).toBuffer();
      rebuildCr3(fixture('raw/Canon-R6-pruned.CR3'), jpeg, cr3);
      rebuildCr3(fixture('raw/Canon-R6-pruned.CR3'), jpeg, turned, 6);
    });

    it('finds track 1, PRVW and THMB, largest first, where exiftool finds them', async () => {
      const { previews } = await findRawPreviews(cr3, 'cr3');
      expect(previews.map((p) => `${p.width}x${p.height}`)).toEqual(['3408x2272', '1620x1080', '160x120']);
      if (HAS_EXIFTOOL) {
        const fromExiftool = execFileSync('exiftool', ['-b', '-JpgFromRaw', cr3], { maxBuffer: 8 * 1024 * 1024 });
        expect((await readRawPreview(cr3, previews[0]!)).equals(fromExiftool)).toBe(true);
      }
    });

    it('makes the 2048 px preview from the full-size JPEG', async () => {
      const made = await derive(cr3);
      expect(made).toMatchObject({ source: 'embedded-preview', width: 3408, height: 2272 });
      expect(made.large).toMatchObject({ width: 2048, height: 1365 });
      expect(made.small).toMatchObject({ width: 540, height: 360 });
      const reference = join(work, 'cr3-prvw.png');
      await sharp(prvw).png().toFile(reference);
      expect(await difference(made.large.path, reference)).toBeLessThan(4);
    });

    it("turns it by the CR3's orientation", async () => {
      const made = await derive(turned);
      expect(made).toMatchObject({ source: 'embedded-preview', width: 2272, height: 3408 });
      expect(made.large).toMatchObject({ width: 1365, height: 2048 });
      const upright = join(work, 'cr3-prvw-6.png');
      await sharp(prvw).rotate(90).png().toFile(upright);
      expect(await difference(made.large.path, upright)).toBeLessThan(4);
    });
  });

  describe('an Olympus ORF (built as the cameras lay it out: no ORF among the fixtures)', () => {
    let preview: Buffer;
    beforeAll(async () => {
      const scene = fixture('jpeg/camera/canon-dslr.jpg');
      preview = await sharp(scene).resize(1600, 1200).jpeg({ quality: 85 }).toBuffer();
      const thumbnail = await sharp(scene).resize(160, 120).jpeg().toBuffer();
      writeOrf(join(work, 'olympus.orf'), { preview, thumbnail });
      writeOrf(join(work, 'olympus-e1.orf'), { preview, thumbnail, style: 'inline' });
      writeOrf(join(work, 'olympus-8.orf'), { preview, thumbnail, orientation: 8 });
    });

    it.each(['olympus.orf', 'olympus-e1.orf'])(
      "%s: the maker note's CameraSettings preview, not the 160x120 IFD1 thumbnail",
      async (name) => {
        const path = join(work, name);
        const { previews } = await findRawPreviews(path, 'orf');
        expect(previews.map((p) => `${p.width}x${p.height}`)).toEqual(['1600x1200', '160x120']);
        expect((await readRawPreview(path, previews[0]!)).equals(preview)).toBe(true);
        if (HAS_EXIFTOOL) {
          expect(execFileSync('exiftool', ['-b', '-PreviewImage', path], { maxBuffer: 8 * 1024 * 1024 }).equals(preview)).toBe(true);
        }
        const made = await derive(path);
        expect(made).toMatchObject({ source: 'embedded-preview', width: 1600, height: 1200 });
        expect(made.large).toMatchObject({ width: 1600, height: 1200 });
        expect(made.small).toMatchObject({ width: 480, height: 360 });
      },
    );

    it('turns it by the ORF orientation', async () => {
      const made = await derive(join(work, 'olympus-8.orf'));
      expect(made).toMatchObject({ source: 'embedded-preview', width: 1200, height: 1600 });
      expect(made.small).toMatchObject({ width: 360, height: 480 });
    });
  });

  describe('Sony ARW, Fujifilm RAF and Panasonic RW2 (built as the cameras lay them out: none among the fixtures)', () => {
    // Preview sizes as these cameras embed them; each file also has a 160x120 thumbnail (ARW: IFD1;
    // RAF and RW2: IFD1 of the embedded JPEG's EXIF). Orientation 6 is in IFD0 for ARW, in the
    // JPEG's EXIF for RAF, in both for RW2 (where each camera records it).
    const cameras = [
      { format: 'arw', write: writeArw, shot: SONY_A7M3, width: 1616, height: 1080, small: [539, 360], exiftoolTag: 'PreviewImage', fileType: 'ARW' },
      { format: 'raf', write: writeRaf, shot: FUJI_XT3, width: 1920, height: 1280, small: [540, 360], exiftoolTag: 'PreviewImage', fileType: 'RAF' },
      { format: 'rw2', write: writeRw2, shot: PANASONIC_G9, width: 1920, height: 1440, small: [480, 360], exiftoolTag: 'JpgFromRaw', fileType: 'RW2' },
    ] as const;
    const built = new Map<string, { upright: string; turned: string; embedded: Buffer; reference: string; turnedReference: string; wrongWay: string }>();

    beforeAll(async () => {
      // A bright scene with sky above and land below, so a turn the wrong way shows.
      const scene = fixture('webp/norway-kjetil-moe.webp');
      const thumbnail = await sharp(scene).resize(160, 120).jpeg().toBuffer();
      for (const camera of cameras) {
        const preview = await sharp(scene).resize(camera.width, camera.height).jpeg({ quality: 85 }).toBuffer();
        const upright = join(work, `camera.${camera.format}`);
        const turned = join(work, `camera-6.${camera.format}`);
        const { embedded } = camera.write(upright, { preview, thumbnail });
        camera.write(turned, { preview, thumbnail, orientation: 6 });
        const reference = join(work, `camera-${camera.format}.png`);
        const turnedReference = join(work, `camera-${camera.format}-cw.png`);
        const wrongWay = join(work, `camera-${camera.format}-ccw.png`);
        await sharp(preview).png().toFile(reference);
        await sharp(preview).rotate(90).png().toFile(turnedReference);
        await sharp(preview).rotate(270).png().toFile(wrongWay);
        built.set(camera.format, { upright, turned, embedded, reference, turnedReference, wrongWay });
      }
    });

    it.skipIf(!HAS_EXIFTOOL).each(cameras)('$format: exiftool reads it as the camera file it imitates', ({ format, shot, fileType }) => {
      const { upright, turned } = built.get(format)!;
      const [tags, turnedTags] = exiftool([upright, turned]);
      expect(tags).toMatchObject({ 'File:FileType': fileType, 'IFD0:Make': shot.make, 'IFD0:Model': shot.model, 'IFD0:Orientation': 1 });
      expect(turnedTags).toMatchObject({ 'IFD0:Orientation': 6 });
      expect(tags!['ExifTool:Warning']).toBeUndefined();
    });

    it.each(cameras)('$format: the large preview comes first, the bytes exiftool extracts', async ({ format, width, height, exiftoolTag }) => {
      const { upright, embedded } = built.get(format)!;
      const { previews, orientation } = await findRawPreviews(upright, format);
      // ARW's IFD1 thumbnail is a candidate of its own; RAF's and RW2's sit inside the preview.
      expect(previews.map((p) => `${p.width}x${p.height}`)).toEqual(format === 'arw' ? [`${width}x${height}`, '160x120'] : [`${width}x${height}`]);
      expect(orientation).toBe(1);
      const bytes = await readRawPreview(upright, previews[0]!);
      expect(bytes.equals(embedded)).toBe(true);
      if (HAS_EXIFTOOL) {
        expect(execFileSync('exiftool', ['-b', `-${exiftoolTag}`, upright], { maxBuffer: 8 * 1024 * 1024 }).equals(bytes)).toBe(true);
      }
    });

    it.each(cameras)('$format: derivatives are made from the large preview, not the thumbnail', async ({ format, width, height, small }) => {
      const { upright, reference } = built.get(format)!;
      const made = await derive(upright);
      expect(made).toMatchObject({ source: 'embedded-preview', width, height });
      expect(made.warning).toBeUndefined();
      expect(made.large).toMatchObject({ width, height });
      expect(made.small).toMatchObject({ width: small[0], height: small[1] });
      expect(await difference(made.large.path, reference)).toBeLessThan(4);
    });

    it.each(cameras)('$format with orientation 6: turned a quarter clockwise, upright', async ({ format, width, height, small }) => {
      const { turned, turnedReference, wrongWay } = built.get(format)!;
      const made = await derive(turned);
      expect(made).toMatchObject({ source: 'embedded-preview', width: height, height: width });
      expect(made.large).toMatchObject({ width: height, height: width });
      expect(made.small).toMatchObject({ width: small[1], height: small[0] });
      expect(await difference(made.large.path, turnedReference)).toBeLessThan(4);
      expect(await difference(made.large.path, wrongWay)).toBeGreaterThan(15);
    });

    it('arw cut off inside its preview (an interrupted copy): the small thumbnail, with a warning that says why', async () => {
      const { upright, embedded } = built.get('arw')!;
      const whole = readFileSync(upright);
      const previewAt = whole.indexOf(embedded);
      expect(previewAt).toBeGreaterThan(0);
      const cut = join(work, 'cut-off.arw');
      writeFileSync(cut, whole.subarray(0, previewAt + Math.floor(embedded.length / 2)));
      const { previews, cutOff } = await findRawPreviews(cut, 'arw');
      expect(previews.map((p) => `${p.width}x${p.height}`)).toEqual(['160x120']);
      expect(cutOff.map((p) => `${p.width}x${p.height}`)).toEqual(['1616x1080']);
      const made = await derive(cut);
      expect(made).toMatchObject({ source: 'embedded-preview', width: 160, height: 120 });
      expect(made.warning).toMatch(/the file ends inside its 1616x1080 preview/);
    });
  });

  it.each(['raw/CanonRaw.cr2', 'raw/Nikon.nef', 'raw/DNG.dng', 'raw/IMG_1361.dng'])(
    '%s (pixels stripped) gets a placeholder with a warning',
    async (path) => {
      const made = await derive(fixture(path));
      expect(made.source).toBe('placeholder');
      expect(made.warning).toMatch(/no usable preview/);
      // Neutral grey, with the format's name on it.
      const stats = await sharp(made.small.path).stats();
      expect(stats.channels[0]!.mean).toBeGreaterThan(150);
      expect(stats.channels[0]!.stdev).toBeGreaterThan(5);
    },
  );

  it('shapes a placeholder like the known display size', async () => {
    const made = await derive(fixture('raw/IMG_1361.dng'), { displaySize: { width: 3024, height: 4032 } });
    expect(made.small.height).toBeGreaterThan(made.small.width);
  });
});

describe.skipIf(!HAS_FIXTURES)('makeDerivatives on videos', () => {
  const videos = readManifest().filter((e) => e.kind === 'video');
  let ffmpeg: string | null = null;
  beforeAll(async () => {
    ffmpeg = await findFfmpeg();
  });

  it.each(videos.map((e) => [e.path, e] as const))('%s gets a poster that is not uniformly black', async (path, entry) => {
    if (!ffmpeg) return;
    const made = await derive(fixture(path), { ffmpegPath: ffmpeg });
    if (path === 'video/quicktime-jpeg.mov') {
      // Its frames live in external files the movie only references: nothing to decode.
      expect(made).toMatchObject({ source: 'placeholder' });
      expect(made.warning).toMatch(/no poster frame/);
      return;
    }
    expect(made.source).toBe('video-frame');
    const stats = await sharp(made.large.path).stats();
    expect(Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(5);
    expect(longEdge(made)).toBe(Math.max(entry.size!.width, entry.size!.height));
  });

  it('turns the poster of a rotated clip upright (portrait iPad clip)', async () => {
    if (!ffmpeg) return;
    const made = await derive(fixture('video/quicktime-hvc1.mov'), { ffmpegPath: ffmpeg });
    expect(made).toMatchObject({ width: 720, height: 1280 });
    expect(made.small).toMatchObject({ width: 360, height: 640 });
  });

  it('gives a neutral placeholder poster without ffmpeg', async () => {
    const made = await derive(fixture('video/mp42-hvc1.mp4'), { ffmpegPath: null });
    expect(made.source).toBe('placeholder');
    expect(made.small.height).toBeGreaterThan(made.small.width);
    const stats = await sharp(made.small.path).stats();
    expect(stats.channels[0]!.mean).toBeGreaterThan(150);
    expect(stats.channels[0]!.stdev).toBeGreaterThan(5); // "MP4" on it
  });

  it('findFfmpeg returns null for a configured path that is not ffmpeg', async () => {
    expect(await findFfmpeg('/nonexistent/ffmpeg')).toBeNull();
    expect(await findFfmpeg('true')).toBeNull();
  });
});

describe.skipIf(!HAS_FIXTURES)('makeDerivatives on broken and hostile input', () => {
  it('refuses a 17-byte JPEG as undecodable', async () => {
    const dir = join(work, 'stub');
    await expect(
      makeDerivatives(
        { path: fixture('broken/exiv2-bug1247.jpg'), type: await typeOf(fixture('broken/exiv2-bug1247.jpg')) },
        { smallPath: join(dir, 's.webp'), largePath: join(dir, 'l.webp') },
      ),
    ).rejects.toBeInstanceOf(UndecodableError);
    expect(existsSync(dir)).toBe(false);
  });

  it('makes derivatives of a truncated JPEG, with a warning', async () => {
    const made = await derive(fixture('broken/broken.jpg'));
    expect(made).toMatchObject({ width: 705, height: 725, source: 'decoded' });
    expect(made.warning).toMatch(/truncated|damaged/);
  });

  it('refuses a decompression bomb with a clear error', async () => {
    const bomb = join(work, 'bomb.png');
    await writePngBomb(bomb, 100_000, 100_000);
    const error = await derive(bomb).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyPixelsError);
    expect(error).toBeInstanceOf(UndecodableError);
    expect((error as Error).message).toMatch(/100000x100000 pixels .* above the limit/);
  });

  it('applies a lower pixel limit when asked', async () => {
    await expect(derive(fixture('jpeg/camera/canon-dslr.jpg'), { maxPixels: 10_000_000 })).rejects.toBeInstanceOf(TooManyPixelsError);
    await expect(derive(fixture('heic/heic-iphone7.heic'), { maxPixels: 10_000_000 })).rejects.toBeInstanceOf(TooManyPixelsError);
  });
});
