/**
 * The `?` overlay's dialog: every keyboard shortcut of the panel, by where it works. Modal: the focus goes to
 * it and stays in it (Tab cycles inside), Esc or `?` closes it, and the focus returns to where it was.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { useDispatch } from '../hooks.ts';

interface Shortcut {
  keys: readonly string[];
  what: string;
}

/** The shortcuts, as the views handle them (App, ExchangesTable, Timeline, the copy menu). */
export const SHORTCUTS: readonly { area: string; shortcuts: readonly Shortcut[] }[] = [
  {
    area: 'Anywhere',
    shortcuts: [
      { keys: ['?'], what: 'Show or hide this list' },
      { keys: ['/'], what: 'Filter the exchanges (opens the Exchanges view)' },
      { keys: ['Esc'], what: 'Close the detail pane, or clear the filter; closes a menu or dialog first' },
    ],
  },
  {
    area: 'Timeline',
    shortcuts: [
      { keys: ['←', '→'], what: 'Previous or next event of the lane' },
      { keys: ['↑', '↓'], what: 'The closest event in the lane above or below' },
      { keys: ['Home', 'End'], what: 'First or last event' },
      { keys: ['Enter'], what: 'Open the exchange of the event' },
      { keys: ['Space'], what: 'Fold or unfold repeated events' },
    ],
  },
  {
    area: 'Exchanges',
    shortcuts: [
      { keys: ['↑', '↓'], what: 'Previous or next exchange' },
      { keys: ['PgUp', 'PgDn'], what: 'A page up or down' },
      { keys: ['Home', 'End'], what: 'First or last exchange' },
      { keys: ['Enter'], what: 'Open the selected exchange' },
      { keys: ['↓'], what: 'In the filter box: go to the list' },
    ],
  },
  {
    area: 'Copy menus and buttons',
    shortcuts: [
      { keys: ['Enter', '↓'], what: 'Open the Copy menu of an exchange' },
      { keys: ['↑', '↓'], what: 'Choose a copy; Enter copies it' },
      { keys: ['Esc'], what: 'Close the menu' },
    ],
  },
];

export function ShortcutsDialog() {
  const dispatch = useDispatch();
  const dialog = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useLayoutEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeButton.current?.focus();
    return () => {
      // Back where the user was, if that is still on the page.
      if (before?.isConnected) before.focus({ preventScroll: true });
    };
  }, []);

  const close = () => dispatch({ type: 'shortcutsToggled', open: false });
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' || event.key === '?') {
      // Used here: neither the pane behind nor DevTools (its console drawer on Esc) gets it.
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'Tab') {
      const focusable = [
        ...(dialog.current?.querySelectorAll<HTMLElement>(
          'button, [href], [tabindex]:not([tabindex="-1"])',
        ) ?? []),
      ];
      const first = focusable[0];
      const last = focusable.at(-1);
      if (!first || !last) return;
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  };

  return (
    <div class="shortcuts-backdrop" onClick={close} data-testid="shortcuts-backdrop">
      <div
        ref={dialog}
        class="shortcuts"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-own-keys=""
        onKeyDown={onKeyDown}
        onClick={(event) => event.stopPropagation()}
        data-testid="shortcuts"
      >
        <header class="shortcuts-header">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button
            ref={closeButton}
            type="button"
            class="icon-btn"
            aria-label="Close keyboard shortcuts"
            title="Close (Esc)"
            onClick={close}
            data-testid="shortcuts-close"
          >
            ✕
          </button>
        </header>
        <div class="shortcuts-body" tabIndex={0}>
          {SHORTCUTS.map((group) => (
            <section key={group.area}>
              <h3>{group.area}</h3>
              <dl>
                {group.shortcuts.map((s) => (
                  <div class="shortcut" key={`${group.area} ${s.what}`}>
                    <dt>
                      {s.keys.map((k) => (
                        <kbd key={k}>{k}</kbd>
                      ))}
                    </dt>
                    <dd>{s.what}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
