/**
 * One token of an exchange, raw and decoded side by side. "Decoded" (anyone can read a JWT) and "signature
 * verified" (checked against the issuer's JWKS, only when the user asks) are distinct states with distinct
 * looks: a dashed grey badge versus a solid green one. The raw token and its decoded header and claims (as JSON)
 * each have a copy button.
 */
import { useState } from 'preact/hooks';
import type { AnalyzedExchange, SessionModel, TokenLocation } from '../../core/model/types.ts';
import { readChallengeClaims } from '../../core/tokens/claims.ts';
import { tokenKindLabel, tokenRole } from '../../core/tokens/kinds.ts';
import { parseScopes } from '../../core/tokens/scopes.ts';
import type { DecodedToken } from '../../core/tokens/types.ts';
import { useCommands } from '../hooks.ts';
import type { FetchJwksVerifyResult } from '../panel-services.ts';
import {
  TIME_CLAIMS,
  accessVersionFor,
  locationTitle,
  pickToken,
  verificationChecksFor,
} from '../store/token-facts.ts';
import { ActionButton, ClaimTime, ExpiryBadge, ScopeChips, prettyValue } from './common.tsx';
import { CopyButton } from './copy.tsx';
import { DpopChecklist } from './DpopChecklist.tsx';
import { RegionBoundary } from './ErrorBoundary.tsx';

export interface TokenInspectorProps {
  analyzed: AnalyzedExchange;
  model: SessionModel | null;
  selected: { location: TokenLocation; nth: number } | null;
  onSelect: (token: { location: TokenLocation; nth: number }) => void;
  now: number;
}

type VerifyState =
  | { state: 'idle' }
  | { state: 'busy' }
  | { state: 'done'; result: FetchJwksVerifyResult }
  | { state: 'error'; message: string };

export function TokenInspector({ analyzed, model, selected, onSelect, now }: TokenInspectorProps) {
  const picked = pickToken(analyzed, selected);
  if (!picked) {
    return <p class="empty-inline">No tokens on this exchange.</p>;
  }
  const counters = new Map<TokenLocation, number>();
  const tabs = analyzed.tokens.map((t) => {
    const nth = counters.get(t.location) ?? 0;
    counters.set(t.location, nth + 1);
    return { location: t.location, nth, token: t };
  });
  return (
    <div class="token-inspector" data-testid="token-inspector">
      <div class="subtabs" role="tablist" aria-label="Tokens on this exchange">
        {tabs.map((tab) => {
          const active = tab.location === picked.location && tab.nth === picked.nth;
          return (
            <button
              key={`${tab.location}-${tab.nth}`}
              type="button"
              role="tab"
              aria-selected={active}
              class={`subtab ${active ? 'active' : ''}`}
              onClick={() => onSelect({ location: tab.location, nth: tab.nth })}
              data-testid="token-tab"
            >
              {locationTitle(tab.location)}
              {tab.token.decoded.ok ? null : <span class="status status-fail"> ✕</span>}
            </button>
          );
        })}
      </div>
      {/* One token that cannot be shown leaves the tabs of the others usable. */}
      <RegionBoundary
        key={picked.token.decoded.raw}
        region="token"
        subject={`${locationTitle(picked.location)} of exchange ${analyzed.exchange.id}`}
      >
        <TokenBody analyzed={analyzed} model={model} location={picked.location} nth={picked.nth} now={now} />
      </RegionBoundary>
    </div>
  );
}

function TokenBody({
  analyzed,
  model,
  location,
  nth,
  now,
}: {
  analyzed: AnalyzedExchange;
  model: SessionModel | null;
  location: TokenLocation;
  nth: number;
  now: number;
}) {
  const token = analyzed.tokens.filter((t) => t.location === location)[nth];
  if (!token) return null;
  const decoded = token.decoded;
  if (!decoded.ok) {
    return (
      <div class="token-body">
        <div class="token-state">
          <span class="badge badge-error">not decodable: {decoded.code}</span>
          <span>{decoded.message}</span>
        </div>
        <h4 class="pane-heading">
          Raw <CopyRawToken raw={decoded.raw} />
        </h4>
        <pre class="raw-token">{decoded.raw}</pre>
      </div>
    );
  }
  return (
    <div class="token-body">
      <TokenStateRow decoded={decoded} analyzed={analyzed} now={now} />
      <div class="side-by-side">
        <section class="pane-raw">
          <h4 class="pane-heading">
            Raw <CopyRawToken raw={decoded.raw} />
          </h4>
          <RawToken raw={decoded.raw} />
        </section>
        <section class="pane-decoded">
          <h4 class="pane-heading">
            Decoded{' '}
            <CopyButton
              label="Copy JSON"
              accessibleName="Copy the decoded header and claims as JSON"
              title="Copies the header and claims as JSON (no signature)"
              text={() => JSON.stringify({ header: decoded.header, claims: decoded.claims }, null, 2)}
              confirmation="Header and claims copied"
              testId="copy-claims"
            />
          </h4>
          <ClaimsTable title="Header" values={decoded.header} now={now} />
          <ClaimsTable title="Claims" values={decoded.claims} now={now} />
        </section>
      </div>
      <KindDetails decoded={decoded} analyzed={analyzed} model={model} location={location} />
    </div>
  );
}

