import { useState } from 'preact/hooks';
import { useOtpTarget } from '../lib/otp-inbox.ts';

const CHANNEL_LABEL: Record<string, string> = { verify_sms: 'SMS', verify_email: 'e-mail' };

/**
 * Code entry for a managed OTP step (`verify_sms` / `verify_email`), or for the login OTP.
 * Test ids: `<prefix>-otp-code`, `<prefix>-otp-verify`, `<prefix>-otp-resend`.
 */
export function OtpStep(props: {
  prefix: string;
  purpose: 'login' | 'stepup';
  step: string;
  challengeId?: string;
  codeSent: boolean;
  busy: boolean;
  onVerify: (code: string) => void;
  onResend: () => void;
}) {
  const [code, setCode] = useState('');
  const inputId = `${props.prefix}-otp-code`;
  const channel = CHANNEL_LABEL[props.step] ?? 'SMS';
  useOtpTarget(
    true,
    {
      key: props.prefix,
      purpose: props.purpose,
      label: props.prefix,
      ...(props.challengeId ? { challengeId: props.challengeId } : {}),
    },
    setCode,
  );
  return (
    <form
      class="otp"
      data-testid={`${props.prefix}-otp`}
      data-step={props.step}
      onSubmit={(e) => {
        e.preventDefault();
        props.onVerify(code);
      }}
    >
      <p class="otp-hint">
        {props.purpose === 'stepup' ? (
          <>
            Step <code>{props.step}</code>:{' '}
          </>
        ) : null}
        {props.codeSent ? `a code was sent by ${channel}.` : `sending a code by ${channel}…`}{' '}
        <span class="muted">It shows up in the OTP inbox on the right.</span>
      </p>
      <div class="row">
        <label class="field field-code" for={inputId}>
          <span>Verification code</span>
          <input
            id={inputId}
            data-testid={inputId}
            inputMode="numeric"
            autoComplete="one-time-code"
            placeholder="123456"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            required
          />
        </label>
        <button
          type="submit"
          class="btn btn-primary"
          data-testid={`${props.prefix}-otp-verify`}
          disabled={props.busy}
        >
          Verify code
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          data-testid={`${props.prefix}-otp-resend`}
          disabled={props.busy}
          onClick={props.onResend}
        >
          Resend code
        </button>
      </div>
    </form>
  );
}
