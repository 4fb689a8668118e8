/**
 * OAuth-style scope lists: a token's `scope` claim is a space-separated string (RFC 6749 §3.3), while some APIs
 * carry scopes as an array (`scp` claims, request fields listing the scopes asked for).
 */

/**
 * Reads a scope claim into a list: a whitespace-separated string, or an array whose string elements are taken
 * (other elements are skipped, since one odd entry should not hide the rest). Duplicates are dropped, first
 * occurrence kept. Anything else gives `[]`.
 */
export function parseScopes(claim: unknown): string[] {
  let parts: string[];
  if (typeof claim === 'string') parts = claim.split(/\s+/);
  else if (Array.isArray(claim))
    parts = claim.filter((s): s is string => typeof s === 'string').map((s) => s.trim());
  else return [];
  return [...new Set(parts.filter((s) => s.length > 0))];
}

/** How a scope list changed between two tokens. */
export interface ScopeDiff {
  /** In `next` only, in `next`'s order. */
  added: string[];
  /** In `previous` only, in `previous`'s order. */
  removed: string[];
  /** In both, in `next`'s order. */
  kept: string[];
}

/** Compares two scope lists, e.g. the access token before and after a step-up, or before and after consumption. */
export function diffScopes(previous: string[], next: string[]): ScopeDiff {
  const before = new Set(previous);
  const after = new Set(next);
  return {
    added: [...after].filter((s) => !before.has(s)),
    removed: [...before].filter((s) => !after.has(s)),
    kept: [...after].filter((s) => before.has(s)),
  };
}
