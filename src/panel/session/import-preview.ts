/**
 * The first screenful of a large import, before the whole file is read and parsed. JSON.parse of a large HAR
 * alone takes longer than the panel's first-render budget (docs/performance.md), so the import shows the first entries
 * at once: they are cut out of the file's head as a smaller, well-formed file of the same kind, which the
 * ordinary importer then reads (same validation, same ids: `har_<index>` and the uniqueness suffixes depend only
 * on the entries before). The full import replaces the preview moments later.
 *
 * This is a best effort: anything unexpected (no `log.entries` / `exchanges` array in the head, a file small
 * enough to be whole in the head, an unbalanced text) gives `null`, and the import simply waits for the full
 * parse.
 */

/** Bytes read from the head of a file for the preview. */
export const PREVIEW_HEAD_BYTES = 1024 * 1024;
/** Entries in a preview: more than a screen of rows, even with the "Session API only" filter. */
export const PREVIEW_ENTRIES = 200;

/**
 * Cuts the first `maxEntries` complete elements of the HAR `log.entries` array (or the inspector export's
 * top-level `exchanges` array) out of `head`, the beginning of a JSON file, and closes the containers left
 * open. Returns null when `head` holds no complete element, or holds the whole array (nothing to gain).
 */
export function previewLogText(head: string, maxEntries: number = PREVIEW_ENTRIES): string | null {
  /** Open containers; for each, the key it is the value of ('' in arrays and at the root). */
  const stack: { kind: '{' | '['; key: string }[] = [];
  let expectingKey = false;
  let lastKey = '';
  let targetDepth = -1;
  let count = 0;
  let cut = -1;
  for (let i = 0; i < head.length; i += 1) {
    const c = head.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      for (i = start; i < head.length; i += 1) {
        const d = head.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 1;
        else if (d === 0x22) break;
      }
      if (i >= head.length) break; // the head ends inside a string
      if (expectingKey) lastKey = head.slice(start, i);
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const key = parent?.kind === '{' ? lastKey : '';
      stack.push({ kind: c === 0x7b ? '{' : '[', key });
      expectingKey = c === 0x7b;
      if (c === 0x5b && targetDepth === -1 && isTarget(stack)) targetDepth = stack.length;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      const closed = stack.pop();
      if (closed === undefined) return null;
      if (targetDepth !== -1 && stack.length === targetDepth - 1) return null; // the whole array fits
      if (targetDepth !== -1 && stack.length === targetDepth && closed.kind === '{') {
        count += 1;
        cut = i + 1;
        if (count >= maxEntries) break;
      }
      expectingKey = false;
      continue;
    }
    if (c === 0x3a /* : */) expectingKey = false;
    else if (c === 0x2c /* , */) expectingKey = stack[stack.length - 1]?.kind === '{';
  }
  if (targetDepth === -1 || cut === -1) return null;
  const closers = stack
    .slice(0, targetDepth)
    .reverse()
    .map((s) => (s.kind === '{' ? '}' : ']'))
    .join('');
  return head.slice(0, cut) + closers;
}

/** `log.entries` of a HAR, or `exchanges` of an inspector export, just opened. */
function isTarget(stack: readonly { kind: '{' | '['; key: string }[]): boolean {
  if (stack.length === 3) {
    const [root, log, array] = stack as [(typeof stack)[0], (typeof stack)[0], (typeof stack)[0]];
    return root.kind === '{' && log.kind === '{' && log.key === 'log' && array.key === 'entries';
  }
  if (stack.length === 2) {
    const [root, array] = stack as [(typeof stack)[0], (typeof stack)[0]];
    return root.kind === '{' && array.key === 'exchanges';
  }
  return false;
}
