// Image work below requests: libvips' worker threads are lowered to nice 10 (one by one,
// as Linux keeps a nice value per thread); this thread, the event loop, keeps its own.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lowerImageThreads } from '../../src/media/background-priority.ts';
import sharp from '../../src/media/sharp.ts';
import { fixture } from './fixtures.ts';

/** name and nice value of each thread of this process (field 19 of /proc/…/stat). */
function threads(): { tid: string; name: string; nice: number }[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return [{ tid, name, nice: Number(fields[16]) }];
    } catch {
      return []; // ended meanwhile
    }
  });
}

describe.runIf(process.platform === 'linux')('background priority', () => {
  it("lowers libvips' worker threads to nice 10 and leaves the event loop's thread alone", async () => {
    const before = threads().find((t) => t.tid === String(process.pid));
    await sharp(fixture('jpeg/phone/IMG_4120.JPG')).resize(360).webp().toBuffer();
    const vips = () => threads().filter((t) => t.name === 'libvips worker');
    expect(vips().length).toBeGreaterThan(0);
    lowerImageThreads();
    expect(vips().map((t) => t.nice)).toEqual(vips().map(() => 10));
    // Threads libvips starts later are lowered by the next call; those already lowered stay so.
    await Promise.all([1, 2, 3].map(() => sharp(fixture('jpeg/phone/IMG_4120.JPG')).resize(1024).jpeg().toBuffer()));
    lowerImageThreads();
    expect(vips().every((t) => t.nice === 10)).toBe(true);
    const main = threads().find((t) => t.tid === String(process.pid));
    expect(main?.nice).toBe(before?.nice);
  });
});
