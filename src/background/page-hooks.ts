/**
 * Where the page hook runs, kept true by the worker: the user's settings (loopback origins switched off,
 * other origins opted in; `storage.local`) are the record, and the registered content scripts are made to
 * match them at every start of the worker and after every change.
 *
 * Registrations persist across sessions, and the browser keeps them across the extension's updates, which can
 * change the built files they name: so {@link PageHooks.ensure} compares each registration with what it should
 * be, field by field, and repairs only what differs. Run twice, the second run changes nothing.
 *
 * The registrations: one hook and one relay for every loopback origin (all ports; in Chrome the origins
 * switched off are excluded by exact pattern), and one pair per pattern of the opted-in origins (in Firefox
 * a pattern covers every port of a host, so two opted-in ports of one host share one pair: two relays in a page
 * would forward every exchange twice). All frames, and the about:blank, srcdoc and blob frames their pages
 * create (`matchOriginAsFallback`), from document_start.
 */
import { isConcreteOrigin } from '../shared/messages.ts';
import {
  LOOPBACK_HOST_PERMISSIONS,
  isLoopbackOrigin,
  pageHookOn,
  parsePageHookSettings,
  type PageHookSettings,
} from '../shared/permissions.ts';
import type { ContentScript, ScriptingPort } from '../platform/scripting.ts';

export interface HookScripts {
  /** Built file of the MAIN-world hook. */
  hook: string;
  /** Built file of the isolated-world relay. */
  relay: string;
}

export interface PageHooksDeps {
  scripting: ScriptingPort;
  settings: { read(): Promise<unknown>; write(settings: PageHookSettings): Promise<void> };
  files: HookScripts;
  /** The narrowest match pattern of an origin's pages (platform/permissions.ts `pagePattern`). */
  pattern(origin: string): string;
  /** False where patterns cover every port of a host (Firefox): switched-off ports cannot be excluded. */
  patternsHavePorts: boolean;
}

/** What {@link PageHooks.ensure} changed: the ids it registered, updated and removed (all empty: nothing). */
export interface EnsureReport {
  registered: string[];
  updated: string[];
  removed: string[];
}

/** Every id this extension registers starts with this. */
const OURS = 'stepup-';
export const LOOPBACK_HOOK_ID = 'stepup-loopback:hook';
export const LOOPBACK_RELAY_ID = 'stepup-loopback:relay';
const HOOK_PREFIX = 'stepup-hook:';
const RELAY_PREFIX = 'stepup-relay:';

/** The scripts that should be registered for `settings`, relays first. */
export function desiredScripts(
  settings: PageHookSettings,
  deps: Omit<PageHooksDeps, 'scripting' | 'settings'>,
) {
  const common = {
    runAt: 'document_start' as const,
    // Every frame of a matching origin, and the frames without a URL of their own that its pages create.
    allFrames: true,
    matchOriginAsFallback: true,
    persistAcrossSessions: true,
  };
  const excluded = deps.patternsHavePorts ? settings.off.map(deps.pattern).sort() : [];
  const pair = (relayId: string, hookId: string, matches: string[], excludeMatches: string[] = []) => [
    { id: relayId, matches, excludeMatches, js: [deps.files.relay], ...common },
    { id: hookId, matches, excludeMatches, js: [deps.files.hook], world: 'MAIN' as const, ...common },
  ];
  const scripts: ContentScript[] = pair(
    LOOPBACK_RELAY_ID,
    LOOPBACK_HOOK_ID,
    [...LOOPBACK_HOST_PERMISSIONS],
    excluded,
  );
  const patterns = [...new Set(settings.on.map(deps.pattern))].sort();
  for (const pattern of patterns)
    scripts.push(...pair(`${RELAY_PREFIX}${pattern}`, `${HOOK_PREFIX}${pattern}`, [pattern]));
  return scripts;
}

const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort().join('\n');

