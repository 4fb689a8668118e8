/**
 * Step-up configuration, shaped like Prelude's management API body
 * (`POST /v2/session/apps/{app}/config/stepup`, see seeds 001 and 004), and the demo's configuration.
 */

/** The kinds of identifier a Prelude user can have. */
export type IdentifierType = 'phone_number' | 'email_address';

/** How a granted scope lives on (reference: "Tokens"). */
export type GrantMode =
  'single-use' | 'session-bound' | 'profile-bound' | 'session-start' | 'oauth-email-link';

/** A step-up decision. `continue` and `review` both issue a challenge token; `block` issues nothing. */
export type StepUpStatus = 'continue' | 'review' | 'block';

/** One step of a challenge, as configured or as answered by a hook. */
export interface StepDefinition {
  order: number;
  key: string;
  /** Seconds the user has to complete this step once it becomes current. */
  expiration_duration: number;
}

/** The decision a direct rule or a delegation hook produces. */
export interface StepUpDecision {
  status: StepUpStatus;
  /** Seconds the grant lasts once the challenge is redeemed (0..86400). */
  granted_for: number;
  grant_mode: GrantMode;
  steps: StepDefinition[];
}

/** A direct rule: the decision is served from configuration, per identifier type. */
export interface DirectScope {
  scope: string;
  mode: 'direct';
  direct: StepUpDecision & { identifier_types: IdentifierType[] };
}

/** A delegated rule: Prelude asks the app's hook (server to server). */
export interface DelegatedScope {
  scope: string;
  mode: 'delegated';
  delegated: { delegation_hook: string };
}

/** One entry of `allowed_scopes`. A scope may appear several times (direct mode, one per identifier type). */
export type AllowedScope = DirectScope | DelegatedScope;

/** The app's step-up configuration. */
export interface StepUpConfig {
  allowed_scopes: AllowedScope[];
  /** Custom step keys the app may use besides the managed `verify_*` steps. */
  step_keys: string[];
  /**
   * The app backend's JWKS, used to verify custom-step verification tokens. `undefined` means "use the
   * emulator's built-in mock app key" (an emulator convenience); an empty string means "not configured".
   */
  jwks_url?: string;
}

/** Step keys Prelude manages itself. */
export const MANAGED_STEPS = ['verify_sms', 'verify_email', 'verify_passkey'] as const;

/** Which identifier type an OTP step delivers to. */
export const OTP_STEP_CHANNEL: Readonly<
  Record<string, { channel: 'sms' | 'email'; identifier: IdentifierType }>
> = {
  verify_sms: { channel: 'sms', identifier: 'phone_number' },
  verify_email: { channel: 'email', identifier: 'email_address' },
};

/** Grant modes the emulator accepts from configuration or a hook. */
export const GRANT_MODES: readonly GrantMode[] = [
  'single-use',
  'session-bound',
  'profile-bound',
  'session-start',
  'oauth-email-link',
];

/** Upper bound of `granted_for`, per Prelude's hook documentation. */
export const MAX_GRANTED_FOR = 86_400;

const BOTH: IdentifierType[] = ['phone_number', 'email_address'];

/**
 * The demo's step-up configuration.
 *
 * - `transfer:write`: delegated to `hookUrl` when given (seed 001's mock hook), else direct: one `verify_sms`
 *   step, single-use, granted for 300 s (phone users only).
 * - `prld:pwd:write`: direct, one rule per identifier type as in seed 004 (email → `verify_email`, phone →
 *   `verify_sms`), single-use, granted for 300 s. The email rule comes first, so a user with both identifiers
 *   gets `verify_email`.
 * - `kyc:approve`: direct, `verify_email` → `verify_sms` → custom `kyc_review`, session-bound, 600 s.
 * - `admin:root`: direct, always `block`.
 * - `report:read`: direct, `continue` with no steps: granted at once, session-bound, 600 s.
 */
