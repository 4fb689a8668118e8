/**
 * Where the Export popover goes (views/placement.ts): under its button and right-aligned with it when it fits,
 * moved back inside the viewport when the button is near an edge, above the button only when that gives more
 * room, and never taller or wider than the room it has (the rest scrolls inside it).
 */
import { describe, expect, it } from 'vitest';
import { placePopover, type Box } from '../../../src/panel/views/placement.ts';

function box(left: number, top: number, width: number, height: number): Box {
  return { left, top, right: left + width, bottom: top + height };
}

describe('placePopover', () => {
  it('hangs below its button, right edges aligned, when the panel has the room (undocked)', () => {
    const placement = placePopover({
      anchor: box(1300, 3, 70, 22),
      size: { width: 340, height: 180 },
      viewport: { width: 1440, height: 900 },
    });
    expect(placement).toEqual({ left: 1030, top: 27, maxWidth: 1432, maxHeight: 869, side: 'below' });
  });

  it('moves right to stay inside when the button sits near the left edge (a wrapped toolbar row)', () => {
    const placement = placePopover({
      anchor: box(10, 28, 60, 22),
      size: { width: 340, height: 180 },
      viewport: { width: 550, height: 640 },
    });
    expect(placement.left).toBe(4);
    expect(placement.left + 340).toBeLessThanOrEqual(550 - 4);
  });

  it('moves left to stay inside when the button reaches past the right edge', () => {
    const placement = placePopover({
      anchor: box(520, 3, 60, 22),
      size: { width: 340, height: 180 },
      viewport: { width: 550, height: 640 },
    });
    expect(placement.left).toBe(550 - 4 - 340);
  });

  it('is never wider than the viewport less its margins (a 360 px panel, a popover asking for more)', () => {
    const placement = placePopover({
      anchor: box(250, 28, 60, 22),
      size: { width: 400, height: 180 },
      viewport: { width: 360, height: 640 },
    });
    expect(placement.maxWidth).toBe(352);
    expect(placement.left).toBe(4);
  });

  it('stays below and scrolls inside in a short bottom-docked panel when below has more room than above', () => {
    const placement = placePopover({
      anchor: box(1300, 3, 70, 22),
      size: { width: 340, height: 420 },
      viewport: { width: 1440, height: 300 },
    });
    expect(placement.side).toBe('below');
    expect(placement.top).toBe(27);
    expect(placement.maxHeight).toBe(300 - 4 - 27);
  });

  it('opens above when it does not fit below and above has more room, its bottom at the button', () => {
    const placement = placePopover({
      anchor: box(300, 250, 60, 22),
      size: { width: 200, height: 120 },
      viewport: { width: 800, height: 300 },
    });
    expect(placement.side).toBe('above');
    expect(placement.top + 120).toBe(250 - 2);
    expect(placement.maxHeight).toBe(250 - 2 - 4);
  });

  it('above and still too tall: starts at the top margin and scrolls inside', () => {
    const placement = placePopover({
      anchor: box(300, 250, 60, 22),
      size: { width: 200, height: 600 },
      viewport: { width: 800, height: 300 },
    });
    expect(placement).toMatchObject({ side: 'above', top: 4, maxHeight: 244 });
  });

  it('a viewport smaller than its margins gives no negative sizes', () => {
    const placement = placePopover({
      anchor: box(0, 0, 4, 4),
      size: { width: 340, height: 180 },
      viewport: { width: 6, height: 6 },
    });
    expect(placement.maxWidth).toBe(0);
    expect(placement.maxHeight).toBe(0);
    expect(placement.left).toBe(4);
  });
});
