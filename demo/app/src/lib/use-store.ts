import { useEffect, useState } from 'preact/hooks';
import type { Store } from './store.ts';

/** Subscribes a component to a {@link Store}. */
export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(store.get);
  useEffect(() => {
    setValue(() => store.get());
    return store.subscribe(() => setValue(() => store.get()));
  }, [store]);
  return value;
}
