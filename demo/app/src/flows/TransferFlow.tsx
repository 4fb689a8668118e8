import { useState } from 'preact/hooks';
import { postTransfer } from '../lib/api.ts';
import { DemoApiError, recordError } from '../lib/activity.ts';
import { currentAccessToken, session } from '../lib/session.ts';
import { isOtpStep, useStepUp } from '../lib/use-step-up.ts';
import { useStore } from '../lib/use-store.ts';
import { Card } from '../components/Card.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { OtpStep } from '../components/OtpStep.tsx';
import { Outcomes, type Outcome } from '../components/Outcomes.tsx';
import { StepList } from '../components/StepList.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';

const SCOPE = 'transfer:write';

/** (b) `transfer:write` step-up (SMS OTP, decided by the app's hook), then the single-use transfer API. */
export function TransferFlow() {
  const user = useStore(session);
  const stepUp = useStepUp('transfer', SCOPE);
  const { state } = stepUp;
  const [amount, setAmount] = useState('500');
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const add = (o: Omit<Outcome, 'id'>) => setOutcomes((list) => [...list, { ...o, id: list.length + 1 }]);

  const transfer = () =>
    stepUp.run(async () => {
      const value = Number(amount);
      try {
        const result = await postTransfer(await currentAccessToken(), value);
        stepUp.markConsumed();
        add({
          kind: 'ok',
          text: (
            <>
              Transfer <code>{result.transfer_id}</code> of ${result.amount} sent.
            </>
          ),
        });
      } catch (err) {
        if (!(err instanceof DemoApiError && err.status === 403)) throw err;
        // An expected refusal: shown as this transfer's outcome (and in the error log), not as a page error.
        recordError('transfer', err);
        add({
          kind: 'rejected',
          text: (
            <>
              Rejected by the bank API: <code>{err.code}</code> — {err.message}
            </>
          ),
        });
      }
    });

  return (
    <Card
      id="transfer"
      index={2}
      title="Send money"
      scope={SCOPE}
      description={
        <>
          The bank API only accepts a transfer with a <em>single-use</em> <code>{SCOPE}</code> grant. Your
          hook asks for an SMS code first. A second transfer with the same grant is refused.
        </>
      }
    >
      <div class="row">
        <label class="field field-amount" for="transfer-amount">
          <span>Amount (USD)</span>
          <input
            id="transfer-amount"
            data-testid="transfer-amount"
            inputMode="decimal"
            value={amount}
            onInput={(e) => setAmount(e.currentTarget.value)}
          />
        </label>
        <button
          type="button"
          class="btn btn-primary"
          data-testid="transfer-request"
          disabled={!user || stepUp.busy}
          onClick={() => void stepUp.request({ amount, currency: 'USD' })}
        >
          Request {SCOPE}
        </button>
        <button
          type="button"
          class="btn"
          data-testid="transfer-submit"
          disabled={!user || stepUp.busy}
          onClick={() => void transfer()}
        >
          Send ${amount || '0'} transfer
        </button>
        <PhaseBadge state={state} testId="transfer-phase" />
      </div>
      <StepList steps={state.steps} currentStep={state.currentStep} testId="transfer-steps" />
      {state.phase === 'challenge' && isOtpStep(state.currentStep) && (
        <OtpStep
          key={`${state.challengeId}:${state.currentStep}`}
          prefix="transfer"
          purpose="stepup"
          step={state.currentStep}
          challengeId={state.challengeId}
          codeSent={state.codeSent}
          busy={stepUp.busy}
          onVerify={(code) => void stepUp.checkCode(code)}
          onResend={() => void stepUp.resend()}
        />
      )}
      <ErrorNote error={stepUp.error} testId="transfer-error" />
      <Outcomes items={outcomes} testId="transfer-result" label="Transfers" />
    </Card>
  );
}