function TokenStateRow({
  decoded,
  analyzed,
  now,
}: {
  decoded: DecodedToken;
  analyzed: AnalyzedExchange;
  now: number;
}) {
  const commands = useCommands();
  const [verify, setVerify] = useState<VerifyState>({ state: 'idle' });
  const apiBase = analyzed.classification?.apiBase;
  const exp = typeof decoded.claims['exp'] === 'number' ? decoded.claims['exp'] : undefined;
  const canVerify =
    decoded.kind === 'dpop-proof'
      ? { enabled: false as const, reason: 'A DPoP proof is checked against its own key: see the checklist.' }
      : tokenRole(decoded.kind) === 'verification'
        ? {
            enabled: false as const,
            reason: "Signed by the app backend's key, whose JWKS is not in the traffic.",
          }
        : !apiBase
          ? { enabled: false as const, reason: 'No Session API base known for this exchange.' }
          : { enabled: true as const };
  const run = () => {
    if (!apiBase) return;
    setVerify({ state: 'busy' });
    void commands
      .verifySignature(decoded.raw, apiBase)
      .then((check) =>
        setVerify(
          check.ok ? { state: 'done', result: check.result } : { state: 'error', message: check.message },
        ),
      );
  };
  return (
    <div class="token-state">
      <span class="badge badge-kind">{tokenKindLabel(decoded.kind)}</span>
      <SignatureBadge verify={verify} />
      {exp !== undefined || decoded.kind !== 'dpop-proof' ? <ExpiryBadge exp={exp} now={now} /> : null}
      <ActionButton
        label="Verify signature (fetch JWKS)"
        availability={canVerify}
        onClick={run}
        busy={verify.state === 'busy'}
        testId="verify-signature"
        title={apiBase ? `Fetches ${apiBase}/.well-known/jwks.json and verifies the signature` : undefined}
      />
    </div>
  );
}

function SignatureBadge({ verify }: { verify: VerifyState }) {
  if (verify.state === 'done' && verify.result.status === 'verified') {
    const r = verify.result;
    return (
      <span
        class="sig sig-verified"
        data-testid="signature-state"
        data-state="verified"
        title={`Verified with ${r.jwksUrl}${r.kid ? `, key ${r.kid}` : ''} (${r.alg})`}
      >
        ✔ Signature verified · {r.alg}
        {r.kid ? ` · kid ${r.kid}` : ''}
      </span>
    );
  }
  if (verify.state === 'done' || verify.state === 'error') {
    const invalid = verify.state === 'done' && verify.result.status === 'invalid_signature';
    const message =
      verify.state === 'error'
        ? verify.message
        : verify.result.status === 'verified'
          ? ''
          : `${verify.result.status.replace(/_/g, ' ')}: ${verify.result.message}`;
    const attempts =
      verify.state === 'done'
        ? verify.result.attempts.map((a) => `${a.url}: ${a.outcome}`).join('\n')
        : undefined;
    return (
      <span
        class={`sig ${invalid ? 'sig-invalid' : 'sig-unknown'}`}
        data-testid="signature-state"
        data-state={invalid ? 'invalid' : 'unverified'}
        title={attempts}
      >
        {invalid ? '✕ Signature invalid' : '? Not verified'} — {message}
      </span>
    );
  }
  return (
    <span
      class="sig sig-decoded"
      data-testid="signature-state"
      data-state="decoded"
      title="Decoding reads the token; it says nothing about who signed it"
    >
      Decoded · signature not verified
    </span>
  );
}

/** The token as captured, signature included: what a user pastes into another tool to replay or decode it. */
function CopyRawToken({ raw }: { raw: string }) {
  return (
    <CopyButton
      label="Copy"
      accessibleName="Copy the raw token"
      title="Copies the whole token, signature included: it is a credential"
      text={() => raw}
      confirmation="Token copied"
      testId="copy-token"
    />
  );
}

