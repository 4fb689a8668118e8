/** Findings grouped by severity, each with the catalogue's explanation, fix and reference, and its exchange. */
import { describeOffset } from '../../core/dpop/offset.ts';
import { getRule } from '../../core/findings/catalogue.ts';
import type { Severity } from '../../core/findings/types.ts';
import type { Finding, SessionModel } from '../../core/model/types.ts';
import { useDispatch, useStore } from '../hooks.ts';
import { exchangeIdAt, selectActiveSession } from '../store/selectors.ts';

const GROUPS: { severity: Severity; title: string }[] = [
  { severity: 'error', title: 'Errors' },
  { severity: 'warning', title: 'Warnings' },
  { severity: 'info', title: 'Info' },
];

export function FindingsView() {
  const session = useStore(selectActiveSession);
  const model = session.model;
  if (!model)
    return <p class="empty-inline">{session.exchanges.length ? 'Analysing…' : 'Nothing captured yet.'}</p>;
  if (model.findings.length === 0) {
    return (
      <>
        <ClockNote model={model} />
        <div class="empty" data-testid="findings-empty">
          <h3>No findings</h3>
          <p>Nothing in the {model.stats.exchanges} captured exchanges breaks a rule the inspector knows.</p>
        </div>
      </>
    );
  }
  return (
    <div class="findings" data-testid="findings">
      <ClockNote model={model} />
      {GROUPS.map(({ severity, title }) => {
        const items = model.findings.filter((f) => f.severity === severity);
        if (items.length === 0) return null;
        return (
          <section
            key={severity}
            class={`finding-group sev-${severity}`}
            data-testid="finding-group"
            data-severity={severity}
          >
            <h3>
              <span class={`sev-dot sev-dot-${severity}`} /> {title}{' '}
              <span class="muted">({items.length})</span>
            </h3>
            <ul>
              {items.map((f) => (
                <FindingItem key={f.id} finding={f} model={model} />
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

/**
 * The session's summary line about clocks: shown only when the capturing device's clock is off the servers' by
 * more than the measurement explains (`ClockOffset.notable`), since the capture's times are then the device's.
 */
function ClockNote({ model }: { model: SessionModel }) {
  const offset = model.stats.clockOffset;
  if (offset?.notable !== true) return null;
  return (
    <p
      class="notice notice-info"
      data-testid="clock-offset"
      title={`client − server ≈ ${offset.offsetMs} ms (±${offset.uncertaintyMs} ms), from ${offset.samples} server times`}
    >
      <span>
        The capturing device's clock runs {describeOffset(offset.offsetMs)} the server, by its Date headers
        and the iat of the tokens it issued. The times shown are the device's; DPoP proofs are judged by the
        server's clock.
      </span>
    </p>
  );
}

function FindingItem({ finding, model }: { finding: Finding; model: SessionModel }) {
  const dispatch = useDispatch();
  const rule = getRule(finding.code);
  const exchangeId = exchangeIdAt(model, finding.exchange);
  const analyzed = finding.exchange === null ? undefined : model.exchanges[finding.exchange];
  return (
    <li class="finding" data-testid="finding" data-code={finding.code}>
      <details>
        <summary>
          <span class="finding-title">{rule?.title ?? finding.code}</span>
          <span class="finding-message">{finding.message}</span>
          {exchangeId !== null && finding.exchange !== null ? (
            <button
              type="button"
              class="link finding-link"
              onClick={(e) => {
                e.preventDefault();
                dispatch({ type: 'exchangeSelected', id: exchangeId, open: true });
              }}
              title={analyzed?.exchange.url}
            >
              #{finding.exchange + 1}{' '}
              {analyzed?.classification?.label ??
                (analyzed ? `${analyzed.exchange.method} ${pathOf(analyzed.exchange.url)}` : '')}
            </button>
          ) : null}
        </summary>
        <div class="finding-body">
          {rule ? (
            <>
              <p>{rule.explanation}</p>
              <p>
                <strong>Fix:</strong> {rule.fix}
              </p>
              <p>
                <a href={rule.reference.url} target="_blank" rel="noreferrer">
                  {rule.reference.label}
                </a>{' '}
                · <code>{finding.code}</code>
              </p>
            </>
          ) : (
            <p>
              <code>{finding.code}</code>
            </p>
          )}
        </div>
      </details>
    </li>
  );
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
