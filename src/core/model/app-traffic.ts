/**
 * The app's own calls: where a granted scope is used. A successful call presenting an access token consumes the
 * newest single-use grant its token carries; a refusal for lack of scope is a reuse of a consumed grant, or tells
 * that one was consumed out of sight. A DPoP proof sent to a resource server is checked as plain RFC 9449.
 */
import type { TokenDecodeResult } from '../tokens/types.ts';
import { parseScopes } from '../tokens/scopes.ts';
import { truncate } from '../util.ts';
import type { PendingDpop } from './dpop-session.ts';
import { bearerChallenge, errorCodeOf, jsonObject, originOf, type ExchangeFacts } from './exchange-facts.ts';
import type { GrantRecord, GrantStore } from './grants.ts';
import type { LedgerCall, TokenLedger } from './ledger.ts';
import type { ProofPreparer } from './proofs.ts';
import type { ExchangeDraft } from './draft.ts';

/** Error codes that mean "this token lacks the scope" (RFC 6750 and providers alike). */
export const REFUSAL_CODES: ReadonlySet<string> = new Set(['insufficient_scope', 'token_reused']);

interface AppTrafficServices {
  ledger: TokenLedger;
  grants: GrantStore;
  proofs: ProofPreparer;
  decode(raw: string): TokenDecodeResult;
  /** Scopes a provider's own endpoints consume: the app's calls never do. */
  isSelfConsumed(scope: string): boolean;
}

/** What {@link AppTraffic.observe} learnt of a call. */
export interface AppCall {
  /** A refusal the reuse of a consumed grant explains: it belongs to that grant's lane, not a new one. */
  explainedByGrant: boolean;
  /** The presented bearer token, decoded. */
  token: TokenDecodeResult | undefined;
}

export class AppTraffic {
  constructor(private readonly s: AppTrafficServices) {}

  /** Whether an unclaimed exchange can matter at all: it presents a token or a proof. */
  static concerns(f: ExchangeFacts): boolean {
    return f.bearer !== undefined || f.dpopHeaders.length > 0;
  }

  /** The ledger side of an app call: its token, what it consumed, what its refusal means. */
  observe(d: ExchangeDraft, f: ExchangeFacts): AppCall {
    const call: LedgerCall = { d, index: d.index, time: f.time };
    if (f.bearer !== undefined) this.s.ledger.presented(call, f.bearer);
    const method = f.method.toUpperCase();
    let explainedByGrant = false;
    if (call.bearer !== undefined && f.ok && method !== 'OPTIONS' && method !== 'HEAD') {
      const version = call.bearer;
      let chosen: GrantRecord | undefined;
      for (const scope of version.scopes) {
        if (this.s.isSelfConsumed(scope)) continue;
        const grant = this.s.grants.activeFor(version.lane, scope);
        if (grant?.singleUse && (chosen === undefined || grant.grantedAt >= chosen.grantedAt)) chosen = grant;
      }
      if (chosen !== undefined) {
        this.s.ledger.consume(
          chosen,
          'protected_call',
          d.index,
          f.time,
          `${chosen.scope} consumed by ${method} ${shortUrl(f.url)} (#${d.index})`,
        );
      }
    } else if (!f.ok && !f.noResponse) {
      const code = errorCodeOf(f, jsonObject(f.responseBody));
      d.errorCode = code;
      const challenge = bearerChallenge(f.response);
      const wwwError = challenge?.['error'];
      if ((code !== null && REFUSAL_CODES.has(code)) || wwwError === 'insufficient_scope') {
        explainedByGrant = this.s.ledger.refused(
          call,
          parseScopes(challenge?.['scope'] ?? ''),
          `${f.status} ${code ?? wwwError ?? ''}`.trim(),
        );
      }
    }
    return { explainedByGrant, token: f.bearer !== undefined ? this.s.decode(f.bearer) : undefined };
  }

  /** The check of a proof sent to a resource server, or null when the call carries none. */
  resourceProof(d: ExchangeDraft, f: ExchangeFacts): PendingDpop | null {
    return this.s.proofs.prepare({ d, f, mode: 'resource', scope: originOf(f.url) ?? f.url });
  }
}

function shortUrl(url: string): string {
  const query = url.indexOf('?');
  return truncate(query === -1 ? url : url.slice(0, query), 120);
}
