/**
 * Findings grouped by severity, each with the catalogue's explanation, fix and reference, and its exchange. One
 * flat list (group headings and findings) on the shared virtualiser: a finding's height is measured as it
 * renders, so a message wrapping to several lines or an opened explanation takes the room it needs.
 */
import { useCallback, useMemo, useState } from 'preact/hooks';
import { describeOffset } from '../../core/dpop/offset.ts';
import { getRule } from '../../core/findings/catalogue.ts';
import type { Severity } from '../../core/findings/types.ts';
import type { Finding, SessionModel } from '../../core/model/types.ts';
import { useDispatch, useStore } from '../hooks.ts';
import { exchangeIdAt, selectActiveSession } from '../store/selectors.ts';
import { useVirtualList } from './virtual.ts';

const GROUPS: { severity: Severity; title: string }[] = [
  { severity: 'error', title: 'Errors' },
  { severity: 'warning', title: 'Warnings' },
  { severity: 'info', title: 'Info' },
];

type Item =
  | { kind: 'clock'; key: string }
  | { kind: 'group'; key: string; severity: Severity; title: string; count: number }
  | { kind: 'finding'; key: string; finding: Finding };

/** The list in reading order: the clock note if any, then each severity's heading and its findings. */
function itemsOf(model: SessionModel): Item[] {
  const items: Item[] = [];
  if (model.stats.clockOffset?.notable === true) items.push({ kind: 'clock', key: 'clock' });
  for (const { severity, title } of GROUPS) {
    const findings = model.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    items.push({ kind: 'group', key: `group ${severity}`, severity, title, count: findings.length });
    for (const finding of findings) items.push({ kind: 'finding', key: `finding ${finding.id}`, finding });
  }
  return items;
}

/** First guesses before measuring: one line for a heading, a collapsed finding two (message under title). */
const ESTIMATES: Record<Item['kind'], number> = { clock: 44, group: 24, finding: 40 };

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
  return <FindingsList model={model} />;
}

function FindingsList({ model }: { model: SessionModel }) {
  const items = useMemo(() => itemsOf(model), [model]);
  // Which findings are open, kept here: a finding scrolled out of the window and back keeps its state.
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback(
    (id: string, isOpen: boolean) =>
      setOpen((current) => {
        if (current.has(id) === isOpen) return current;
        const next = new Set(current);
        if (isOpen) next.add(id);
        else next.delete(id);
        return next;
      }),
    [],
  );
  const list = useVirtualList({
    count: items.length,
    estimateSize: (index) => ESTIMATES[items[index]?.kind ?? 'finding'],
    getItemKey: (index) => items[index]?.key ?? index,
  });
  return (
    <div class="findings" ref={list.scrollRef} data-testid="findings">
      <div class="findings-spacer" style={{ height: `${list.totalSize}px` }}>
        {list.items.map((v) => {
          const item = items[v.index];
          if (!item) return null;
          return (
            <div
              key={item.key}
              ref={list.measure}
              data-index={v.index}
              class={`findings-item findings-${item.kind}`}
              style={{ transform: `translateY(${v.start}px)` }}
            >
              {item.kind === 'clock' ? <ClockNote model={model} /> : null}
              {item.kind === 'group' ? (
                <h3
                  class={`finding-group sev-${item.severity}`}
                  data-testid="finding-group"
                  data-severity={item.severity}
                >
                  <span class={`sev-dot sev-dot-${item.severity}`} /> {item.title}{' '}
                  <span class="muted">({item.count})</span>
                </h3>
              ) : null}
              {item.kind === 'finding' ? (
                <FindingItem
                  finding={item.finding}
                  model={model}
                  open={open.has(item.finding.id)}
                  onToggle={toggle}
                />
              ) : null}
            </div>
          );
        })}
      </div>
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

/**
 * Title, then the message with the whole width to wrap in, then the link to the exchange after it (beside the
 * message's last line when there is room, under it when not): the message is what a reader came for.
 */
function FindingItem({
  finding,
  model,
  open,
  onToggle,
}: {
  finding: Finding;
  model: SessionModel;
  open: boolean;
  onToggle: (id: string, open: boolean) => void;
}) {
  const dispatch = useDispatch();
  const rule = getRule(finding.code);
  const exchangeId = exchangeIdAt(model, finding.exchange);
  const analyzed = finding.exchange === null ? undefined : model.exchanges[finding.exchange];
  return (
    <div
      class={`finding sev-${finding.severity}`}
      data-testid="finding"
      data-code={finding.code}
      data-severity={finding.severity}
    >
      <details
        open={open}
        onToggle={(e) => onToggle(finding.id, (e.currentTarget as HTMLDetailsElement).open)}
      >
        <summary>
          <span class="finding-title">{rule?.title ?? finding.code}</span>
          <span class="finding-message" data-testid="finding-message">
            {finding.message}
          </span>
          {exchangeId !== null && finding.exchange !== null ? (
            <button
              type="button"
              class="link finding-link"
              data-testid="finding-link"
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
    </div>
  );
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
