// Small files kept in memory by path: the thumbnails of a shared album, asked for by every
// guest who opens it. Only for paths that name their content (derived files under the
// original's hash), so a kept copy is never wrong, only possibly older than a rebuild
// made by another process; entries are read again after TTL_MS. The oldest go first once
// the budget is spent (first in, first out: a hit costs one lookup, no reordering).
const TTL_MS = 60_000;

export interface KeptFile {
  size: number;
  mtime: Date;
  whole: Buffer;
}

export class FileMemo {
  private files = new Map<string, KeptFile & { at: number }>();
  private bytes = 0;

  constructor(private readonly budgetBytes = 32 * 1024 * 1024) {}

  get(path: string, now = Date.now()): KeptFile | undefined {
    const kept = this.files.get(path);
    if (!kept) return undefined;
    if (now - kept.at >= TTL_MS) {
      this.files.delete(path);
      this.bytes -= kept.size;
      return undefined;
    }
    return kept;
  }

  keep(path: string, file: KeptFile, now = Date.now()): void {
    if (file.size > this.budgetBytes / 16) return;
    const old = this.files.get(path);
    if (old) {
      this.files.delete(path);
      this.bytes -= old.size;
    }
    while (this.bytes + file.size > this.budgetBytes) {
      const [oldestPath, oldest] = this.files.entries().next().value!;
      this.files.delete(oldestPath);
      this.bytes -= oldest.size;
    }
    this.files.set(path, { ...file, at: now });
    this.bytes += file.size;
  }
}
