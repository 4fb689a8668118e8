/** Registering the opt-in page hook (MAIN world) and its relay (isolated world) for chosen sites. */
import { browser } from './browser.ts';

export interface HookScripts {
  /** Built file of the MAIN-world hook. */
  hook: string;
  /** Built file of the isolated-world relay. */
  relay: string;
}

const idFor = (origin: string, part: 'hook' | 'relay') => `stepup-${part}:${origin}`;

export async function registerHook(origin: string, files: HookScripts): Promise<void> {
  await unregisterHook(origin);
  const matches = [`${origin}/*`];
  await browser.scripting.registerContentScripts([
    // Both at document_start so the hook wraps fetch before the page's first script runs.
    {
      id: idFor(origin, 'relay'),
      matches,
      js: [files.relay],
      runAt: 'document_start',
      allFrames: false,
      persistAcrossSessions: true,
    },
    {
      id: idFor(origin, 'hook'),
      matches,
      js: [files.hook],
      runAt: 'document_start',
      allFrames: false,
      world: 'MAIN',
      persistAcrossSessions: true,
    },
  ]);
}

export async function unregisterHook(origin: string): Promise<void> {
  const ids = [idFor(origin, 'hook'), idFor(origin, 'relay')];
  const existing = await browser.scripting.getRegisteredContentScripts({ ids });
  if (existing.length > 0)
    await browser.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
}

export async function registeredHookOrigins(): Promise<string[]> {
  const scripts = await browser.scripting.getRegisteredContentScripts();
  return scripts.filter((s) => s.id.startsWith('stepup-hook:')).map((s) => s.id.slice('stepup-hook:'.length));
}
