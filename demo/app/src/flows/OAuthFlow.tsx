import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { recordError, type ErrorEvent } from '../lib/activity.ts';
import {
  authorize,
  callApi,
  oauthSession,
  setBrokenIdp,
  type ApiResult,
  type Challenge,
} from '../lib/oauth.ts';
import { useStore } from '../lib/use-store.ts';
import { Card } from '../components/Card.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Outcomes, type Outcome } from '../components/Outcomes.tsx';

/** How many step-ups the automatic client tries before calling it a loop. */
const MAX_STEP_UPS = 2;

function ageOf(authTime: number): string {
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - authTime));
  return seconds >= 120 ? `${Math.round(seconds / 60)} min ago` : `${seconds} s ago`;
}

/** What re-authentication a challenge asks for. */
function reauthRequest(challenge: Challenge): { acrValues?: string; maxAge?: string; scope?: string } {
  const p = challenge.params;
  const request: { acrValues?: string; maxAge?: string; scope?: string } = {};
  if (p['acr_values']) request.acrValues = p['acr_values'];
  if (p['max_age']) request.maxAge = p['max_age'];
  if (p['error'] === 'insufficient_scope' && p['scope']) request.scope = p['scope'];
  return request;
}

/**
 * (7) Any OAuth API that speaks RFC 9470: the payments API answers 401 `insufficient_user_authentication` with
 * `acr_values` and `max_age` until the access token's `acr`/`auth_time` satisfy them; the statements API answers
 * 403 `insufficient_scope`. The client re-authenticates with what the challenge asks. A "broken IdP" ignores
 * `acr_values`, so an automatic client loops.
 */
