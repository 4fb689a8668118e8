/**
 * The DevTools-style toolbar: Clear, Preserve log, the page hook ("From page load"), background capture, the
 * session switcher, capture counters, Export and Import.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { BACKGROUND_CAPTURE_HOSTS, isLoopbackOrigin } from '../../shared/permissions.ts';
import { useCommands, useDispatch, useStore } from '../hooks.ts';
import { selectActiveSession, selectCounters } from '../store/selectors.ts';
import type { BackgroundCaptureState, ExportedFile } from '../panel-services.ts';
import { LIVE_SESSION } from '../store/types.ts';
import { ClearIcon, DownloadIcon, UploadIcon } from './icons.tsx';
import { lazyView } from './lazy.tsx';
import { usePopoverPlacement } from './placement.ts';

export function Toolbar({ onImport }: { onImport: () => void }) {
  return (
    <div class="toolbar" role="toolbar" aria-label="Step-Up Inspector">
      <ClearButton />
      <span class="divider" />
      <PreserveToggle />
      <HookToggle />
      <BackgroundCaptureToggle />
      <span class="spacer" />
      <ExportMenu />
      <button
        type="button"
        class="tb-btn"
        onClick={onImport}
        title="Open a HAR or inspector export as a separate session (or drop the file on the panel)"
        aria-label="Import"
        data-testid="import-button"
      >
        <UploadIcon /> <span class="tb-text">Import</span>
      </button>
    </div>
  );
}

/** The DevTools-style status bar at the bottom: which session, capture counters, analysis activity. */
export function StatusBar() {
  return (
    <footer class="statusbar">
      <Counters />
    </footer>
  );
}

function ClearButton() {
  const commands = useCommands();
  const tabId = useStore((s) => s.tabId);
  const onLive = useStore((s) => s.activeSession === LIVE_SESSION);
  return (
    <button
      type="button"
      class="tb-btn icon"
      title={
        onLive
          ? 'Clear the captured log of this tab'
          : 'Clear the live log (the imported session is not affected)'
      }
      aria-label="Clear"
      disabled={tabId === null}
      onClick={() => commands.clearLog()}
      data-testid="clear"
    >
      <ClearIcon />
    </button>
  );
}

function PreserveToggle() {
  const commands = useCommands();
  const tabId = useStore((s) => s.tabId);
  const preserve = useStore((s) => s.live.state?.preserve ?? true);
  return (
    <label class="tb-check" title="Keep the log when the page navigates or reloads">
      <input
        type="checkbox"
        checked={preserve}
        disabled={tabId === null}
        onChange={(e) => commands.setPreserve((e.currentTarget as HTMLInputElement).checked)}
        data-testid="preserve-log"
      />
      Preserve log
    </label>
  );
}

/** Why the hook cannot be turned on when the browser has not reported the inspected page's origin. */
const HOOK_ORIGIN_UNKNOWN =
  "Not available yet: the browser has not told the inspector this page's origin. Reload the page with DevTools open and it will (the inspector does not ask the page, which could answer anything). Pages without a web origin (chrome://, about:blank, files) cannot have the hook.";

const HOOK_DOES =
  'a small hook runs in its pages and their frames from the first script on, so the step-up calls they make are captured with their bodies even while DevTools is closed';

/** What "From page load" does for `origin`, and where it stands there. */
function hookTitle(origin: string | null, enabled: boolean, known: boolean): string {
  if (!origin) return HOOK_ORIGIN_UNKNOWN;
  if (!known) return `Reading whether capture from page load is on for ${origin}…`;
  if (isLoopbackOrigin(origin))
    return enabled
      ? `On by default on this dev origin, ${origin}: ${HOOK_DOES}. Untick to turn it off for ${origin} only (other ports and hosts keep it).`
      : `Off on ${origin}, where it is on by default (a dev origin): you turned it off. Tick to capture from page load again: ${HOOK_DOES}.`;
  return enabled
    ? `On for ${origin}: ${HOOK_DOES}. Untick to stop.`
    : `Capture from page load on ${origin}: ${HOOK_DOES}. Asks for access to ${origin}. On by default on dev origins (localhost, 127.0.0.1, [::1]).`;
}

