/**
 * The capture settings: Clear and Preserve log (the worker's, per tab), the page hook ("From page load") on the
 * inspected origin, background capture (browser-wide). A toggle shows the user's choice at once and goes back
 * when the permission prompt or the worker says no; each outcome is told in a notice.
 *
 * Enabling the hook or background capture asks for a permission, which the browser grants only within the
 * click's user gesture (Firefox: as the handler's first call): those commands make that request before any
 * await, so call them first thing in the click handler. (The loopback hosts are granted at install: there the
 * request answers at once, without a prompt.)
 */
import { PROTOCOL_VERSION } from '../../shared/messages.ts';
import { isLoopbackOrigin } from '../../shared/permissions.ts';
import type { BackgroundCaptureState } from '../panel-services.ts';
import type { Notice } from '../store/types.ts';
import { notify, type CommandDeps } from './deps.ts';

export interface CaptureCommands {
  clearLog(): void;
  setPreserve(preserve: boolean): void;
  /** The toolbar's "From page load": the page hook on or off for the inspected origin. */
  setHook(enable: boolean): void;
  /**
   * Turns the page hook on for `origin`, which tab `tabId` must be on (the worker checks it with the browser),
   * from page load on; says so in a notice, or why not. Asks for access to the origin first (a prompt for an
   * origin not granted yet): call it first thing in a click handler.
   */
  enableHookFor(origin: string, tabId: number): void;
  /** Shows the inspected page's origin as the browser reports it, and whether the hook is on there. */
  followInspectedOrigin(): void;
  readBackgroundCapture(): void;
  setBackgroundCapture(enable: boolean): void;
  /** Says why a granted background capture is not running yet. */
  explainBackgroundCapturePending(): void;
}

/** Why a grant is not in effect yet, and when it will be. */
export const PENDING_NOTICE: Notice = {
  tone: 'info',
  text: "Background capture is granted and starts at Chrome's next start: Chrome decides when it loads the inspector whether to route requests through it.",
};

/** What to tell the user once a change of background capture answered. */
function backgroundCaptureNotice(
  enable: boolean,
  before: BackgroundCaptureState,
  after: BackgroundCaptureState,
): Notice {
  if (enable) {
    if (after === 'pending') return PENDING_NOTICE;
    if (after === 'off')
      return {
        tone: 'error',
        text: 'The browser did not grant the webRequest permission: background capture stays off.',
      };
    return { tone: 'success', text: 'Background capture on.' };
  }
  if (after !== 'off') return { tone: 'info', text: 'Background capture stays on in this browser.' };
  // A grant still pending never started the routing (Chromium decides it when the extension starts).
  if (before === 'pending') return { tone: 'info', text: 'Background capture off.' };
  return {
    tone: 'info',
    text: 'Background capture off. Chrome keeps routing requests through the inspector until its next start.',
  };
}

/** What to tell the user once the worker turned the hook on or off. */
function hookNotice(origin: string, enable: boolean): Notice {
  if (enable)
    return {
      tone: 'success',
      text: `Capturing on ${origin} from page load on, with DevTools closed too (reload the page to catch its first calls).`,
    };
  return {
    tone: 'info',
    text: isLoopbackOrigin(origin)
      ? `Capture from page load off on ${origin} (pages loaded from now on; on by default on other dev origins). DevTools still captures while it is open.`
      : `Capture from page load off on ${origin}. DevTools still captures while it is open.`,
  };
}

