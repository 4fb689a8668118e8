/**
 * Views loaded on first use. Preact without compat has no `lazy`/`Suspense`; this is the small part of them
 * the panel needs: the module is fetched the first time the view renders (or earlier, through `preload`),
 * nothing is shown until then (a local chunk: a few milliseconds), and later renders are synchronous.
 * It keeps what the panel parses before its first paint small (see docs/performance.md, bundle budget).
 */
import type { ComponentType, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface LazyView<P> {
  (props: P): JSX.Element | null;
  /** Starts loading the module; resolves with the component. */
  preload(): Promise<ComponentType<P>>;
}

export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): LazyView<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const preload = (): Promise<ComponentType<P>> => {
    pending ??= load().then(
      (component) => (loaded = component),
      (error: unknown) => {
        pending = undefined; // a failed chunk load may be retried on the next render
        throw error;
      },
    );
    return pending;
  };
  const View = (props: P): JSX.Element | null => {
    const [component, setComponent] = useState<ComponentType<P> | undefined>(() => loaded);
    useEffect(() => {
      if (component !== undefined) return undefined;
      let live = true;
      preload().then(
        (c) => live && setComponent(() => c),
        (error: unknown) => console.error('[step-up inspector] could not load a view', error),
      );
      return () => {
        live = false;
      };
    }, [component]);
    const Component = component ?? loaded;
    return Component === undefined ? null : <Component {...props} />;
  };
  return Object.assign(View, { preload });
}
