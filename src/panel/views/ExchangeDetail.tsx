/**
 * The detail pane: one exchange with its tokens (the default tab when it has any), its DPoP checklist,
 * headers and bodies, the findings that point at it, "Copy request" (as fetch or cURL, redacted unless the
 * user picks "with secrets"), and "Replay verbatim" as a replay-protection test.
 */
import { useState } from 'preact/hooks';
import { getRule } from '../../core/findings/catalogue.ts';
import { requestAsCode, requestCodeProblem, type RequestCodeFormat } from '../../core/export/request-code.ts';
import { droppedBodyNote } from '../../core/http/body.ts';
import type { Body, HttpExchange } from '../../core/http/exchange.ts';
import { errorReasonOf } from '../../core/http/www-authenticate.ts';
import type { AnalyzedExchange, Finding, SessionModel } from '../../core/model/types.ts';
import { formatDuration, formatIsoTime } from '../../core/tokens/time.ts';
import { useCommands, useDispatch, useNow, useRules, useStore } from '../hooks.ts';
import type { ActionResult } from '../panel-services.ts';
import { selectActiveSession, selectCanAct, selectSelectedExchange } from '../store/selectors.ts';
import { ActionButton, Badge, ClockTime, TONE_CLASS } from './common.tsx';
import { CopyMenu, type CopyMenuItem } from './copy.tsx';
import { DpopChecklist } from './DpopChecklist.tsx';
import { RegionBoundary } from './ErrorBoundary.tsx';
import { TokenInspector } from './TokenInspector.tsx';

type DetailTab = 'tokens' | 'dpop' | 'headers' | 'request' | 'response';

/** How an action's verdict tone is coloured: a refused replay is the good outcome. */
export { TONE_CLASS };

export function ExchangeDetail() {
  const selected = useStore(selectSelectedExchange);
  const session = useStore(selectActiveSession);
  const token = useStore((s) => s.selection.token);
  const dispatch = useDispatch();
  if (!selected) return null;
  const { exchange, analyzed, number } = selected;
  return (
    <aside class="detail" data-testid="exchange-detail" aria-label={`Exchange ${number}`}>
      <DetailHeader
        exchange={exchange}
        analyzed={analyzed}
        number={number}
        onClose={() => dispatch({ type: 'detailClosed' })}
      />
      <DetailFindings model={session.model} analyzed={analyzed} />
      <DetailTabs
        key={exchange.id}
        exchange={exchange}
        analyzed={analyzed}
        model={session.model}
        token={token}
        onSelectToken={(t) => dispatch({ type: 'exchangeSelected', id: exchange.id, token: t })}
      />
    </aside>
  );
}

