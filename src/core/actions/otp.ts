/**
 * The OTP actions of a challenge's provider (ProviderModule.actions.otp), found through the registry. The panel
 * asks the same two questions of every challenge; a provider without OTP actions answers them disabled.
 */
import type { HttpExchange } from '../http/exchange.ts';
import type { Challenge, SessionModel } from '../model/types.ts';
import { PROVIDERS, providerModule } from '../providers/registry.ts';
import type { ProviderOtpActions } from '../providers/types.ts';
import { disabled, type OtpReplayAvailability, type OtpRetryAvailability } from './availability.ts';
import type { PageRequest, Verdict } from './page-io.ts';

/** The OTP actions of the challenge's provider, or undefined when it has none (or is not registered). */
export function otpActionsFor(challenge: { provider: string }): ProviderOtpActions | undefined {
  return providerModule(challenge.provider)?.actions?.otp;
}

function noOtpActions(): { enabled: false; reason: string } {
  const names = PROVIDERS.filter((provider) => provider.actions?.otp !== undefined).map(
    (provider) => provider.presentation?.label ?? provider.id,
  );
  return disabled(
    names.length === 0
      ? 'No provider has OTP actions.'
      : `OTP actions exist for ${names.join(', ')} challenges only.`,
  );
}

/** Whether "Send the OTP again" makes sense for `challenge` at `now` (epoch ms), by its provider's rules. */
export function canReplayOtp(challenge: Challenge, model: SessionModel, now: number): OtpReplayAvailability {
  const otp = otpActionsFor(challenge);
  return otp === undefined ? noOtpActions() : otp.canReplay(challenge, model, now);
}

/** Whether "Retry the OTP" makes sense for `challenge` at `now` (epoch ms), by its provider's rules. */
export function canRetryOtp(challenge: Challenge, model: SessionModel, now: number): OtpRetryAvailability {
  const otp = otpActionsFor(challenge);
  return otp === undefined ? noOtpActions() : otp.canRetry(challenge, model, now);
}

/**
 * Transitional, while the panel's OTP actions do not name the challenge's provider (they should call
 * {@link otpActionsFor}): the first registered provider that has OTP actions.
 */
function defaultOtpActions(): ProviderOtpActions {
  for (const provider of PROVIDERS) if (provider.actions?.otp) return provider.actions.otp;
  throw new Error('No provider has OTP actions.');
}

/** Transitional (see defaultOtpActions): the request that sends the code again. */
export function otpSendRequest(apiBase: string, challengeToken: string): PageRequest {
  return defaultOtpActions().sendRequest(apiBase, challengeToken);
}

/** Transitional (see defaultOtpActions): the request that asks for the pending code again. */
export function otpRetryRequest(apiBase: string): PageRequest {
  return defaultOtpActions().retryRequest(apiBase);
}

/** Transitional (see defaultOtpActions): reads the answer to a send. */
export function otpSendVerdict(exchange: HttpExchange): Verdict {
  return defaultOtpActions().sendVerdict(exchange);
}

/** Transitional (see defaultOtpActions): reads the answer to a retry. */
export function otpRetryVerdict(exchange: HttpExchange): Verdict {
  return defaultOtpActions().retryVerdict(exchange);
}
