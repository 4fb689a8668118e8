/**
 * Running code in the inspected page's main world, so that a replayed request carries the app's cookies,
 * its origin for CORS and its own fetch. Inside DevTools this is inspectedWindow.eval; when the panel is
 * opened as a tab (tests, or a detached window) it is scripting.executeScript on the tab, which needs
 * `scripting` (part of the install) and host access to the page's origin: the loopback hosts are part of the
 * install, another site's origin is asked for when the user turns the page hook on for it.
 */
import { evalInInspectedPage as evalExpression, isDevtoolsContext } from './devtools.ts';
import type { ResourceHintLimits } from '../core/capture/gaps.ts';
import { browser } from './browser.ts';

/**
 * Calls `fn(arg)` in the page's main world and resolves with its (JSON-serialisable) result. `fn` must be
 * self-contained: it is serialised to source and cannot close over anything.
 */
export async function runInPage<A, R>(tabId: number, fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
  if (isDevtoolsContext()) {
    // inspectedWindow.eval cannot await: the function stores its settled result on a one-off key that a
    // second eval polls. The key is random so the page cannot predict it.
    const key = `__stepup_${crypto.randomUUID().replace(/-/g, '')}`;
    await evalExpression(
      `(() => { const k = ${JSON.stringify(key)}; Promise.resolve().then(() => (${fn.toString()})(${JSON.stringify(arg)})).then((v) => { window[k] = { ok: true, v }; }, (e) => { window[k] = { ok: false, e: String(e && e.message || e) }; }); return true; })()`,
    );
    for (let waited = 0; waited < 30_000; waited += 50) {
      const settled = await evalExpression<{ ok: boolean; v?: R; e?: string } | null>(
        `(() => { const r = window[${JSON.stringify(key)}]; if (r) delete window[${JSON.stringify(key)}]; return r || null; })()`,
      );
      if (settled) {
        if (settled.ok) return settled.v as R;
        throw new Error(settled.e ?? 'failed in the page');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the page did not answer within 30 s');
  }
  const scripting = (browser as { scripting?: typeof browser.scripting }).scripting;
  if (!scripting)
    throw new Error(
      'The panel opened as a tab runs code in the page with the scripting permission and access to its origin: turn on "From page load" for this site (it asks for access), or use the panel inside DevTools.',
    );
  const [result] = await scripting.executeScript({
    target: { tabId },
    world: 'MAIN',
    func: fn as (...args: unknown[]) => unknown,
    args: [arg],
  });
  return result?.result as R;
}

/**
 * The page's record of what it fetched since it loaded (resource timing and its navigation entry), for the top
 * document and its same-origin child frames, as plain data. Self-contained (it is serialised into the page) and
 * written for a page that may have replaced anything it touches: it reads only primitives, never iterates with
 * the page's iterators, takes a string only when its length is within bounds and never throws. What it returns
 * is still the page's word: `parseResourceHint` checks it.
 */
function collectResourceTiming(limits: ResourceHintLimits): unknown {
  try {
    const documents: unknown[] = [];
    let room = limits.entries;
    const read = (win: Window, frame: boolean): void => {
      const perf = win.performance;
      const timeOrigin = perf.timeOrigin;
      const lists = [perf.getEntriesByType('navigation'), perf.getEntriesByType('resource')];
      let total = 0;
      for (let l = 0; l < 2; l += 1) {
        const count = (lists[l] as PerformanceEntryList).length;
        total += typeof count === 'number' && count > 0 ? count : 0;
      }
      const entries: unknown[] = [];
      for (let l = 0; l < 2 && room > 0; l += 1) {
        const list = lists[l] as PerformanceEntryList;
        const count = typeof list.length === 'number' && list.length > 0 ? list.length : 0;
        // The most recent entries: those of the flow that just ran.
        for (let i = count > room ? count - room : 0; i < count && room > 0; i += 1) {
          const entry = list[i] as PerformanceResourceTiming | undefined;
          if (!entry) continue;
          const name = entry.name;
          const initiator = l === 0 ? 'navigation' : entry.initiatorType;
          entries.push({
            name: typeof name === 'string' && name.length <= limits.urlLength ? name : null,
            startTime: entry.startTime,
            duration: entry.duration,
            initiatorType:
              typeof initiator === 'string' && initiator.length <= limits.initiatorLength ? initiator : '',
          });
          room -= 1;
        }
      }
      documents.push({ timeOrigin, total, frame, entries });
    };
    read(window, false);
    const frames = window.frames.length;
    for (let i = 0; i < frames && documents.length < limits.documents; i += 1) {
      try {
        // A cross-origin frame throws on the first access: its record is not the top document's to give.
        read(window.frames[i] as Window, true);
      } catch {
        // Skipped.
      }
    }
    return { documents };
  } catch {
    return null;
  }
}

/**
 * The inspected page's resource timing (see {@link collectResourceTiming}), or null when it cannot be read.
 * Inside DevTools through `inspectedWindow.eval` (the page's main world, the only one DevTools offers without a
 * content script); the panel opened as a tab reads it with `scripting.executeScript` in an isolated world,
 * where the page's replaced globals do not reach, and only where the extension has the page's origin (else the
 * call is refused, and this resolves null: nothing to compare, no notice).
 */
export async function readResourceTiming(tabId: number, limits: ResourceHintLimits): Promise<unknown> {
  try {
    if (isDevtoolsContext())
      return await evalExpression<unknown>(
        `(${collectResourceTiming.toString()})(${JSON.stringify(limits)})`,
      );
    const scripting = (browser as { scripting?: typeof browser.scripting }).scripting;
    if (!scripting) return null;
    const [result] = await scripting.executeScript({
      target: { tabId },
      func: collectResourceTiming as (...args: unknown[]) => unknown,
      args: [limits],
    });
    return result?.result ?? null;
  } catch {
    return null;
  }
}

/** Reloads the inspected page: DevTools' own reload inside DevTools, `tabs.reload` from the panel opened as a tab. */
export async function reloadInspectedPage(tabId: number): Promise<void> {
  if (isDevtoolsContext()) browser.devtools.inspectedWindow.reload({});
  else await browser.tabs.reload(tabId);
}

/**
 * Calls back when tab `tabId` starts loading a page (`'loading'`) and once it has loaded it (`'complete'`), from
 * `tabs.onUpdated`, whose status the extension gets for every tab without the "tabs" permission.
 */
export function onTabLoadStatus(tabId: number, listener: (status: 'loading' | 'complete') => void): void {
  // Not every context has the tabs API (Firefox's DevTools pages had a subset of the APIs): then DevTools'
  // navigation events and the panel's own are all there is.
  const tabs = (browser as { tabs?: typeof browser.tabs }).tabs;
  if (!tabs?.onUpdated) return;
  tabs.onUpdated.addListener((id, change) => {
    if (id === tabId && (change.status === 'loading' || change.status === 'complete'))
      listener(change.status);
  });
}