function DetailHeader({
  exchange,
  analyzed,
  number,
  onClose,
}: {
  exchange: HttpExchange;
  analyzed: AnalyzedExchange | undefined;
  number: number;
  onClose: () => void;
}) {
  const commands = useCommands();
  const rules = useRules();
  const canAct = useStore(selectCanAct);
  const tabId = useStore((s) => s.tabId);
  const dispatch = useDispatch();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionResult | null>(null);
  const rule = rules.canReplayVerbatim(exchange);
  const availability = canAct.enabled ? rule : canAct;
  const replay = () => {
    if (tabId === null) return;
    setBusy(true);
    setResult(null);
    void commands
      .replayVerbatim(exchange)
      .then(setResult)
      .finally(() => setBusy(false));
  };
  // One reason in the title; where the response gave two (body and WWW-Authenticate), both below the URL.
  const reason = analyzed?.exchange === exchange ? errorReasonOf(exchange, analyzed.errorCode) : null;
  const elapsed = exchange.endedAt === undefined ? null : Math.max(0, exchange.endedAt - exchange.startedAt);
  // Milliseconds as DevTools shows them; beyond a minute (or a garbled time) in words.
  const duration =
    elapsed === null ? '' : elapsed < 60_000 ? `${Math.round(elapsed)} ms` : formatDuration(elapsed);
  return (
    <header class="detail-header">
      <div class="detail-title">
        <span class="muted">#{number}</span>
        <span class={`method method-${exchange.method.toLowerCase()}`}>{exchange.method}</span>
        <span class="detail-url" title={exchange.url}>
          {analyzed?.classification?.label ?? pathOf(exchange.url)}
        </span>
        <span class={`status-code ${statusClass(exchange.status)}`}>
          {exchange.status || exchange.error || 'no response'}
        </span>
        {reason ? (
          <code class="error-code" title={reason.detail} data-testid="detail-error-reason">
            {reason.code}
          </code>
        ) : null}
        <span class="spacer" />
        <button
          type="button"
          class="icon-btn"
          title="Close (Esc)"
          aria-label="Close detail"
          onClick={onClose}
          data-testid="detail-close"
        >
          ✕
        </button>
      </div>
      <div class="detail-meta">
        <span class="mono url" title={exchange.url}>
          {exchange.url}
        </span>
      </div>
      {reason?.other ? (
        <div class="detail-meta muted" data-testid="detail-error-detail">
          {reason.detail}
        </div>
      ) : null}
      <div class="detail-meta">
        <ClockTime ms={exchange.startedAt} />
        {duration ? <span class="muted">{duration}</span> : null}
        <span class="muted" title="Who saw this exchange">
          via {exchange.sources.join(' + ')}
        </span>
        {exchange.pageReported ? (
          <Badge tone="warn" title="Reported by the page hook: code running in the page could have shaped it">
            page-reported
          </Badge>
        ) : null}
        {exchange.initiator === 'inspector' ? <Badge tone="inspector">sent by inspector</Badge> : null}
        <span class="spacer" />
        <CopyRequest exchange={exchange} />
        <ActionButton
          label="Replay verbatim"
          title="Replay-protection test: sends the same bytes again (same DPoP proof, same tokens). A rejection is the good outcome."
          availability={availability}
          onClick={replay}
          busy={busy}
          testId="replay-verbatim"
        />
      </div>
      {result ? (
        <div
          class={`verdict ${result.ok ? `verdict-${TONE_CLASS[result.tone]}` : 'verdict-error'}`}
          data-testid="replay-result"
          data-tone={result.ok ? result.tone : 'failed'}
          role="status"
        >
          {result.ok ? (
            <>
              <strong>Replay {result.exchange.status || 'without response'}:</strong> {result.verdict}{' '}
              {result.skippedHeaders?.length ? (
                <span
                  class="muted"
                  title={result.skippedHeaders.map((h) => `${h.name}: ${h.reason}`).join('\n')}
                >
                  ({result.skippedHeaders.length} header{result.skippedHeaders.length === 1 ? '' : 's'} not
                  re-sent)
                </span>
              ) : null}{' '}
              {result.recorded ? (
                <button
                  type="button"
                  class="link"
                  onClick={() => dispatch({ type: 'exchangeSelected', id: result.exchange.id })}
                >
                  open the replay
                </button>
              ) : (
                <span class="muted">(not recorded in the log)</span>
              )}
            </>
          ) : (
            <>Replay not sent: {result.reason}</>
          )}
        </div>
      ) : null}
    </header>
  );
}

const FORMAT_NAMES: Record<RequestCodeFormat, string> = { curl: 'cURL', fetch: 'fetch' };

