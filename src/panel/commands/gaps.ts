/**
 * Gaps in the capture: the inspected page's step-up API calls that the tab's log does not hold. The page's own
 * record of its fetches is read when the panel opens, after each page load, and whenever the panel comes back
 * into view (never on a timer loop), and compared with the log again whenever the log changes
 * (src/core/capture/gaps.ts). The notice's buttons turn the page hook on through the capture command and
 * reload the page.
 */
import { findGaps, parseResourceHint, type GapReport, type ResourceHint } from '../../core/capture/gaps.ts';
import type { PanelState } from '../store/types.ts';
import type { CaptureCommands } from './capture.ts';
import { notify, type CommandDeps } from './deps.ts';

export interface GapCommands {
  /** Starts comparing the inspected page's calls with the log, from now on (once per panel). */
  followGaps(): void;
  /**
   * "Capture from page load on <origin>": turns the page hook on for the inspected origin (as the browser
   * reported it) with the capture command, whose permission request is its first call (call this first thing
   * in the click handler), then, once the hook is on, reloads the page so the hook is there from its start.
   */
  captureFromPageLoad(): void;
  /**
   * "Reload": reloads the inspected page. When the browser has not named the page's origin, the missed calls
   * are carried over the reload, and the page hook offered for the origin the reload brings.
   */
  reloadForGaps(): void;
  /** Hides the notice until the next page load. */
  dismissGap(): void;
}

/**
 * Where the log cannot tell: before its last Clear, and, once exchanges were evicted to make room, before its
 * oldest exchange.
 */
function logHoldsSince(live: PanelState['live']): number | undefined {
  const cleared = live.state?.clearedAt ?? 0;
  const evicted = (live.state?.dropped ?? 0) > 0 ? (live.exchanges[0]?.startedAt ?? 0) : 0;
  const since = Math.max(cleared, evicted);
  return since > 0 ? since : undefined;
}

export function gapCommands(
  { store, services }: CommandDeps,
  capture: Pick<CaptureCommands, 'enableHookFor'>,
): GapCommands {
  const dispatch = store.dispatch;
  let following = false;
  /** The page's record, checked; null before the first read and once the page is left. */
  let hint: ResourceHint | null = null;
  // A read started before the page was left describes the old page: its answer is dropped.
  let generation = 0;
  const forgetPage = () => {
    generation += 1;
    hint = null;
  };

  const reload = (carry: boolean) => {
    const tabId = store.getState().tabId;
    if (tabId === null) return;
    // The page is going: a change of the log before it has must not bring its notice back.
    forgetPage();
    dispatch({ type: 'gapReloaded', carry });
    services
      .reloadInspectedPage(tabId)
      .catch((error: unknown) => notify(store, { tone: 'error', text: `Reload failed: ${String(error)}` }));
  };

  return {
    followGaps() {
      const tabId = store.getState().tabId;
      if (tabId === null || following) return;
      following = true;
      let reading = false;
      let again = false;
      let settleTimer: ReturnType<typeof setTimeout> | undefined;

      const compare = () => {
        clearTimeout(settleTimer);
        const { live } = store.getState();
        if (!live.loaded) return;
        let report: GapReport | null = null;
        if (hint) {
          const since = logHoldsSince(live);
          report = findGaps(hint, live.exchanges, {
            now: services.now(),
            ...(since !== undefined ? { ignoreBefore: since } : {}),
          });
        }
        const current = store.getState().gaps.report;
        // Unchanged: keep the store's object (views compare by reference).
        if (!(report && current && sameReport(report, current))) dispatch({ type: 'gapsCompared', report });
        // Calls that ended a moment ago may still be on their way to the log: look again once they are not.
        if (report && report.settlesAt !== null)
          settleTimer = setTimeout(compare, Math.max(0, report.settlesAt - services.now()) + 50);
      };

      const read = () => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        const started = generation;
        services
          .readPageTiming(tabId)
          .catch(() => null)
          .then((raw) => {
            if (started !== generation) return;
            hint = parseResourceHint(raw);
            compare();
          })
          .finally(() => {
            reading = false;
            if (again) {
              again = false;
              read();
            }
          });
      };

      services.onInspectedPage(tabId, (event) => {
        if (event === 'left') {
          forgetPage();
          clearTimeout(settleTimer);
          dispatch({ type: 'gapsPageLeft' });
          return;
        }
        read();
      });

      // The log changed (a capture, a Clear, an eviction, its first read): compare again, without a new read.
      let seen = store.getState().live;
      store.subscribe((state) => {
        const live = state.live;
        if (live.exchanges === seen.exchanges && live.loaded === seen.loaded && live.state === seen.state)
          return;
        seen = live;
        if (hint) compare();
      });
      read();
    },

    captureFromPageLoad() {
      const { hook, tabId } = store.getState();
      const origin = hook.origin;
      if (origin === null || tabId === null) return;
      // The capture command's permission request is its first call: still within the click's user gesture.
      capture.enableHookFor(origin, tabId);
      // The command shows its progress in the hook's state: reload once it is no longer busy, if it is on.
      const settled = (state: PanelState) => !state.hook.busy;
      const finish = (state: PanelState) => {
        if (state.hook.enabled && state.hook.origin === origin) reload(false);
      };
      if (settled(store.getState())) {
        finish(store.getState());
        return;
      }
      const unsubscribe = store.subscribe((state) => {
        if (!settled(state)) return;
        unsubscribe();
        finish(state);
      });
    },

    reloadForGaps() {
      reload(store.getState().hook.origin === null);
    },

    dismissGap() {
      dispatch({ type: 'gapDismissed' });
    },
  };
}

function sameReport(a: GapReport, b: GapReport): boolean {
  return (
    a.pageLoad === b.pageLoad &&
    a.missed === b.missed &&
    a.atLeast === b.atLeast &&
    a.inFrames === b.inFrames &&
    a.pending === b.pending &&
    a.settlesAt === b.settlesAt &&
    a.apiNames.join('\n') === b.apiNames.join('\n')
  );
}
