/**
 * The panel's state: one plain, serialisable-ish object held by one vanilla zustand store (see
 * `panel-store.ts`). Everything the views show is derived from it by selectors (`selectors.ts`).
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { SessionModel, TokenLocation } from '../../core/model/types.ts';
import type { TabLogState } from '../../shared/messages.ts';
import type { LogEvent, LogSnapshot } from '../log-source.ts';
import type { ActionResult, BackgroundCaptureState } from '../panel-services.ts';

/** The panel's top-level views (tabs under the toolbar). */
export type ViewId = 'timeline' | 'exchanges' | 'findings' | 'sdk';

export type ThemeName = 'light' | 'dark';

/** Id of the live session (the inspected tab's capture log); imported sessions have their own ids. */
export const LIVE_SESSION = 'live';

/** The inspected tab's log as the panel mirrors it from chrome.storage.session. */
export interface LiveLog {
  /** False until the first `loadLog` answered. */
  loaded: boolean;
  state: TabLogState | undefined;
  /** Capture order (the order of `state.ids`); a merge replaces an element in place. */
  exchanges: readonly HttpExchange[];
}

/** A file opened with Import: analysed once, kept apart from the live log, switchable. */
export interface ImportedSession {
  id: string;
  /** File name, or the name the importer derived. */
  name: string;
  /** What the importer recognised (`har`, `inspector-json`, …). */
  kind: string;
  exchanges: readonly HttpExchange[];
  /** Entries the importer could not use. */
  skipped: number;
  model: SessionModel | null;
}

/** What is selected in the active session. */
export interface Selection {
  /** The exchange shown in the detail pane. */
  exchangeId: string | null;
  /** The token of that exchange the token inspector focuses on (a location, plus which one when repeated). */
  token: { location: TokenLocation; nth: number } | null;
  /** The timeline mark that has the keyboard cursor (see `timeline-layout.ts` for mark ids). */
  mark: string | null;
}

export interface ExchangeFilter {
  /** Only exchanges a provider recognised (the Session API), or everything captured. */
  apiOnly: boolean;
  text: string;
}

/** Where the "capture before DevTools opens" page hook stands for the inspected origin. */
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
  phase: 'reading' | 'parsing' | 'analysing';
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
  live: LiveLog;
  /** The analyser's snapshot for the live log; null before the first analysis (and right after a clear). */
  liveModel: SessionModel | null;
  /** True while the analyser is working on the live log. */
  analysing: boolean;
  imports: readonly ImportedSession[];
  /** {@link LIVE_SESSION} or an imported session's id. */
  activeSession: string;
  view: ViewId;
  selection: Selection;
  /** The detail pane (exchange + tokens) is open. */
  detailOpen: boolean;
  filter: ExchangeFilter;
  theme: ThemeName;
  hook: HookState;
  backgroundCapture: BackgroundCaptureView;
  importProgress: ImportProgress | null;
  notice: Notice | null;
  /** By challenge id. */
  otpActions: Readonly<Record<string, OtpActionState>>;
}

/** Everything that changes the state. Log events come from `log-source.ts`; the rest from the UI and services. */
export type PanelEvent =
  | LogEvent
  | { type: 'logLoaded'; snapshot: LogSnapshot }
  | { type: 'liveModelUpdated'; model: SessionModel | null }
  | { type: 'analysisStateChanged'; analysing: boolean }
  | { type: 'sessionImported'; session: ImportedSession }
  /** An import shown early (first rows, then every row before its model) gets the rest; selection is kept. */
  | {
      type: 'importUpdated';
      id: string;
      exchanges?: readonly HttpExchange[];
      skipped?: number;
      model?: SessionModel | null;
    }
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
    };
