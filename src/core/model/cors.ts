/**
 * Whether a page on another origin can read what an SDK must read in an API's responses. Browsers hide every
 * response header a cross-origin response does not list in `Access-Control-Expose-Headers`, so an SDK that reads
 * a rotated nonce or refresh token from a header fails only when the app is served from another origin.
 */
import type { ExchangeClassification } from '../providers/parts.ts';
import { originOf, type ExchangeFacts, type HeaderIndex } from './exchange-facts.ts';
import type { FindingInput, FindingSlot } from './finding-log.ts';

/** What a provider's SDK must be able to read in its API's responses. */
export interface CorsPolicy {
  /** Response headers the SDK reads, as they should be named in the message. */
  exposedHeaders: readonly string[];
  /**
   * Endpoints the SDK calls without credentials. For credentialed requests `*` in the expose list is a header
   * literally named "*" (Fetch §3.2.3), so it exposes nothing; for these it exposes everything.
   */
  uncredentialedEndpoints: ReadonlySet<string>;
  /** Whether the SDK corrects clock skew from the `Date` header (then it must be exposed too). */
  readsDate: boolean;
}

type Raise = (input: FindingInput, slot?: FindingSlot, dedupeKey?: string) => void;

/** True when a response sends `lowerName` but does not expose it to a cross-origin page. */
function isHidden(
  headers: HeaderIndex,
  exposed: ReadonlySet<string>,
  star: boolean,
  lowerName: string,
): boolean {
  return headers.has(lowerName) && !star && !exposed.has(lowerName);
}

/** Distinct Access-Control-Expose-Headers values remembered (a server sends one or a few). */
const EXPOSE_LISTS_LIMIT = 256;

export class CorsCheck {
  private readonly apiOrigins = new Map<string, string | undefined>();
  /** Expose-headers values → their parsed token set: every response of an API repeats the same value. */
  private readonly exposeLists = new Map<string, ReadonlySet<string>>();

  constructor(private readonly raise: Raise) {}

  check(index: number, f: ExchangeFacts, cls: ExchangeClassification, policy: CorsPolicy): void {
    const origin = f.request.get('origin');
    if (origin === undefined || origin === '' || origin === 'null') return;
    let apiOrigin = this.apiOrigins.get(cls.apiBase);
    if (!this.apiOrigins.has(cls.apiBase)) {
      apiOrigin = originOf(cls.apiBase);
      this.apiOrigins.set(cls.apiBase, apiOrigin);
    }
    if (apiOrigin === undefined || origin.toLowerCase() === apiOrigin.toLowerCase()) return;
    const headers = f.response;
    const list = this.exposeList(headers);
    const star = policy.uncredentialedEndpoints.has(cls.endpoint) && list.has('*');
    const missing: string[] = [];
    for (const name of policy.exposedHeaders)
      if (isHidden(headers, list, star, name.toLowerCase())) missing.push(name);
    const exposed = headers.get('access-control-expose-headers');
    if (missing.length > 0) {
      this.raise(
        {
          code: 'cors.expose_headers_missing',
          exchange: index,
          message: `Pages on ${origin} cannot read ${missing.join(', ')} in ${cls.apiBase} responses (first seen here, on ${cls.label}): Access-Control-Expose-Headers is ${exposed === undefined ? 'absent' : `"${exposed}"`}. Reported once per API and header set.`,
        },
        'other',
        `cors:${cls.apiBase}:${missing.join(',')}`,
      );
    }
    if (policy.readsDate && isHidden(headers, list, star, 'date')) {
      this.raise(
        {
          code: 'cors.date_not_exposed',
          exchange: index,
          message: `${origin} cannot read the Date header of ${cls.apiBase} responses, so the SDK cannot correct clock skew. Reported once per API.`,
        },
        'other',
        `cors-date:${cls.apiBase}`,
      );
    }
  }

  /** `headers.tokenList('access-control-expose-headers')`, parsed once per distinct value when there is one. */
  private exposeList(headers: HeaderIndex): ReadonlySet<string> {
    const values = headers.all('access-control-expose-headers');
    if (values.length !== 1) return headers.tokenList('access-control-expose-headers');
    const key = values[0] as string;
    let list = this.exposeLists.get(key);
    if (list === undefined) {
      list = headers.tokenList('access-control-expose-headers');
      if (this.exposeLists.size >= EXPOSE_LISTS_LIMIT) this.exposeLists.clear();
      this.exposeLists.set(key, list);
    }
    return list;
  }
}
