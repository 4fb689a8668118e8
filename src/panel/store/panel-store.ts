/**
 * The panel's one store: a vanilla zustand store (no React binding; `useStore` in `../hooks.ts` subscribes
 * Preact components to it through selectors). All changes go through `dispatch`, which runs the pure
 * `reducePanel`; the store itself holds no logic, so tests drive it with plain events.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { initialPanelState, reducePanel } from './reduce.ts';
import type { PanelEvent, PanelState } from './types.ts';

export interface PanelStore extends StoreApi<PanelState> {
  dispatch(event: PanelEvent): void;
}

/** Creates a panel store, optionally starting from a partial state (tests, the tab id, the theme). */
export function createPanelStore(initial: Partial<PanelState> = {}): PanelStore {
  const api = createStore<PanelState>()(() => initialPanelState(initial));
  return {
    ...api,
    dispatch(event) {
      const before = api.getState();
      const after = reducePanel(before, event);
      if (after !== before) api.setState(after, true);
    },
  };
}
