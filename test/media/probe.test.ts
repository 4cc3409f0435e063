import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFileType, HEAD_BYTES } from '../../src/media/file-type.ts';
import { probeUpload } from '../../src/media/probe.ts';
import { readFileHead } from '../../src/media/read-bytes.ts';
import { writePngBomb } from './bomb.ts';
import { fixture, HAS_FIXTURES, readManifest, SKIP_REASON } from './fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'shoebox-probe-'));
const detected = readManifest().filter((e) => e.kind !== 'empty');

async function probe(path: string) {
  const type = detectFileType(await readFileHead(path, HEAD_BYTES));
  if (!type) throw new Error(`${path}: not detected`);
  return probeUpload(path, type);
}

describe.skipIf(!HAS_FIXTURES)(`probeUpload${HAS_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  it.each(detected.filter((e) => e.path !== 'broken/exiv2-bug1247.jpg').map((e) => [e.path]))('accepts %s', async (path) => {
    expect(await probe(fixture(path))).toEqual({ ok: true });
  });

  it('refuses the 17-byte JPEG with 422', async () => {
    const result = await probe(fixture('broken/exiv2-bug1247.jpg'));
    expect(result).toMatchObject({ ok: false, status: 422 });
    expect(!result.ok && result.error).toMatch(/cannot be decoded/);
  });

  it('accepts the truncated JPEG that decodes in part', async () => {
    expect(await probe(fixture('broken/broken.jpg'))).toEqual({ ok: true });
  });

  it('refuses a decompression bomb, naming its size', async () => {
    const bomb = join(work, 'bomb.png');
    await writePngBomb(bomb, 100_000, 100_000);
    const result = await probe(bomb);
    expect(result).toMatchObject({ ok: false, status: 422 });
    expect(!result.ok && result.error).toMatch(/100000x100000 pixels/);
  });

  it('refuses a HEIC whose container does not parse', async () => {
    const fake = join(work, 'fake.heic');
    const head = Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypheic'), 0, 0, 0, 0, ...Buffer.from('mif1heic')]);
    writeFileSync(fake, Buffer.concat([head, Buffer.alloc(2000, 7)]));
    const result = await probe(fake);
    expect(result).toMatchObject({ ok: false, status: 422 });
  });

  it('passes RAWs and videos without looking at their pixels', async () => {
    const junk = join(work, 'junk.nef');
    writeFileSync(junk, Buffer.from('II*\0\x08\0\0\0'));
    expect(await probeUpload(junk, { kind: 'raw', format: 'nef', mime: 'image/x-nikon-nef', ext: 'nef' })).toEqual({ ok: true });
    expect(await probeUpload(junk, { kind: 'video', format: 'mp4', mime: 'video/mp4', ext: 'mp4' })).toEqual({ ok: true });
  });
});
