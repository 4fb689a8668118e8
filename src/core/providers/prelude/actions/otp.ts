/**
 * Prelude's OTP actions: "Send the OTP again" (`POST <apiBase>/otp {challenge_token}`) and "Retry the OTP"
 * (`POST <apiBase>/otp/retry`), when they make sense for a challenge, the requests the SDK would send, and what the
 * Session API's answer means.
 */
import {
  apiBaseOf,
  challengeExpiry,
  disabled,
  type OtpReplayAvailability,
  type OtpRetryAvailability,
} from '../../../actions/availability.ts';
import {
  PAGE_REQUEST_TIMEOUT_MS,
  PAGE_RESPONSE_MAX_CHARS,
  noResponseVerdict,
  refusalSummary,
  responseErrorCode,
  type PageRequest,
  type Verdict,
} from '../../../actions/page-io.ts';
import type { HttpExchange } from '../../../http/exchange.ts';
import type { Challenge, SessionModel } from '../../../model/types.ts';
import { formatIsoTime, isDateMs } from '../../../tokens/time.ts';

/** Steps Prelude drives with a one-time code. */
const OTP_STEPS: ReadonlySet<string> = new Set(['verify_sms', 'verify_email']);

/**
 * Whether "Send the OTP again" makes sense for `challenge` at `now` (epoch ms). Disabled when the challenge is
 * completed, blocked, failed or expired (status, or the latest token's `exp` has passed), has no challenge token,
 * is not on an OTP step (`verify_sms`/`verify_email`), or no Session API base is known for it.
 */
export function canReplayPreludeOtp(
  challenge: Challenge,
  model: SessionModel,
  now: number,
): OtpReplayAvailability {
  const common = otpPreconditions(challenge, model, now);
  if (!common.enabled) return common;
  const latest = challenge.tokens.at(-1);
  if (latest === undefined || latest.raw === '') {
    return disabled('No challenge token was captured for this challenge, so there is nothing to send.');
  }
  return { enabled: true, apiBase: common.apiBase, challengeToken: latest.raw };
}

/**
 * Whether "Retry the OTP" (no body: the server finds the pending OTP by cookie) makes sense. The same conditions as
 * {@link canReplayPreludeOtp}, except that no token is needed, plus: a first OTP must have been sent for this
 * challenge (a retry of nothing fails).
 */
export function canRetryPreludeOtp(
  challenge: Challenge,
  model: SessionModel,
  now: number,
): OtpRetryAvailability {
  const common = otpPreconditions(challenge, model, now);
  if (!common.enabled) return common;
  if (challenge.codeSends === 0) {
    return disabled('No OTP was sent for this challenge yet: send one first (POST /otp), then retry.');
  }
  return { enabled: true, apiBase: common.apiBase };
}

function otpPreconditions(challenge: Challenge, model: SessionModel, now: number): OtpRetryAvailability {
  if (challenge.status === 'completed' || challenge.currentStep === 'completed') {
    return disabled('The challenge is completed: there is no OTP left to send.');
  }
  if (challenge.status === 'blocked') {
    return disabled('The step-up request was blocked: no challenge was issued, so no OTP can be sent.');
  }
  if (challenge.status === 'failed') {
    return disabled(`The challenge failed (${challenge.statusReason}): start a new step-up instead.`);
  }
  const expiry = challengeExpiry(challenge);
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

function trimBase(apiBase: string): string {
  return apiBase.replace(/\/+$/, '');
}

/** `POST <apiBase>/otp {challenge_token}` with the headers the SDK sends. */
export function preludeOtpSendRequest(apiBase: string, challengeToken: string): PageRequest {
  return {
    method: 'POST',
    url: `${trimBase(apiBase)}/otp`,
    headers: [
      ['Accept', 'application/json'],
      ['Content-Type', 'application/json'],
    ],
    body: { kind: 'text', text: JSON.stringify({ challenge_token: challengeToken }) },
    timeoutMs: PAGE_REQUEST_TIMEOUT_MS,
    maxBodyChars: PAGE_RESPONSE_MAX_CHARS,
  };
}

/** `POST <apiBase>/otp/retry` without a body; the SDK sends `Content-Type` on every POST, body or not. */
export function preludeOtpRetryRequest(apiBase: string): PageRequest {
  return {
    method: 'POST',
    url: `${trimBase(apiBase)}/otp/retry`,
    headers: [
      ['Accept', 'application/json'],
      ['Content-Type', 'application/json'],
    ],
    body: null,
    timeoutMs: PAGE_REQUEST_TIMEOUT_MS,
    maxBodyChars: PAGE_RESPONSE_MAX_CHARS,
  };
}

/** Plain words for the Session API codes an OTP send or retry gets. */
const OTP_ERROR_HINTS: Readonly<Record<string, string>> = {
  expired_challenge_token: 'the challenge expired; start a new step-up',
  invalid_challenge_token: 'the server does not accept this challenge token (advanced, revoked or forged)',
  missing_challenge_token: 'the request carried no challenge token',
  rate_limited: 'too many sends; wait before sending again',
  not_found: 'the server has no pending OTP for this challenge (no cookie from an earlier send?)',
  bad_request: 'the server rejected the request body',
  unauthorized: 'the server did not recognise the caller (cookies missing?)',
  forbidden: 'the server refused it for this caller',
};

/** Reads the answer to `POST /otp` sent from the panel. */
export function preludeOtpSendVerdict(exchange: HttpExchange): Verdict {
  if (exchange.status === 0) return noResponseVerdict(exchange);
  if (exchange.status >= 200 && exchange.status < 300) {
    return {
      tone: 'good',
      verdict: `The server accepted the send (${exchange.status}): a new code should arrive for this challenge.`,
    };
  }
  const code = responseErrorCode(exchange);
  const hint = code === undefined ? undefined : OTP_ERROR_HINTS[code];
  return {
    tone: 'bad',
    verdict: `The server refused the send (${refusalSummary(exchange, code)})${hint ? `: ${hint}` : ''}.`,
  };
}

/** Reads the answer to `POST /otp/retry` sent from the panel. */
export function preludeOtpRetryVerdict(exchange: HttpExchange): Verdict {
  if (exchange.status === 0) return noResponseVerdict(exchange);
  if (exchange.status >= 200 && exchange.status < 300) {
    return {
      tone: 'good',
      verdict: `The server accepted the retry (${exchange.status}): the pending code should be sent again.`,
    };
  }
  const code = responseErrorCode(exchange);
  const hint = code === undefined ? undefined : OTP_ERROR_HINTS[code];
  return {
    tone: 'bad',
    verdict: `The server refused the retry (${refusalSummary(exchange, code)})${hint ? `: ${hint}` : ''}.`,
  };
}
