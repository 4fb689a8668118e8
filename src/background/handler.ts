/**
 * The worker's message handler, apart from the browser: index.ts wires it to the platform layer, unit
 * tests to fakes. Every message is `unknown` until parseToBackground narrows it; a page-reported message
 * (from the relay, in a tab) can only add page-reported exchanges, within their budget.
 */
import { toExchange } from '../core/http/log-file.ts';
import {
  concreteOriginOf,
  isConcreteOrigin,
  originProblem,
  parseToBackground,
  type BackgroundReply,
} from '../shared/messages.ts';
import type { SenderInfo } from '../platform/runtime.ts';
import type { CaptureStore } from './capture-store.ts';
import { sanitisePageExchange } from './page-exchange.ts';

/** Where the page hook is registered (platform/scripting.ts in the extension). */
export interface HookRegistry {
  register(origin: string): Promise<void>;
  unregister(origin: string): Promise<void>;
  /** Origins with a registered hook, as registered. */
  origins(): Promise<string[]>;
}

export interface WorkerDeps {
  store: Pick<CaptureStore, 'add' | 'addPageReported' | 'clear' | 'setPreserve'>;
  hooks: HookRegistry;
  /** A tab's URL as the browser reports it to the extension; undefined when it does not. */
  tabUrl(tabId: number): Promise<string | undefined>;
  /** Whether the extension holds what the hook on `origin` needs: host access to it and `scripting`. */
  hasHookAccess(origin: string): Promise<boolean>;
  now(): number;
}

export type Handler = (message: unknown, sender: SenderInfo) => Promise<BackgroundReply>;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Registered origins, without anything that is not one concrete origin (see removeNonConcreteHooks). */
async function hookOrigins(hooks: HookRegistry): Promise<string[]> {
  return (await hooks.origins()).filter(isConcreteOrigin);
}

/**
 * Checks a request to turn the hook on: one concrete origin, access granted, and the named tab, as the
 * browser reports it, on exactly that origin. Whatever the message says, nothing else can be registered:
 * no wildcard, no origin the inspected tab is not on. Resolves with the refusal, or null.
 */
async function refuseHook(
  deps: WorkerDeps,
  origin: string,
  tabId: number | undefined,
): Promise<string | null> {
  const problem = originProblem(origin);
  if (problem) return `Refused: ${problem}.`;
  if (tabId === undefined)
    return `Refused: the page hook is turned on for the inspected tab's own origin, and no tab was named.`;
  if (!(await deps.hasHookAccess(origin)))
    return `Refused: no access to ${origin} (or no scripting permission): turn the hook on from the panel, which asks for both.`;
  const actual = concreteOriginOf(await deps.tabUrl(tabId));
  if (actual === null)
    return `Refused: the browser does not report tab ${tabId} on ${origin} (closed, or not a web page).`;
  if (actual !== origin) return `Refused: tab ${tabId} is on ${actual}, not on ${origin}.`;
  return null;
}

export function createHandler(deps: WorkerDeps): Handler {
  return async (message, sender) => {
    const parsed = parseToBackground(message);
    if (!parsed) return { ok: false, error: 'unrecognised message' };

    if (parsed.type === 'pageExchanges') {
      // Page-reported: the tab comes from the browser's sender info, never from the message.
      if (sender.tabId === undefined || sender.isExtensionPage)
        return { ok: false, error: 'page exchanges come from content scripts' };
      if (parsed.exchanges.length === 0) return { ok: true };
      const report = await deps.store.addPageReported(
        sender.tabId,
        parsed.exchanges,
        sanitisePageExchange,
        deps.now(),
      );
      const problems = [
        report.rejected > 0 ? `${plural(report.rejected, 'page exchange')} rejected` : '',
        report.overRate > 0 ? `${plural(report.overRate, 'page exchange')} over the rate limit` : '',
        report.overShare > 0 ? `${plural(report.overShare, 'page exchange')} over their share` : '',
      ].filter(Boolean);
      return problems.length > 0 ? { ok: false, error: problems.join('; ') } : { ok: true };
    }

    // Everything else changes state or records trusted data: only the extension's own pages may ask.
    if (!sender.isExtensionPage) return { ok: false, error: 'not allowed from a web page' };
    switch (parsed.type) {
      case 'captureExchange':
      case 'recordInspectorExchange': {
        const checked = toExchange(parsed.exchange);
        if (typeof checked === 'string') return { ok: false, error: checked };
        const { id: _id, ...capture } = checked;
        const source = parsed.type === 'captureExchange' ? 'devtools' : 'inspector';
        await deps.store.add(parsed.tabId, {
          ...capture,
          sources: [source],
          ...(source === 'inspector' ? { initiator: 'inspector' as const } : {}),
        });
        return { ok: true };
      }
      case 'clearLog':
        await deps.store.clear(parsed.tabId, deps.now());
        return { ok: true };
      case 'setPreserve':
        await deps.store.setPreserve(parsed.tabId, parsed.preserve);
        return { ok: true };
      case 'setHook': {
        if (parsed.enabled) {
          const refusal = await refuseHook(deps, parsed.origin, parsed.tabId);
          if (refusal) return { ok: false, error: refusal };
          await deps.hooks.register(parsed.origin);
        } else {
          const problem = originProblem(parsed.origin);
          if (problem) return { ok: false, error: `Refused: ${problem}.` };
          await deps.hooks.unregister(parsed.origin);
        }
        return { ok: true, hookOrigins: await hookOrigins(deps.hooks) };
      }
      case 'getHookOrigins':
        return { ok: true, hookOrigins: await hookOrigins(deps.hooks) };
      case 'getTabOrigin':
        return { ok: true, origin: concreteOriginOf(await deps.tabUrl(parsed.tabId)) };
    }
  };
}

/**
 * Unregisters hooks whose origin is not one concrete origin. None can be registered any more, but an older
 * version accepted whatever origin the inspected page claimed (`https://*` was every site); registrations
 * persist across sessions, so the worker removes such leftovers when it starts.
 */
export async function removeNonConcreteHooks(hooks: HookRegistry): Promise<string[]> {
  const removed: string[] = [];
  for (const origin of await hooks.origins()) {
    if (isConcreteOrigin(origin)) continue;
    try {
      await hooks.unregister(origin);
      removed.push(origin);
    } catch (error) {
      // One that cannot be removed must not keep the others in place.
      console.error('[step-up inspector] could not remove the hook of', origin, error);
    }
  }
  return removed;
}
