// A link's views, counted with one UPDATE in flight per link. When a link is opened by many
// at once (a group chat), every visit updating the same row would queue on its row lock and
// hold a pooled connection meanwhile; here the visits that arrive while a write runs are
// added up and written together by the next one. Each visit still waits until a write that
// includes it has committed, so a count read after a page load includes that load.
export type WriteViews = (linkId: string, views: number) => Promise<void>;

interface Batch {
  views: number;
  written: Promise<void>;
}

interface LinkSlot {
  /** The last write scheduled (settled or not); the next batch starts after it. */
  tail: Promise<void>;
  /** Views waiting for the running write to end; none while nothing runs. */
  waiting: Batch | undefined;
}

export class ViewCounter {
  private slots = new Map<string, LinkSlot>();

  constructor(private write: WriteViews) {}

  count(linkId: string): Promise<void> {
    let slot = this.slots.get(linkId);
    if (!slot) this.slots.set(linkId, (slot = { tail: Promise.resolve(), waiting: undefined }));
    if (slot.waiting) {
      slot.waiting.views++;
      return slot.waiting.written;
    }
    const current = slot;
    const batch: Batch = { views: 1, written: undefined as unknown as Promise<void> };
    batch.written = current.tail.then(() => {
      if (current.waiting === batch) current.waiting = undefined; // visits from now on form the next batch
      return this.write(linkId, batch.views);
    });
    current.waiting = batch;
    current.tail = batch.written.then(
      () => this.forget(linkId, current),
      () => this.forget(linkId, current),
    );
    return batch.written;
  }

  private forget(linkId: string, slot: LinkSlot) {
    // Nothing scheduled after this write: the slot goes (a later visit makes a new one).
    if (!slot.waiting && this.slots.get(linkId) === slot) this.slots.delete(linkId);
  }
}
