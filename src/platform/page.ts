/**
 * Running code in the inspected page's main world, so that a replayed request carries the app's cookies,
 * its origin for CORS and its own fetch. Inside DevTools this is inspectedWindow.eval; when the panel is
 * opened as a tab (tests, or a detached window) it is scripting.executeScript on the tab, which needs the
 * optional `scripting` permission and host access to the page's origin: both are asked for when the user
 * turns on the page hook for that origin (localhost's host access is part of the install).
 */
import { evalInInspectedPage as evalExpression, isDevtoolsContext } from './devtools.ts';
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
      'The panel opened as a tab runs code in the page with the scripting permission: turn on "Capture before DevTools opens" for this site (it asks for it), or use the panel inside DevTools.',
    );
  const [result] = await scripting.executeScript({
    target: { tabId },
    world: 'MAIN',
    func: fn as (...args: unknown[]) => unknown,
    args: [arg],
  });
  return result?.result as R;
}