export function OAuthFlow() {
  const { accessToken } = useStore(oauthSession);
  const [challenge, setChallenge] = useState<{ challenge: Challenge; status: number; path: string } | null>(
    null,
  );
  const [brokenIdp, setBroken] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorEvent | null>(null);
  const add = (o: Omit<Outcome, 'id'>) => setOutcomes((list) => [...list, { ...o, id: list.length + 1 }]);

  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(recordError('oauth', err));
    } finally {
      setBusy(false);
    }
  };

  /** Records a call's result: success, or the challenge it answered with. */
  const settle = (label: string, path: string, result: ApiResult): boolean => {
    if (result.status < 300) {
      setChallenge(null);
      add({
        kind: 'ok',
        text: (
          <>
            {label}: accepted (HTTP {result.status}).
          </>
        ),
      });
      return true;
    }
    if (result.challenge) setChallenge({ challenge: result.challenge, status: result.status, path });
    recordError(
      'oauth',
      Object.assign(new Error(String(result.body['error_description'] ?? `HTTP ${result.status}`)), {
        name: 'StepUpChallenge',
      }),
      { code: String(result.body['error'] ?? ''), status: result.status },
    );
    add({
      kind: 'rejected',
      text: (
        <>
          {label}: HTTP {result.status} <code>{String(result.body['error'] ?? '')}</code>
        </>
      ),
    });
    return false;
  };

  const signIn = () =>
    run(async () => {
      await authorize();
      setChallenge(null);
    });
  const pay = () =>
    run(async () => {
      settle('Payment', '/api/payments', await callApi('POST', '/api/payments', { amount: 250 }));
    });
  const statements = () =>
    run(async () => {
      settle('Statements', '/api/statements', await callApi('GET', '/api/statements'));
    });
  const reauthenticate = () =>
    run(async () => {
      if (!challenge) return;
      await authorize(reauthRequest(challenge.challenge));
    });
  const payAutomatically = () =>
    run(async () => {
      let result = await callApi('POST', '/api/payments', { amount: 250 });
      let stepUps = 0;
      const acrs: string[] = [];
      while (
        result.status === 401 &&
        result.challenge?.params['error'] === 'insufficient_user_authentication' &&
        stepUps < MAX_STEP_UPS
      ) {
        stepUps += 1;
        acrs.push((await authorize(reauthRequest(result.challenge))).acr);
        result = await callApi('POST', '/api/payments', { amount: 250 });
      }
      if (settle('Payment with automatic step-up', '/api/payments', result)) return;
      if (stepUps === MAX_STEP_UPS)
        add({
          kind: 'info',
          text: (
            <span data-testid="oauth-loop">
              Challenge loop: {stepUps} step-ups, the same challenge each time (the IdP issued{' '}
              <code>acr={acrs.join(', ')}</code>). Gave up.
            </span>
          ),
        });
    });
  const toggleBroken = (next: boolean) => {
    // Shown at once (a controlled checkbox that lags its click confuses people and tests alike).
    setBroken(next);
    return run(async () => {
      try {
        await setBrokenIdp(next);
      } catch (err) {
        setBroken(!next);
        throw err;
      }
    });
  };

  const params = challenge?.challenge.params ?? {};
  return (
    <Card
      id="oauth"
      index={7}
      title="Pay an invoice (any OAuth API · RFC 9470)"
      scope="acr · max_age"
      description={
        <>
          An OAuth resource server asks <em>after</em> the fact: <code>401</code> with{' '}
          <code>WWW-Authenticate: Bearer error="insufficient_user_authentication"</code>,{' '}
          <code>acr_values</code> and <code>max_age</code>. The client signs in again with those and retries.
        </>
      }
    >
      <div class="row">
        <button
          type="button"
          class="btn btn-primary"
          data-testid="oauth-signin"
          disabled={busy}
          onClick={() => void signIn()}
        >
          Sign in (remembered SSO session)
        </button>
        {accessToken ? (
          <span
            class="pill pill-granted"
            data-testid="oauth-token"
            data-acr={accessToken.acr}
            data-scope={accessToken.scope}
          >
            access token · acr <code>{accessToken.acr}</code> · authenticated {ageOf(accessToken.authTime)}
          </span>
        ) : (
          <span class="pill" data-testid="oauth-token" data-acr="">
            no access token
          </span>
        )}
      </div>
      <div class="row">
        <button type="button" class="btn" data-testid="oauth-pay" disabled={busy} onClick={() => void pay()}>
          Pay $250
        </button>
        <button
          type="button"
          class="btn"
          data-testid="oauth-statements"
          disabled={busy}
          onClick={() => void statements()}
        >
          Download statements
        </button>
        <button
          type="button"
          class="btn"
          data-testid="oauth-pay-auto"
          disabled={busy}
          onClick={() => void payAutomatically()}
        >
          Pay with automatic step-up
        </button>
        <label class="check">
          <input
            type="checkbox"
            data-testid="oauth-broken-idp"
            checked={brokenIdp}
            disabled={busy}
            onChange={(e) => void toggleBroken(e.currentTarget.checked)}
          />
          Broken IdP (ignores <code>acr_values</code>)
        </label>
      </div>
      {challenge && (
        <div
          class="challenge"
          data-testid="oauth-challenge"
          data-status={challenge.status}
          data-error={params['error'] ?? ''}
          data-acr-values={params['acr_values'] ?? ''}
          data-max-age={params['max_age'] ?? ''}
          data-scope={params['scope'] ?? ''}
        >
          <p class="small">
            <code>{challenge.path}</code> answered HTTP {challenge.status} with a{' '}
            <code>{challenge.challenge.scheme}</code> challenge:
          </p>
          <dl class="kv">
            {Object.entries(params).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>
                  <code>{v}</code>
                </dd>
              </Fragment>
            ))}
          </dl>
          <button
            type="button"
            class="btn btn-primary"
            data-testid="oauth-reauth"
            disabled={busy}
            onClick={() => void reauthenticate()}
          >
            Re-authenticate
            {params['acr_values'] ? ` with acr_values=${params['acr_values']}` : ''}
            {params['error'] === 'insufficient_scope' && params['scope']
              ? ` for scope ${params['scope']}`
              : ''}
          </button>
        </div>
      )}
      <ErrorNote error={error} testId="oauth-error" />
      <Outcomes items={outcomes} testId="oauth-result" label="API calls" />
    </Card>
  );
}
