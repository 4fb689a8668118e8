/** The updates session sources send, built for tests that put a session in the store directly. */
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import type { ImportedSession, LiveSession } from '../../../src/panel/session/types.ts';
import type { PanelEvent } from '../../../src/panel/store/types.ts';
import type { TabLogState } from '../../../src/shared/messages.ts';

/** Tab 7's log state holding `exchanges`. */
export function tabState(exchanges: readonly HttpExchange[], extra: Partial<TabLogState> = {}): TabLogState {
  return {
    tabId: 7,
    seq: exchanges.length,
    ids: exchanges.map((x) => x.id),
    dropped: 0,
    truncated: 0,
    rejected: 0,
    preserve: true,
    clearedAt: 0,
    ...extra,
  };
}

/** The update the live source sends once it has read `exchanges` (and analysed them as `model`). */
export function liveUpdate(
  exchanges: readonly HttpExchange[],
  model: SessionModel | null,
  session: Partial<LiveSession> = {},
): PanelEvent {
  return {
    type: 'sessionUpdated',
    update: {
      kind: 'live',
      session: {
        loaded: true,
        state: tabState(exchanges),
        exchanges,
        model,
        current: model !== null && model.exchanges.length === exchanges.length,
        analysing: false,
        ...session,
      },
    },
  };
}

/** The update a file's source sends for an imported session. */
export function importUpdate(
  session: Pick<ImportedSession, 'id' | 'exchanges'> & Partial<ImportedSession>,
): PanelEvent {
  return {
    type: 'sessionUpdated',
    update: {
      kind: 'import',
      session: {
        name: `${session.id}.har`,
        kind: 'har',
        skipped: 0,
        model: null,
        current: session.model != null,
        analysing: false,
        ...session,
      },
    },
  };
}
