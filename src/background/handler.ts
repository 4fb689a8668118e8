/**
 * The worker's message handler, apart from the browser: index.ts wires it to the platform layer, unit
 * tests to fakes. Every message is `unknown` until parseToBackground narrows it; a page-reported message
 * (from the relay, in a tab) can only add page-reported exchanges, within their budget.
 */
import { toExchange } from '../core/http/log-file.ts';
import {
  concreteOriginOf,
  originProblem,
  parseToBackground,
  type BackgroundReply,
  type HookStatus,
} from '../shared/messages.ts';
import { isLoopbackOrigin } from '../shared/permissions.ts';
import type { SenderInfo } from '../platform/runtime.ts';
import type { CaptureStore } from './capture-store.ts';
import { sanitisePageExchange } from './page-exchange.ts';

/** Where the page hook runs (page-hooks.ts in the extension). */
export interface HookRegistry {
  /** Turns it on or off for one concrete origin (on a loopback origin: off means switched off). */
  set(origin: string, on: boolean): Promise<void>;
  /** Whether the user wants it on `origin` (null: an origin that is not known). */
  isOn(origin: string | null): Promise<boolean>;
  /** The origins the user opted in (loopback origins are on by default and not listed). */
  origins(): Promise<string[]>;
}

export interface WorkerDeps {
  store: Pick<CaptureStore, 'add' | 'addPageReported' | 'clear' | 'setPreserve'>;
  hooks: HookRegistry;
  /** A tab's URL as the browser reports it to the extension; undefined when it does not. */
  tabUrl(tabId: number): Promise<string | undefined>;
  /** Whether the extension holds what the hook on `origin` needs: host access to it (`scripting` is installed). */
  hasHookAccess(origin: string): Promise<boolean>;
  now(): number;
}

export type Handler = (message: unknown, sender: SenderInfo) => Promise<BackgroundReply>;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Where the hook stands on `origin`, as the panel shows it. */
async function hookStatus(deps: WorkerDeps, origin: string): Promise<HookStatus> {
  const on = (await deps.hooks.isOn(origin)) && (await deps.hasHookAccess(origin));
  return { origin, on, byDefault: isLoopbackOrigin(origin) };
}

/**
 * The origin of the frame a page-reported message comes from, as the browser reports it: the sender's origin
 * (Chrome gives it for every frame, about:blank and srcdoc ones included), else its URL's (a blob: URL's is the
 * origin inside it), else, for a frame without a URL of its own (about:blank, srcdoc, data:) where the browser
 * gives no origin, the tab's: such a frame was made by a page of the tab. Never anything the page says.
 */
async function senderOrigin(deps: WorkerDeps, sender: SenderInfo): Promise<string | null> {
  const url = sender.url?.startsWith('blob:') ? sender.url.slice('blob:'.length) : sender.url;
  const own = concreteOriginOf(sender.origin) ?? concreteOriginOf(url);
  if (own !== null || sender.tabId === undefined) return own;
  if (url !== undefined && !/^(about|data):/.test(url)) return null;
  return concreteOriginOf(await deps.tabUrl(sender.tabId));
}

/**
 * Checks a request to turn the hook on: one concrete origin, access granted, and the named tab, as the
 * browser reports it, on exactly that origin. Whatever the message says, nothing else can be turned on:
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
    return `Refused: no access to ${origin}: turn the hook on from the panel, which asks for it.`;
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
      // From a frame whose origin the user switched off (Firefox injects the hook into every port of a host;
      // or a page loaded before the switch), nothing is kept.
      const origin = await senderOrigin(deps, sender);
      if (!(await deps.hooks.isOn(origin)))
        return { ok: false, error: `the page hook is off on ${origin ?? 'this frame'}: exchanges dropped` };
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
        } else {
          const problem = originProblem(parsed.origin);
          if (problem) return { ok: false, error: `Refused: ${problem}.` };
        }
        await deps.hooks.set(parsed.origin, parsed.enabled);
        return {
          ok: true,
          hookOrigins: await deps.hooks.origins(),
          hook: await hookStatus(deps, parsed.origin),
        };
      }
      case 'getHook': {
        const problem = originProblem(parsed.origin);
        if (problem) return { ok: false, error: `Refused: ${problem}.` };
        return { ok: true, hook: await hookStatus(deps, parsed.origin) };
      }
      case 'getHookOrigins':
        return { ok: true, hookOrigins: await deps.hooks.origins() };
      case 'getTabOrigin':
        return { ok: true, origin: concreteOriginOf(await deps.tabUrl(parsed.tabId)) };
    }
  };
}
