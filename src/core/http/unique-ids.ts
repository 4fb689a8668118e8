/**
 * Unique exchange ids for a loaded file. Ids key the store and the panel's rows, but a hand-edited or merged
 * file may repeat them; every reader (HAR, inspector export, chunked import) gives a repeated id a `#<n>`
 * suffix through one allocator, so all of them name the same entry the same way.
 */

/** Hands out ids unique within one file; see {@link createIdAllocator}. */
export interface IdAllocator {
  /** The id for the next entry whose own (or default) id is `base`. */
  claim(base: string): string;
}

/**
 * An allocator that returns `base` the first time it is free, and otherwise the smallest `base#<n>` (n ≥ 2)
 * not handed out yet, exactly as a scan from `#2` upwards would. It remembers, per base, where the last scan
 * stopped: every suffix below that point is taken and stays taken, so resuming there gives the same answer,
 * and a file where every entry repeats one id costs O(1) amortised per entry instead of a scan over all the
 * earlier repeats.
 */
export function createIdAllocator(): IdAllocator {
  const seen = new Set<string>();
  const nextSuffix = new Map<string, number>();
  return {
    claim(base: string): string {
      if (!seen.has(base)) {
        seen.add(base);
        return base;
      }
      let n = nextSuffix.get(base) ?? 2;
      let id = `${base}#${n}`;
      // An id skipped here was claimed as it stands (an entry whose own id looked like a suffix); a suffix
      // string has one base, so each such id is skipped at most once over the whole file.
      while (seen.has(id)) {
        n += 1;
        id = `${base}#${n}`;
      }
      seen.add(id);
      nextSuffix.set(base, n + 1);
      return id;
    },
  };
}
