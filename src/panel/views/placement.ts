/**
 * Where a popover goes so that it stays inside the panel: DevTools docked to the side leaves a toolbar button
 * near (or, wrapped, under) another row, and bottom-docked leaves a panel a few hundred pixels high. The popover
 * hangs below its button, right edges aligned, moved left or right as needed to stay inside; it opens above the
 * button only when that gives it more room; what still does not fit scrolls inside the popover.
 */
import { useLayoutEffect } from 'preact/hooks';

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Placement {
  left: number;
  top: number;
  /** Never wider than the viewport less its margins. */
  maxWidth: number;
  /** The room on the chosen side: the popover scrolls inside itself beyond it. */
  maxHeight: number;
  side: 'below' | 'above';
}

export interface PlacementInput {
  /** The button the popover belongs to, in viewport coordinates. */
  anchor: Box;
  /** The popover's natural size (its whole content, before any max-height). */
  size: { width: number; height: number };
  viewport: { width: number; height: number };
  /** Space kept free at the viewport's edges. */
  margin?: number;
  /** Space between the button and the popover. */
  gap?: number;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

export function placePopover({ anchor, size, viewport, margin = 4, gap = 2 }: PlacementInput): Placement {
  const maxWidth = Math.max(0, viewport.width - 2 * margin);
  const width = Math.min(size.width, maxWidth);
  // Right-aligned with its button, as DevTools' own drop-downs at a toolbar's end are.
  const left = clamp(anchor.right - width, margin, Math.max(margin, viewport.width - margin - width));
  const below = Math.max(0, viewport.height - margin - (anchor.bottom + gap));
  const above = Math.max(0, anchor.top - gap - margin);
  if (size.height <= below || below >= above) {
    return {
      left,
      top: Math.min(anchor.bottom + gap, viewport.height - margin),
      maxWidth,
      maxHeight: below,
      side: 'below',
    };
  }
  const height = Math.min(size.height, above);
  return { left, top: anchor.top - gap - height, maxWidth, maxHeight: above, side: 'above' };
}

/**
 * Keeps `popover` (position: fixed) placed by {@link placePopover} against `anchor` while `open`: at once, when
 * the panel is resized, and when the popover's content changes (another step, a warning shown).
 */
export function usePopoverPlacement(
  open: boolean,
  anchor: { current: HTMLElement | null },
  popover: { current: HTMLElement | null },
): void {
  useLayoutEffect(() => {
    const element = popover.current;
    if (!open || !element) return undefined;
    const place = () => {
      const button = anchor.current;
      if (!button) return;
      const placement = placePopover({
        anchor: button.getBoundingClientRect(),
        // scrollHeight is the content's whole height even while a max-height makes the popover scroll.
        size: { width: element.offsetWidth, height: element.scrollHeight },
        viewport: {
          width: document.documentElement.clientWidth,
          height: document.documentElement.clientHeight,
        },
      });
      element.style.left = `${placement.left}px`;
      element.style.top = `${placement.top}px`;
      element.style.maxWidth = `${placement.maxWidth}px`;
      element.style.maxHeight = `${placement.maxHeight}px`;
      element.dataset['side'] = placement.side;
    };
    place();
    window.addEventListener('resize', place);
    // A fixed popover does not follow its button when the panel lays out again; resizing content does not
    // fire `resize`. Where the DOM has no ResizeObserver (tests), placing once and on resize is what there is.
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(place);
    observer?.observe(element);
    return () => {
      window.removeEventListener('resize', place);
      observer?.disconnect();
    };
  }, [open, anchor, popover]);
}
