/**
 * Opening a file as a separate, named session: read it (with progress, large HARs take a while), parse it
 * with the importer, switch to it, analyse it once. The live log keeps running underneath.
 */
import type { HttpExchange } from '../core/http/exchange.ts';
import type { SessionModel } from '../core/model/types.ts';
import { PREVIEW_HEAD_BYTES, previewLogText } from './import-preview.ts';
import type { PanelServices } from './panel-services.ts';
import type { PanelStore } from './store/panel-store.ts';
import type { ImportedSession } from './store/types.ts';

let importCounter = 0;

/**
 * User Timing marks of an import (`stepup:import:start`, `:preview`, `:read`, `:parsed`, `:analysed`), for the panel
 * render benchmark (bench/browser/panel-render.ts) and for anyone profiling an import in DevTools.
 */
function mark(name: 'start' | 'preview' | 'read' | 'parsed' | 'analysed'): void {
  globalThis.performance?.mark?.(`stepup:import:${name}`);
}

/** Reads a File as text, reporting progress (0..1). */
export function readFileText(file: Blob, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsText(file);
  });
}

export interface ImportDeps {
  store: PanelStore;
  services: PanelServices;
  analyse: (exchanges: readonly HttpExchange[]) => Promise<SessionModel>;
}

/**
 * Imports `file`; resolves once the session is open and analysed (or the error is shown).
 *
 * A large file is shown in three steps, so the panel answers at once: its first entries (cut from the head of
 * the file, see import-preview.ts) as soon as they are parsed, every exchange once the whole file is parsed,
 * and the model (timeline, findings, DPoP checks) once the analysis has run. Meanwhile the progress is a bar
 * beside the rows rather than a dialog over them.
 */
export async function importFile(file: File, deps: ImportDeps): Promise<boolean> {
  const { store, services } = deps;
  const name = file.name || 'imported log';
  /** Set once the session is in the store (preview or full list). */
  let shownId: string | undefined;
  const progress = (phase: 'reading' | 'parsing' | 'analysing', fraction: number) =>
    store.dispatch({
      type: 'importProgressed',
      progress: { name, phase, fraction, ...(shownId !== undefined ? { sessionId: shownId } : {}) },
    });
  const show = (session: Omit<ImportedSession, 'id'>): string => {
    if (shownId !== undefined) {
      store.dispatch({
        type: 'importUpdated',
        id: shownId,
        exchanges: session.exchanges,
        skipped: session.skipped,
        model: session.model,
      });
      return shownId;
    }
    importCounter += 1;
    const id = `import-${importCounter}`;
    store.dispatch({ type: 'sessionImported', session: { id, ...session } });
    shownId = id;
    return id;
  };
  const fail = (text: string): false => {
    store.dispatch({ type: 'importProgressed', progress: null });
    if (shownId !== undefined) store.dispatch({ type: 'sessionClosed', id: shownId });
    store.dispatch({ type: 'noticeShown', notice: { tone: 'error', text } });
    return false;
  };
  try {
    mark('start');
    progress('reading', 0);
    const preview = await readPreview(file, services, name);
    if (preview !== null) {
      show({ name, kind: preview.kind, exchanges: preview.exchanges, skipped: 0, model: null });
      mark('preview');
      progress('reading', 0);
      // Let the first rows paint before the whole file is read and decoded (tens of ms on the main thread).
      await afterNextPaint();
    }
    const text = await readFileText(file, (f) => progress('reading', f));
    mark('read');
    progress('parsing', 0);
    const result = await services.importLog(text, {
      onProgress: (f) => progress('parsing', f),
      fileName: name,
    });
    if (!result.ok) return fail(`Could not import ${name}: ${result.error.message} (${result.error.code})`);
    mark('parsed');
    // Entries kept with a header or body cut to size are in the log, not skipped: they are told apart.
    const skipped = result.skipped.filter((s) => s.kept !== true).length;
    const cut = result.skipped.length - skipped;
    const session = {
      name: result.name || name,
      kind: result.kind,
      exchanges: result.exchanges,
      skipped,
    };
    // Every row now; the model follows.
    const id = show({ ...session, model: null });
    progress('analysing', 0);
    const model = await deps.analyse(result.exchanges);
    mark('analysed');
    store.dispatch({ type: 'importUpdated', id, model });
    store.dispatch({ type: 'importProgressed', progress: null });
    if (!store.getState().imports.some((s) => s.id === id)) return false; // closed while it loaded
    store.dispatch({
      type: 'noticeShown',
      notice: {
        tone: 'success',
        text: `Opened ${session.name}: ${result.exchanges.length} exchanges${skipped ? `, ${skipped} entries skipped` : ''}${cut ? `, ${cut} kept with an oversized header or body cut to size (marked truncated)` : ''}${result.redacted ? ' (redacted: signatures cannot be verified)' : ''}. Switch back to the live log in the toolbar.`,
      },
    });
    return true;
  } catch (error) {
    return fail(`Could not import ${name}: ${String(error)}`);
  }
}

/** Resolves after the next frame has been painted (at once where there are no frames, as in tests). */
function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame !== 'function') {
      resolve();
      return;
    }
    requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

/**
 * The first entries of a file too large to parse at once, imported by the same importer; null for small
 * files and whenever the head cannot be cut cleanly (the full import then shows everything).
 */
async function readPreview(
  file: File,
  services: PanelServices,
  name: string,
): Promise<{ kind: string; exchanges: readonly HttpExchange[] } | null> {
  if (file.size <= PREVIEW_HEAD_BYTES) return null;
  try {
    const head = await readFileText(file.slice(0, PREVIEW_HEAD_BYTES), () => undefined);
    const text = previewLogText(head);
    if (text === null) return null;
    const result = await services.importLog(text, { fileName: name });
    return result.ok && result.exchanges.length > 0
      ? { kind: result.kind, exchanges: result.exchanges }
      : null;
  } catch {
    return null;
  }
}
