/**
 * What a session source tells the store. A source (the inspected tab's log, or one imported file) owns its
 * exchanges and the analyser that models them, and reports both in one update: the rows and the model the
 * views read come from the same place, so a row cannot be described by one rule now and another later.
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { SessionModel } from '../../core/model/types.ts';
import type { TabLogState } from '../../shared/messages.ts';

/** Id of the live session (the inspected tab's capture log); imported sessions have their own ids. */
export const LIVE_SESSION = 'live';

/** What a source needs of `createAnalyzer()` (src/core/model). */
export interface AnalyzerLike {
  add(exchange: HttpExchange): Promise<void>;
  addMany(exchanges: readonly HttpExchange[]): Promise<void>;
  snapshot(): SessionModel;
}

/**
 * Makes an analyser. Asynchronous because the analyser is a chunk of its own, fetched while the panel paints:
 * a source shows its exchanges before the first one is analysed.
 */
export type AnalyzerFactory = () => Promise<AnalyzerLike>;

/** What every session holds. */
export interface SessionData {
  /** Capture order (file order for an import). */
  exchanges: readonly HttpExchange[];
  /** The analyser's latest snapshot; null before its first. */
  model: SessionModel | null;
  /** True when `model` was built from exactly `exchanges` (false while the analyser catches up). */
  current: boolean;
  /** True while the analyser has work queued. */
  analysing: boolean;
}

/** The inspected tab's log, as the live source last read it from chrome.storage.session. */
export interface LiveSession extends SessionData {
  /** False until the log was first read. */
  loaded: boolean;
  /** Counters and settings of the tab's log. */
  state: TabLogState | undefined;
}

/** The live session before its log was read. */
export const EMPTY_LIVE_SESSION: LiveSession = {
  loaded: false,
  state: undefined,
  exchanges: [],
  model: null,
  current: false,
  analysing: false,
};

/** A file opened with Import: kept apart from the live log, switchable. */
export interface ImportedSession extends SessionData {
  id: string;
  /** File name, or the name the importer derived. */
  name: string;
  /** What the importer recognised (`har`, `inspector-json`, …). */
  kind: string;
  /** Entries the importer could not use. */
  skipped: number;
}

/** The one update a source emits: the whole session, replacing what the store held for it. */
export type SessionUpdate =
  { kind: 'live'; session: LiveSession } | { kind: 'import'; session: ImportedSession };

/** A running source. Once stopped it emits nothing more. */
export interface SessionSource {
  readonly id: string;
  stop(): void;
}