function HookToggle() {
  const commands = useCommands();
  const hook = useStore((s) => s.hook);
  const tabId = useStore((s) => s.tabId);
  const origin = hook.origin;
  // Enabling asks for a permission: the command is the handler's first call (user gesture).
  const onChange = (event: Event) => commands.setHook((event.currentTarget as HTMLInputElement).checked);
  return (
    <label class="tb-check hook" title={hookTitle(origin, hook.enabled, hook.known)}>
      <input
        type="checkbox"
        checked={hook.enabled}
        disabled={!origin || !hook.known || tabId === null || hook.busy}
        onChange={onChange}
        data-testid="hook-toggle"
      />
      <span class="hook-label">From page load</span>
    </label>
  );
}

const BACKGROUND_CAPTURE_DOES =
  'Captures the headers (and request bodies) of Session API requests in every tab, even with DevTools closed and no page hook. No response bodies: those come from DevTools or the page hook.';
/** The hosts as a user reads them: `*.example.com`, from the `https://*.example.com/*` patterns asked for. */
const BACKGROUND_CAPTURE_HOST_NAMES = BACKGROUND_CAPTURE_HOSTS.map((pattern) =>
  pattern.replace(/^[a-z*]+:\/\//, '').replace(/\/.*$/, ''),
).join(', ');
const BACKGROUND_CAPTURE_ASKS = `Turning it on asks, in one prompt, for the webRequest permission and access to the step-up API hosts (${BACKGROUND_CAPTURE_HOST_NAMES}); turning it off gives both back.`;
const BACKGROUND_CAPTURE_COSTS =
  'The cost: while it is on, Chrome sends every request of every page through the inspector: about 1.3x the time of a fast local request, 1.8x for session-API requests (measured, docs/performance.md).';

function backgroundCaptureTitle(state: BackgroundCaptureState | 'unknown'): string {
  switch (state) {
    case 'unknown':
      return 'Reading whether background capture is on…';
    case 'always':
      return `Part of the install in Firefox. ${BACKGROUND_CAPTURE_DOES}`;
    case 'pending':
      return `Granted: starts at Chrome's next start. ${BACKGROUND_CAPTURE_DOES} ${BACKGROUND_CAPTURE_COSTS}`;
    case 'on':
    case 'off':
      return `${BACKGROUND_CAPTURE_DOES} ${BACKGROUND_CAPTURE_ASKS} ${BACKGROUND_CAPTURE_COSTS}`;
  }
}

function BackgroundCaptureToggle() {
  const commands = useCommands();
  const { state, busy } = useStore((s) => s.backgroundCapture);
  const checked = state === 'on' || state === 'pending' || state === 'always';
  // Enabling asks for a permission: the command is the handler's first call (user gesture).
  const onChange = (event: Event) =>
    commands.setBackgroundCapture((event.currentTarget as HTMLInputElement).checked);
  return (
    <>
      <label class="tb-check background-capture" title={backgroundCaptureTitle(state)}>
        <input
          type="checkbox"
          // While a change runs the box keeps showing what was asked for: a click always flips it.
          checked={busy ? !checked : checked}
          disabled={state === 'unknown' || state === 'always' || busy}
          onChange={onChange}
          data-testid="background-capture-toggle"
        />
        Background capture
      </label>
      {state === 'pending' ? (
        <button
          type="button"
          class="tb-pending"
          title="Background capture starts at Chrome's next start. Click for why."
          onClick={() => commands.explainBackgroundCapturePending()}
          data-testid="background-capture-pending"
        >
          restart needed
        </button>
      ) : null}
    </>
  );
}

export function SessionSwitcher() {
  const imports = useStore((s) => s.imports);
  const active = useStore(selectActiveSession);
  const tabId = useStore((s) => s.tabId);
  const dispatch = useDispatch();
  const commands = useCommands();
  if (imports.length === 0) return null;
  return (
    <span class="session-switcher">
      <select
        value={active.id}
        onChange={(e) =>
          dispatch({ type: 'sessionSwitched', id: (e.currentTarget as HTMLSelectElement).value })
        }
        aria-label="Session"
        data-testid="session-select"
      >
        <option value={LIVE_SESSION}>Live{tabId !== null ? ` · tab ${tabId}` : ''}</option>
        {imports.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name} ({s.exchanges.length})
          </option>
        ))}
      </select>
      {active.kind === 'import' ? (
        <>
          <span
            class="badge badge-import"
            title={`Imported file (${imports.find((s) => s.id === active.id)?.kind ?? ''}), not live`}
          >
            imported
          </span>
          <button
            type="button"
            class="icon-btn"
            title="Close this imported session"
            onClick={() => commands.closeSession(active.id)}
            data-testid="close-session"
          >
            ✕
          </button>
        </>
      ) : null}
    </span>
  );
}

