/**
 * Layout probes for the panel at the sizes DevTools gives it: controls pushed out of the viewport, labels cut
 * with an ellipsis or clipped by an `overflow: hidden` box, popovers whose text runs past their border, a page
 * that scrolls sideways. One `evaluate` measures everything in the page; each problem names its element (a
 * selector, its text and its box) so a failing test says what to fix, not just that something is off.
 */
import type { Frame, Page } from 'playwright-core';

/** An element's box in CSS pixels, relative to the viewport. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * - `outside-viewport`: part of the element lies outside the window.
 * - `clipped`: part of it is hidden by an ancestor that clips its overflow (named in `detail`).
 * - `ellipsis`: its text is cut with `text-overflow: ellipsis`.
 * - `overflows`: its content is wider than its own `overflow: hidden` box, cut without an ellipsis.
 * - `wraps`: a toolbar or tab label broken over several lines.
 * - `escapes`: it sticks out sideways past the popover, dialog or pane it belongs to.
 * - `covered`: its text lies under another element (named in `detail`).
 * - `page-scrolls`: the document is wider than the window.
 */
export type LayoutIssueKind =
  | 'outside-viewport'
  | 'clipped'
  | 'ellipsis'
  | 'overflows'
  | 'wraps'
  | 'escapes'
  | 'covered'
  | 'page-scrolls';

export interface LayoutIssue {
  kind: LayoutIssueKind;
  /** A selector that finds the element: the nearest ancestor with a test id, then the element. */
  selector: string;
  /** Its visible text, trimmed (or its accessible name). */
  text: string;
  box: Box;
  /** What was measured against what. */
  detail: string;
}

/** Which elements to hold to which rule; each entry is a CSS selector list. */
export interface LayoutChecks {
  /**
   * Each match, and its label text, must be wholly inside the viewport and not cut by any clipping ancestor;
   * the label on one line (toolbar controls, view tabs).
   */
  fullyShown?: string;
  /** Each match must lie inside the viewport (popovers, dialogs, the detail pane). */
  inViewport?: string;
  /**
   * Each match's visible descendants must stay within it sideways (text wrapping inside a popover's border).
   * Descendants inside a box of their own that clips or scrolls sideways are that box's business.
   */
  contains?: string;
  /** No match, nor any descendant, may have its text cut by an ellipsis or by its own overflow (labels). */
  notTruncated?: string;
  /**
   * The text of each match (its own lines) must not lie under another element: two things drawn over each
   * other. What lies under one of the `floating` surfaces (an open popover, a dialog, an overlay) is not
   * counted, nor text scrolled out of its scroll box.
   */
  uncovered?: string;
  /** The surfaces that may legitimately cover the rest (with `uncovered`). */
  floating?: string;
  /** The document must not be wider than the window. Default true. */
  noPageScroll?: boolean;
}

/**
 * Measures `checks` in `target` (a page, or a frame such as the panel inside DevTools) and returns every
 * problem found, check by check; an empty list when the layout holds. Hidden elements (not rendered,
 * `visibility: hidden`, transparent, inside a closed `<details>`, or a 1 px visually-hidden label) are not
 * measured.
 */
