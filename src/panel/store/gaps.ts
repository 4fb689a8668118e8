/**
 * The gap notice's state: the latest comparison of the inspected page's step-up API calls with the tab's log
 * (src/core/capture/gaps.ts), what the user dismissed, and the offer carried over a reload. Pure transitions,
 * applied by `reducePanel`, and the selector that decides what the notice says and offers.
 */
import type { GapReport } from '../../core/capture/gaps.ts';
import { LIVE_SESSION } from '../session/types.ts';
import type { PanelState } from './types.ts';

export interface GapView {
  /** The latest comparison for the page on screen in the tab; null when nothing could be read. */
  report: GapReport | null;
  /** The page load (its time origin) whose notice the user dismissed. */
  dismissed: number | null;
  /**
   * Missed calls of a page load the notice reloaded while the browser had not named the page's origin: once
   * the reload brought the origin, the next page load is offered capture from page load for it. `on` is that
   * page load, once read.
   */
  carried: { report: GapReport; on: number | null } | null;
}

export const NO_GAPS: GapView = { report: null, dismissed: null, carried: null };

/** What changes the gap state. */
export type GapEvent =
  /** A comparison (null: the page's record could not be read or was not believable). */
  | { type: 'gapsCompared'; report: GapReport | null }
  /** The inspected tab started loading another page: the record read so far belongs to the old one. */
  | { type: 'gapsPageLeft' }
  | { type: 'gapDismissed' }
  /** The notice reloaded the page; `carry` keeps its calls to offer the page hook after the reload. */
  | { type: 'gapReloaded'; carry: boolean };

export function reduceGaps(gaps: GapView, event: GapEvent): GapView {
  switch (event.type) {
    case 'gapsCompared': {
      const report = event.report;
      let carried = gaps.carried;
      // The offer belongs to the first page load after the reload: it goes with the one after that.
      if (carried && report && report.pageLoad !== carried.report.pageLoad) {
        if (carried.on === null) carried = { ...carried, on: report.pageLoad };
        else if (carried.on !== report.pageLoad) carried = null;
      }
      if (report === gaps.report && carried === gaps.carried) return gaps;
      return { ...gaps, report, carried };
    }
    case 'gapsPageLeft':
      return gaps.report === null ? gaps : { ...gaps, report: null };
    case 'gapDismissed':
      return { ...gaps, dismissed: gaps.report?.pageLoad ?? gaps.dismissed, carried: null };
    case 'gapReloaded':
      return {
        ...gaps,
        report: null,
        carried: event.carry && gaps.report ? { report: gaps.report, on: null } : null,
      };
    default:
      return assertNever(event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled gap event ${JSON.stringify(value)}`);
}

/** What the gap notice shows. */
export interface GapNoticeView {
  /**
   * `capture`: the page hook is off on a known origin: offer it (and a reload). `reload`: the hook is on and
   * calls were missed anyway: offer the reload only. `origin-unknown`: the browser has not named the page's
   * origin, so the hook cannot be offered yet: offer the reload, which names it. `carried`: calls were missed
   * before the reload the notice made, and the origin is now known: offer the hook.
   */
  action: 'capture' | 'reload' | 'origin-unknown' | 'carried';
  missed: number;
  atLeast: boolean;
  /** Of the missed calls, those made in a child frame. */
  inFrames: number;
  /** The API the calls belong to, as their provider names it; several providers: the generic name. */
  api: string;
  /** The inspected page's origin as the browser reported it (null for `origin-unknown`). */
  origin: string | null;
}

/** The name used when the missed calls belong to several providers' APIs. */
export const GENERIC_API = 'step-up API';

/**
 * The notice for the live log of an inspected tab, or null: nothing missed, dismissed for this page load, or
 * another session on screen.
 */
export function selectGapNotice(state: PanelState): GapNoticeView | null {
  if (state.tabId === null || state.activeSession !== LIVE_SESSION || !state.live.loaded) return null;
  const { report, dismissed, carried } = state.gaps;
  const { origin, enabled, busy, known } = state.hook;
  // Until the worker said whether the hook is on there, what to offer is not known yet.
  if (origin !== null && !known && !busy) return null;
  if (report && report.missed > 0 && report.pageLoad !== dismissed) {
    const action = enabled && !busy ? 'reload' : origin ? 'capture' : 'origin-unknown';
    return view(report, action, origin);
  }
  if (carried && carried.on !== null && carried.on !== dismissed && origin && (!enabled || busy))
    return view(carried.report, 'carried', origin);
  return null;
}

let last: { key: readonly unknown[]; view: GapNoticeView } | null = null;

/** The same object for the same inputs, so a view subscribed to it re-renders only when the notice changes. */
function view(report: GapReport, action: GapNoticeView['action'], origin: string | null): GapNoticeView {
  const key = [report, action, origin] as const;
  if (last && last.key.every((value, i) => value === key[i])) return last.view;
  const made = make(report, action, origin);
  last = { key, view: made };
  return made;
}

function make(report: GapReport, action: GapNoticeView['action'], origin: string | null): GapNoticeView {
  return {
    action,
    missed: report.missed,
    atLeast: report.atLeast,
    inFrames: report.inFrames,
    api: report.apiNames.length === 1 ? (report.apiNames[0] as string) : GENERIC_API,
    origin: action === 'origin-unknown' ? null : origin,
  };
}
