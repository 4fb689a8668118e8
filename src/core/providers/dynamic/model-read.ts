/** Reading the SDK API's bodies and tokens: error codes, the credentials a check offers, elevated tokens' claims. */
import { stringField, type ExchangeFacts } from '../../model/exchange-facts.ts';
import { parseScopes } from '../../tokens/scopes.ts';

/** `code` of a Dynamic error body (`{"error": "<message>", "code": "<snake_case>"}`), for non-2xx answers. */
export function dynamicErrorCode(f: ExchangeFacts, body: Record<string, unknown> | undefined): string | null {
  if (f.ok || f.noResponse) return null;
  const code = stringField(body, 'code');
  return code !== undefined && code.length > 0 && code.length <= 100 ? code : null;
}

/** A credential offered by stepUp/check. */
export interface StepUpCredential {
  id: string;
  format: string;
  type?: string;
  alias?: string;
}

export function readCredentials(value: unknown): StepUpCredential[] {
  if (!Array.isArray(value)) return [];
  const out: StepUpCredential[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const c = item as Record<string, unknown>;
    const id = c['id'];
    const format = c['format'];
    if (typeof id !== 'string' || typeof format !== 'string') continue;
    const credential: StepUpCredential = { id, format };
    if (typeof c['type'] === 'string') credential.type = c['type'];
    if (typeof c['alias'] === 'string') credential.alias = c['alias'];
    out.push(credential);
  }
  return out;
}

export function optionalExp(exp: number | undefined): { exp?: number } {
  return exp !== undefined ? { exp } : {};
}

/** What the SDK reads of an elevated token: `scope`, `singleUse`, `exp` (and `sub`, for the grant's lane). */
export function readElevated(claims: Record<string, unknown>): {
  scopes: string[];
  singleUse: boolean;
  exp?: number;
  sub?: string;
} {
  const exp = claims['exp'];
  const sub = claims['sub'];
  return {
    scopes: parseScopes(claims['scope']),
    // The SDK reads the claim as a boolean; an absent claim is a multi-use token to it.
    singleUse: claims['singleUse'] === true,
    ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {}),
    ...(typeof sub === 'string' ? { sub } : {}),
  };
}
