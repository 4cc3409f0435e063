// `shoebox fsck` and `shoebox rebuild` on a real store (made by `shoebox import`): clean →
// exit 0; each problem made by hand is reported; --verify finds bit rot; --repair fixes what
// it may and never deletes an original; rebuild --missing makes a deleted thumbnail again,
// locally and through a running server.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FsckReport } from '../../src/storage/fsck.ts';
import { originalRelPath, previewRelPath, smallThumbRelPath } from '../../src/storage/layout.ts';
import { seededDataDir, spawnServer, type SpawnedServer } from '../helpers/server.ts';
import { fixture, HAS_FIXTURES } from '../media/fixtures.ts';
import { importFolder, readStore, sha256, shoebox } from './cli-helpers.ts';

const SET = {
  'jpeg/phone/IMG_4120.JPG': 'a.jpg',
  'png/IMG_20180725_163423-1.png': 'b.png',
  'webp/norway-kjetil-moe.webp': 'c.webp',
  'jpeg/orientation/landscape_6.jpg': 'd.jpg',
  'jpeg/camera/img_1771.jpg': 'e.jpg',
};
const hashOf = (f: keyof typeof SET) => sha256(fixture(f));

interface FsckJson {
  where: string;
  found: FsckReport;
  verify: { checked: number; mismatches: { rel: string; actual: string }[] } | null;
  repaired: { requeued: number; removedTemp: number; removedDerived: number; adopted: { rel: string; adopted: boolean }[] } | null;
  remaining: FsckReport | null;
  problems: number;
}

let dataDir: string;
let env: Record<string, string>;
const dirs: string[] = [];
const servers: SpawnedServer[] = [];

function originals(): string[] {
  return (readdirSync(join(dataDir, 'originals'), { recursive: true }) as string[]).filter((n) => /\.[a-z]+$/.test(n)).sort();
}

async function fsck(...args: string[]) {
  const result = await shoebox(['fsck', '--json', ...args], env);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack traces
  return { code: result.code, stderr: result.stderr, json: JSON.parse(result.stdout) as FsckJson };
}

