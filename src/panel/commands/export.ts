/** Export of the session on screen: making the file (redacted unless asked otherwise) and saving it. */
import manifest from '../../../manifest.json' with { type: 'json' };
import type { ExportedFile, ExportOptions } from '../panel-services.ts';
import { selectActiveSession } from '../store/selectors.ts';
import { notify, type CommandDeps } from './deps.ts';

const EXTENSION_VERSION = manifest.version;

export interface ExportCommands {
  /**
   * The active session as a file, redacted unless `withSecrets`, with the number of exchanges in it.
   * Rejects when the exporter fails.
   */
  exportSession(request: {
    format: 'har' | 'json';
    withSecrets: boolean;
  }): Promise<{ file: ExportedFile; exchanges: number }>;
  /** Downloads a file `exportSession` made, and says so. */
  saveExport(file: ExportedFile, exchanges: number, withSecrets: boolean): void;
  exportFailed(error: unknown): void;
}

export function exportCommands({ store, services }: CommandDeps): ExportCommands {
  return {
    async exportSession({ format, withSecrets }) {
      const state = store.getState();
      const session = selectActiveSession(state);
      const origin = state.hook.origin;
      const exchanges = session.exchanges;
      const options: ExportOptions = {
        format,
        redact: !withSecrets,
        ...(session.kind === 'live' && origin
          ? { source: { url: origin } }
          : { source: { title: session.name } }),
        creator: { name: 'Step-Up Inspector', version: EXTENSION_VERSION },
      };
      return { file: await services.exportLog(exchanges, options), exchanges: exchanges.length };
    },

    saveExport(file, exchanges, withSecrets) {
      services.download(file);
      notify(store, {
        tone: 'success',
        text: `Exported ${exchanges} exchanges to ${file.filename}${withSecrets ? ' WITH secrets' : ' (redacted)'}.`,
      });
    },

    exportFailed(error) {
      notify(store, { tone: 'error', text: `Export failed: ${String(error)}` });
    },
  };
}