export async function probeLayout(target: Page | Frame, checks: LayoutChecks): Promise<LayoutIssue[]> {
  return target.evaluate((c) => {
    // Runs in the page: everything it uses is defined here.
    const TOLERANCE = 1;
    const issues: {
      kind: string;
      selector: string;
      text: string;
      box: { x: number; y: number; width: number; height: number };
      detail: string;
    }[] = [];
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const round = (n: number) => Math.round(n);
    const boxOf = (r: DOMRect) => ({
      x: round(r.left),
      y: round(r.top),
      width: round(r.width),
      height: round(r.height),
    });
    const describeOne = (el: Element): string => {
      const testId = el.getAttribute('data-testid');
      if (testId) return `[data-testid="${testId}"]`;
      const role = el.getAttribute('role');
      const classes = [...el.classList]
        .slice(0, 3)
        .map((k) => `.${k}`)
        .join('');
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${classes}${role ? `[role="${role}"]` : ''}`;
    };
    const describe = (el: Element): string => {
      const own = describeOne(el);
      if (el.hasAttribute('data-testid')) return own;
      const anchor = el.parentElement?.closest('[data-testid]');
      return anchor ? `${describeOne(anchor)} ${own}` : own;
    };
    const textOf = (el: Element): string => {
      const raw =
        (el instanceof HTMLElement ? el.innerText : el.textContent) ||
        el.getAttribute('aria-label') ||
        el.getAttribute('title') ||
        '';
      const text = raw.replace(/\s+/g, ' ').trim();
      return text.length > 70 ? `${text.slice(0, 69)}…` : text;
    };
    const shown = (el: Element): boolean => {
      // Not rendered, `visibility: hidden`, transparent, or inside a closed <details> (content-visibility).
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
      const r = el.getBoundingClientRect();
      // Visually-hidden labels (1 px, clipped) are for screen readers.
      return r.width > 1 && r.height > 1;
    };
    const clipsX = (el: Element) => {
      const o = getComputedStyle(el).overflowX;
      return o !== 'visible';
    };
    const clipsY = (el: Element) => {
      const o = getComputedStyle(el).overflowY;
      return o !== 'visible';
    };
    const report = (kind: string, el: Element, detail: string) =>
      issues.push({
        kind,
        selector: describe(el),
        text: textOf(el),
        box: boxOf(el.getBoundingClientRect()),
        detail,
      });
    const all = (selector: string | undefined): Element[] =>
      selector ? [...document.querySelectorAll(selector)].filter(shown) : [];
    const sides = (r: DOMRect, outer: { left: number; top: number; right: number; bottom: number }) =>
      [
        r.left < outer.left - TOLERANCE ? `left ${round(outer.left - r.left)}px` : '',
        r.right > outer.right + TOLERANCE ? `right ${round(r.right - outer.right)}px` : '',
        r.top < outer.top - TOLERANCE ? `top ${round(outer.top - r.top)}px` : '',
        r.bottom > outer.bottom + TOLERANCE ? `bottom ${round(r.bottom - outer.bottom)}px` : '',
      ].filter(Boolean);
    const viewport = { left: 0, top: 0, right: vw, bottom: vh };

    /** The lines of the element's own visible text, as the rectangles the browser drew them in. */
    const textLines = (el: Element): DOMRect[] => {
      const rects: DOMRect[] = [];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!node.textContent?.trim() || !parent || !shown(parent)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) rects.push(r);
      }
      return rects;
    };
    const union = (rects: DOMRect[]): DOMRect => {
      const left = Math.min(...rects.map((r) => r.left));
      const top = Math.min(...rects.map((r) => r.top));
      const right = Math.max(...rects.map((r) => r.right));
      const bottom = Math.max(...rects.map((r) => r.bottom));
      return new DOMRect(left, top, right - left, bottom - top);
    };

    for (const el of all(c.fullyShown)) {
      const lines = textLines(el);
      // The control and its label text (which may overflow the control) must both be seen whole.
      const r = lines.length > 0 ? union([el.getBoundingClientRect(), ...lines]) : el.getBoundingClientRect();
      const out = sides(r, viewport);
      if (out.length > 0) {
        report('outside-viewport', el, `past the ${vw}×${vh} viewport by ${out.join(', ')}`);
        continue;
      }
      // Text boxes that overlap vertically share a line (a smaller count badge sits lower than the label).
      const rows: { top: number; bottom: number }[] = [];
      for (const l of lines) {
        const row = rows.find((w) => l.top < w.bottom - 2 && l.bottom > w.top + 2);
        if (row) {
          row.top = Math.min(row.top, l.top);
          row.bottom = Math.max(row.bottom, l.bottom);
        } else rows.push({ top: l.top, bottom: l.bottom });
      }
      if (rows.length > 1) report('wraps', el, `its label is on ${rows.length} lines`);
      for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        const x = clipsX(a);
        const y = clipsY(a);
        if (!x && !y) continue;
        const ar = a.getBoundingClientRect();
        const cut = sides(r, {
          left: x ? ar.left : -Infinity,
          right: x ? ar.right : Infinity,
          top: y ? ar.top : -Infinity,
          bottom: y ? ar.bottom : Infinity,
        });
        if (cut.length > 0) {
          report(
            'clipped',
            el,
            `cut by ${describe(a)} (${boxOf(ar).width}×${boxOf(ar).height}): ${cut.join(', ')}`,
          );
          break;
        }
      }
    }

    for (const el of all(c.inViewport)) {
      const out = sides(el.getBoundingClientRect(), viewport);
      if (out.length > 0)
        report('outside-viewport', el, `past the ${vw}×${vh} viewport by ${out.join(', ')}`);
    }

    for (const container of all(c.contains)) {
      const cr = container.getBoundingClientRect();
      for (const el of container.querySelectorAll('*')) {
        if (!shown(el)) continue;
        let inner = false;
        for (let a = el.parentElement; a && a !== container; a = a.parentElement) {
          if (clipsX(a)) {
            inner = true;
            break;
          }
        }
        if (inner) continue;
        // Text that does not wrap runs past its own box: measure the element's own lines too, unless the
        // element clips them itself.
        const own = clipsX(el)
          ? []
          : [...el.childNodes].flatMap((n) => {
              if (n.nodeType !== Node.TEXT_NODE || !n.textContent?.trim()) return [];
              const range = document.createRange();
              range.selectNodeContents(n);
              return [...range.getClientRects()].filter((t) => t.width > 0);
            });
        const r = union([el.getBoundingClientRect(), ...own]);
        const out = sides(r, { left: cr.left, right: cr.right, top: -Infinity, bottom: Infinity });
        if (out.length > 0) {
          report(
            'escapes',
            el,
            `sticks out of ${describe(container)} (${boxOf(cr).width} wide): ${out.join(', ')}`,
          );
        }
      }
    }

    for (const el of all(c.uncovered)) {
      // The part of the viewport where the element can be seen at all: scroll boxes hide what they scroll out.
      let visible = { left: 0, top: 0, right: vw, bottom: vh };
      // An element that clips its own text (an ellipsis) draws none of it outside its box.
      for (
        let a: Element | null = clipsX(el) ? el : el.parentElement;
        a && a !== document.documentElement;
        a = a.parentElement
      ) {
        if (!clipsX(a) && !clipsY(a)) continue;
        const ar = a.getBoundingClientRect();
        visible = {
          left: Math.max(visible.left, ar.left),
          top: Math.max(visible.top, ar.top),
          right: Math.min(visible.right, ar.right),
          bottom: Math.min(visible.bottom, ar.bottom),
        };
      }
      for (const n of el.childNodes) {
        if (n.nodeType !== Node.TEXT_NODE || !n.textContent?.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        const line = [...range.getClientRects()].find((t) => t.width > 0 && t.height > 0);
        if (!line) continue;
        // Its start, middle and end: another element may cover any of them.
        const inset = Math.min(line.width / 2, 4);
        const y = line.top + line.height / 2;
        const under = [line.left + inset, line.left + line.width / 2, line.right - inset]
          .filter((x) => x >= visible.left && x <= visible.right && y >= visible.top && y <= visible.bottom)
          .map((x) => ({ x, hit: document.elementFromPoint(x, y) }))
          .find(
            ({ hit }) =>
              hit !== null &&
              !el.contains(hit) &&
              !hit.contains(el) &&
              // An open surface covers what is under it by design, the modal backdrop around a dialog too.
              !(c.floating && (hit.closest(c.floating) || hit.querySelector(c.floating))),
          );
        if (under?.hit) {
          report(
            'covered',
            el,
            `its text at (${round(under.x)},${round(y)}) lies under ${describe(under.hit)} "${textOf(under.hit)}"`,
          );
          break;
        }
      }
    }

    const truncatable = new Set<Element>();
    for (const root of all(c.notTruncated)) {
      truncatable.add(root);
      for (const el of root.querySelectorAll('*')) truncatable.add(el);
    }
    for (const el of truncatable) {
      if (!shown(el) || !(el instanceof HTMLElement)) continue;
      // Form controls scroll their own value; their width is the label's business.
      if (
        el instanceof HTMLInputElement ||
        el instanceof HTMLSelectElement ||
        el instanceof HTMLTextAreaElement
      ) {
        continue;
      }
      if (el.scrollWidth <= el.clientWidth || !clipsX(el)) continue;
      const style = getComputedStyle(el);
      const measured = `content ${el.scrollWidth}px in ${el.clientWidth}px`;
      if (style.textOverflow === 'ellipsis') report('ellipsis', el, `cut with an ellipsis: ${measured}`);
      else if (style.overflowX === 'hidden' || style.overflowX === 'clip')
        report('overflows', el, `cut: ${measured}`);
    }

    if (c.noPageScroll !== false) {
      const scroller = document.scrollingElement ?? document.documentElement;
      if (scroller.scrollWidth > vw) {
        // Name what reaches furthest right, the likely cause.
        let widest: Element | null = null;
        let right = vw;
        for (const el of document.body.querySelectorAll('*')) {
          const r = el.getBoundingClientRect();
          if (r.right > right + TOLERANCE && shown(el)) {
            right = r.right;
            widest = el;
          }
        }
        issues.push({
          kind: 'page-scrolls',
          selector: widest ? describe(widest) : 'html',
          text: widest ? textOf(widest) : '',
          box: widest
            ? boxOf(widest.getBoundingClientRect())
            : { x: 0, y: 0, width: scroller.scrollWidth, height: 0 },
          detail: `the document is ${scroller.scrollWidth}px wide in a ${vw}px window`,
        });
      }
    }
    return issues;
  }, checks) as Promise<LayoutIssue[]>;
}

/** One line per issue: kind, selector, text and box, then what was measured. */
export function formatIssue(issue: LayoutIssue): string {
  const { x, y, width, height } = issue.box;
  const text = issue.text ? ` "${issue.text}"` : '';
  return `${issue.kind}: ${issue.selector}${text} at (${x},${y}) ${width}×${height}: ${issue.detail}`;
}

/**
 * Resolves once the page has rendered two frames (resize observers and the re-renders they cause included);
 * soon anyway where no frame comes (a panel DevTools is not showing gets none).
 */
export async function settled(target: Page | Frame): Promise<void> {
  await target.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const fallback = setTimeout(resolve, 200);
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            clearTimeout(fallback);
            resolve();
          }),
        );
      }),
  );
}
