/**
 * A map keyed by token strings that never hashes a whole token. A `Map<string, …>` hashes each string object it
 * is given the first time it sees it (every character of it), and the analysis hands it a new string object for
 * every occurrence of a token: each exchange's headers and bodies are read anew, so the same access token sent
 * with a hundred calls arrives as a hundred strings of several hundred characters. Here an entry is found by a
 * fingerprint of the token's length and last characters (the signature, which differs from token to token),
 * then confirmed by comparing the strings, so the answers are exactly a `Map`'s.
 */

/** Characters at the end of a key that go into its fingerprint. */
const TAIL = 12;

interface Entry<V> {
  key: string;
  value: V;
  /** The next entry whose key has the same fingerprint (rare). */
  next: Entry<V> | undefined;
}

function fingerprint(key: string): number {
  const length = key.length;
  let hash = length;
  for (let i = length > TAIL ? length - TAIL : 0; i < length; i += 1)
    hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
  return hash;
}

/** Token string → value, with `Map` semantics (string equality) for get, set, has and clear. */
export class TokenTable<V> {
  private readonly buckets = new Map<number, Entry<V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    for (let entry = this.buckets.get(fingerprint(key)); entry !== undefined; entry = entry.next)
      if (entry.key === key) return entry.value;
    return undefined;
  }

  has(key: string): boolean {
    for (let entry = this.buckets.get(fingerprint(key)); entry !== undefined; entry = entry.next)
      if (entry.key === key) return true;
    return false;
  }

  set(key: string, value: V): void {
    const print = fingerprint(key);
    const first = this.buckets.get(print);
    for (let entry = first; entry !== undefined; entry = entry.next) {
      if (entry.key === key) {
        entry.value = value;
        return;
      }
    }
    this.buckets.set(print, { key, value, next: first });
    this.count += 1;
  }

  clear(): void {
    this.buckets.clear();
    this.count = 0;
  }
}
