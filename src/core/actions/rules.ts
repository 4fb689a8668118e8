/**
 * When the panel's action buttons (replay /otp, retry /otp, replay a request verbatim) are enabled, and why not
 * when they are not. Pure: the panel calls these on every render with the current model and clock, and shows
 * the reason as the disabled button's tooltip.
 */
import type { HttpExchange } from '../http/exchange.ts';
import type { Challenge, SessionModel } from '../model/types.ts';
import { formatIsoTime, isDateMs } from '../tokens/time.ts';

/** Whether an action can run; a disabled action says why in words meant for the button's tooltip. */
export type ActionAvailability = { enabled: true } | { enabled: false; reason: string };

/** {@link canReplayOtp}: when enabled, what the action needs to run. */
export type OtpActionAvailability =
  { enabled: true; apiBase: string; challengeToken: string } | { enabled: false; reason: string };

/** Steps Prelude drives with a one-time code. */
const OTP_STEPS: ReadonlySet<string> = new Set(['verify_sms', 'verify_email']);

/** Methods `fetch` refuses to send (Fetch standard, "forbidden method"). */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * Whether "Send the OTP again" (`POST <apiBase>/otp {challenge_token}`) makes sense for `challenge` at `now`
 * (epoch ms). Disabled when the challenge is completed, blocked, failed or expired (status, or the latest
 * token's `exp` has passed), has no challenge token, is not a Prelude challenge, is not on an OTP step
 * (`verify_sms`/`verify_email`), or no Session API base is known for it.
 */
export function canReplayOtp(challenge: Challenge, model: SessionModel, now: number): OtpActionAvailability {
  const common = otpPreconditions(challenge, model, now);
  if (!common.enabled) return common;
  const latest = challenge.tokens.at(-1);
  if (latest === undefined || latest.raw === '') {
    return disabled('No challenge token was captured for this challenge, so there is nothing to send.');
  }
  return { enabled: true, apiBase: common.apiBase, challengeToken: latest.raw };
}

/**
 * Whether "Retry the OTP" (`POST <apiBase>/otp/retry`, no body: the server finds the pending OTP by cookie) makes
 * sense. The same conditions as {@link canReplayOtp}, except that no token is needed, plus: a first OTP must
 * have been sent for this challenge (a retry of nothing fails).
 */
export function canRetryOtp(
  challenge: Challenge,
  model: SessionModel,
  now: number,
): { enabled: true; apiBase: string } | { enabled: false; reason: string } {
  const common = otpPreconditions(challenge, model, now);
  if (!common.enabled) return common;
  if (challenge.otpSends === 0) {
    return disabled('No OTP was sent for this challenge yet: send one first (POST /otp), then retry.');
  }
  return { enabled: true, apiBase: common.apiBase };
}

function otpPreconditions(
  challenge: Challenge,
  model: SessionModel,
  now: number,
): { enabled: true; apiBase: string } | { enabled: false; reason: string } {
  if (challenge.provider !== 'prelude') {
    return disabled('OTP actions exist for Prelude challenges only.');
  }
  if (challenge.status === 'completed' || challenge.currentStep === 'completed') {
    return disabled('The challenge is completed: there is no OTP left to send.');
  }
  if (challenge.status === 'blocked') {
    return disabled('The step-up request was blocked: no challenge was issued, so no OTP can be sent.');
  }
  if (challenge.status === 'failed') {
    return disabled(`The challenge failed (${challenge.statusReason}): start a new step-up instead.`);
  }
  const expiry = expiryOf(challenge);
  if (challenge.status === 'expired' || (expiry !== null && expiry <= now)) {
    const when =
      expiry === null
        ? ''
        : isDateMs(expiry)
          ? ` at ${formatIsoTime(expiry)}`
          : ` (its exp ${expiry / 1000} is not a date)`;
    return disabled(`The challenge token expired${when}: the server would answer expired_challenge_token.`);
  }
  if (challenge.tokens.length === 0) {
    return disabled('No challenge token was captured for this challenge, so there is nothing to send.');
  }
  if (challenge.currentStep === null || !OTP_STEPS.has(challenge.currentStep)) {
    const step = challenge.currentStep === null ? 'unknown' : `"${challenge.currentStep}"`;
    return disabled(`The current step is ${step}, not an OTP step (verify_sms or verify_email).`);
  }
  const apiBase = apiBaseOf(challenge, model);
  if (apiBase === null) {
    return disabled(
      'The Session API address of this challenge is not known (none of its requests was captured).',
    );
  }
  return { enabled: true, apiBase };
}

/** Latest known expiry in epoch ms: the challenge's, else its latest token's `exp`. */
function expiryOf(challenge: Challenge): number | null {
  if (challenge.expiresAt !== null && Number.isFinite(challenge.expiresAt)) return challenge.expiresAt;
  const exp = challenge.tokens.at(-1)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
}

/**
 * The Session API base a challenge was talked to on: from the exchanges its tokens were seen on (latest first),
 * else from any exchange of the challenge. Null when none of them was classified.
 */
export function apiBaseOf(challenge: Challenge, model: SessionModel): string | null {
  const candidates: number[] = [];
  for (let i = challenge.tokens.length - 1; i >= 0; i -= 1)
    candidates.push(challenge.tokens[i]?.exchange ?? -1);
  for (const index of candidates) {
    const base = model.exchanges[index]?.classification?.apiBase;
    if (base) return base;
  }
  for (const analysed of model.exchanges) {
    if (analysed.challengeKey === challenge.key && analysed.classification?.apiBase) {
      return analysed.classification.apiBase;
    }
  }
  return null;
}

/**
 * Whether a captured request can be re-sent byte for byte from the page (the replay-protection test). Exchanges
 * the inspector sent itself may be replayed too. Disabled for URLs fetch cannot send from a page (not
 * http(s), or with credentials in the URL), for methods fetch refuses, and for a request body that was cut
 * when captured (the replay would not be the same request).
 */
export function canReplayVerbatim(exchange: HttpExchange): ActionAvailability {
  if (typeof exchange?.url !== 'string' || !URL.canParse(exchange.url)) {
    return disabled('The request URL is not an absolute URL.');
  }
  const url = new URL(exchange.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return disabled(`Only http(s) requests can be replayed; this one is ${url.protocol.replace(/:$/, '')}.`);
  }
  if (url.username !== '' || url.password !== '') {
    return disabled('The URL carries a user name or password, which fetch refuses to send.');
  }
  if (typeof exchange.method !== 'string' || FORBIDDEN_METHODS.has(exchange.method.toUpperCase())) {
    return disabled(`fetch cannot send a ${String(exchange.method)} request.`);
  }
  const body = exchange.requestBody;
  if (body?.kind !== 'absent' && body?.truncated === true) {
    return disabled(
      'The request body was cut off when captured, so the replay would not be the same request.',
    );
  }
  if (
    (exchange.method === 'GET' || exchange.method === 'HEAD') &&
    body?.kind !== 'absent' &&
    bodyLength(body) > 0
  ) {
    return disabled(`fetch cannot send a ${exchange.method} request with a body.`);
  }
  return { enabled: true };
}

function bodyLength(body: HttpExchange['requestBody']): number {
  if (body.kind === 'text') return body.text.length;
  if (body.kind === 'base64') return body.base64.length;
  return 0;
}

function disabled(reason: string): { enabled: false; reason: string } {
  return { enabled: false, reason };
}
