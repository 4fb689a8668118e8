/** Import progress (large files take a few seconds to read, parse and analyse) and the drop-a-file overlay. */
import { useStore } from '../hooks.ts';

const PHASES = { reading: 'Reading', parsing: 'Parsing', analysing: 'Analysing' } as const;

export function ImportDialog() {
  const progress = useStore((s) => s.importProgress);
  const shown = useStore(
    (s) =>
      s.importProgress?.sessionId !== undefined &&
      s.imports.some((i) => i.id === s.importProgress?.sessionId),
  );
  if (!progress) return null;
  const percent = Math.round(progress.fraction * 100);
  const body = (
    <>
      <div>
        {PHASES[progress.phase]} <strong>{progress.name}</strong>…
      </div>
      <progress max={100} value={progress.phase === 'analysing' ? undefined : percent} />
      <div class="muted">{progress.phase === 'analysing' ? 'building the session model' : `${percent}%`}</div>
    </>
  );
  // Once the session's rows are on screen, the rest loads beside them instead of under a dialog.
  if (shown) {
    return (
      <div class="import-bar" role="status" aria-label="Importing" data-testid="import-progress">
        {body}
      </div>
    );
  }
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-label="Importing" data-testid="import-progress">
        {body}
      </div>
    </div>
  );
}

export function DropOverlay({ visible }: { visible: boolean }) {
  if (!visible) return null;
  return (
    <div class="drop-overlay" data-testid="drop-overlay">
      <div>Drop a HAR or an inspector export to open it as a separate session</div>
    </div>
  );
}
