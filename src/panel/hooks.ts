/**
 * Preact glue: the store, the commands and the services travel through context; `useStore` subscribes a
 * component to one selector's result (re-rendering only when it changes by `Object.is`); `useCommands` is what
 * views call for anything beyond a store event; `useNow` is the 1-second clock that runs only while something
 * on screen is counting down.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { PanelCommands } from './commands/index.ts';
import type { ActionRules, PanelServices } from './panel-services.ts';
import type { PanelStore } from './store/panel-store.ts';
import { needsTicker } from './store/lane-facts.ts';
import type { PanelState } from './store/types.ts';

export const StoreContext = createContext<PanelStore | null>(null);
export const ServicesContext = createContext<PanelServices | null>(null);
export const CommandsContext = createContext<PanelCommands | null>(null);

export function usePanelStore(): PanelStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext is missing');
  return store;
}

export function useServices(): PanelServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('ServicesContext is missing');
  return services;
}

export function useCommands(): PanelCommands {
  const commands = useContext(CommandsContext);
  if (!commands) throw new Error('CommandsContext is missing');
  return commands;
}

/** Whether page actions can run (pure decisions, injected so tests can pin them). */
export function useRules(): ActionRules {
  return useServices().rules;
}

/** The selected slice of the panel state; the component re-renders when it changes. */
export function useStore<T>(selector: (state: PanelState) => T): T {
  const store = usePanelStore();
  const [, force] = useReducer((n: number) => n + 1, 0);
  const selected = selector(store.getState());
  const latest = useRef({ selector, selected });
  latest.current = { selector, selected };
  useLayoutEffect(() => {
    const check = (state: PanelState) => {
      if (!Object.is(latest.current.selector(state), latest.current.selected)) force(undefined);
    };
    const unsubscribe = store.subscribe(check);
    check(store.getState()); // a change between render and subscription
    return unsubscribe;
  }, [store]);
  return selected;
}

export function useDispatch(): PanelStore['dispatch'] {
  return usePanelStore().dispatch;
}

/**
 * The current time, re-read every second while any of `deadlines` (epoch ms) is still ahead, and never
 * otherwise: one interval for the whole component, stopped as soon as the last countdown ends.
 */
export function useNow(deadlines: readonly number[]): number {
  const services = useServices();
  const [now, setNow] = useState(() => services.now());
  const active = needsTicker(deadlines, now);
  const key = deadlines.join(',');
  // New deadlines (a new token, a new challenge): read the clock again, the ticker may have been idle.
  useEffect(() => setNow(services.now()), [key, services]);
  useEffect(() => {
    if (!active) return undefined;
    const id = setInterval(() => setNow(services.now()), 1000);
    return () => clearInterval(id);
  }, [active, services]);
  return now;
}
