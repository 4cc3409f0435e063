// The three unzippers a downloaded ZIP must satisfy, run on a file: Info-ZIP's `unzip`,
// Python's zipfile and libarchive's `bsdtar`. Each tests every entry's CRC-32.
import { execFileSync } from 'node:child_process';

const run = (cmd: string, args: string[], input?: string) =>
  execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, input, stdio: ['pipe', 'pipe', 'pipe'] });

/** `unzip -t` (of the named entries, else all): throws unless it reports no errors. */
export function unzipTest(path: string, entries: string[] = []): string {
  const out = run('unzip', ['-t', path, ...entries]);
  if (!/No errors detected/.test(out)) throw new Error(`unzip -t: ${out}`);
  return out;
}

export interface PythonEntry {
  name: string;
  size: number;
  crc: number;
  date_time: [number, number, number, number, number, number];
  /** Hex of the local header's extra field as Python read it from the central directory. */
  extra: string;
  flag: number;
  /** With `hash`: SHA-256 of the extracted bytes. */
  sha256?: string;
}

const PYTHON = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
entries = []
for i in z.infolist():
    e = {'name': i.filename, 'size': i.file_size, 'crc': i.CRC, 'date_time': list(i.date_time), 'extra': i.extra.hex(), 'flag': i.flag_bits}
    if sys.argv[2] == 'hash':
        h = hashlib.sha256()
        with z.open(i) as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                h.update(chunk)
        e['sha256'] = h.hexdigest()
    entries.append(e)
print(json.dumps({'bad': bad, 'entries': entries}))
`;

/** Python's zipfile: testzip() (every CRC), then the entries; `hash` adds each one's SHA-256. */
export function pythonZip(path: string, o: { hash?: boolean } = {}): PythonEntry[] {
  const { bad, entries } = JSON.parse(run('python3', ['-c', PYTHON, path, o.hash ? 'hash' : 'list'])) as { bad: string | null; entries: PythonEntry[] };
  if (bad !== null) throw new Error(`zipfile: bad CRC in ${bad}`);
  return entries;
}

/** bsdtar: extracts every entry to nowhere (libarchive checks each CRC-32), then lists the names. */
export function bsdtarTest(path: string): string[] {
  execFileSync('bsdtar', ['-xOf', path], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return run('bsdtar', ['-tf', path]).split('\n').filter(Boolean);
}

/** `unzip -Z -l`: the entries as Info-ZIP lists them (name and size), from the central directory. */
export function unzipList(path: string): { name: string; size: number }[] {
  return run('unzip', ['-Z', '-l', path])
    .split('\n')
    .map((line) => /^-\S+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[2]!, size: Number(m[1]) }));
}