/** The request as code: redacted first in the menu; the copies with secrets last, labelled and drawn as such. */
function CopyRequest({ exchange }: { exchange: HttpExchange }) {
  const problem = requestCodeProblem(exchange);
  if (problem !== null) {
    return (
      <button type="button" class="btn" disabled title={problem} data-testid="copy-request">
        Copy request ▾
      </button>
    );
  }
  const item = (format: RequestCodeFormat, withSecrets: boolean): CopyMenuItem => ({
    id: `${format}${withSecrets ? '-secrets' : ''}`,
    label: `as ${FORMAT_NAMES[format]}${withSecrets ? ' WITH secrets' : ' (redacted)'}`,
    danger: withSecrets,
    run: () => {
      const { text, redacted } = requestAsCode(exchange, { format, withSecrets });
      const name = FORMAT_NAMES[format];
      if (withSecrets) return { text, confirmation: `${name} copied WITH secrets` };
      // Short beside the button (the row must not reflow); what was replaced on hover.
      return {
        text,
        confirmation: `${name} copied (redacted)`,
        detail: redacted.length ? redacted.join('\n') : 'Nothing secret was found to replace.',
      };
    },
  });
  return (
    <CopyMenu
      label="Copy request"
      title="Copy the request as a fetch() call or a cURL command; redacted unless you pick “with secrets”"
      items={[item('curl', false), item('fetch', false), item('curl', true), item('fetch', true)]}
      testId="copy-request"
    />
  );
}

function DetailFindings({
  model,
  analyzed,
}: {
  model: SessionModel | null;
  analyzed: AnalyzedExchange | undefined;
}) {
  if (!model || !analyzed) return null;
  const findings = analyzed.findingIds
    .map((id) => model.findings.find((f) => f.id === id))
    .filter((f): f is Finding => f !== undefined);
  if (findings.length === 0 && analyzed.notes.length === 0) return null;
  return (
    <ul class="detail-findings" data-testid="detail-findings">
      {findings.map((f) => (
        <li key={f.id} class={`sev-${f.severity}`}>
          <span class={`sev-dot sev-dot-${f.severity}`} aria-label={f.severity} />
          <strong>{getRule(f.code).title}</strong> <span>{f.message}</span>{' '}
          <code class="muted">{f.code}</code>
        </li>
      ))}
      {analyzed.notes.map((note) => (
        <li key={note} class="note">
          <span class="sev-dot sev-dot-note" aria-label="note" /> <span class="muted">{note}</span>
        </li>
      ))}
    </ul>
  );
}

function DetailTabs({
  exchange,
  analyzed,
  model,
  token,
  onSelectToken,
}: {
  exchange: HttpExchange;
  analyzed: AnalyzedExchange | undefined;
  model: SessionModel | null;
  token: Parameters<typeof TokenInspector>[0]['selected'];
  onSelectToken: Parameters<typeof TokenInspector>[0]['onSelect'];
}) {
  const hasTokens = (analyzed?.tokens.length ?? 0) > 0;
  const [tab, setTab] = useState<DetailTab>(
    token?.location === 'request.dpop' && !hasTokens ? 'dpop' : hasTokens ? 'tokens' : 'headers',
  );
  const exps = (analyzed?.tokens ?? []).flatMap((t) =>
    t.decoded.ok && typeof t.decoded.claims['exp'] === 'number' ? [t.decoded.claims['exp'] * 1000] : [],
  );
  const now = useNow(exps);
  const tabs: { id: DetailTab; label: string; show: boolean }[] = [
    { id: 'tokens', label: `Tokens${hasTokens ? ` (${analyzed?.tokens.length})` : ''}`, show: true },
    { id: 'dpop', label: 'DPoP', show: analyzed?.dpop != null },
    { id: 'headers', label: 'Headers', show: true },
    { id: 'request', label: 'Payload', show: true },
    { id: 'response', label: 'Response', show: true },
  ];
  return (
    <div class="detail-body">
      <div class="subtabs" role="tablist">
        {tabs
          .filter((t) => t.show)
          .map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              class={`subtab ${tab === t.id ? 'active' : ''}`}
              onClick={() => setTab(t.id)}
              data-testid={`detail-tab-${t.id}`}
            >
              {t.label}
            </button>
          ))}
      </div>
      <div class="detail-content">
        {tab === 'tokens' ? (
          analyzed ? (
            <RegionBoundary region="token inspector" subject={`exchange ${exchange.id}`}>
              <TokenInspector
                analyzed={analyzed}
                model={model}
                selected={token}
                onSelect={onSelectToken}
                now={now}
              />
            </RegionBoundary>
          ) : (
            <p class="empty-inline">Analysing…</p>
          )
        ) : null}
        {tab === 'dpop' && analyzed?.dpop ? (
          <DpopChecklist report={analyzed.dpop} exchange={exchange} />
        ) : null}
        {tab === 'headers' ? <HeadersView exchange={exchange} /> : null}
        {tab === 'request' ? <BodyView body={exchange.requestBody} what="request" /> : null}
        {tab === 'response' ? <BodyView body={exchange.responseBody} what="response" /> : null}
      </div>
    </div>
  );
}

