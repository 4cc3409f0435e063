// ZIPs being sent right now, counted per key (a client IP, a share link), so one guest
// or one leaked link cannot keep every disk and uplink busy. A resumed download (a Range
// that does not start at 0) is counted but not refused below twice the limit: refusing it
// would break the very download the limit is there to protect, and the double still
// bounds what made-up ranges can start.

export interface ZipSlotRequest {
  key: string;
  max: number;
}

export class RunningZips {
  private readonly counts = new Map<string, number>();
  private all = 0;

  /** Whether a new download (or, with `resume`, a resumed one) would be refused now. */
  refuses(requests: ZipSlotRequest[], resume = false): boolean {
    return requests.some((r) => (this.counts.get(r.key) ?? 0) >= (resume ? 2 * r.max : r.max));
  }

  /** Takes a slot under every key, or none: undefined when `refuses` says so. */
  take(requests: ZipSlotRequest[], resume = false): (() => void) | undefined {
    if (this.refuses(requests, resume)) return undefined;
    for (const r of requests) this.counts.set(r.key, (this.counts.get(r.key) ?? 0) + 1);
    this.all++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.all--;
      for (const r of requests) {
        const n = (this.counts.get(r.key) ?? 1) - 1;
        if (n > 0) this.counts.set(r.key, n);
        else this.counts.delete(r.key);
      }
    };
  }

  /** How many are running under `key` ('all': the owner's). */
  running(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** How many are running, whoever asked. */
  total(): number {
    return this.all;
  }
}
