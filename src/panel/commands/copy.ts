/** Copies to the clipboard, asked for by a click or a key press in a view (the gesture the clipboard needs). */
import type { CommandDeps } from './deps.ts';

export type CopyOutcome = { ok: true } | { ok: false; reason: string };

export interface CopyCommands {
  /** Writes `text` to the clipboard; resolves with the outcome (the view confirms it where it was asked). */
  copyText(text: string): Promise<CopyOutcome>;
}

export function copyCommands({ services }: CommandDeps): CopyCommands {
  return {
    async copyText(text) {
      try {
        await services.copyText(text);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
