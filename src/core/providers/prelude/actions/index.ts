/** What the panel's page actions do with Prelude's traffic: its OTP actions, and reading its web SDK's state. */
import type { ProviderActions } from '../../types.ts';
import {
  canReplayPreludeOtp,
  canRetryPreludeOtp,
  preludeOtpRetryRequest,
  preludeOtpRetryVerdict,
  preludeOtpSendRequest,
  preludeOtpSendVerdict,
} from './otp.ts';
import { PRELUDE_SDK_STORAGE } from './sdk-storage.ts';

export const preludeActions: ProviderActions = {
  otp: {
    canReplay: canReplayPreludeOtp,
    canRetry: canRetryPreludeOtp,
    sendRequest: preludeOtpSendRequest,
    retryRequest: preludeOtpRetryRequest,
    sendVerdict: preludeOtpSendVerdict,
    retryVerdict: preludeOtpRetryVerdict,
  },
  sdkState: {
    storage: PRELUDE_SDK_STORAGE,
    // The interpretation is loaded with the click that reads the state, not with the panel.
    interpret: async (raw, nowMs) => (await import('./sdk-state.ts')).interpretPreludeSdkSnapshot(raw, nowMs),
  },
};
