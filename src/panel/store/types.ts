/**
 * The panel's state: one plain, serialisable-ish object held by one vanilla zustand store (see
 * `panel-store.ts`). Sessions come from their sources (`../session/`), everything else from the commands and
 * the views; what the views show is derived from it by selectors (`selectors.ts`).
 */
import type { TokenLocation } from '../../core/model/types.ts';
import type { ActionResult, BackgroundCaptureState } from '../panel-services.ts';
import type { ImportPhase } from '../session/file-source.ts';
import type { ImportedSession, LiveSession, SessionUpdate } from '../session/types.ts';
import type { GapEvent, GapView } from './gaps.ts';

export { LIVE_SESSION } from '../session/types.ts';
export type { ImportedSession, LiveSession, SessionUpdate } from '../session/types.ts';

/** The panel's top-level views (tabs under the toolbar). */
export type ViewId = 'timeline' | 'exchanges' | 'findings' | 'sdk';

export type ThemeName = 'light' | 'dark';

/** What is selected in the active session. */
export interface Selection {
  /** The exchange shown in the detail pane. */
  exchangeId: string | null;
  /** The token of that exchange the token inspector focuses on (a location, plus which one when repeated). */
  token: { location: TokenLocation; nth: number } | null;
  /** The timeline mark that has the keyboard cursor (see `timeline/marks.ts` for mark ids). */
  mark: string | null;
}

export interface ExchangeFilter {
  /** Only exchanges a provider recognised (the Session API), or everything captured. */
  apiOnly: boolean;
  text: string;
}

/** Where the page hook ("From page load") stands for the inspected origin. */
export interface HookState {
  /** Origin of the inspected page, once known; null for pages without one (chrome://, about:blank). */
  origin: string | null;
  enabled: boolean;
  /** False until the worker said whether the hook is on for the origin: the toggle waits for it. */
  known: boolean;
  busy: boolean;
}

/** Background capture (the worker's webRequest observer): browser-wide, not per tab. */
export interface BackgroundCaptureView {
  /** 'unknown' until the first read answered (the toggle waits for it). */
  state: BackgroundCaptureState | 'unknown';
  /** A change is under way: the toggle shows the requested value and takes no clicks. */
  busy: boolean;
}

export interface ImportProgress {
  name: string;
  /** 0..1 */
  fraction: number;
  phase: ImportPhase;
  /**
   * The imported session already shown (its first rows, or all of them before the analysis) while the rest
   * loads: the progress is then a bar beside it rather than a dialog over it.
   */
  sessionId?: string;
}

/** Replay/Retry OTP on one challenge: running, or how it ended (kept in the store so a lane re-render keeps it). */
export interface OtpActionState {
  busy: 'replay' | 'retry' | null;
  last: { what: 'Replay OTP' | 'Retry OTP'; result: ActionResult } | null;
}

export interface Notice {
  tone: 'info' | 'success' | 'error';
  text: string;
}

export interface PanelState {
  /** The inspected tab, or null when the panel was opened without one. */
  tabId: number | null;
  /** The inspected tab's log, its model, as the live source last reported them. */
  live: LiveSession;
  /** Imported files, each as its source last reported it, in the order they were opened. */
  imports: readonly ImportedSession[];
  /** {@link LIVE_SESSION} or an imported session's id. */
  activeSession: string;
  view: ViewId;
  selection: Selection;
  /** The detail pane (exchange + tokens) is open. */
  detailOpen: boolean;
  filter: ExchangeFilter;
  theme: ThemeName;
  /** The `?` overlay listing the keyboard shortcuts is open. */
  shortcutsOpen: boolean;
  hook: HookState;
  backgroundCapture: BackgroundCaptureView;
  importProgress: ImportProgress | null;
  notice: Notice | null;
  /** By challenge id. */
  otpActions: Readonly<Record<string, OtpActionState>>;
  /** Step-up API calls of the inspected page that the log does not hold (`gaps.ts`). */
  gaps: GapView;
}

/** Everything that changes the state. Session updates come from the sources; the rest from commands and views. */
export type PanelEvent =
  /** A source's whole session; a first update of an import opens it (and shows it). */
  | { type: 'sessionUpdated'; update: SessionUpdate }
  | { type: 'sessionSwitched'; id: string }
  | { type: 'sessionClosed'; id: string }
  | { type: 'viewChanged'; view: ViewId }
  | {
      type: 'exchangeSelected';
      id: string | null;
      token?: Selection['token'];
      mark?: string | null;
      /** Open the detail pane (default true). */
      open?: boolean;
    }
  | { type: 'markFocused'; mark: string | null }
  | { type: 'selectionMoved'; delta: number }
  | { type: 'detailClosed' }
  | { type: 'filterChanged'; apiOnly?: boolean; text?: string }
  | { type: 'themeChanged'; theme: ThemeName }
  /** Opens or closes the shortcuts overlay; without `open`, toggles it. */
  | { type: 'shortcutsToggled'; open?: boolean }
  | { type: 'hookChanged'; hook: Partial<HookState> }
  | { type: 'backgroundCaptureChanged'; backgroundCapture: Partial<BackgroundCaptureView> }
  | { type: 'importProgressed'; progress: ImportProgress | null }
  | { type: 'noticeShown'; notice: Notice | null }
  | { type: 'otpActionStarted'; challengeId: string; action: 'replay' | 'retry' }
  | {
      type: 'otpActionFinished';
      challengeId: string;
      what: 'Replay OTP' | 'Retry OTP';
      result: ActionResult;
    }
  | GapEvent;