/** Whether a registration is `want`, reading an absent field as the browser's default. */
function sameScript(have: Partial<ContentScript>, want: ContentScript): boolean {
  return (
    sorted(have.matches) === sorted(want.matches) &&
    sorted(have.excludeMatches) === sorted(want.excludeMatches) &&
    (have.js ?? []).join('\n') === want.js.join('\n') &&
    (have.runAt ?? 'document_idle') === want.runAt &&
    (have.allFrames ?? false) === want.allFrames &&
    (have.matchOriginAsFallback ?? false) === want.matchOriginAsFallback &&
    (have.world ?? 'ISOLATED') === (want.world ?? 'ISOLATED') &&
    (have.persistAcrossSessions ?? true) === want.persistAcrossSessions
  );
}

/**
 * The opted-in origins an older version recorded only in its registrations (ids `stepup-hook:<origin>`): kept
 * when the settings are first written. Loopback ones are on by default now.
 */
function optedInByRegistration(registered: Partial<ContentScript>[]): string[] {
  return registered
    .map((s) => s.id ?? '')
    .filter((id) => id.startsWith(HOOK_PREFIX))
    .map((id) => id.slice(HOOK_PREFIX.length))
    .filter((origin) => isConcreteOrigin(origin) && !isLoopbackOrigin(origin));
}

export class PageHooks {
  /** One change at a time: starts, switches and repairs never interleave their reads and writes. */
  private chain: Promise<unknown> = Promise.resolve();
  /** The settings as last read or written by this worker instance (the only writer). */
  private settings: Promise<PageHookSettings> | undefined;

  constructor(private readonly deps: PageHooksDeps) {}

  private run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The settings; on the first start of this version, those an older one left in its registrations. */
  private current(): Promise<PageHookSettings> {
    if (this.settings) return this.settings;
    const loading = (async () => {
      const stored = parsePageHookSettings(await this.deps.settings.read());
      if (stored) return stored;
      const migrated = { off: [], on: optedInByRegistration(await this.deps.scripting.registered()) };
      await this.deps.settings.write(migrated);
      return migrated;
    })();
    this.settings = loading;
    // A failed read is not kept: the next call reads again.
    loading.catch(() => {
      if (this.settings === loading) this.settings = undefined;
    });
    return loading;
  }

  /** Makes the registrations match the settings; idempotent. */
  ensure(): Promise<EnsureReport> {
    return this.run(() => this.reconcile());
  }

  private async reconcile(): Promise<EnsureReport> {
    const settings = await this.current();
    const want = desiredScripts(settings, this.deps);
    const have = (await this.deps.scripting.registered()).filter((s) => s.id?.startsWith(OURS));
    const byId = new Map(have.map((s) => [s.id as string, s]));
    const wanted = new Set(want.map((s) => s.id));
    const removed = have.map((s) => s.id as string).filter((id) => !wanted.has(id));
    const register = want.filter((s) => !byId.has(s.id));
    const update = want.filter((s) => {
      const registered = byId.get(s.id);
      return registered !== undefined && !sameScript(registered, s);
    });
    // Leftovers go first: an older per-origin pair on a loopback origin would relay twice beside the new one.
    await this.deps.scripting.unregister(removed);
    await this.deps.scripting.update(update);
    await this.deps.scripting.register(register);
    return { registered: register.map((s) => s.id), updated: update.map((s) => s.id), removed };
  }

  /** Turns the hook on or off for one concrete origin (checked by the caller), then repairs the registrations. */
  set(origin: string, on: boolean): Promise<void> {
    return this.run(async () => {
      const { off, on: optedIn } = await this.current();
      const without = (list: string[]) => list.filter((o) => o !== origin);
      const next: PageHookSettings = isLoopbackOrigin(origin)
        ? { off: on ? without(off) : [...without(off), origin], on: optedIn }
        : { off, on: on ? [...without(optedIn), origin] : without(optedIn) };
      await this.deps.settings.write(next);
      this.settings = Promise.resolve(next);
      await this.reconcile();
    });
  }

  /** Whether the user wants the hook on `origin` (null: a frame whose origin is not known). */
  async isOn(origin: string | null): Promise<boolean> {
    return pageHookOn(await this.current(), origin);
  }

  /** The origins the user opted in (loopback origins, on by default, are not listed). */
  async origins(): Promise<string[]> {
    return [...(await this.current()).on];
  }
}
