/**
 * What the step-up SDK keeps in the page (localStorage and IndexedDB), read when the user asks: cached
 * challenge tokens, the cached access token (decoded), the DPoP key's thumbprint and stored nonce, and whether
 * a refresh token is stored (never its value).
 */
import { useState } from 'preact/hooks';
import type { SdkState } from '../../core/actions/sdk-state.ts';
import { readChallengeClaims } from '../../core/tokens/claims.ts';
import { parseScopes } from '../../core/tokens/scopes.ts';
import { tokenRole } from '../../core/tokens/kinds.ts';
import { formatIsoTime } from '../../core/tokens/time.ts';
import type { TokenDecodeResult } from '../../core/tokens/types.ts';
import { useCommands, useNow, useStore } from '../hooks.ts';
import { LIVE_SESSION } from '../store/types.ts';
import { ActionButton, ClaimTime, ExpiryBadge, ScopeChips, prettyValue } from './common.tsx';

type ReadState =
  | { state: 'idle' }
  | { state: 'busy' }
  | { state: 'done'; value: SdkState; at: number }
  | { state: 'error'; message: string };

export function SdkStateView() {
  const commands = useCommands();
  const tabId = useStore((s) => s.tabId);
  const onLive = useStore((s) => s.activeSession === LIVE_SESSION);
  const [read, setRead] = useState<ReadState>({ state: 'idle' });
  const availability =
    tabId === null
      ? { enabled: false as const, reason: 'No inspected tab.' }
      : !onLive
        ? {
            enabled: false as const,
            reason: 'Imported sessions have no page to read from: switch to the live log.',
          }
        : { enabled: true as const };
  const run = () => {
    if (tabId === null) return;
    setRead({ state: 'busy' });
    void commands
      .readSdkState()
      .then((read) =>
        setRead(
          read.ok
            ? { state: 'done', value: read.state, at: read.at }
            : { state: 'error', message: read.message },
        ),
      );
  };
  return (
    <div class="sdk-state" data-testid="sdk-state">
      <div class="sdk-bar">
        <ActionButton
          label="Read SDK state"
          availability={availability}
          onClick={run}
          busy={read.state === 'busy'}
          testId="read-sdk-state"
        />
        <span class="muted">
          Reads the SDK's localStorage caches and its IndexedDB database in the page, without changing
          anything. Refresh tokens are reported as present or absent only; the private key never leaves the
          page.
        </span>
      </div>
      {read.state === 'error' ? (
        <p class="verdict verdict-error">Could not read the SDK state: {read.message}</p>
      ) : null}
      {read.state === 'idle' ? (
        <div class="empty">
          <p>Press “Read SDK state” to see what the page's SDK has cached right now.</p>
        </div>
      ) : null}
      {read.state === 'done' ? <SdkStateResultView state={read.value} at={read.at} /> : null}
    </div>
  );
}

