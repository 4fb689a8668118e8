/**
 * Actions that send requests from the inspected page or read it (Replay OTP, Retry OTP, Replay verbatim,
 * Read SDK state), and the one request the panel makes itself (the JWKS for "Verify signature"). Each runs
 * on a click, for the inspected tab; none rejects: a failure comes back as a result to show.
 */
import { apiBaseOf } from '../../core/actions/rules.ts';
import type { SdkState } from '../../core/actions/sdk-state.ts';
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { Challenge, SessionModel } from '../../core/model/types.ts';
import { describe } from '../../core/util.ts';
import type { ActionResult, FetchJwksVerifyResult } from '../panel-services.ts';
import type { CommandDeps } from './deps.ts';

export type SdkRead = { ok: true; state: SdkState; at: number } | { ok: false; message: string };
export type SignatureCheck = { ok: true; result: FetchJwksVerifyResult } | { ok: false; message: string };

export interface PageCommands {
  /** Replay OTP or Retry OTP on a challenge; its state and result are kept in the store by challenge. */
  runOtpAction(kind: 'replay' | 'retry', challenge: Challenge, model: SessionModel): void;
  replayVerbatim(exchange: HttpExchange): Promise<ActionResult>;
  readSdkState(): Promise<SdkRead>;
  verifySignature(token: string, apiBase: string): Promise<SignatureCheck>;
}

const NO_TAB = 'No inspected tab.';

export function pageCommands({ store, services }: CommandDeps): PageCommands {
  return {
    runOtpAction(kind, challenge, model) {
      const tabId = store.getState().tabId;
      const apiBase = apiBaseOf(challenge, model);
      if (tabId === null || !apiBase) return;
      const challengeId = challenge.challengeId ?? challenge.key;
      const what = kind === 'replay' ? 'Replay OTP' : 'Retry OTP';
      store.dispatch({ type: 'otpActionStarted', challengeId, action: kind });
      const { provider } = challenge;
      const call =
        kind === 'replay'
          ? services.replayOtp(tabId, {
              provider,
              apiBase,
              challengeToken: challenge.tokens.at(-1)?.raw ?? '',
            })
          : services.retryOtp(tabId, { provider, apiBase });
      call.then(
        (result) => store.dispatch({ type: 'otpActionFinished', challengeId, what, result }),
        (error: unknown) =>
          store.dispatch({
            type: 'otpActionFinished',
            challengeId,
            what,
            result: { ok: false, reason: String(error) },
          }),
      );
    },

    async replayVerbatim(exchange) {
      const tabId = store.getState().tabId;
      if (tabId === null) return { ok: false, reason: NO_TAB };
      return services
        .replayVerbatim(tabId, exchange)
        .catch((error: unknown): ActionResult => ({ ok: false, reason: String(error) }));
    },

    async readSdkState() {
      const tabId = store.getState().tabId;
      if (tabId === null) return { ok: false, message: NO_TAB };
      try {
        const result = await services.readSdkState(tabId);
        return result.ok
          ? { ok: true, state: result.state, at: services.now() }
          : { ok: false, message: result.reason };
      } catch (error) {
        return { ok: false, message: describe(error) };
      }
    },

    async verifySignature(token, apiBase) {
      try {
        return { ok: true, result: await services.fetchJwksAndVerify(token, apiBase) };
      } catch (error) {
        return { ok: false, message: String(error) };
      }
    },
  };
}
