/**
 * Dynamic's token kinds. Only elevated tokens carry `singleUse`. Otherwise a Dynamic-looking token (an
 * `environment_id` claim, or an issuer on `dynamicauth.com`/`dynamic.xyz`) is elevated when its `scope` names an
 * elevated scope and it has none of the session-JWT claims; those claims win over the scope test, because session
 * JWTs carry a `scope` such as `user:basic` that gates the session rather than elevating it.
 */
import type { ProviderTokenKind } from '../parts.ts';

/** Claims seen on session JWTs (access "minified" JWT and id token) and not on elevated tokens. */
const SESSION_CLAIMS = [
  'sid',
  'verified_credentials',
  'verifiedCredentialsHashes',
  'last_verified_credential_id',
  'session_public_key',
];

/** Prefixes of `TokenScope` values that an elevated access token grants. */
const ELEVATED_SCOPE = /^(?:credential|wallet|business_account|console):|^user:(?:update|delete)$/;

const has = (claims: Record<string, unknown>, name: string): boolean =>
  claims[name] !== undefined && claims[name] !== null;

function hasElevatedScope(scope: unknown): boolean {
  return typeof scope === 'string' && scope.split(/\s+/).some((s) => ELEVATED_SCOPE.test(s));
}

/** Issuers look like `app.dynamicauth.com/<environmentId>` (often without a scheme) or `app.dynamic.xyz/…`. */
function isIssuer(iss: unknown): boolean {
  if (typeof iss !== 'string') return false;
  let host: string | null;
  try {
    host = new URL(iss.includes('://') ? iss : `https://${iss}`).hostname.toLowerCase();
  } catch {
    host = null;
  }
  return host !== null && /(?:^|\.)(?:dynamicauth\.com|dynamic\.xyz)$/.test(host);
}

function looksIssuedHere(claims: Record<string, unknown>): boolean {
  return has(claims, 'environment_id') || isIssuer(claims['iss']);
}

export const dynamicTokenKinds = [
  {
    kind: 'dynamic-elevated',
    label: 'Dynamic elevated token',
    role: 'elevated',
    rank: 20,
    matches: (_header, claims) =>
      has(claims, 'singleUse') ||
      (looksIssuedHere(claims) &&
        !SESSION_CLAIMS.some((name) => has(claims, name)) &&
        hasElevatedScope(claims['scope'])),
  },
  {
    kind: 'dynamic-session',
    label: 'Dynamic session token',
    role: 'session',
    rank: 21,
    matches: (_header, claims) => looksIssuedHere(claims),
  },
] as const satisfies readonly ProviderTokenKind[];