/** The compact serialisation with its three segments coloured (header.payload.signature). */
function RawToken({ raw }: { raw: string }) {
  const [header = '', payload = '', signature = ''] = raw.split('.');
  return (
    <pre class="raw-token" data-testid="raw-token">
      <span class="seg-header">{header}</span>.<span class="seg-payload">{payload}</span>.
      <span class="seg-signature">{signature}</span>
    </pre>
  );
}

function ClaimsTable({
  title,
  values,
  now,
}: {
  title: string;
  values: Record<string, unknown>;
  now: number;
}) {
  const entries = Object.entries(values);
  return (
    <table class="grid claims">
      <thead>
        <tr>
          <th colSpan={2}>{title}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <td class="c-name">{name}</td>
            <td class="c-value">
              {TIME_CLAIMS.has(name) && typeof value === 'number' ? (
                <ClaimTime name={name} sec={value} now={now} />
              ) : (
                <span class="mono">{prettyValue(value)}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function KindDetails({
  decoded,
  analyzed,
  model,
  location,
}: {
  decoded: DecodedToken;
  analyzed: AnalyzedExchange;
  model: SessionModel | null;
  location: TokenLocation;
}) {
  if (decoded.kind === 'dpop-proof')
    return location === 'request.dpop' && analyzed.dpop ? (
      <section class="kind-details">
        <h4>RFC 9449 checklist</h4>
        <DpopChecklist report={analyzed.dpop} exchange={analyzed.exchange} />
      </section>
    ) : null;
  // Shown by what the token is for, whoever issued it; a JWT of no known kind is read for its scopes.
  const role = tokenRole(decoded.kind) ?? (decoded.kind === 'generic-jwt' ? 'access' : null);
  switch (role) {
    case null:
      return null;
    case 'access':
    case 'elevated':
    case 'session': {
      const version = accessVersionFor(model, decoded.raw);
      const scopes = version ? [...version.scopes] : parseScopes(decoded.claims['scope']);
      return (
        <section class="kind-details">
          <h4>Scopes</h4>
          <div class="scope-row" data-testid="token-scopes">
            <ScopeChips scopes={scopes} diff={version?.diff ?? null} />
            {version ? (
              <span class="muted">
                {version.previous === null
                  ? 'first access token of the session'
                  : `vs access token ${version.previous + 1}`}
              </span>
            ) : null}
          </div>
        </section>
      );
    }
    case 'challenge': {
      const claims = readChallengeClaims(decoded.claims);
      return (
        <section class="kind-details">
          <h4>
            Steps <span class="muted">current_step: {claims.currentStep ?? '—'}</span>
          </h4>
          <table class="grid steps" data-testid="challenge-steps">
            <thead>
              <tr>
                <th>#</th>
                <th>Step</th>
                <th>State</th>
                <th>Time allowed</th>
              </tr>
            </thead>
            <tbody>
              {claims.steps.map((step) => {
                const state = step.done ? 'done' : step.key === claims.currentStep ? 'current' : 'pending';
                return (
                  <tr key={`${step.order}-${step.key}`} class={`step-${state}`}>
                    <td>{step.order}</td>
                    <td class="mono">{step.key}</td>
                    <td>
                      <span class={`step-state step-state-${state}`}>{state}</span>
                    </td>
                    <td
                      title={
                        step.expirationDuration !== undefined
                          ? `expiration_duration: ${step.expirationDuration}`
                          : undefined
                      }
                    >
                      {step.expirationDuration !== undefined ? `${step.expirationDuration} s` : '—'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      );
    }
    case 'verification': {
      const token = analyzed.tokens.find((t) => t.location === location && t.decoded.raw === decoded.raw);
      const checks = token ? verificationChecksFor(model, analyzed, token) : null;
      if (!checks) return null;
      return (
        <section class="kind-details">
          <h4>Checks against the challenge</h4>
          <table class="grid checks" data-testid="verification-checks">
            <tbody>
              {checks.map((c) => (
                <tr key={c.id} data-status={c.status}>
                  <td class="c-status">
                    <span class={`status status-${c.status === 'n/a' ? 'na' : c.status}`}>{c.status}</span>
                  </td>
                  <td class="c-check mono">{c.id}</td>
                  <td>{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      );
    }
    default:
      return assertNever(role);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown token role ${String(value)}`);
}
