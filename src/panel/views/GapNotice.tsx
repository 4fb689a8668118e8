/**
 * Says, where the user reads the log (the timeline and the exchanges), that the inspected page made step-up API
 * calls the log does not hold, and offers what brings them next time: capture from page load on the page's
 * origin (and a reload), or the reload alone. Only counts and the API name of a provider the inspector matched
 * are shown of what the page reported; the origin is the one the browser reported.
 */
import { useCommands, useStore } from '../hooks.ts';
import { selectGapNotice, type GapNoticeView } from '../store/gaps.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "3 Example API calls", "At least 250 step-up API calls". */
function calls(notice: GapNoticeView, capital: boolean): string {
  const count = plural(notice.missed, `${notice.api} call`);
  if (!notice.atLeast) return count;
  return `${capital ? 'At' : 'at'} least ${count}`;
}

function headline(notice: GapNoticeView): string {
  const were = notice.missed === 1 && !notice.atLeast ? 'was' : 'were';
  return notice.action === 'carried'
    ? `${calls(notice, true)} ${were} missed before this reload`
    : `${calls(notice, true)} happened in this tab before capture started`;
}

/** Where the calls came from, when some were made in frames (which the page hook may not see). */
function frames(notice: GapNoticeView): string {
  if (notice.inFrames === 0) return '';
  return notice.inFrames === notice.missed
    ? ' All came from a frame.'
    : ` ${notice.inFrames} came from a frame.`;
}

function detail(notice: GapNoticeView): string {
  switch (notice.action) {
    case 'capture':
      return `They are not in this log: ${notice.origin ?? 'this site'} is captured only while DevTools is open.${frames(notice)}`;
    case 'carried':
      return `Capture from page load catches calls made while DevTools is closed on ${notice.origin ?? 'this site'}.`;
    case 'reload':
      return `Capture from page load is on${notice.origin ? ` for ${notice.origin}` : ''}, but it did not see them: they came before it was turned on or before the inspector loaded, or from where it cannot look.${frames(notice)} A reload captures the next load from its start.`;
    case 'origin-unknown':
      return "The browser has not told the inspector this page's origin, so capture from page load cannot be offered yet. Reload with DevTools open: the load is captured, and the origin known.";
  }
}

export function GapNotice() {
  const notice = useStore(selectGapNotice);
  const busy = useStore((s) => s.hook.busy);
  const compared = useStore((s) => s.gaps.report?.pageLoad ?? null);
  const commands = useCommands();
  // Nothing to say: a marker that this page load was compared (for tests and tools; nothing visible).
  if (!notice) return compared === null ? null : <span hidden data-testid="gap-compared" />;
  const offersHook = notice.action === 'capture' || notice.action === 'carried';
  return (
    <div
      class="gap-notice"
      role="status"
      data-testid="gap-notice"
      data-missed={notice.missed}
      data-action={notice.action}
    >
      <span class="gap-icon" aria-hidden="true">
        ⚠
      </span>
      <div class="gap-text">
        <p class="gap-title" data-testid="gap-notice-title">
          {headline(notice)}
        </p>
        <p class="gap-detail">{detail(notice)}</p>
      </div>
      <div class="gap-actions">
        {offersHook ? (
          <button
            type="button"
            class="btn primary gap-action"
            disabled={busy}
            // The command's permission request must be the handler's first call (Firefox: user gesture).
            onClick={() => commands.captureFromPageLoad()}
            title={`Runs the page hook in ${notice.origin ?? 'this site'} from page load (asks for access to it), then reloads the page.`}
            data-testid="gap-capture"
          >
            Capture from page load on {notice.origin}
          </button>
        ) : null}
        {offersHook ? (
          <span class="gap-note">and reload</span>
        ) : (
          <button
            type="button"
            class="btn gap-action"
            onClick={() => commands.reloadForGaps()}
            data-testid="gap-reload"
          >
            Reload page
          </button>
        )}
      </div>
      <button
        type="button"
        class="icon-btn gap-dismiss"
        aria-label="Dismiss until the next page load"
        title="Dismiss until the next page load"
        onClick={() => commands.dismissGap()}
        data-testid="gap-dismiss"
      >
        ✕
      </button>
    </div>
  );
}
