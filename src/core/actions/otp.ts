/**
 * The OTP actions of a challenge's provider (ProviderModule.actions.otp), found through the registry. The panel
 * asks the same two questions of every challenge; a provider without OTP actions answers them disabled.
 */
import type { Challenge, SessionModel } from '../model/types.ts';
import { PROVIDERS, providerModule } from '../providers/registry.ts';
import type { ProviderOtpActions } from '../providers/types.ts';
import { disabled, type OtpReplayAvailability, type OtpRetryAvailability } from './availability.ts';

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
