/**
 * Opening a file as a separate, named session: read it (with progress, large HARs take a while), parse it
 * with the importer, analyse it once, then switch to it. The live log keeps running underneath.
 */
import type { HttpExchange } from '../core/http/exchange.ts';
import type { SessionModel } from '../core/model/types.ts';
import type { PanelServices } from './panel-services.ts';
import type { PanelStore } from './store/panel-store.ts';

let importCounter = 0;

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

/** Imports `file`; resolves once the session is open (or the error is shown). */
export async function importFile(file: File, deps: ImportDeps): Promise<boolean> {
  const { store, services } = deps;
  const name = file.name || 'imported log';
  const progress = (phase: 'reading' | 'parsing' | 'analysing', fraction: number) =>
    store.dispatch({ type: 'importProgressed', progress: { name, phase, fraction } });
  try {
    progress('reading', 0);
    const text = await readFileText(file, (f) => progress('reading', f));
    progress('parsing', 0);
    const result = await services.importLog(text, {
      onProgress: (f) => progress('parsing', f),
      fileName: name,
    });
    if (!result.ok) {
      store.dispatch({ type: 'importProgressed', progress: null });
      store.dispatch({
        type: 'noticeShown',
        notice: {
          tone: 'error',
          text: `Could not import ${name}: ${result.error.message} (${result.error.code})`,
        },
      });
      return false;
    }
    progress('analysing', 0);
    const model = await deps.analyse(result.exchanges);
    importCounter += 1;
    store.dispatch({
      type: 'sessionImported',
      session: {
        id: `import-${importCounter}`,
        name: result.name || name,
        kind: result.kind,
        exchanges: result.exchanges,
        skipped: result.skipped.length,
        model,
      },
    });
    store.dispatch({
      type: 'noticeShown',
      notice: {
        tone: 'success',
        text: `Opened ${result.name || name}: ${result.exchanges.length} exchanges${result.skipped.length ? `, ${result.skipped.length} entries skipped` : ''}${result.redacted ? ' (redacted: signatures cannot be verified)' : ''}. Switch back to the live log in the toolbar.`,
      },
    });
    return true;
  } catch (error) {
    store.dispatch({ type: 'importProgressed', progress: null });
    store.dispatch({
      type: 'noticeShown',
      notice: { tone: 'error', text: `Could not import ${name}: ${String(error)}` },
    });
    return false;
  }
}
