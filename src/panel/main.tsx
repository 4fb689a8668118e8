/**
 * The Step-Up panel: one store, fed by the tab's capture log (storage-backed, see log-source.ts) and by one
 * analyser running here in the panel; the views render from the store. Inside DevTools the inspected tab
 * comes from chrome.devtools; opened as a tab (tests, a detached window) from `?tabId=`.
 */
import { render } from 'preact';
import { PROTOCOL_VERSION } from '../shared/messages.ts';
import { inspectedTabId, isDevtoolsContext } from '../platform/devtools.ts';
import { ServicesContext, StoreContext } from './hooks.ts';
import { importFile } from './import-flow.ts';
import { createLiveServices, preloadServices } from './live-services.ts';
import { followLog, loadLog } from './log-source.ts';
import { connectAnalysis } from './store/analysis.ts';
import { connectLog } from './store/connect-log.ts';
import { createPanelStore } from './store/panel-store.ts';
import type { ThemeName } from './store/types.ts';
import { App, ExchangeDetail, SdkStateView } from './views/App.tsx';
import './styles.css';

/**
 * The analyser (the model, findings, DPoP checks, jose) is most of the panel's code and is not needed to paint
 * it: it is a chunk of its own, requested at once and in parallel with the first render. Rows show from the
 * log meanwhile; the model follows, as it always does after a capture.
 */
const analyzerModule = import('../core/model/analyzer.ts');

function resolveTabId(): number | null {
  if (isDevtoolsContext()) return inspectedTabId();
  const fromQuery = new URLSearchParams(location.search).get('tabId');
  return fromQuery !== null && /^\d+$/.test(fromQuery) ? Number(fromQuery) : null;
}

/**
 * `?theme=dark|light` wins; otherwise the colour scheme the browser reports. DevTools' own theme setting
 * (chrome.devtools.panels.themeName) would be better inside DevTools, but src/platform does not expose it yet.
 */
function themeQuery(): ThemeName | null {
  const value = new URLSearchParams(location.search).get('theme');
  return value === 'dark' || value === 'light' ? value : null;
}

const tabId = resolveTabId();
const darkQuery = window.matchMedia?.('(prefers-color-scheme: dark)');
const store = createPanelStore({
  tabId,
  theme: themeQuery() ?? (darkQuery?.matches ? 'dark' : 'light'),
});
darkQuery?.addEventListener('change', (e) => {
  if (!themeQuery()) store.dispatch({ type: 'themeChanged', theme: e.matches ? 'dark' : 'light' });
});

const services = createLiveServices();

// Browser-wide, not per tab: read even without an inspected tab.
void services.backgroundCapture().then(
  (state) => store.dispatch({ type: 'backgroundCaptureChanged', backgroundCapture: { state } }),
  (error: unknown) =>
    store.dispatch({
      type: 'noticeShown',
      notice: { tone: 'error', text: `Could not read whether background capture is on: ${String(error)}` },
    }),
);

if (tabId !== null) {
  connectLog(store, tabId, { loadLog, followLog });
  void analyzerModule.then(
    ({ createAnalyzer }) =>
      connectAnalysis(store, { createAnalyzer: () => createAnalyzer({ now: () => Date.now() }) }),
    (error: unknown) => console.error('[step-up inspector] could not load the analyser', error),
  );
  // The origin as the browser reports it, again after each navigation DevTools reports.
  const showOrigin = async (origin: string | null) => {
    if (store.getState().hook.origin !== origin)
      store.dispatch({ type: 'hookChanged', hook: { origin, enabled: false } });
    if (!origin) return;
    const reply = await services
      .sendToBackground({ v: PROTOCOL_VERSION, type: 'getHookOrigins' })
      .catch(() => null);
    if (reply?.ok && store.getState().hook.origin === origin)
      store.dispatch({ type: 'hookChanged', hook: { enabled: (reply.hookOrigins ?? []).includes(origin) } });
  };
  void services.inspectedOrigin(tabId, (origin) => void showOrigin(origin)).then(showOrigin);
} else {
  store.dispatch({ type: 'logLoaded', snapshot: { state: undefined, exchanges: [] } });
  store.dispatch({
    type: 'noticeShown',
    notice: {
      tone: 'info',
      text: 'No inspected tab: open this panel from DevTools, or pass ?tabId=. Import still works.',
    },
  });
}

const onImportFile = (file: File) => {
  void importFile(file, {
    store,
    services,
    analyse: async (exchanges) => (await analyzerModule).analyse(exchanges),
  });
};

render(
  <StoreContext.Provider value={store}>
    <ServicesContext.Provider value={services}>
      <App onImportFile={onImportFile} />
    </ServicesContext.Provider>
  </StoreContext.Provider>,
  document.getElementById('app') as HTMLElement,
);

// The views loaded on first use, fetched once the panel has painted, so they are ready before they are asked for.
setTimeout(() => {
  preloadServices();
  void ExchangeDetail.preload().catch(() => undefined);
  void SdkStateView.preload().catch(() => undefined);
}, 500);
