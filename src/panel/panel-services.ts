/**
 * Everything that leaves the panel: the tab's capture log, the background worker, the inspected page,
 * permission prompts, downloads. The session sources and the commands (`commands/`) call it; it is injected,
 * so component tests run in happy-dom with fakes, and only `live-services.ts` and the implementations it loads
 * (`services/`) import the platform layer.
 *
 * The shapes are those of the panel services in `src/panel/services/*`, `src/core/export/export.ts` and
 * `src/core/actions/rules.ts`.
 */
import type { HttpExchange } from '../core/http/exchange.ts';
import type { ExportedFile, ExportOptions, ImportOptions, ImportResult } from '../core/export/export.ts';
import type { Challenge, SessionModel } from '../core/model/types.ts';
import type { BackgroundReply, ToBackground } from '../shared/messages.ts';
import type { SdkStateResult } from '../core/actions/sdk-state.ts';
import type { ActionResult } from './services/actions.ts';
import type { FetchJwksVerifyResult } from './services/jwks.ts';
import type { BackgroundCaptureState } from '../platform/background-capture.ts';
import type { TabLog } from './session/live-log.ts';

export type {
  ActionResult,
  BackgroundCaptureState,
  ExportedFile,
  ExportOptions,
  FetchJwksVerifyResult,
  ImportOptions,
  ImportResult,
  SdkStateResult,
};

/** Whether an action can run; when not, the reason the button shows. */
export type Availability = { enabled: true } | { enabled: false; reason: string };

/** The decisions of `src/core/actions/rules.ts`, injected so component tests can pin them. */
export interface ActionRules {
  canReplayOtp(challenge: Challenge, model: SessionModel, now: number): Availability;
  canRetryOtp(challenge: Challenge, model: SessionModel, now: number): Availability;
  canReplayVerbatim(exchange: HttpExchange): Availability;
}

/** The tab's log (`loadLog`, `followLog`) and the rest. */
export interface PanelServices extends TabLog {
  rules: ActionRules;
  sendToBackground(message: ToBackground): Promise<BackgroundReply>;
  /**
   * The inspected page's origin as the browser reports it (never as the page answers), or null: no web
   * origin (chrome://, about:blank), or not known yet (no host access to read the tab's URL, and no
   * navigation seen since DevTools opened). `onChange` hears the origin of each later navigation the
   * browser reports (inside DevTools).
   */
  inspectedOrigin(tabId: number, onChange?: (origin: string | null) => void): Promise<string | null>;
  /**
   * Asks for what the page hook on `origin` needs (host access to it, and `scripting`), in one request:
   * call it first thing in a click handler (user gesture).
   */
  requestOrigin(origin: string): Promise<boolean>;
  /** `provider`: the challenge's, whose OTP actions build the request and read the answer. */
  replayOtp(
    tabId: number,
    input: { provider: string; apiBase: string; challengeToken: string },
  ): Promise<ActionResult>;
  retryOtp(tabId: number, input: { provider: string; apiBase: string }): Promise<ActionResult>;
  replayVerbatim(tabId: number, exchange: HttpExchange): Promise<ActionResult>;
  readSdkState(tabId: number): Promise<SdkStateResult>;
  fetchJwksAndVerify(token: string, apiBase: string): Promise<FetchJwksVerifyResult>;
  exportLog(exchanges: readonly HttpExchange[], options: ExportOptions): ExportedFile | Promise<ExportedFile>;
  importLog(text: string, options: ImportOptions): Promise<ImportResult>;
  /** Whether the worker's webRequest observer runs (an optional permission in Chrome; always on in Firefox). */
  backgroundCapture(): Promise<BackgroundCaptureState>;
  /**
   * Turns background capture on or off. Enabling asks for the permission synchronously, so call it first thing
   * in a click handler (user gesture); in Chrome a grant answers 'pending' until the inspector restarts.
   */
  setBackgroundCapture(enabled: boolean): Promise<BackgroundCaptureState>;
  /**
   * The inspected page's own record of what it fetched since it loaded (its resource timing), exactly as the
   * page answered: to be checked by `parseResourceHint` (src/core/capture/gaps.ts) and used as a hint only.
   * Null when it cannot be read (no access to the page, a page without one).
   */
  readPageTiming(tabId: number): Promise<unknown>;
  /** Reloads the inspected page. */
  reloadInspectedPage(tabId: number): Promise<void>;
  /**
   * Calls back when the inspected tab starts loading another page (`'left'`), once a page has loaded
   * (`'loaded'`), and when the panel comes back into view (`'revealed'`: shown again in DevTools, its window
   * focused or visible again). Repeats are possible.
   */
  onInspectedPage(tabId: number, listener: (event: 'left' | 'loaded' | 'revealed') => void): void;
  /** Saves a file through the browser's download. */
  download(file: ExportedFile): void;
  /** Writes text to the clipboard: call it from a click or key handler (user gesture). */
  copyText(text: string): Promise<void>;
  now(): number;
}

/** Offers a text file for download from an extension page. */
export function downloadText(file: ExportedFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
