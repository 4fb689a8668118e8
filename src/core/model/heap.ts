/**
 * A small binary min-heap keyed by time. The model schedules "this challenge expires at t" and "this completed
 * challenge should have been exchanged by t" here, so advancing the clock costs O(log n) per due item instead
 * of a scan of every open challenge on each exchange. Entries are never removed early: a popped entry whose
 * subject moved on is ignored by the caller (lazy deletion).
 */
export class TimeHeap<T> {
  private readonly items: { at: number; value: T }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(at: number, value: T): void {
    const items = this.items;
    items.push({ at, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      const c = items[i];
      if (p === undefined || c === undefined || p.at <= c.at) break;
      items[parent] = c;
      items[i] = p;
      i = parent;
    }
  }

  /** Removes and returns every entry due at or before `now`, earliest first. */
  popDue(now: number): { at: number; value: T }[] {
    const due: { at: number; value: T }[] = [];
    for (let top = this.items[0]; top !== undefined && top.at <= now; top = this.items[0]) {
      due.push(top);
      this.removeTop();
    }
    return due;
  }

  private removeTop(): void {
    const items = this.items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if ((items[left]?.at ?? Infinity) < (items[smallest]?.at ?? Infinity)) smallest = left;
      if ((items[right]?.at ?? Infinity) < (items[smallest]?.at ?? Infinity)) smallest = right;
      if (smallest === i) return;
      const a = items[i] as { at: number; value: T };
      items[i] = items[smallest] as { at: number; value: T };
      items[smallest] = a;
      i = smallest;
    }
  }
}
