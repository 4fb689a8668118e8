/** Import progress (large files take a few seconds to read, parse and analyse) and the drop-a-file overlay. */
import { useStore } from '../hooks.ts';

const PHASES = { reading: 'Reading', parsing: 'Parsing', analysing: 'Analysing' } as const;

export function ImportDialog() {
  const progress = useStore((s) => s.importProgress);
  if (!progress) return null;
  const percent = Math.round(progress.fraction * 100);
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-label="Importing" data-testid="import-progress">
        <div>
          {PHASES[progress.phase]} <strong>{progress.name}</strong>…
        </div>
        <progress max={100} value={progress.phase === 'analysing' ? undefined : percent} />
        <div class="muted">
          {progress.phase === 'analysing' ? 'building the session model' : `${percent}%`}
        </div>
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