export function captureCommands({ store, services }: CommandDeps): CaptureCommands {
  const dispatch = store.dispatch;
  const fail = (text: string) => notify(store, { tone: 'error', text });
  /** Applies to the toolbar only while it shows that origin. */
  const showHook = (origin: string, hook: { enabled?: boolean; busy?: boolean; known?: boolean }) => {
    if (store.getState().hook.origin === origin) dispatch({ type: 'hookChanged', hook });
  };

  const switchHook = (origin: string, tabId: number, enable: boolean) => {
    // The permission prompt needs the click's user gesture: requestOrigin is the first call, before any await.
    const granted = enable ? services.requestOrigin(origin) : Promise.resolve(true);
    // Optimistic: the box shows the choice at once, and goes back if the permission or the worker says no.
    showHook(origin, { busy: true, enabled: enable });
    granted
      .then(async (ok) => {
        if (!ok) {
          showHook(origin, { busy: false, enabled: false });
          fail(`No access to ${origin}: capture from page load stays off there.`);
          return;
        }
        // The worker agrees only if the browser reports this tab on exactly this origin.
        const reply = await services.sendToBackground({
          v: PROTOCOL_VERSION,
          type: 'setHook',
          origin,
          enabled: enable,
          tabId,
        });
        if (!reply.ok) throw new Error(reply.error);
        showHook(origin, { busy: false, enabled: reply.hook?.on ?? enable, known: true });
        notify(store, hookNotice(origin, enable));
      })
      .catch((error: unknown) => {
        showHook(origin, { busy: false, enabled: !enable });
        fail(`Could not change capture from page load on ${origin}: ${String(error)}`);
      });
  };

  return {
    clearLog() {
      const tabId = store.getState().tabId;
      if (tabId === null) return;
      services.sendToBackground({ v: PROTOCOL_VERSION, type: 'clearLog', tabId }).then(
        (reply) => {
          if (!reply.ok) fail(`Clear failed: ${reply.error}`);
        },
        (error: unknown) => fail(`Clear failed: ${String(error)}`),
      );
    },

    setPreserve(preserve) {
      const tabId = store.getState().tabId;
      if (tabId === null) return;
      services
        .sendToBackground({ v: PROTOCOL_VERSION, type: 'setPreserve', tabId, preserve })
        .catch((error: unknown) => fail(`Preserve log: ${String(error)}`));
    },

    setHook(enable) {
      const { hook, tabId } = store.getState();
      if (!hook.origin || tabId === null) return;
      switchHook(hook.origin, tabId, enable);
    },

    enableHookFor(origin, tabId) {
      switchHook(origin, tabId, true);
    },

    followInspectedOrigin() {
      const tabId = store.getState().tabId;
      if (tabId === null) return;
      // The origin as the browser reports it, again after each navigation DevTools reports.
      const show = async (origin: string | null) => {
        if (store.getState().hook.origin !== origin)
          dispatch({ type: 'hookChanged', hook: { origin, enabled: false, known: false } });
        if (!origin) return;
        const reply = await services
          .sendToBackground({ v: PROTOCOL_VERSION, type: 'getHook', origin })
          .catch(() => null);
        if (store.getState().hook.origin !== origin) return;
        if (reply?.ok && reply.hook?.origin === origin)
          dispatch({ type: 'hookChanged', hook: { enabled: reply.hook.on, known: true } });
        else fail(`Could not read whether capture from page load is on for ${origin}.`);
      };
      void services.inspectedOrigin(tabId, (origin) => void show(origin)).then(show);
    },

    readBackgroundCapture() {
      services.backgroundCapture().then(
        (state) => dispatch({ type: 'backgroundCaptureChanged', backgroundCapture: { state } }),
        (error: unknown) => fail(`Could not read whether background capture is on: ${String(error)}`),
      );
    },

    setBackgroundCapture(enable) {
      const { state, busy } = store.getState().backgroundCapture;
      if (state === 'unknown' || state === 'always' || busy) return;
      // The permission request needs the click's user gesture: it is the first call, before any await.
      const change = services.setBackgroundCapture(enable);
      dispatch({ type: 'backgroundCaptureChanged', backgroundCapture: { busy: true } });
      change.then(
        (after) => {
          dispatch({ type: 'backgroundCaptureChanged', backgroundCapture: { state: after, busy: false } });
          notify(store, backgroundCaptureNotice(enable, state, after));
        },
        (error: unknown) => {
          // The state itself never moved while busy: dropping busy shows it again.
          dispatch({ type: 'backgroundCaptureChanged', backgroundCapture: { busy: false } });
          fail(`Could not change background capture: ${String(error)}`);
        },
      );
    },

    explainBackgroundCapturePending() {
      notify(store, PENDING_NOTICE);
    },
  };
}