function SdkStateResultView({ state, at }: { state: SdkState; at: number }) {
  const exps = [
    ...state.accessTokens.map((a) => (a.expiresAt ?? 0) * 1000),
    ...state.challenges.map((c) => (c.expiresAt ?? 0) * 1000),
  ];
  const now = useNow(exps);
  return (
    <div class="sdk-result" data-testid="sdk-result">
      <div class="muted">
        {state.origin} · read at {formatIsoTime(at)} · IndexedDB {state.indexedDb}
      </div>
      <h4>Cached access token</h4>
      {state.accessTokens.length === 0 ? (
        <p class="muted" data-testid="sdk-no-access">
          none (signed out, or the cache was invalidated by a completed step-up)
        </p>
      ) : (
        <table class="grid" data-testid="sdk-access-tokens">
          <tbody>
            {state.accessTokens.map((a) => (
              <tr key={a.storageKey}>
                <td class="c-name" title={a.storageKey}>
                  {a.appId ?? a.storageKey}
                </td>
                <td>
                  <TokenLine decoded={a.decoded} now={now} problem={a.problem} />
                  <span class="muted"> cache expires </span>
                  {a.expiresAt !== null ? <ClaimTime name="expiresAt" sec={a.expiresAt} now={now} /> : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Cached challenge tokens (step-up in progress)</h4>
      {state.challenges.length === 0 ? (
        <p class="muted" data-testid="sdk-no-challenges">
          none
        </p>
      ) : (
        <table class="grid" data-testid="sdk-challenges">
          <tbody>
            {state.challenges.map((c) => (
              <tr key={c.storageKey}>
                <td class="c-name" title={c.storageKey}>
                  {c.challengeId}
                </td>
                <td>
                  <TokenLine decoded={c.decoded} now={now} problem={c.problem} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>DPoP key</h4>
      {state.dpopKeys.length === 0 ? (
        <p class="muted">no key stored</p>
      ) : (
        <table class="grid" data-testid="sdk-dpop-keys">
          <thead>
            <tr>
              <th>Domain</th>
              <th>Public key thumbprint (jkt)</th>
              <th>Stored nonce</th>
              <th>Private key</th>
            </tr>
          </thead>
          <tbody>
            {state.dpopKeys.map((k) => (
              <tr key={k.domain}>
                <td class="mono">{k.domain}</td>
                <td class="mono" title={k.publicJwk ? prettyValue(k.publicJwk) : k.problem}>
                  {k.thumbprint ?? k.problem ?? '—'}
                </td>
                <td class="mono">{k.nonce ?? <span class="muted">none</span>}</td>
                <td>
                  {k.privateKeyExtractable === null ? (
                    '—'
                  ) : k.privateKeyExtractable ? (
                    <span class="status-fail">extractable!</span>
                  ) : (
                    'non-extractable'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Refresh token</h4>
      {state.refreshTokens.length === 0 ? (
        <p class="muted" data-testid="sdk-refresh">
          absent
        </p>
      ) : (
        <table class="grid" data-testid="sdk-refresh">
          <tbody>
            {state.refreshTokens.map((r) => (
              <tr key={r.domain}>
                <td class="mono">{r.domain}</td>
                <td>
                  <span class={r.present ? 'present' : 'absent'}>{r.present ? 'present' : 'absent'}</span>
                  {r.expiresAt !== null ? <span class="muted"> · expires {String(r.expiresAt)}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {state.notes.length > 0 ? (
        <>
          <h4>Notes</h4>
          <ul class="sdk-notes">
            {state.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function TokenLine({
  decoded,
  now,
  problem,
}: {
  decoded: TokenDecodeResult | null;
  now: number;
  problem: string | undefined;
}) {
  if (!decoded) return <span class="muted">{problem ?? 'no token'}</span>;
  if (!decoded.ok) return <span class="status-fail">{decoded.message}</span>;
  const exp = typeof decoded.claims['exp'] === 'number' ? decoded.claims['exp'] : undefined;
  if (tokenRole(decoded.kind) === 'challenge') {
    const c = readChallengeClaims(decoded.claims);
    return (
      <details class="sdk-jwt">
        <summary>
          <span class="mono">{c.scopeRequested ?? '?'}</span> · current_step{' '}
          <span class="mono">{c.currentStep ?? '?'}</span> ·{' '}
          {c.steps.map((s) => `${s.done ? '✓' : '○'} ${s.key}`).join('  ')}{' '}
          <ExpiryBadge exp={exp} now={now} />
        </summary>
        <Claims claims={decoded.claims} now={now} />
      </details>
    );
  }
  return (
    <details class="sdk-jwt">
      <summary>
        <ScopeChips scopes={parseScopes(decoded.claims['scope'])} /> <ExpiryBadge exp={exp} now={now} />{' '}
        <span class="muted mono">
          {typeof decoded.claims['sub'] === 'string' ? decoded.claims['sub'] : ''}
        </span>
      </summary>
      <Claims claims={decoded.claims} now={now} />
    </details>
  );
}

function Claims({ claims, now }: { claims: Record<string, unknown>; now: number }) {
  return (
    <table class="grid claims">
      <tbody>
        {Object.entries(claims).map(([k, v]) => (
          <tr key={k}>
            <td class="c-name">{k}</td>
            <td class="c-value">
              {['exp', 'iat', 'nbf'].includes(k) && typeof v === 'number' ? (
                <span title={`${k}: ${v}`}>
                  <ClaimTime name={k} sec={v} now={now} />
                </span>
              ) : (
                <span class="mono">{prettyValue(v)}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
