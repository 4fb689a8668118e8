/**
 * The Step-Up panel: one store, fed by session sources (the inspected tab's log, imported files), each with
 * its analyser; views render from the store and call the commands. Inside DevTools the inspected tab comes
 * from chrome.devtools; opened as a tab (tests, a detached window) from `?tabId=`.
 */
import { render } from 'preact';
import { currentTheme, followTheme, liveThemeSources } from '../platform/theme.ts';
import { createCommands } from './commands/index.ts';
import { CommandsContext, ServicesContext, StoreContext } from './hooks.ts';
import { createLiveServices, preloadServices, resolveInspectedTab } from './live-services.ts';
import { createPanelStore } from './store/panel-store.ts';
import { App, ExchangeDetail, FindingsView, SdkStateView } from './views/App.tsx';
// One sheet per area of the panel, in cascade order (later sheets may refine earlier ones).
import './styles/base.css';
import './styles/toolbar.css';
import './styles/controls.css';
import './styles/timeline.css';
import './styles/table.css';
import './styles/detail.css';
import './styles/findings.css';
import './styles/sdk-import.css';
import './styles/narrow.css';
import './styles/region-error.css';
import './styles/gaps.css';

/**
 * The analyser (the model, findings, DPoP checks, jose) is most of the panel's code and is not needed to paint
 * it: it is a chunk of its own, requested at once and in parallel with the first render. Rows show from the
 * sources meanwhile; the model follows, as it always does after a capture.
 */
const analyzerModule = import('../core/model/analyzer.ts');
analyzerModule.catch((error: unknown) =>
  console.error('[step-up inspector] could not load the analyser', error),
);

// DevTools' theme setting inside DevTools, the OS scheme as a tab, `?theme=` over both (platform/theme.ts).
const themeSources = liveThemeSources();
const theme = currentTheme(themeSources);
// Set before the first render, so a dark DevTools never shows a light panel for a frame.
document.documentElement.dataset['theme'] = theme;
const store = createPanelStore({ tabId: resolveInspectedTab(location.search), theme });
followTheme(themeSources, (next) => store.dispatch({ type: 'themeChanged', theme: next }));

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
  void FindingsView.preload().catch(() => undefined);
}, 500);
