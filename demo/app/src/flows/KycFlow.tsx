import { useState } from 'preact/hooks';
import { decode } from '@prelude.so/js-sdk';
import { completeKycReview } from '../lib/api.ts';
import { currentAccessToken, session } from '../lib/session.ts';
import { isOtpStep, useStepUp } from '../lib/use-step-up.ts';
import { useStore } from '../lib/use-store.ts';
import { Card } from '../components/Card.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { OtpStep } from '../components/OtpStep.tsx';
import { Outcomes, type Outcome } from '../components/Outcomes.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';
import { StepList } from '../components/StepList.tsx';

const SCOPE = 'kyc:approve';
const CUSTOM_STEP = 'kyc_review';

/** (d) Three steps: e-mail OTP, SMS OTP, then the app's own `kyc_review` step via `continueStepUp`. */
export function KycFlow() {
  const user = useStore(session);
  const stepUp = useStepUp('kyc', SCOPE);
  const { state } = stepUp;
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const add = (o: Omit<Outcome, 'id'>) => setOutcomes((list) => [...list, { ...o, id: list.length + 1 }]);

  const approveReview = () =>
    stepUp.run(async () => {
      const challengeToken = state.challengeToken;
      if (!challengeToken) throw new Error('No challenge token for the KYC review step.');
      const verificationToken = await completeKycReview(challengeToken, await currentAccessToken());
      add({ kind: 'info', text: <>The bank backend signed a verification token for {CUSTOM_STEP}.</> });
      const response = await stepUp.continueWith(verificationToken);
      const next = decode(response.challenge_token).claims['current_step'];
      add(
        next === 'completed'
          ? { kind: 'ok', text: <>KYC approval granted: {SCOPE} is now in the access token.</> }
          : { kind: 'info', text: <>Next step: {String(next)}.</> },
      );
    });

  return (
    <Card
      id="kyc"
      index={4}
      title="Approve a KYC file"
      scope={SCOPE}
      description={
        <>
          A multi-step challenge: e-mail code, SMS code, then a custom <code>{CUSTOM_STEP}</code> step
          completed by the bank's back office, which signs a verification token (RS256) for{' '}
          <code>continueStepUp</code>.
        </>
      }
    >
      <div class="row">
        <button
          type="button"
          class="btn btn-primary"
          data-testid="kyc-request"
          disabled={!user || stepUp.busy}
          onClick={() => void stepUp.request({ case: 'KYC-1042' })}
        >
          Request {SCOPE}
        </button>
        <PhaseBadge state={state} testId="kyc-phase" />
      </div>
      <StepList steps={state.steps} currentStep={state.currentStep} testId="kyc-steps" />
      {state.phase === 'challenge' && isOtpStep(state.currentStep) && (
        <OtpStep
          key={`${state.challengeId}:${state.currentStep}`}
          prefix="kyc"
          purpose="stepup"
          step={state.currentStep}
          challengeId={state.challengeId}
          codeSent={state.codeSent}
          busy={stepUp.busy}
          onVerify={(code) => void stepUp.checkCode(code)}
          onResend={() => void stepUp.resend()}
        />
      )}
      {state.phase === 'challenge' && state.currentStep === CUSTOM_STEP && (
        <div class="custom-step" data-testid="kyc-review">
          <p>
            Step <code>{CUSTOM_STEP}</code>: a compliance officer checks the file.
          </p>
          <button
            type="button"
            class="btn btn-primary"
            data-testid="kyc-complete"
            disabled={stepUp.busy}
            onClick={() => void approveReview()}
          >
            Approve KYC review
          </button>
        </div>
      )}
      <ErrorNote error={stepUp.error} testId="kyc-error" />
      <Outcomes items={outcomes} testId="kyc-result" label="KYC review" />
    </Card>
  );
}
