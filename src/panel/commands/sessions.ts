/**
 * Opening sessions: the live one on the inspected tab's log, one per imported file. Each gets a session
 * source (`../session/`), whose updates are the only way sessions reach the store; closing an import stops
 * its source.
 */
import { openFileSource, type FileSource } from '../session/file-source.ts';
import { openLiveSource } from '../session/live-source.ts';
import type { SessionSource, SessionUpdate } from '../session/types.ts';
import { notify, type CommandDeps } from './deps.ts';

export interface SessionCommands {
  /** Follows the inspected tab's log as the live session (without a tab, an empty one, and a notice why). */
  openLive(): void;
  /** Opens `file` as a separate session and switches to it; resolves once it is analysed (true) or not. */
  importFile(file: File): Promise<boolean>;
  /** Closes an imported session (the live one stays). */
  closeSession(id: string): void;
}

export function sessionCommands({ store, services, loadAnalyzer }: CommandDeps): SessionCommands {
  let live: SessionSource | null = null;
  const files = new Map<string, FileSource>();
  let imported = 0;
  const emit = (update: SessionUpdate) => store.dispatch({ type: 'sessionUpdated', update });
  const logError = (error: unknown) => console.error('[step-up inspector] analysis', error);

  return {
    openLive() {
      live?.stop();
      const tabId = store.getState().tabId;
      live = openLiveSource({
        tabId,
        log: services,
        // The live panel watches the clock: pending challenges expire while the user looks at them.
        createAnalyzer: () => loadAnalyzer({ now: () => services.now() }),
        emit: (session) => emit({ kind: 'live', session }),
        onLoadError: (error) =>
          notify(store, { tone: 'error', text: `Could not read the capture log: ${String(error)}` }),
        onAnalysisError: logError,
      });
      if (tabId === null)
        notify(store, {
          tone: 'info',
          text: 'No inspected tab: open this panel from DevTools, or pass ?tabId=. Import still works.',
        });
    },

    async importFile(file) {
      imported += 1;
      const id = `import-${imported}`;
      const name = file.name || 'imported log';
      const source = openFileSource({
        id,
        file,
        importLog: (text, options) => services.importLog(text, options),
        // A file is judged at its own time (the latest time in it), not today's.
        createAnalyzer: () => loadAnalyzer({}),
        emit: (session) => emit({ kind: 'import', session }),
        onProgress: ({ phase, fraction, shown }) =>
          store.dispatch({
            type: 'importProgressed',
            progress: { name, phase, fraction, ...(shown ? { sessionId: id } : {}) },
          }),
      });
      files.set(id, source);
      const outcome = await source.done;
      store.dispatch({ type: 'importProgressed', progress: null });
      const open = store.getState().imports.some((s) => s.id === id);
      if (!outcome.ok) {
        files.delete(id);
        if (outcome.reason === 'stopped') return false;
        source.stop();
        if (open) store.dispatch({ type: 'sessionClosed', id });
        notify(store, { tone: 'error', text: outcome.message });
        return false;
      }
      if (!open) return false; // closed while it loaded
      const { session, cut, redacted } = outcome;
      const skipped = session.skipped;
      notify(store, {
        tone: 'success',
        text: `Opened ${session.name}: ${session.exchanges.length} exchanges${skipped ? `, ${skipped} entries skipped` : ''}${cut ? `, ${cut} kept with an oversized header or body cut to size (marked truncated)` : ''}${redacted ? ' (redacted: signatures cannot be verified)' : ''}. Switch back to the live log in the toolbar.`,
      });
      return true;
    },

    closeSession(id) {
      files.get(id)?.stop();
      files.delete(id);
      store.dispatch({ type: 'sessionClosed', id });
    },
  };
}
