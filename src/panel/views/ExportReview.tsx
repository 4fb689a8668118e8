/**
 * The Export popover's last step for a redacted file: what the redaction replaced, in words
 * (`describeRedaction`), with Save and Cancel. Nothing is saved before Save.
 */
import { describeRedaction } from '../../core/export/redact.ts';
import type { ExportedFile } from '../panel-services.ts';

export function ExportReview({
  file,
  exchanges,
  onSave,
  onCancel,
}: {
  file: ExportedFile;
  exchanges: number;
  onSave: () => void;
  onCancel: () => void;
}) {
  const summary = file.redaction;
  const lines = summary ? describeRedaction(summary) : [];
  return (
    <div class="export-review" data-testid="export-review">
      <p class="export-review-title">Redaction of {exchanges} exchanges</p>
      {lines.length > 0 ? (
        <ul class="export-summary" data-testid="export-summary">
          {lines.map((line) => (
            <li key={line} data-testid="export-summary-line">
              {line}
            </li>
          ))}
        </ul>
      ) : (
        <p data-testid="export-summary-empty">Nothing secret was found to replace.</p>
      )}
      {summary ? (
        <p class="muted" data-testid="export-summary-exchanges">
          {summary.exchanges} of {exchanges} exchanges had something replaced; tokens keep their header and
          claims.
        </p>
      ) : null}
      <p class="muted export-filename" title={file.filename}>
        {file.filename}
      </p>
      <div class="menu-actions">
        <button type="button" class="btn" onClick={onCancel} data-testid="export-cancel">
          Cancel
        </button>
        <button type="button" class="btn primary" onClick={onSave} data-testid="export-save">
          Save
        </button>
      </div>
    </div>
  );
}
