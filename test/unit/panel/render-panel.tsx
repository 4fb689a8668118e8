/** Renders panel views in happy-dom with a real store, real commands and fake services (no extension APIs). */
import { render } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { vi } from 'vitest';
import { canReplayOtp, canReplayVerbatim, canRetryOtp } from '../../../src/core/actions/rules.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { createAnalyzer } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { createCommands, type PanelCommands } from '../../../src/panel/commands/index.ts';
import { CommandsContext, ServicesContext, StoreContext } from '../../../src/panel/hooks.ts';
import type { BackgroundCaptureState, PanelServices } from '../../../src/panel/panel-services.ts';
import { createPanelStore, type PanelStore } from '../../../src/panel/store/panel-store.ts';
import type { PanelState } from '../../../src/panel/store/types.ts';
import { liveUpdate } from './updates.ts';

export { importUpdate, liveUpdate, tabState } from './updates.ts';

export function fakeServices(overrides: Partial<PanelServices> = {}): PanelServices {
  return {
    loadLog: vi.fn(async () => ({ state: undefined, exchanges: [] })),
    followLog: vi.fn(() => () => undefined),
    rules: { canReplayOtp, canRetryOtp, canReplayVerbatim },
    sendToBackground: vi.fn(async () => ({ ok: true as const })),
    inspectedOrigin: vi.fn(async () => 'http://localhost:5173'),
    requestOrigin: vi.fn(async () => true),
    replayOtp: vi.fn(async () => ({ ok: false as const, reason: 'fake' })),
    retryOtp: vi.fn(async () => ({ ok: false as const, reason: 'fake' })),
    replayVerbatim: vi.fn(async () => ({ ok: false as const, reason: 'fake' })),
    readSdkState: vi.fn(async () => ({ ok: false as const, reason: 'fake' })),
    fetchJwksAndVerify: vi.fn(async () => ({
      status: 'verified' as const,
      kid: 'prelude-1',
      alg: 'EdDSA',
      jwksUrl: 'https://demo.session.prelude.dev/.well-known/jwks.json',
      attempts: [],
    })),
    exportLog: vi.fn(() => ({ filename: 'x.har', mimeType: 'application/json', text: '{}' })),
    importLog: vi.fn(async () => ({
      ok: false as const,
      error: { code: 'malformed' as const, message: 'fake' },
    })),
    backgroundCapture: vi.fn(async () => 'off' as const),
    setBackgroundCapture: vi.fn(async (enabled: boolean): Promise<BackgroundCaptureState> =>
      enabled ? 'pending' : 'off',
    ),
    // The inspected page's record of its fetches: none by default (no gap notice; gap-notice.test.tsx).
    readPageTiming: vi.fn(async () => null),
    reloadInspectedPage: vi.fn(async () => undefined),
    onInspectedPage: vi.fn(),
    download: vi.fn(),
    copyText: vi.fn(async () => undefined),
    now: () => Date.now(),
    ...overrides,
  };
}

/** The commands of a panel on `store` and `services`, with the real analyser. */
export function commandsFor(store: PanelStore, services: PanelServices): PanelCommands {
  return createCommands({ store, services, loadAnalyzer: async (options) => createAnalyzer(options) });
}

/** A store holding `exchanges` as the live log of tab 7, analysed as `model`. */
export function storeWith(
  exchanges: HttpExchange[],
  model: SessionModel | null,
  state: Partial<PanelState> = {},
): PanelStore {
  const store = createPanelStore({ tabId: 7, ...state });
  store.dispatch(liveUpdate(exchanges, model));
  return store;
}

export function renderPanel(
  ui: ComponentChildren,
  store: PanelStore,
  services: PanelServices = fakeServices(),
) {
  const commands = commandsFor(store, services);
  const result = render(
    <StoreContext.Provider value={store}>
      <ServicesContext.Provider value={services}>
        <CommandsContext.Provider value={commands}>{ui}</CommandsContext.Provider>
      </ServicesContext.Provider>
    </StoreContext.Provider>,
  );
  return { ...result, store, services, commands };
}
