import { useState } from 'preact/hooks';
import { recordError, type ErrorEvent } from '../lib/activity.ts';
import {
  dynamicClient,
  getDynamicApi,
  type DynamicApi,
  type DynamicUserView,
  type OtpVerification,
  type StepUpCheckResult,
} from '../lib/dynamic.ts';
import { useOtpTarget } from '../lib/otp-inbox.ts';
import { useStore } from '../lib/use-store.ts';
import { Card } from '../components/Card.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Outcomes, type Outcome } from '../components/Outcomes.tsx';

type Scope = 'wallet:export' | 'wallet:sign';
const SCOPES: { scope: Scope; id: string; label: string }[] = [
  { scope: 'wallet:export', id: 'export', label: 'wallet:export · single-use' },
  { scope: 'wallet:sign', id: 'sign', label: 'wallet:sign · multi-use' },
];

/** An elevated access token the verify call returned, decoded for display. */
interface IssuedToken {
  token: string;
  scope: string;
  singleUse: boolean;
  exp: number;
}

function decodeElevated(token: string): IssuedToken | null {
  try {
    const part = token.split('.')[1] ?? '';
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    return {
      token,
      scope: String(claims['scope'] ?? ''),
      singleUse: claims['singleUse'] === true,
      exp: Number(claims['exp'] ?? 0),
    };
  } catch {
    return null;
  }
}

function apiErrorDetails(err: unknown): { code?: string; status?: number } {
  if (typeof err !== 'object' || err === null) return {};
  const e = err as { code?: unknown; status?: unknown };
  const details: { code?: string; status?: number } = {};
  if (typeof e.code === 'string') details.code = e.code;
  if (typeof e.status === 'number') details.status = e.status;
  return details;
}

/** A code field registered with the OTP inbox ("Use this code"). */
function CodeForm(props: {
  prefix: string;
  purpose: 'login' | 'stepup';
  verification: OtpVerification;
  label: string;
  verifyLabel: string;
  busy: boolean;
  onVerify: (code: string) => void;
}) {
  const [code, setCode] = useState('');
  const inputId = `${props.prefix}-code`;
  useOtpTarget(
    true,
    {
      key: props.prefix,
      purpose: props.purpose,
      label: props.label,
      challengeId: props.verification.verificationUUID,
    },
    setCode,
  );
  return (
    <form
      class="otp"
      data-testid={`${props.prefix}-otp`}
      data-verification={props.verification.verificationUUID}
      onSubmit={(e) => {
        e.preventDefault();
        props.onVerify(code.trim());
      }}
    >
      <p class="otp-hint">
        A code was sent to <strong>{props.verification.email}</strong>.{' '}
        <span class="muted">It shows up in the OTP inbox on the right.</span>
      </p>
      <div class="row">
        <label class="field field-code" for={inputId}>
          <span>E-mail code</span>
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
          data-testid={`${props.prefix}-verify`}
          disabled={props.busy}
        >
          {props.verifyLabel}
        </button>
      </div>
    </form>
  );
}

/**
 * (6) Dynamic step-up, headless: `checkStepUpAuth` → `sendEmailOTP` → `verifyOTP({requestedScopes})`, then the
 * SDK attaches the elevated token (`x-dyn-elevated-access-token`) to the wallet calls. A single-use
 * `wallet:export` token is dropped by the SDK when the export call is built; `wallet:sign` is multi-use.
 */
