/**
 * Dynamic's embedded wallets (WaaS): the actions on a wallet's key (`wallet:export`, `wallet:sign`) are not made by
 * the page. The client SDK posts the elevated token into Dynamic's own iframe (`app.dynamicauth.com/waas-v1/…`,
 * `getActionAuthorizationTokens` in `@dynamic-labs-sdk/client`'s waasCore) and the protected request leaves from
 * there, out of the page hook's sight (it runs in the page, not in that frame). DevTools capture sees the frame's
 * requests only while DevTools is open; background capture sees them once it is granted. So a grant for these
 * scopes with no use in the log was not necessarily unused: its use could only have happened where the capture
 * cannot see.
 */
import type { ChallengeRecord } from '../../model/challenges.ts';
import type { ExchangeFacts } from '../../model/exchange-facts.ts';
import type { FindingInput } from '../../model/finding-log.ts';
import type { GrantRecord } from '../../model/grants.ts';
import { parseScopes } from '../../tokens/scopes.ts';
import { formatEpochSeconds } from '../../tokens/time.ts';

/** Scopes whose protected call goes out from Dynamic's wallet iframe. */
export const WAAS_SCOPES: ReadonlySet<string> = new Set(['wallet:export', 'wallet:sign']);

/** Where those calls go out from. */
export const WAAS_IFRAME = 'https://app.dynamicauth.com/waas-v1/';

/** The WaaS scopes among a grant's (space-separated) scopes. */
export function waasScopes(scope: string): string[] {
  return parseScopes(scope).filter((s) => WAAS_SCOPES.has(s));
}

/**
 * What the panel and the reports say about a grant of `scope` whose use is not in the capture; undefined when its
 * use would be in sight.
 */
export function unseenWaasUse(scope: string): string | undefined {
  const scopes = waasScopes(scope);
  if (scopes.length === 0) return undefined;
  return (
    `Dynamic's SDK hands ${scopes.join(' and ')} tokens to its wallet iframe (${WAAS_IFRAME}…), which makes ` +
    'the protected call itself: the page hook cannot see that request, DevTools capture sees it only while ' +
    'DevTools is open, and background capture once it is on. A use missing from this capture may have happened there.'
  );
}

/** Whether a request was sent from Dynamic's wallet iframe (its Referer is a `/waas-v1/` page). */
export function fromWaasIframe(f: ExchangeFacts): boolean {
  const referer = f.request.get('referer');
  return referer !== undefined && referer.startsWith(WAAS_IFRAME);
}

/** What the model knows of an elevated token, as far as its use is concerned. */
export interface WatchedToken {
  grant: GrantRecord;
  singleUse: boolean;
  /** Epoch seconds. */
  exp?: number;
  record: ChallengeRecord | null;
  /** Successful uses seen. */
  uses: readonly number[];
}

/** The timeline line of a wallet-action grant that expired with no use seen; undefined for any other grant. */
export function waasExpiryLine(grant: GrantRecord, token: WatchedToken | undefined): string | undefined {
  if (token === undefined || token.uses.length > 0 || waasScopes(grant.scope).length === 0) return undefined;
  return `elevated token (${grant.scope}) expired (exp passed) with no use in this capture: Dynamic's wallet iframe makes that call, out of the page's sight`;
}

/**
 * Wallet-action tokens with no use seen yet. Once one's `exp` passes unused, `dynamic.use_out_of_sight` says so
 * on the exchange that issued it: its use would have left from Dynamic's iframe, so it was not necessarily unused.
 */
export class UnseenWaasUses {
  private readonly watched: WatchedToken[] = [];

  watch(token: WatchedToken): void {
    this.watched.push(token);
  }

  /** The findings due at `now`; tokens used, consumed or reported meanwhile stop being watched. */
  due(now: number): FindingInput[] {
    const findings: FindingInput[] = [];
    for (let i = this.watched.length - 1; i >= 0; i -= 1) {
      const token = this.watched[i] as WatchedToken;
      const used = token.uses.length > 0 || token.grant.state === 'consumed';
      if (!used && (token.exp === undefined || token.exp * 1000 > now)) continue;
      this.watched.splice(i, 1);
      if (used || token.exp === undefined) continue;
      findings.unshift({
        code: 'dynamic.use_out_of_sight',
        exchange: token.grant.grantedBy,
        message:
          `The elevated token issued here (${token.grant.scope}, ${token.singleUse ? 'single-use' : 'multi-use'}) expired at ${formatEpochSeconds(token.exp)} with no protected call in this capture. ${unseenWaasUse(token.grant.scope) ?? ''}`.trim(),
        ...(token.record !== null ? { challengeKey: token.record.key } : {}),
      });
    }
    return findings;
  }
}
