/**
 * The Step-Up panel: one store, fed by session sources (the inspected tab's log, imported files), each with
 * its analyser; views render from the store and call the commands. Inside DevTools the inspected tab comes
 * from chrome.devtools; opened as a tab (tests, a detached window) from `?tabId=`.
 */
import { render } from 'preact';
import { createCommands } from './commands/index.ts';
import { CommandsContext, ServicesContext, StoreContext } from './hooks.ts';
import { createLiveServices, preloadServices, resolveInspectedTab } from './live-services.ts';
import { createPanelStore } from './store/panel-store.ts';
import type { ThemeName } from './store/types.ts';
import { App, ExchangeDetail, SdkStateView } from './views/App.tsx';
import './styles.css';

/**
 * The analyser (the model, findings, DPoP checks, jose) is most of the panel's code and is not needed to paint
 * it: it is a chunk of its own, requested at once and in parallel with the first render. Rows show from the
 * sources meanwhile; the model follows, as it always does after a capture.
 */
const analyzerModule = import('../core/model/analyzer.ts');
analyzerModule.catch((error: unknown) =>
  console.error('[step-up inspector] could not load the analyser', error),
);

/**
 * `?theme=dark|light` wins; otherwise the colour scheme the browser reports. DevTools' own theme setting
 * (chrome.devtools.panels.themeName) would be better inside DevTools, but src/platform does not expose it yet.
 */
function themeQuery(): ThemeName | null {
  const value = new URLSearchParams(location.search).get('theme');
  return value === 'dark' || value === 'light' ? value : null;
}

const darkQuery = window.matchMedia?.('(prefers-color-scheme: dark)');
const store = createPanelStore({
  tabId: resolveInspectedTab(location.search),
  theme: themeQuery() ?? (darkQuery?.matches ? 'dark' : 'light'),
});
darkQuery?.addEventListener('change', (e) => {
  if (!themeQuery()) store.dispatch({ type: 'themeChanged', theme: e.matches ? 'dark' : 'light' });
});

const services = createLiveServices();
const commands = createCommands({
  store,
  services,
  loadAnalyzer: async (options) => (await analyzerModule).createAnalyzer(options),
});

// Browser-wide, not per tab: read even without an inspected tab.
commands.readBackgroundCapture();
commands.openLive();
commands.followInspectedOrigin();
commands.followGaps();

render(
  <StoreContext.Provider value={store}>
    <ServicesContext.Provider value={services}>
      <CommandsContext.Provider value={commands}>
        <App onImportFile={(file) => void commands.importFile(file)} />
      </CommandsContext.Provider>
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
