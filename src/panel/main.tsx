import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { HttpExchange } from '../core/http/exchange.ts';
import type { TabLogState } from '../shared/messages.ts';
import { isDevtoolsContext, inspectedTabId } from '../platform/devtools.ts';
import { followLog, loadLog } from './log-source.ts';

function resolveTabId(): number | null {
  if (isDevtoolsContext()) return inspectedTabId();
  const fromQuery = new URLSearchParams(location.search).get('tabId');
  return fromQuery !== null && /^\d+$/.test(fromQuery) ? Number(fromQuery) : null;
}

function App({ tabId }: { tabId: number }) {
  const [exchanges, setExchanges] = useState<HttpExchange[]>([]);
  const [state, setState] = useState<TabLogState | undefined>();
  useEffect(() => {
    const stop = followLog(tabId, (event) => {
      if (event.type === 'logCleared') setExchanges([]);
      else if (event.type === 'tabStateChanged') setState(event.state);
      else
        setExchanges((list) => {
          const at = list.findIndex((x) => x.id === event.exchange.id);
          if (at === -1) return [...list, event.exchange];
          const next = list.slice();
          next[at] = event.exchange;
          return next;
        });
    });
    void loadLog(tabId).then((snapshot) => {
      setState(snapshot.state);
      setExchanges(snapshot.exchanges);
    });
    return stop;
  }, [tabId]);
  return (
    <main>
      <p data-testid="capture-count">
        {exchanges.length} exchanges
        {state ? ` · ${state.dropped} dropped · ${state.truncated} truncated` : ''}
      </p>
      <ol data-testid="exchange-list">
        {exchanges.map((x) => (
          <li key={x.id}>
            {x.method} {x.url} → {x.status}
          </li>
        ))}
      </ol>
    </main>
  );
}

const tabId = resolveTabId();
const root = document.getElementById('app') as HTMLElement;
if (tabId === null) render(<p>Open this panel from DevTools, or pass ?tabId= to inspect a tab.</p>, root);
else render(<App tabId={tabId} />, root);