function Counters() {
  const counters = useStore(selectCounters);
  const pageDropped = useStore((s) => s.live.state?.pageDropped);
  const analysing = useStore((s) => s.live.analysing);
  const tabId = useStore((s) => s.tabId);
  return (
    <span class="counters" data-testid="capture-counters">
      <span class="muted">Live log{tabId !== null ? ` · tab ${tabId}` : ''}:</span>
      <span title="Exchanges in the live log" data-testid="count-exchanges">
        {counters.exchanges} captured
      </span>
      <span
        class={counters.dropped ? 'warn' : 'muted'}
        title="Evicted: the per-tab cap (5,000) or the storage quota was reached"
      >
        {counters.dropped} dropped
      </span>
      <span class={counters.truncated ? 'warn' : 'muted'} title="Bodies cut at 256 K characters">
        {counters.truncated} truncated
      </span>
      <span
        class={counters.rejected ? 'warn' : 'muted'}
        title="Page-hook messages rejected as malformed or oversized"
      >
        {counters.rejected} rejected
      </span>
      {pageDropped && pageDropped.rate + pageDropped.share > 0 ? (
        <span
          class="warn"
          title={`${pageDropped.rate + pageDropped.share} page-reported exchanges dropped: ${pageDropped.rate} over the rate limit, ${pageDropped.share} over their share of the log. The page hook's reports have a budget of their own, so a page cannot flood the log or push out what DevTools and background capture saw.`}
          data-testid="count-page-dropped"
        >
          {pageDropped.rate + pageDropped.share} page-reported dropped
        </span>
      ) : null}
      {analysing ? (
        <span class="analysing">
          <span class="spinner" aria-hidden="true" /> analysing
        </span>
      ) : null}
    </span>
  );
}

// Shown only after a redacted file was made, so it loads with the exporter (redact.ts), not with the panel.
const ExportReview = lazyView(() => import('./ExportReview.tsx').then((m) => m.ExportReview));

/**
 * Where the Export popover is: choosing options, preparing a redacted file (redaction of a large log takes a
 * moment), or showing what the redaction replaced before anything is saved.
 */
type ExportStep =
  { step: 'options' } | { step: 'preparing' } | { step: 'review'; file: ExportedFile; exchanges: number };

