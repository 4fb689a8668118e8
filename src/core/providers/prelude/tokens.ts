/**
 * Prelude's token kinds. A challenge token carries `challenge_id` with `current_step` or `steps`; the app backend's
 * custom-step verification token carries `challenge_id`, `key` and `status`; an access token carries `sub`, `sid`,
 * `exp` and either an issuer/audience that looks like a session host or a `scope` string (custom domains are
 * common, so the shape alone is accepted). The access rule is tried after every other provider's: its shape is
 * the loosest.
 */
import type { ProviderTokenKind } from '../parts.ts';

const has = (claims: Record<string, unknown>, name: string): boolean =>
  claims[name] !== undefined && claims[name] !== null;

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** `{appId}.session.prelude.dev`, or a custom domain serving `/v1/session`. */
function looksLikeSessionHost(value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => {
    if (typeof v !== 'string') return false;
    const host = hostOf(v);
    if (host !== null && /(?:^|\.)session\.prelude\.dev$/.test(host)) return true;
    return /^https?:\/\/[^/]+\/v1\/session(?:[/?#]|$)/i.test(v);
  });
}

export const preludeTokenKinds = [
  {
    kind: 'prelude-challenge',
    label: 'Prelude challenge token',
    role: 'challenge',
    rank: 10,
    matches: (_header, claims) =>
      has(claims, 'challenge_id') && (has(claims, 'current_step') || Array.isArray(claims['steps'])),
  },
  {
    kind: 'prelude-verification',
    label: 'Custom-step verification token',
    role: 'verification',
    rank: 11,
    matches: (_header, claims) => has(claims, 'challenge_id') && has(claims, 'key') && has(claims, 'status'),
  },
  {
    kind: 'prelude-access',
    label: 'Prelude access token',
    role: 'access',
    rank: 90,
    matches: (_header, claims) =>
      has(claims, 'sub') &&
      has(claims, 'sid') &&
      has(claims, 'exp') &&
      (looksLikeSessionHost(claims['iss']) ||
        looksLikeSessionHost(claims['aud']) ||
        typeof claims['scope'] === 'string'),
  },
] as const satisfies readonly ProviderTokenKind[];
