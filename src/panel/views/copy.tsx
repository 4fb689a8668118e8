/**
 * Copies from the detail pane: a button that copies one text, a "Copy ▾" menu of several, and the confirmation
 * (or the failure) beside them. Only the lazily loaded detail pane uses them, so they stay out of the panel's
 * first load.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useCommands } from '../hooks.ts';
/** What a copy shows once asked for: nothing yet, done (with what was copied), or why it failed. */
type CopyState =
  | { state: 'idle' }
  | { state: 'done'; message: string; detail?: string }
  | { state: 'failed'; message: string };

/** How long a copy's confirmation stays on screen. */
const COPY_CONFIRMATION_MS = 2500;

/**
 * Copies through the commands (the clipboard needs the click or key press that calls `copy`), and keeps the
 * confirmation or the failure for the view to show.
 */
export function useCopy(): [CopyState, (text: string, confirmation: string, detail?: string) => void] {
  const commands = useCommands();
  const [state, setState] = useState<CopyState>({ state: 'idle' });
  const run = useRef(0);
  useEffect(() => {
    if (state.state !== 'done') return undefined;
    const id = setTimeout(() => setState({ state: 'idle' }), COPY_CONFIRMATION_MS);
    return () => clearTimeout(id);
  }, [state]);
  const copy = (text: string, confirmation: string, detail?: string) => {
    const id = ++run.current;
    void commands.copyText(text).then((outcome) => {
      if (id !== run.current) return;
      setState(
        outcome.ok
          ? { state: 'done', message: confirmation, ...(detail ? { detail } : {}) }
          : { state: 'failed', message: `Not copied: ${outcome.reason}` },
      );
    });
  };
  return [state, copy];
}

/** The confirmation of a copy, announced to screen readers too (the region exists before it has text). */
export function CopyStatus({ state, testId }: { state: CopyState; testId?: string }) {
  return (
    <span
      class={`copy-status ${state.state === 'failed' ? 'copy-failed' : ''}`}
      role="status"
      data-testid={testId}
      data-state={state.state}
      title={state.state === 'done' ? state.detail : undefined}
    >
      {state.state === 'idle' ? '' : state.state === 'done' ? `✓ ${state.message}` : state.message}
    </span>
  );
}

/** A small button that copies `text()` (computed on click) and confirms beside itself. */
export function CopyButton({
  label,
  accessibleName,
  text,
  confirmation,
  testId,
  title,
}: {
  label: string;
  accessibleName: string;
  text: () => string;
  confirmation: string;
  testId: string;
  title?: string;
}) {
  const [state, copy] = useCopy();
  return (
    <span class="copy">
      <button
        type="button"
        class="btn btn-small"
        aria-label={accessibleName}
        title={title ?? accessibleName}
        onClick={() => copy(text(), confirmation)}
        data-testid={testId}
      >
        {label}
      </button>
      <CopyStatus state={state} testId={`${testId}-status`} />
    </span>
  );
}

/** One entry of a {@link CopyMenu}. */
export interface CopyMenuItem {
  id: string;
  label: string;
  /** Drawn as a warning: the copy holds secrets. */
  danger?: boolean;
  /**
   * The text and its (short) confirmation, with more on hover, computed when chosen; a thrown error is shown as
   * the failure.
   */
  run: () => { text: string; confirmation: string; detail?: string };
}

/**
 * A "Copy ▾" button with a menu of copies. Keyboard as in any menu: Enter, Space or ↓ opens it on its first
 * item, ↑/↓/Home/End move, Enter or Space copies, Esc or Tab closes it and the focus goes back to the button.
 * The menu is placed inside the viewport, below the button or above it when the panel is too short.
 */
export function CopyMenu({
  label,
  items,
  testId,
  title,
}: {
  label: string;
  items: readonly CopyMenuItem[];
  testId: string;
  title?: string;
}) {
  const [open, setOpen] = useState(false);
  const [state, copy] = useCopy();
  const [failure, setFailure] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const [place, setPlace] = useState<{ left: number; top: number } | null>(null);

  useLayoutEffect(() => {
    if (!open || !button.current || !menu.current) return;
    const anchor = button.current.getBoundingClientRect();
    const { offsetWidth: width, offsetHeight: height } = menu.current;
    const margin = 4;
    const left = Math.max(margin, Math.min(anchor.right - width, innerWidth - width - margin));
    const below = anchor.bottom + 2;
    const top = below + height <= innerHeight - margin ? below : Math.max(margin, anchor.top - height - 2);
    setPlace({ left, top });
  }, [open]);

  // Once placed (an item cannot take the focus while the menu is still hidden), the first item has it, in the
  // same commit: a focus deferred past paint could land after a quick Esc had already closed the menu and
  // returned the focus to the button, and take it away with the menu.
  useLayoutEffect(() => {
    if (open && place) menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [open, place]);

  useEffect(() => {
    if (!open) return undefined;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target instanceof Node ? event.target : null;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    return () => document.removeEventListener('pointerdown', onPointerDown, true);
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    setPlace(null);
    if (refocus) button.current?.focus();
  };
  const choose = (item: CopyMenuItem) => {
    close(true);
    try {
      const { text, confirmation, detail } = item.run();
      setFailure(null);
      copy(text, confirmation, detail);
    } catch (error) {
      setFailure(`Not copied: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const onMenuKey = (event: KeyboardEvent) => {
    const entries = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    const focus = (i: number) => entries[(i + entries.length) % entries.length]?.focus();
    const keys: Record<string, () => void> = {
      ArrowDown: () => focus(at + 1),
      ArrowUp: () => focus(at - 1),
      Home: () => focus(0),
      End: () => focus(entries.length - 1),
      Escape: () => close(true),
    };
    const action = keys[event.key];
    if (action) {
      // Used here, the key must not move anything behind the menu, nor Esc close the pane or reach DevTools.
      event.preventDefault();
      event.stopPropagation();
      action();
    } else if (event.key === 'Tab') {
      // From the button, the Tab goes on to whatever follows it.
      close(true);
    }
  };
  const shown: CopyState = failure !== null ? { state: 'failed', message: failure } : state;

  return (
    <span class="copy copy-menu-anchor">
      <button
        ref={button}
        type="button"
        class="btn"
        aria-haspopup="menu"
        aria-expanded={open}
        title={title}
        onClick={() => (open ? close(false) : setOpen(true))}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          } else if (event.key === 'Escape' && open) {
            event.preventDefault();
            event.stopPropagation();
            close(true);
          }
        }}
        // While its menu is open, the button's Esc closes the menu, not the pane (App leaves it alone).
        data-own-keys={open ? '' : undefined}
        data-testid={testId}
      >
        {label} ▾
      </button>
      {open ? (
        <div
          ref={menu}
          class="copy-menu"
          role="menu"
          aria-label={label}
          data-own-keys=""
          style={place ? { left: `${place.left}px`, top: `${place.top}px` } : { visibility: 'hidden' }}
          onKeyDown={onMenuKey}
          data-testid={`${testId}-menu`}
        >
          {items.map((item) => (
            <button
              key={item.id}
              type="button"
              role="menuitem"
              tabIndex={-1}
              class={`copy-menu-item ${item.danger ? 'danger' : ''}`}
              onClick={() => choose(item)}
              data-testid={`${testId}-${item.id}`}
            >
              {item.label}
            </button>
          ))}
        </div>
      ) : null}
      <CopyStatus state={shown} testId={`${testId}-status`} />
    </span>
  );
}
