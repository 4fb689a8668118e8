/** chrome.storage.session stand-ins for the worker's unit tests. */
import type { KeyValueStore } from '../../../src/background/capture-store.ts';

/** A session storage with a quota (characters of JSON, keys included), storing structured clones. */
export class QuotaStorage implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  sets = 0;
  constructor(public quotaChars = Infinity) {}

  size(): number {
    let n = 0;
    for (const [k, v] of this.data) n += k.length + JSON.stringify(v).length;
    return n;
  }

  async get(keys: string | string[] | null): Promise<Record<string, unknown>> {
    const list = keys === null ? [...this.data.keys()] : typeof keys === 'string' ? [keys] : keys;
    const out: Record<string, unknown> = {};
    for (const k of list) if (this.data.has(k)) out[k] = structuredClone(this.data.get(k));
    return out;
  }

  async set(items: Record<string, unknown>): Promise<void> {
    let size = this.size();
    for (const [k, v] of Object.entries(items)) {
      if (this.data.has(k)) size -= k.length + JSON.stringify(this.data.get(k)).length;
      size += k.length + JSON.stringify(v).length;
    }
    if (size > this.quotaChars) throw new Error('Resource::kQuotaBytes quota exceeded');
    for (const [k, v] of Object.entries(items)) this.data.set(k, structuredClone(v));
    this.sets += 1;
  }

  async remove(keys: string | string[]): Promise<void> {
    for (const k of typeof keys === 'string' ? [keys] : keys) this.data.delete(k);
  }
}
