import { useState } from 'preact/hooks';
import { client } from '../lib/config.ts';
import { refreshSession, setIdentifier, session } from '../lib/session.ts';
import { useAction } from '../lib/use-action.ts';
import { useStore } from '../lib/use-store.ts';
import { Card } from '../components/Card.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { OtpStep } from '../components/OtpStep.tsx';

/** (a) Phone OTP login: `startOTPLogin` → `checkOTP(code)` → `refresh()`. */
export function LoginFlow() {
  const user = useStore(session);
  const [phone, setPhone] = useState('+14155550123');
  const [stage, setStage] = useState<'phone' | 'code'>('phone');
  const [codeSent, setCodeSent] = useState(false);
  const { busy, error, run } = useAction('login');

  const send = () =>
    run(async () => {
      setCodeSent(false);
      await client.startOTPLogin({ identifier: { type: 'phone_number', value: phone.trim() } });
      setStage('code');
      setCodeSent(true);
    });

  const verify = (code: string) =>
    run(async () => {
      await client.checkOTP(code.trim());
      await refreshSession('login', 'phone login');
      setIdentifier(phone.trim());
      setStage('phone');
    });

  const resend = () =>
    run(async () => {
      await client.retryOTP();
      setCodeSent(true);
    });

  return (
    <Card
      id="login"
      index={1}
      title="Sign in with a phone code"
      description={
        <>
          <code>startOTPLogin</code> sends a code; <code>checkOTP</code> verifies it and opens the session;{' '}
          <code>refresh()</code> returns the user.
        </>
      }
    >
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label class="field" for="login-phone">
          <span>Phone number</span>
          <input
            id="login-phone"
            data-testid="login-phone"
            type="tel"
            autoComplete="tel"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" class="btn btn-primary" data-testid="login-send" disabled={busy}>
          Send login code
        </button>
      </form>
      {stage === 'code' && (
        <OtpStep
          prefix="login"
          purpose="login"
          step="verify_sms"
          codeSent={codeSent}
          busy={busy}
          onVerify={(code) => void verify(code)}
          onResend={() => void resend()}
        />
      )}
      <ErrorNote error={error} testId="login-error" />
      {user && user.identifier === phone.trim() && (
        <p class="note note-ok" data-testid="login-status">
          Signed in as <code>{user.sub}</code>
          {user.identifier && <> ({user.identifier})</>}.
        </p>
      )}
    </Card>
  );
}