function ExportMenu() {
  const commands = useCommands();
  const session = useStore(selectActiveSession);
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<'har' | 'json'>('har');
  const [secrets, setSecrets] = useState(false);
  const [flow, setFlow] = useState<ExportStep>({ step: 'options' });
  // Bumped by Cancel and by closing: a redaction still running when the user gave up is not shown or saved.
  const run = useRef(0);
  const anchor = useRef<HTMLSpanElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const popover = useRef<HTMLDivElement>(null);
  usePopoverPlacement(open, button, popover);
  /** `refocus`: the keyboard goes back to Export (Esc, Cancel, Save), not when the user clicked elsewhere. */
  const close = (refocus = true) => {
    run.current += 1;
    setOpen(false);
    setFlow({ step: 'options' });
    if (refocus) button.current?.focus();
  };
  const fail = (error: unknown) => {
    close();
    commands.exportFailed(error);
  };
  const save = (file: ExportedFile, count: number, withSecrets: boolean) => {
    commands.saveExport(file, count, withSecrets);
    close();
  };
  // The keyboard starts inside the popover, on its first control, and on Save once the review is shown, in the
  // same commit (a focus deferred past paint could follow a quick Esc). While the redaction runs its controls
  // are disabled: the popover itself holds the keyboard, so Esc still cancels.
  useLayoutEffect(() => {
    if (!open) return;
    if (flow.step === 'preparing') popover.current?.focus();
    else
      popover.current
        ?.querySelector<HTMLElement>(flow.step === 'review' ? '.btn.primary' : 'input:checked')
        ?.focus();
  }, [open, flow.step]);
  // A press anywhere else closes it, as DevTools' drop-downs do.
  useEffect(() => {
    if (!open) return undefined;
    const onPointerDown = (event: PointerEvent) => {
      if (event.target instanceof Node && !anchor.current?.contains(event.target)) close(false);
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    return () => document.removeEventListener('pointerdown', onPointerDown, true);
  }, [open]);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    // Used here, the Esc must not also close the detail pane or reach DevTools (its console drawer).
    event.stopPropagation();
    event.preventDefault();
    close();
  };
  const prepare = async () => {
    const id = ++run.current;
    try {
      if (secrets) {
        // The box, the warning and the red button were the confirmation: save at once.
        const { file, exchanges } = await commands.exportSession({ format, withSecrets: true });
        save(file, exchanges, true);
        return;
      }
      setFlow({ step: 'preparing' });
      // Let "Preparing…" reach the screen before the redaction holds the thread.
      await nextPaint();
      if (run.current !== id) return;
      // The summary's code comes with the file, so the review replaces "Preparing…" in one step.
      const [{ file, exchanges }] = await Promise.all([
        commands.exportSession({ format, withSecrets: false }),
        ExportReview.preload(),
      ]);
      if (run.current !== id) return;
      setFlow({ step: 'review', file, exchanges });
    } catch (error) {
      if (run.current === id) fail(error);
    }
  };
  return (
    <span class="menu-anchor" ref={anchor}>
      <button
        ref={button}
        type="button"
        class="tb-btn"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => (open ? close() : setOpen(true))}
        disabled={session.exchanges.length === 0}
        title="Save this session as HAR or inspector JSON"
        aria-label="Export"
        data-testid="export-button"
      >
        <DownloadIcon /> <span class="tb-text">Export</span>
      </button>
      {open ? (
        <div
          ref={popover}
          class="menu export-menu"
          role="dialog"
          aria-label="Export"
          tabIndex={-1}
          onKeyDown={onKeyDown}
          data-own-keys
          data-testid="export-menu"
        >
          {flow.step === 'review' ? (
            <ExportReview
              file={flow.file}
              exchanges={flow.exchanges}
              onSave={() => save(flow.file, flow.exchanges, false)}
              onCancel={() => close()}
            />
          ) : (
            <>
              <fieldset disabled={flow.step === 'preparing'}>
                <legend>Format</legend>
                <label>
                  <input
                    type="radio"
                    name="export-format"
                    checked={format === 'har'}
                    onChange={() => setFormat('har')}
                    data-testid="export-har"
                  />{' '}
                  HAR 1.2
                </label>
                <label>
                  <input
                    type="radio"
                    name="export-format"
                    checked={format === 'json'}
                    onChange={() => setFormat('json')}
                    data-testid="export-json"
                  />{' '}
                  Inspector JSON
                </label>
              </fieldset>
              <label class="secrets">
                <input
                  type="checkbox"
                  checked={secrets}
                  disabled={flow.step === 'preparing'}
                  onChange={(e) => setSecrets((e.currentTarget as HTMLInputElement).checked)}
                  data-testid="export-secrets"
                />{' '}
                Include secrets
              </label>
              {secrets ? (
                <p class="warning" data-testid="export-secrets-warning">
                  The file will hold live tokens, OTP codes, refresh tokens, cookies and signatures. Anyone
                  with it can act as this user until they expire. Share it only with people you would give
                  your session to.
                </p>
              ) : (
                <p class="muted">
                  Secrets are replaced first: token signatures, OTP codes, passwords, refresh tokens, cookies
                  and identifiers. You see what was replaced before the file is saved.
                </p>
              )}
              <div class="menu-actions">
                {flow.step === 'preparing' ? (
                  <span class="export-preparing" role="status" data-testid="export-preparing">
                    <span class="spinner" aria-hidden="true" /> Preparing…
                  </span>
                ) : null}
                <button type="button" class="btn" onClick={() => close()} data-testid="export-cancel">
                  Cancel
                </button>
                <button
                  type="button"
                  class={`btn primary ${secrets ? 'danger' : ''}`}
                  onClick={() => void prepare()}
                  disabled={flow.step === 'preparing'}
                  data-testid="export-run"
                >
                  {secrets
                    ? `Export ${session.exchanges.length} exchanges with secrets`
                    : `Redact ${session.exchanges.length} exchanges…`}
                </button>
              </div>
            </>
          )}
        </div>
      ) : null}
    </span>
  );
}

/** Resolves once the browser has had a chance to paint (a frame, then a task); soon anyway where no frame comes. */
function nextPaint(): Promise<void> {
  return new Promise((resolve) => {
    // A DevTools panel that is not shown gets no animation frames.
    const fallback = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(fallback);
        resolve();
      }, 0),
    );
  });
}