export function DynamicFlow() {
  const clientState = useStore(dynamicClient);
  const [api, setApi] = useState<DynamicApi | null>(null);
  const [user, setUser] = useState<DynamicUserView | null>(null);
  const [email, setEmail] = useState('grace@demo.test');
  const [signinVerification, setSigninVerification] = useState<OtpVerification | null>(null);
  const [scope, setScope] = useState<Scope>('wallet:export');
  const [check, setCheck] = useState<(StepUpCheckResult & { scope: Scope }) | null>(null);
  const [stepUpVerification, setStepUpVerification] = useState<OtpVerification | null>(null);
  const [issued, setIssued] = useState<IssuedToken[]>([]);
  const [spentExportToken, setSpentExportToken] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorEvent | null>(null);
  const [, setTick] = useState(0);

  const add = (o: Omit<Outcome, 'id'>) => setOutcomes((list) => [...list, { ...o, id: list.length + 1 }]);

  /** Runs an action with the client, starting it first when needed. */
  const run = async (fn: (a: DynamicApi) => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    let current = api;
    try {
      current ??= await getDynamicApi();
      setApi(current);
      await fn(current);
    } catch (err) {
      setError(recordError('dynamic', err, apiErrorDetails(err)));
    } finally {
      if (current) setUser(current.user());
      setTick((n) => n + 1);
      setBusy(false);
    }
  };
  const start = () => run(async () => undefined);

  /** A protected call: its 403 is the expected refusal of a spent or missing elevated token. */
  const protectedCall = async (label: string, call: () => Promise<{ roomId: string }>): Promise<void> => {
    try {
      const result = await call();
      add({
        kind: 'ok',
        text: (
          <>
            {label}: accepted, MPC room <code>{result.roomId.slice(0, 8)}</code>.
          </>
        ),
      });
    } catch (err) {
      const details = apiErrorDetails(err);
      if (details.status !== 403) throw err;
      recordError('dynamic', err, details);
      add({
        kind: 'rejected',
        text: (
          <>
            {label}: refused, <code>{details.code}</code> — {(err as Error).message}
          </>
        ),
      });
    }
  };

  const sendSignin = () =>
    run(async (a) => {
      setSigninVerification(await a.sendEmailOTP(email.trim()));
    });
  const verifySignin = (code: string) =>
    run(async (a) => {
      if (!signinVerification) return;
      await a.verifyOTP(signinVerification, code);
      setSigninVerification(null);
    });
  const signOut = () =>
    run(async (a) => {
      await a.logout();
      setCheck(null);
      setStepUpVerification(null);
    });
  const runCheck = () =>
    run(async (a) => {
      setCheck({ ...(await a.checkStepUpAuth(scope)), scope });
    });
  const sendStepUp = () =>
    run(async (a) => {
      const current = a.user();
      if (!current) throw new Error('Sign in with Dynamic first');
      setStepUpVerification(await a.sendEmailOTP(current.email));
    });
  const verifyStepUp = (code: string) =>
    run(async (a) => {
      if (!stepUpVerification) return;
      const response = await a.verifyOTP(stepUpVerification, code, [scope]);
      setStepUpVerification(null);
      const token = response.elevatedAccessToken ? decodeElevated(response.elevatedAccessToken) : null;
      if (token) setIssued((list) => [...list, token]);
      setCheck(null);
    });
  const exportKey = () =>
    run(async (a) => {
      const held = a.peekElevatedToken('wallet:export');
      await protectedCall('Private key export', () => a.exportPrivateKey());
      if (held) setSpentExportToken(held);
    });
  const replay = () =>
    run(async (a) => {
      if (!spentExportToken) return;
      await protectedCall('Export replaying the spent token', () =>
        a.exportPrivateKeyWithToken(spentExportToken),
      );
    });
  const sign = () =>
    run(async (a) => {
      await protectedCall('Message signature', () =>
        a.signMessage(`Northwind demo ${new Date().toISOString()}`),
      );
    });

  const clientLabel =
    clientState.status === 'idle'
      ? 'not started (it starts on first use: project settings, nonces)'
      : clientState.status === 'loading'
        ? 'starting the Dynamic client…'
        : clientState.kind === 'sdk'
          ? `@dynamic-labs-sdk/client ${clientState.version ?? ''}`
          : clientState.kind === 'replica'
            ? `request replica of @dynamic-labs-sdk/client ${clientState.version ?? ''}`
            : `Dynamic client failed: ${clientState.error ?? ''}`;

  return (
    <Card
      id="dynamic"
      index={6}
      title="Crypto wallet (Dynamic)"
      scope="wallet:export · wallet:sign"
      description={
        <>
          Dynamic asks first: <code>checkStepUpAuth</code>, then an e-mail code verified with{' '}
          <code>requestedScopes</code> returns an <em>elevated access token</em> that the SDK sends as{' '}
          <code>x-dyn-elevated-access-token</code>. Export is single-use; signing is multi-use.
        </>
      }
    >
      <p
        class={`note ${clientState.status === 'error' ? 'note-error' : 'note-info'}`}
        data-testid="dynamic-client"
        data-client={clientState.kind ?? ''}
        data-status={clientState.status}
      >
        <span class="muted">Client:</span> <code>{clientLabel}</code>
        {clientState.status === 'idle' && (
          <>
            {' '}
            <button
              type="button"
              class="btn btn-small"
              data-testid="dynamic-start"
              disabled={busy}
              onClick={() => void start()}
            >
              Start client
            </button>
          </>
        )}
        {clientState.kind === 'replica' && (
          <span class="note-message">
            The SDK is not installed in this project, so the page sends the same requests through{' '}
            <code>demo/dynamic/client-replica.ts</code> (see docs/emulator.md to install the real SDK).
          </span>
        )}
      </p>

      {user ? (
        <div class="row">
          <span
            class="pill pill-granted"
            data-testid="dynamic-session"
            data-state="signed-in"
            data-email={user.email}
          >
            signed in as {user.email}
          </span>
          <button
            type="button"
            class="btn btn-ghost btn-small"
            data-testid="dynamic-signout"
            disabled={busy}
            onClick={() => void signOut()}
          >
            Sign out
          </button>
        </div>
      ) : (
        <>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void sendSignin();
            }}
          >
            <label class="field" for="dynamic-email">
              <span>E-mail</span>
              <input
                id="dynamic-email"
                data-testid="dynamic-email"
                type="email"
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </label>
            <button type="submit" class="btn btn-primary" data-testid="dynamic-signin-send" disabled={busy}>
              Send sign-in code
            </button>
            <span class="pill" data-testid="dynamic-session" data-state="signed-out">
              signed out
            </span>
          </form>
          {signinVerification && (
            <CodeForm
              prefix="dynamic-signin"
              purpose="login"
              verification={signinVerification}
              label="Dynamic sign-in"
              verifyLabel="Sign in"
              busy={busy}
              onVerify={(code) => void verifySignin(code)}
            />
          )}
        </>
      )}

      <div class="row" role="group" aria-label="Scope">
        {SCOPES.map((s) => (
          <button
            key={s.scope}
            type="button"
            class={`btn btn-small ${scope === s.scope ? 'btn-selected' : 'btn-ghost'}`}
            aria-pressed={scope === s.scope}
            data-testid={`dynamic-scope-${s.id}`}
            onClick={() => {
              setScope(s.scope);
              setCheck(null);
              setStepUpVerification(null);
            }}
          >
            {s.label}
          </button>
        ))}
        <button
          type="button"
          class="btn"
          data-testid="dynamic-check"
          disabled={!user || busy}
          onClick={() => void runCheck()}
        >
          Check step-up
        </button>
        {check && (
          <span
            class={`pill ${check.isRequired ? 'pill-challenge' : 'pill-granted'}`}
            data-testid="dynamic-check-result"
            data-required={String(check.isRequired)}
            data-scope={check.scope}
          >
            {check.isRequired
              ? `step-up required · ${check.credentials.map((c) => `${c.format} ${c.alias ?? ''}`).join(', ')}`
              : 'not required: a valid elevated token is held'}
          </span>
        )}
      </div>
      {check?.isRequired && !stepUpVerification && (
        <div class="row">
          <button
            type="button"
            class="btn btn-primary"
            data-testid="dynamic-stepup-send"
            disabled={busy}
            onClick={() => void sendStepUp()}
          >
            Send e-mail code for {check.scope}
          </button>
        </div>
      )}
      {stepUpVerification && (
        <CodeForm
          prefix="dynamic-stepup"
          purpose="stepup"
          verification={stepUpVerification}
          label={`Dynamic ${scope}`}
          verifyLabel={`Verify for ${scope}`}
          busy={busy}
          onVerify={(code) => void verifyStepUp(code)}
        />
      )}

      {issued.length > 0 && (
        <ul class="kv-list" aria-label="Elevated access tokens">
          {issued.map((t) => {
            const held = api?.peekElevatedToken(t.scope.split(' ')[0] ?? '') === t.token;
            return (
              <li
                key={t.token}
                data-testid="dynamic-token"
                data-scope={t.scope}
                data-single-use={String(t.singleUse)}
                data-held={String(held)}
              >
                <code class="chip chip-scope">{t.scope}</code>{' '}
                <span class="muted small">
                  {t.singleUse ? 'single-use' : 'multi-use'} · expires{' '}
                  {new Date(t.exp * 1000).toLocaleTimeString()} ·{' '}
                  {held ? 'held by the client' : 'no longer held (used or replaced)'}
                </span>
              </li>
            );
          })}
        </ul>
      )}

      <div class="row">
        <button
          type="button"
          class="btn"
          data-testid="dynamic-export"
          disabled={!user || busy}
          onClick={() => void exportKey()}
        >
          Export private key
        </button>
        <button
          type="button"
          class="btn"
          data-testid="dynamic-sign"
          disabled={!user || busy}
          onClick={() => void sign()}
        >
          Sign a message
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          data-testid="dynamic-replay"
          disabled={!user || busy || !spentExportToken}
          title="Send the spent single-use export token again, as a buggy app keeping its own copy would"
          onClick={() => void replay()}
        >
          Replay the spent export token
        </button>
      </div>
      <ErrorNote error={error} testId="dynamic-error" />
      <Outcomes items={outcomes} testId="dynamic-result" label="Wallet calls" />
    </Card>
  );
}