beforeAll(async () => {
  if (!HAS_FIXTURES) return;
  dataDir = seededDataDir();
  const folder = importFolder(SET);
  dirs.push(dataDir, folder);
  env = { DATA_DIR: dataDir };
  const imported = await shoebox(['import', folder], env);
  expect(imported.code, imported.stderr).toBe(0);
}, 90_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!HAS_FIXTURES)('shoebox fsck / rebuild', () => {
  it('a clean store: exit 0, every original verified', async () => {
    const plain = await shoebox(['fsck', '--verify'], env);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain('5 assets (5 ready), 5 originals');
    expect(plain.stdout).toContain('verified 5 originals');
    expect(plain.stdout).toMatch(/\nclean\n$/);
  });

  it('reports each problem made by hand; --verify finds bit rot; --repair fixes what it may and deletes no original', { timeout: 90_000 }, async () => {
    const [a, b, c, d] = (['jpeg/phone/IMG_4120.JPG', 'png/IMG_20180725_163423-1.png', 'webp/norway-kjetil-moe.webp', 'jpeg/orientation/landscape_6.jpg'] as const).map(hashOf) as [string, string, string, string];
    // a: its grid thumbnail deleted.
    unlinkSync(join(dataDir, smallThumbRelPath(a)));
    // A leftover upload in tmp/ and a half-written derived file.
    writeFileSync(join(dataDir, 'tmp', 'upload-0000.part'), 'half an upload');
    writeFileSync(join(dataDir, dirname(previewRelPath(b)), `.${b}_lg.webp.0123456789ab.tmp`), 'half a preview');
    // b: the row's original deleted.
    unlinkSync(join(dataDir, originalRelPath(b, 'png')));
    // An original copied in without a row.
    const orphan = fixture('jpeg/gps/gps-2000.jpg');
    const orphanRel = originalRelPath(sha256(orphan), 'jpg');
    mkdirSync(dirname(join(dataDir, orphanRel)), { recursive: true });
    copyFileSync(orphan, join(dataDir, orphanRel));
    // c: one bit flipped (same size: only --verify can see it).
    const cPath = join(dataDir, originalRelPath(c, 'webp'));
    const bytes = readFileSync(cPath);
    bytes[bytes.length >> 1]! ^= 0x10;
    writeFileSync(cPath, bytes);
    // A thumbnail whose asset is gone (removed by --repair: derived files can be made again).
    const ghost = 'f'.repeat(64);
    mkdirSync(dirname(join(dataDir, smallThumbRelPath(ghost))), { recursive: true });
    writeFileSync(join(dataDir, smallThumbRelPath(ghost)), 'old thumbnail');
    // A stranger's file under originals/: reported, never touched.
    writeFileSync(join(dataDir, 'originals', 'notes.txt'), 'mine');
    const before = originals();

    const plain = await shoebox(['fsck', '--verify'], env);
    expect(plain.code, plain.stderr).toBe(1);
    for (const text of [
      'problems found (8)',
      'originals without a row (1)',
      'rows without their original (1)',
      'originals whose content changed since they were stored (bit rot) (1)',
      'missing derived files (1)',
      'derived files without an asset (1)',
      'leftover temp files (2)',
      'unexpected files under originals/',
    ]) {
      expect(plain.stdout).toContain(text);
    }
    expect(plain.stdout).toContain(orphanRel);
    expect(plain.stdout).toContain('b.png (asset ');

    const repaired = await fsck('--repair', '--verify');
    expect(repaired.code, repaired.stderr).toBe(1); // a missing original, bit rot and a stranger cannot be repaired
    const found = repaired.json.found;
    expect(found.orphanOriginals.map((o) => o.rel)).toEqual([orphanRel]);
    expect(found.missingOriginals.map((m) => m.rel)).toEqual([originalRelPath(b, 'png')]);
    expect(found.missingDerived).toEqual([expect.objectContaining({ missing: [smallThumbRelPath(a)] })]);
    expect(found.tempLeftovers.map((t) => t.rel).sort()).toEqual([`${dirname(previewRelPath(b))}/.${b}_lg.webp.0123456789ab.tmp`, 'tmp/upload-0000.part']);
    expect(found.unexpectedFiles).toEqual([{ rel: 'originals/notes.txt' }]);
    expect(found.orphanDerived).toEqual([{ rel: smallThumbRelPath(ghost) }]);
    expect(repaired.json.verify!.mismatches).toEqual([{ rel: originalRelPath(c, 'webp'), actual: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(repaired.json.repaired).toMatchObject({ requeued: 1, removedTemp: 2, removedDerived: 1, adopted: [{ rel: orphanRel, adopted: true }] });
    const left = repaired.json.remaining!;
    expect(left.missingOriginals).toHaveLength(1);
    expect(left.orphanOriginals).toEqual([]);
    expect(left.missingDerived).toEqual([]);
    expect(left.tempLeftovers).toEqual([]);
    expect(left.orphanDerived).toEqual([]);
    expect(left.unexpectedFiles).toHaveLength(1);
    expect(repaired.json.problems).toBe(3);
    // Repaired for real: the thumbnail is back (made before the command returned), the temp files gone.
    expect(existsSync(join(dataDir, smallThumbRelPath(a)))).toBe(true);
    expect(existsSync(join(dataDir, 'tmp', 'upload-0000.part'))).toBe(false);
    // Never an original deleted: the bit-rotted one is still there, byte for byte as it was found.
    expect(originals()).toEqual(before);
    expect(readFileSync(cPath).equals(bytes)).toBe(true);
    const store = await readStore(dataDir);
    expect(store.assets.find((x) => x.file_hash === sha256(orphan))).toMatchObject({ status: 'ready', storage_path: orphanRel });

    // Without --verify the flipped bit is invisible (same size); what is left and what to do is said.
    const human = await shoebox(['fsck'], env);
    expect(human.code, human.stderr).toBe(1);
    expect(human.stdout).not.toContain('bit rot');
    expect(human.stdout).toContain('2 problems.');
    expect(human.stdout).toContain('must be restored from a backup');
    expect(human.stdout).toContain('Move the unexpected files out of originals/');

    // Put things back for the next test: the original restored from "backup", the stranger moved away.
    copyFileSync(fixture('png/IMG_20180725_163423-1.png'), join(dataDir, originalRelPath(b, 'png')));
    copyFileSync(fixture('webp/norway-kjetil-moe.webp'), cPath);
    unlinkSync(join(dataDir, 'originals', 'notes.txt'));
    const restored = await shoebox(['fsck', '--verify'], env);
    expect(restored.code, restored.stdout).toBe(0);
  });

  it('rebuild --missing makes a deleted thumbnail again: locally, then through a running server', { timeout: 90_000 }, async () => {
    const e = hashOf('jpeg/camera/img_1771.jpg');
    const d = hashOf('jpeg/orientation/landscape_6.jpg');
    const thumb = join(dataDir, smallThumbRelPath(e));
    unlinkSync(thumb);
    const local = await shoebox(['rebuild', '--missing'], env);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toContain('1 asset queued');
    expect(existsSync(thumb)).toBe(true); // made before the command returned

    const server = await spawnServer(env);
    servers.push(server);
    const preview = join(dataDir, previewRelPath(d));
    unlinkSync(preview);
    const remote = await shoebox(['rebuild', '--wait'], env);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toContain('1 asset queued');
    expect(remote.stdout).toContain('made by the running server');
    expect(existsSync(preview)).toBe(true);

    // fsck through the server: a fresh temp file may be an upload in flight and is left
    // alone; one untouched for two hours is a leftover, and --repair removes only that one.
    const fresh = join(dataDir, 'tmp', 'upload-fresh.part');
    const stale = join(dataDir, 'tmp', 'upload-stale.part');
    writeFileSync(fresh, 'x');
    writeFileSync(stale, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    const checked = await fsck();
    expect(checked.json.where).toBe('server');
    expect(checked.json.found.tempLeftovers.map((t) => t.rel)).toEqual(['tmp/upload-stale.part']);
    expect(checked.json.found.tempInFlight).toBe(1);
    const fixed = await fsck('--repair');
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    const all = await shoebox(['rebuild', '--all'], env);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('6 assets queued'); // the five imported and the adopted one
    expect(all.stdout).toContain("the running server's worker is making them now");
  });
});
