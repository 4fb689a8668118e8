import { useCallback, useRef, useState } from 'preact/hooks';
import type { StepUpChallengeInfo, StepUpChallengeStep, StepUpGrantStatus } from '@prelude.so/js-sdk';
import { client } from './config.ts';
import { recordChallenge, recordError, type ErrorEvent, type FlowId } from './activity.ts';
import { refreshSession } from './session.ts';
import { useAction } from './use-action.ts';

/** Where a step-up request stands, from the page's point of view. */
/** `consumed`: the page used a single-use grant successfully. */
export type StepUpPhase = 'idle' | 'challenge' | 'granted' | 'blocked' | 'consumed';

/** State of one flow's step-up, fed by the SDK's `onChallenge` callbacks. */
export interface StepUpState {
  phase: StepUpPhase;
  status?: StepUpGrantStatus;
  challengeId?: string;
  currentStep?: string;
  steps: StepUpChallengeStep[];
  /** Latest challenge token returned by the SDK call (needed by custom steps). */
  challengeToken?: string;
  /** The OTP for the current step has been sent (`otpCreate` resolved). */
  codeSent: boolean;
}

const OTP_STEPS = new Set(['verify_sms', 'verify_email']);

/** True for the managed OTP steps the SDK drives with `otpCreate`/`otpCheck`. */
export function isOtpStep(step: string | undefined): step is 'verify_sms' | 'verify_email' {
  return step !== undefined && OTP_STEPS.has(step);
}

/**
 * Drives `requestStepUp` → `otpCreate`/`otpCheck`/`otpRetry` → `continueStepUp` for one scope, with the
 * SDK 0.6.0 method names and signatures.
 */
export function useStepUp(flow: FlowId, scope: string) {
  const [state, setState] = useState<StepUpState>({ phase: 'idle', steps: [], codeSent: false });
  const action = useAction(flow);
  const [sendError, setSendError] = useState<ErrorEvent | null>(null);
  // The SDK calls onChallenge synchronously inside its own promise chain: keep it stable and never throwing.
  const onChallenge = useRef((info: StepUpChallengeInfo): void => {
    recordChallenge(flow, info);
    const completed = info.currentStep === 'completed';
    setState((s) => ({
      ...s,
      phase: completed ? 'granted' : 'challenge',
      challengeId: info.challengeId,
      currentStep: info.currentStep,
      steps: info.steps,
      codeSent: false,
    }));
    if (isOtpStep(info.currentStep)) {
      // Managed OTP step: send the code right away, as Prelude's examples do.
      setSendError(null);
      client
        .otpCreate({ challengeId: info.challengeId })
        .then(() => setState((s) => (s.challengeId === info.challengeId ? { ...s, codeSent: true } : s)))
        .catch((err: unknown) => setSendError(recordError(flow, err)));
    }
    if (completed) {
      // The SDK has already refreshed the session with the step-up token; this reads the new token.
      refreshSession(flow, `step-up ${info.scopeRequested || scope} completed`).catch((err: unknown) =>
        recordError(flow, err),
      );
    }
  }).current;

  const request = useCallback(
    (metadata?: Record<string, string>) =>
      action.run(async () => {
        setState({ phase: 'idle', steps: [], codeSent: false });
        const response = await client.requestStepUp({
          scope,
          ...(metadata ? { metadata } : {}),
          onChallenge,
        });
        setState((s) => ({
          ...s,
          status: response.status,
          ...(response.challenge_token ? { challengeToken: response.challenge_token } : {}),
          ...(response.status === 'block' ? { phase: 'blocked' as const } : {}),
        }));
        return response;
      }),
    [action.run, scope, onChallenge],
  );

  const checkCode = useCallback(
    (code: string) =>
      action.run(async () => {
        const challengeId = state.challengeId;
        if (!challengeId) throw new Error('No step-up challenge in progress.');
        const response = await client.otpCheck(challengeId, code.trim(), onChallenge);
        setState((s) => ({ ...s, challengeToken: response.challenge_token }));
        return response;
      }),
    [action.run, state.challengeId, onChallenge],
  );

  const resend = useCallback(
    () =>
      action.run(async () => {
        await client.otpRetry();
        setState((s) => ({ ...s, codeSent: true }));
      }),
    [action.run],
  );

  /** Not wrapped in `run`: the caller already is (it first fetches the verification token). */
  const continueWith = useCallback(
    async (verificationToken: string) => {
      const response = await client.continueStepUp(verificationToken, onChallenge);
      setState((s) => ({ ...s, challengeToken: response.challenge_token }));
      return response;
    },
    [onChallenge],
  );

  const markConsumed = useCallback(() => setState((s) => ({ ...s, phase: 'consumed' })), []);

  return {
    state,
    markConsumed,
    busy: action.busy,
    error: action.error ?? sendError,
    run: action.run,
    request,
    checkCode,
    resend,
    continueWith,
  };
}
