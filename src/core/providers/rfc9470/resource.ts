import { pathEnd } from '../../util.ts';

/** `scheme://authority/path` without query or fragment: the protected resource a challenge is about. */
export function resourceOf(url: string): string {
  return url.slice(0, pathEnd(url));
}
