/**
 * The DevTools page: lives as long as DevTools is open on the inspected tab, whichever panel is shown.
 * It creates the Step-Up panel and feeds the capture log with what only DevTools sees: response bodies.
 */
import { parseHar } from '../core/http/har.ts';
import { isStepUpApiUrl, isStepUpRelatedHeaders } from '../core/capture/relevance.ts';
import { PROTOCOL_VERSION } from '../shared/messages.ts';
import { createPanel, inspectedTabId, onRequestFinished } from '../platform/devtools.ts';
import { sendToBackground } from '../platform/runtime.ts';

const tabId = inspectedTabId();
let chain: Promise<unknown> = Promise.resolve();

interface EntryShape {
  request?: { url?: string; headers?: { name: string; value: string }[] };
  response?: { headers?: { name: string; value: string }[]; content?: Record<string, unknown> };
}

function isRelevant(entry: EntryShape): boolean {
  const url = entry.request?.url ?? '';
  if (isStepUpApiUrl(url)) return true;
  const requestHeaders = entry.request?.headers ?? [];
  const find = (list: { name: string; value: string }[], name: string) =>
    list.find((h) => h.name.toLowerCase() === name)?.value;
  return isStepUpRelatedHeaders(
    requestHeaders.map((h) => h.name.toLowerCase()),
    find(requestHeaders, 'authorization'),
    find(entry.response?.headers ?? [], 'www-authenticate'),
  );
}

onRequestFinished((request) => {
  const entry = request.entry as EntryShape;
  if (!isRelevant(entry)) return;
  // Sent in arrival order; getContent is asynchronous, so the chain keeps the log's order stable.
  chain = chain
    .then(async () => {
      const content = await request.getContent();
      const withBody = {
        ...entry,
        response: {
          ...entry.response,
          content: {
            ...entry.response?.content,
            ...(content.text !== undefined ? { text: content.text } : {}),
            ...(content.encoding ? { encoding: content.encoding } : {}),
          },
        },
      };
      const parsed = parseHar({
        log: { version: '1.2', creator: { name: 'devtools', version: '' }, entries: [withBody] },
      });
      const exchange = parsed.ok ? parsed.exchanges[0] : undefined;
      if (!exchange) return;
      await sendToBackground({
        v: PROTOCOL_VERSION,
        type: 'captureExchange',
        source: 'devtools',
        tabId,
        exchange: { ...exchange, sources: ['devtools'], initiator: 'page' },
      });
    })
    .catch((error: unknown) => console.error('[step-up inspector] capture failed', error));
});

void createPanel('Step-Up', 'icons/icon-32.png', 'src/panel/panel.html');
