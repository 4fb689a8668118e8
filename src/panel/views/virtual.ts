/**
 * Windowed rendering for the panel's long lists (exchanges, findings, timeline lanes) on
 * `@tanstack/virtual-core`: rows of any height, measured as they render, so a finding whose message wraps
 * or a lane with many marks takes the room it needs while only the rows in view (plus an overscan) exist.
 *
 * Use: give the scroll container `ref={v.scrollRef}`, a spacer of `v.totalSize` px, and each rendered item
 * `ref={v.measure}`, `data-index={item.index}` and `top: item.start`.
 */
import {
  elementScroll,
  measureElement,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualItem,
} from '@tanstack/virtual-core';
import { useCallback, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

export type { VirtualItem } from '@tanstack/virtual-core';

export interface VirtualListOptions {
  count: number;
  /** A first guess for an item's height before it is measured (exact for fixed-height rows). */
  estimateSize: (index: number) => number;
  /** Stable identity of the item at `index`, so measurements follow items when the list is filtered. */
  getItemKey?: (index: number) => string | number;
  overscan?: number;
  /** Space above the first item inside the scroll container (a sticky header), in px. */
  paddingStart?: number;
  /** Viewport assumed before the first layout, and in DOMs that do no layout. */
  initialHeight?: number;
}

export interface VirtualList {
  scrollRef: (element: HTMLElement | null) => void;
  /** Ref callback for each rendered item: measures it now and whenever it resizes. */
  measure: (element: HTMLElement | null) => void;
  items: VirtualItem[];
  totalSize: number;
  /** Brings the item at `index` into view with the least scrolling. */
  scrollToIndex: (index: number) => void;
  /** Height of the viewport, for page-wise keyboard moves. */
  viewportHeight: () => number;
}

export function useVirtualList(options: VirtualListOptions): VirtualList {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [element, setElement] = useState<HTMLElement | null>(null);
  const elementRef = useRef<HTMLElement | null>(null);
  const initialHeight = options.initialHeight ?? 480;
  const [virtualizer] = useState(
    () =>
      new Virtualizer<HTMLElement, HTMLElement>({
        count: options.count,
        getScrollElement: () => elementRef.current,
        estimateSize: options.estimateSize,
        scrollToFn: elementScroll,
        // A DOM that does no layout (happy-dom) reports every height as 0: the list would render nothing.
        observeElementRect: (instance, cb) =>
          observeElementRect(instance, (rect) =>
            cb(rect.height > 0 ? rect : { width: rect.width, height: initialHeight }),
          ),
        measureElement: (element, entry, instance) =>
          measureElement(element, entry, instance) ||
          instance.options.estimateSize(instance.indexFromElement(element)),
        observeElementOffset,
        initialRect: { width: 0, height: initialHeight },
        onChange: () => rerender(0),
      }),
  );
  // Options change with every render (new count, new closures): applied before the list is read.
  virtualizer.setOptions({
    ...virtualizer.options,
    count: options.count,
    estimateSize: options.estimateSize,
    overscan: options.overscan ?? 8,
    paddingStart: options.paddingStart ?? 0,
    // The sticky header covers that space: an item scrolled into view goes below it, not under it.
    scrollPaddingStart: options.paddingStart ?? 0,
    ...(options.getItemKey ? { getItemKey: options.getItemKey } : {}),
  });

  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => {
    elementRef.current = element;
    virtualizer._willUpdate();
  });

  const scrollRef = useCallback((el: HTMLElement | null) => setElement(el), []);
  const measure = useCallback((el: HTMLElement | null) => virtualizer.measureElement(el), [virtualizer]);
  const scrollToIndex = useCallback(
    (index: number) => virtualizer.scrollToIndex(index, { align: 'auto' }),
    [virtualizer],
  );
  const viewportHeight = useCallback(
    () => virtualizer.scrollRect?.height || elementRef.current?.clientHeight || initialHeight,
    [virtualizer, initialHeight],
  );
  return {
    scrollRef,
    measure,
    items: virtualizer.getVirtualItems(),
    totalSize: virtualizer.getTotalSize(),
    scrollToIndex,
    viewportHeight,
  };
}