function HeadersView({ exchange }: { exchange: HttpExchange }) {
  return (
    <div class="headers-view">
      <HeaderTable
        title="General"
        rows={[
          { name: 'Request URL', value: exchange.url },
          { name: 'Method', value: exchange.method },
          {
            name: 'Status',
            value: `${exchange.status}${exchange.statusText ? ` ${exchange.statusText}` : ''}`,
          },
          ...(exchange.error ? [{ name: 'Error', value: exchange.error }] : []),
          { name: 'Started', value: formatIsoTime(exchange.startedAt) },
          { name: 'Captured by', value: exchange.sources.join(', ') },
        ]}
      />
      <HeaderTable
        title={`Request headers (${exchange.requestHeaders.length})`}
        rows={exchange.requestHeaders}
      />
      <HeaderTable
        title={`Response headers (${exchange.responseHeaders.length})`}
        rows={exchange.responseHeaders}
      />
    </div>
  );
}

function HeaderTable({
  title,
  rows,
}: {
  title: string;
  rows: readonly { name: string; value: string; truncated?: boolean }[];
}) {
  return (
    <table class="grid headers">
      <thead>
        <tr>
          <th colSpan={2}>{title}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((h, i) => (
          <tr key={`${h.name}-${i}`}>
            <td class="c-name">{h.name}</td>
            <td class="c-value mono">
              {h.truncated ? (
                <Badge tone="warn" title="Over 1 MiB in the file: cut to its first 1 MiB when loaded">
                  truncated
                </Badge>
              ) : null}{' '}
              {h.value}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BodyView({ body, what }: { body: Body; what: 'request' | 'response' }) {
  if (body.kind === 'absent' && body.dropped !== undefined) {
    return (
      <p class="empty-inline" data-testid="body-dropped">
        {droppedBodyNote(body.dropped)}
      </p>
    );
  }
  if (body.kind === 'absent') {
    return (
      <p class="empty-inline" data-testid="body-absent">
        {what === 'response'
          ? 'Response body not captured. webRequest never sees bodies: keep DevTools open during the flow, or turn on "From page load" (on by default on loopback origins).'
          : 'No request body.'}
      </p>
    );
  }
  const text = body.kind === 'text' ? body.text : body.base64;
  let pretty: string | null = null;
  if (body.kind === 'text' && text.length < 1_000_000) {
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      pretty = null;
    }
  }
  return (
    <div class="body-view">
      <div class="body-meta muted">
        {body.mimeType ?? 'unknown type'} · {text.length} chars{body.kind === 'base64' ? ' (base64)' : ''}
        {body.truncated ? <Badge tone="warn">truncated</Badge> : null}
      </div>
      {pretty !== null && pretty !== text ? (
        <div class="side-by-side">
          <section>
            <h4>Raw</h4>
            <pre class="code">{text}</pre>
          </section>
          <section>
            <h4>Parsed</h4>
            <pre class="code">{pretty}</pre>
          </section>
        </div>
      ) : (
        <pre class="code">{text === '' ? '(empty)' : text}</pre>
      )}
    </div>
  );
}

function statusClass(status: number): string {
  if (status === 0) return 'status-none';
  if (status >= 400) return 'status-err';
  if (status >= 300) return 'status-redirect';
  return 'status-ok';
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}
