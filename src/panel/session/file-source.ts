/**
 * An imported session: a file read (with progress, large HARs take a while), parsed by the importer and
 * analysed by the same analysis as the live log, reported to the store through the same update.
 *
 * A large file is shown in three steps, so the panel answers at once: its first entries (cut from the head of
 * the file, see import-preview.ts) as soon as they are parsed, every exchange once the whole file is parsed,
 * and the model (timeline, findings, DPoP checks) once the analysis has run.
 */
import type { HttpExchange } from '../../core/http/exchange.ts';
import type { PanelServices } from '../panel-services.ts';
import { SessionAnalysis } from './analysis.ts';
import { PREVIEW_HEAD_BYTES, previewLogText } from './import-preview.ts';
import type { AnalyzerFactory, ImportedSession, SessionSource } from './types.ts';

export type ImportPhase = 'reading' | 'parsing' | 'analysing';

export interface FileSourceOptions {
  id: string;
  file: File;
  importLog: PanelServices['importLog'];
  createAnalyzer: AnalyzerFactory;
  emit(session: ImportedSession): void;
  /** How far the import is; `shown` once the session has been emitted (its rows are on screen). */
  onProgress(progress: { phase: ImportPhase; fraction: number; shown: boolean }): void;
}

/** How an import ended. */
export type FileOutcome =
  | {
      ok: true;
      session: ImportedSession;
      /** Entries kept with an oversized header or body cut to size. */
      cut: number;
      /** The file says its secrets were redacted. */
      redacted: boolean;
    }
  | { ok: false; reason: 'failed'; message: string }
  /** Stopped (the session was closed) before it finished. */
  | { ok: false; reason: 'stopped' };

export interface FileSource extends SessionSource {
  /** Resolves once the session is open and analysed, or could not be. Never rejects. */
  readonly done: Promise<FileOutcome>;
}

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

export function openFileSource(options: FileSourceOptions): FileSource {
  const { id, file } = options;
  const name = file.name || 'imported log';
  let stopped = false;
  let session: ImportedSession | null = null;
  let analysisError: { error: unknown } | null = null;
  const analysis = new SessionAnalysis({
    createAnalyzer: options.createAnalyzer,
    onModel: (model, builtFrom) => {
      if (session) show({ ...session, model, current: builtFrom === session.exchanges });
    },
    onBusy: (analysing) => {
      if (session && session.analysing !== analysing) show({ ...session, analysing });
    },
    onError: (error) => {
      analysisError ??= { error };
    },
  });
  const show = (next: ImportedSession) => {
    if (stopped) return;
    session = next;
    options.emit(next);
  };
  const progress = (phase: ImportPhase, fraction: number) => {
    if (!stopped) options.onProgress({ phase, fraction, shown: session !== null });
  };

  const run = async (): Promise<FileOutcome> => {
    const halted = { ok: false, reason: 'stopped' } as const;
    const fail = (message: string): FileOutcome => ({ ok: false, reason: 'failed', message });
    try {
      mark('start');
      progress('reading', 0);
      const preview = await readPreview(file, options.importLog, name);
      if (stopped) return halted;
      if (preview !== null) {
        show({ id, name, kind: preview.kind, exchanges: preview.exchanges, skipped: 0, ...NO_MODEL });
        mark('preview');
        progress('reading', 0);
        // Let the first rows paint before the whole file is read and decoded (tens of ms on the main thread).
        await afterNextPaint();
      }
      const text = await readFileText(file, (f) => progress('reading', f));
      if (stopped) return halted;
      mark('read');
      progress('parsing', 0);
      const result = await options.importLog(text, {
        onProgress: (f) => progress('parsing', f),
        fileName: name,
      });
      if (stopped) return halted;
      if (!result.ok) return fail(`Could not import ${name}: ${result.error.message} (${result.error.code})`);
      mark('parsed');
      // Entries kept with a header or body cut to size are in the log, not skipped: they are told apart.
      const skipped = result.skipped.filter((s) => s.kept !== true).length;
      // Every row now; the model follows.
      show({
        id,
        name: result.name || name,
        kind: result.kind,
        exchanges: result.exchanges,
        skipped,
        ...NO_MODEL,
      });
      progress('analysing', 0);
      analysis.sync(result.exchanges);
      await analysis.idle();
      if (stopped) return halted;
      if (analysisError !== null) return fail(`Could not import ${name}: ${String(analysisError.error)}`);
      mark('analysed');
      const opened: ImportedSession | null = session;
      if (opened === null) return halted;
      return {
        ok: true,
        session: opened,
        cut: result.skipped.length - skipped,
        redacted: result.redacted,
      };
    } catch (error) {
      return stopped ? halted : fail(`Could not import ${name}: ${String(error)}`);
    }
  };

  return {
    id,
    done: run(),
    stop() {
      stopped = true;
      analysis.stop();
    },
  };
}

const NO_MODEL = { model: null, current: false, analysing: false } as const;

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
  importLog: PanelServices['importLog'],
  name: string,
): Promise<{ kind: string; exchanges: readonly HttpExchange[] } | null> {
  if (file.size <= PREVIEW_HEAD_BYTES) return null;
  try {
    const head = await readFileText(file.slice(0, PREVIEW_HEAD_BYTES), () => undefined);
    const text = previewLogText(head);
    if (text === null) return null;
    const result = await importLog(text, { fileName: name });
    return result.ok && result.exchanges.length > 0
      ? { kind: result.kind, exchanges: result.exchanges }
      : null;
  } catch {
    return null;
  }
}
