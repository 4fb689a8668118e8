import { useState } from 'preact/hooks';
import { resetPassword } from '../lib/api.ts';
import { DemoApiError, recordError } from '../lib/activity.ts';
import { client } from '../lib/config.ts';
import { currentAccessToken, refreshSession, session, setIdentifier } from '../lib/session.ts';
import { useAction } from '../lib/use-action.ts';
import { isOtpStep, useStepUp } from '../lib/use-step-up.ts';
import { useStore } from '../lib/use-store.ts';
import { Card } from '../components/Card.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { OtpStep } from '../components/OtpStep.tsx';
import { Outcomes, type Outcome } from '../components/Outcomes.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';
import { StepList } from '../components/StepList.tsx';

const SCOPE = 'prld:pwd:write';

/** (c) Password login, then `prld:pwd:write` (e-mail OTP), then the password reset that consumes it. */
export function PasswordResetFlow() {
  const user = useStore(session);
  const login = useAction('password');
  const stepUp = useStepUp('reset', SCOPE);
  const { state } = stepUp;
  const [email, setEmail] = useState('ada@demo.test');
  const [password, setPassword] = useState('correct horse battery staple');
  const [newPassword, setNewPassword] = useState('a brand new passphrase 42');
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const add = (o: Omit<Outcome, 'id'>) => setOutcomes((list) => [...list, { ...o, id: list.length + 1 }]);

  const logIn = () =>
    login.run(async () => {
      // SDK 0.6.0 takes the identifier as a plain string here (the docs' examples show an object).
      await client.loginWithPassword({ identifier: email.trim(), password });
      await refreshSession('password', 'password login');
      setIdentifier(email.trim());
    });

  const save = () =>
    stepUp.run(async () => {
      try {
        await resetPassword(await currentAccessToken(), newPassword);
        stepUp.markConsumed();
        add({
          kind: 'ok',
          text: (
            <>
              Password updated. The <code>{SCOPE}</code> grant was consumed.
            </>
          ),
        });
        // The grant is gone server-side; refresh so the page's token (and scope list) says so too. A second
        // save then fails with insufficient_scope (the transfer flow shows the other case: reusing the token).
        await refreshSession('reset', 'after password change', true);
      } catch (err) {
        if (!(err instanceof DemoApiError && err.status >= 400 && err.status < 500)) throw err;
        // An expected refusal: shown as this attempt's outcome (and in the error log), not as a page error.
        recordError('reset', err);
        add({
          kind: 'rejected',
          text: (
            <>
              Password change refused: <code>{err.code}</code> — {err.message}
            </>
          ),
        });
      }
    });

  return (
    <Card
      id="reset"
      index={3}
      title="Change password"
      scope={SCOPE}
      description={
        <>
          Signed in with a password, the user proves control of their e-mail before{' '}
          <code>/me/password/reset</code>. The reserved scope is consumed on save: a second save is refused.
        </>
      }
    >
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void logIn();
        }}
      >
        <label class="field" for="password-email">
          <span>E-mail</span>
          <input
            id="password-email"
            data-testid="password-email"
            type="email"
            autoComplete="username"
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            required
          />
        </label>
        <label class="field" for="password-password">
          <span>Password</span>
          <input
            id="password-password"
            data-testid="password-password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" class="btn" data-testid="password-login" disabled={login.busy}>
          Log in with password
        </button>
      </form>
      <ErrorNote error={login.error} testId="password-error" />
      <div class="row">
        <button
          type="button"
          class="btn btn-primary"
          data-testid="reset-request"
          disabled={!user || stepUp.busy}
          onClick={() => void stepUp.request()}
        >
          Request {SCOPE}
        </button>
        <PhaseBadge state={state} testId="reset-phase" />
      </div>
      <StepList steps={state.steps} currentStep={state.currentStep} testId="reset-steps" />
      {state.phase === 'challenge' && isOtpStep(state.currentStep) && (
        <OtpStep
          key={`${state.challengeId}:${state.currentStep}`}
          prefix="reset"
          purpose="stepup"
          step={state.currentStep}
          challengeId={state.challengeId}
          codeSent={state.codeSent}
          busy={stepUp.busy}
          onVerify={(code) => void stepUp.checkCode(code)}
          onResend={() => void stepUp.resend()}
        />
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label class="field" for="reset-new-password">
          <span>New password</span>
          <input
            id="reset-new-password"
            data-testid="reset-new-password"
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onInput={(e) => setNewPassword(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" class="btn" data-testid="reset-submit" disabled={!user || stepUp.busy}>
          Save new password
        </button>
      </form>
      <ErrorNote error={stepUp.error} testId="reset-error" />
      <Outcomes items={outcomes} testId="reset-result" label="Password changes" />
    </Card>
  );
}