export function demoStepUpConfig(opts: { hookUrl?: string; appJwksUrl?: string } = {}): StepUpConfig {
  const transfer: AllowedScope = opts.hookUrl
    ? { scope: 'transfer:write', mode: 'delegated', delegated: { delegation_hook: opts.hookUrl } }
    : {
        scope: 'transfer:write',
        mode: 'direct',
        direct: {
          identifier_types: ['phone_number'],
          status: 'review',
          granted_for: 300,
          grant_mode: 'single-use',
          steps: [{ order: 1, key: 'verify_sms', expiration_duration: 600 }],
        },
      };
  const config: StepUpConfig = {
    step_keys: ['kyc_review'],
    allowed_scopes: [
      transfer,
      {
        scope: 'prld:pwd:write',
        mode: 'direct',
        direct: {
          identifier_types: ['email_address'],
          status: 'review',
          granted_for: 300,
          grant_mode: 'single-use',
          steps: [{ order: 1, key: 'verify_email', expiration_duration: 600 }],
        },
      },
      {
        scope: 'prld:pwd:write',
        mode: 'direct',
        direct: {
          identifier_types: ['phone_number'],
          status: 'review',
          granted_for: 300,
          grant_mode: 'single-use',
          steps: [{ order: 1, key: 'verify_sms', expiration_duration: 600 }],
        },
      },
      {
        scope: 'kyc:approve',
        mode: 'direct',
        direct: {
          identifier_types: BOTH,
          status: 'review',
          granted_for: 600,
          grant_mode: 'session-bound',
          steps: [
            { order: 1, key: 'verify_email', expiration_duration: 600 },
            { order: 2, key: 'verify_sms', expiration_duration: 600 },
            { order: 3, key: 'kyc_review', expiration_duration: 900 },
          ],
        },
      },
      {
        scope: 'admin:root',
        mode: 'direct',
        direct: {
          identifier_types: BOTH,
          status: 'block',
          granted_for: 0,
          grant_mode: 'single-use',
          steps: [],
        },
      },
      {
        scope: 'report:read',
        mode: 'direct',
        direct: {
          identifier_types: BOTH,
          status: 'continue',
          granted_for: 600,
          grant_mode: 'session-bound',
          steps: [],
        },
      },
    ],
  };
  if (opts.appJwksUrl !== undefined) config.jwks_url = opts.appJwksUrl;
  return config;
}

/**
 * Checks a decision (from a hook or a direct rule) and returns it normalised (steps sorted by `order`), or a
 * reason it is unusable.
 */
export function parseDecision(
  value: unknown,
  stepKeys: readonly string[],
): { ok: true; decision: StepUpDecision } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'not a JSON object' };
  const v = value as Record<string, unknown>;
  if (v.status !== 'continue' && v.status !== 'review' && v.status !== 'block') {
    return {
      ok: false,
      reason: `status must be continue, review or block (got ${JSON.stringify(v.status)})`,
    };
  }
  if (v.status === 'block')
    return { ok: true, decision: { status: 'block', granted_for: 0, grant_mode: 'single-use', steps: [] } };
  const grantedFor = v.granted_for;
  if (
    typeof grantedFor !== 'number' ||
    !Number.isInteger(grantedFor) ||
    grantedFor < 0 ||
    grantedFor > MAX_GRANTED_FOR
  ) {
    return { ok: false, reason: `granted_for must be an integer in 0..${MAX_GRANTED_FOR}` };
  }
  if (typeof v.grant_mode !== 'string' || !(GRANT_MODES as readonly string[]).includes(v.grant_mode)) {
    return { ok: false, reason: `grant_mode must be one of ${GRANT_MODES.join(', ')}` };
  }
  const rawSteps = v.steps ?? [];
  if (!Array.isArray(rawSteps)) return { ok: false, reason: 'steps must be an array' };
  const steps: StepDefinition[] = [];
  for (const raw of rawSteps as unknown[]) {
    if (typeof raw !== 'object' || raw === null) return { ok: false, reason: 'each step must be an object' };
    const s = raw as Record<string, unknown>;
    if (typeof s.key !== 'string' || s.key === '') return { ok: false, reason: 'step key must be a string' };
    if (!(MANAGED_STEPS as readonly string[]).includes(s.key) && !stepKeys.includes(s.key)) {
      return { ok: false, reason: `step key ${s.key} is neither managed nor in step_keys` };
    }
    if (typeof s.order !== 'number' || !Number.isInteger(s.order))
      return { ok: false, reason: 'step order must be an integer' };
    const exp = s.expiration_duration;
    if (typeof exp !== 'number' || !Number.isInteger(exp) || exp <= 0) {
      return { ok: false, reason: 'step expiration_duration must be a positive integer' };
    }
    if (steps.some((other) => other.key === s.key)) return { ok: false, reason: `duplicate step ${s.key}` };
    steps.push({ order: s.order, key: s.key, expiration_duration: exp });
  }
  steps.sort((a, b) => a.order - b.order);
  return {
    ok: true,
    decision: { status: v.status, granted_for: grantedFor, grant_mode: v.grant_mode as GrantMode, steps },
  };
}
