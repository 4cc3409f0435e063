// One database read for all the requests that miss a cache on the same key at once: a
// shared album's page asks for dozens of images together, and when the cached state of
// its link (or of an asset in its album) ages out, every one of them would otherwise ask
// the database the same question. A change (forget) lets the requests that come after it
// start a read of their own, and keeps a read begun before it out of the cache.

export class SharedLoads<V> {
  private pending = new Map<string, Promise<V>>();
  /** Goes up with every forget(): a read begun before one is not kept. */
  private generation = 0;

  /** `load()` once for every caller asking for `key` while it runs; `keep` its value unless a change came meanwhile. */
  run(key: string, load: () => Promise<V>, keep: (value: V) => void): Promise<V> {
    const running = this.pending.get(key);
    if (running) return running;
    const generation = this.generation;
    const loading = load().then((value) => {
      if (generation === this.generation) keep(value);
      return value;
    });
    this.pending.set(key, loading);
    const done = () => {
      if (this.pending.get(key) === loading) this.pending.delete(key);
    };
    loading.then(done, done);
    return loading;
  }

  /** After a change: reads already running finish for those who asked, but are not kept. */
  forget(): void {
    this.generation++;
    this.pending.clear();
  }
}
