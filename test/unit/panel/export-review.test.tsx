// @vitest-environment happy-dom
/**
 * The Export popover shows what a redacted export replaced before the file is saved. The summary lines are
 * `describeRedaction`'s, computed from the file the exporter returned: the redaction rules themselves are
 * tested in test/unit/export, and may change without these tests changing.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportLog, type ExportedFile } from '../../../src/core/export/export.ts';
import { describeRedaction, type RedactionSummary } from '../../../src/core/export/redact.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { PanelServices } from '../../../src/panel/panel-services.ts';
import { App } from '../../../src/panel/views/App.tsx';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { fakeServices, renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

/** A step-up with a wrong and a right OTP code: signatures, codes, refresh tokens and cookies to redact. */
async function flowPanel(overrides: Partial<PanelServices> = {}) {
  const { exchanges } = await aStepUpFlow({ scope: 'transfer:write', wrongCodes: 1 });
  const model = await analyse(exchanges);
  const services = fakeServices({ exportLog: vi.fn(exportLog), ...overrides });
  renderPanel(<App onImportFile={() => undefined} />, storeWith(exchanges, model), services);
  return { exchanges, services };
}

/** The signature segments of every JWS in the captured traffic. */
function signaturesIn(exchanges: readonly HttpExchange[]): string[] {
  const text = JSON.stringify(exchanges);
  return [...text.matchAll(/eyJ[\w-]+\.eyJ[\w-]+\.([\w-]{20,})/g)].map((m) => m[1] as string);
}

async function openReview() {
  fireEvent.click(screen.getByTestId('export-button'));
  fireEvent.click(screen.getByTestId('export-run'));
  return screen.findByTestId('export-review');
}

describe('Export popover: review before saving', () => {
  it('shows the redaction summary before anything is downloaded; Save downloads that redacted file once', async () => {
    const { exchanges, services } = await flowPanel();
    const review = await openReview();
    expect(services.download).not.toHaveBeenCalled();

    expect(services.exportLog).toHaveBeenCalledTimes(1);
    expect(services.exportLog).toHaveBeenCalledWith(exchanges, expect.objectContaining({ redact: true }));
    const file = vi.mocked(services.exportLog).mock.results[0]?.value as ExportedFile;
    const summary = file.redaction as RedactionSummary;
    const expected = describeRedaction(summary);
    // A flow full of tokens and codes: there is something to show.
    expect(expected.length).toBeGreaterThan(0);
    expect(screen.getAllByTestId('export-summary-line').map((li) => li.textContent)).toEqual(expected);
    expect(screen.getByTestId('export-summary-exchanges').textContent).toMatch(
      new RegExp(`^${summary.exchanges} of ${exchanges.length} exchanges had something replaced`),
    );
    expect(review.textContent).toContain(file.filename);

    fireEvent.click(screen.getByTestId('export-save'));
    expect(services.download).toHaveBeenCalledTimes(1);
    const saved = vi.mocked(services.download).mock.calls[0]?.[0] as ExportedFile;
    expect(saved.text).toBe(file.text);
    const signatures = signaturesIn(exchanges);
    expect(signatures.length).toBeGreaterThan(3);
    for (const signature of signatures) expect(saved.text).not.toContain(signature);
    expect(screen.queryByTestId('export-menu')).toBeNull();
    expect(screen.getByTestId('notice').textContent).toMatch(/\(redacted\)/);
  });

  it('Cancel on the summary closes the popover and downloads nothing', async () => {
    const { services } = await flowPanel();
    await openReview();
    expect(screen.getAllByTestId('export-summary-line').length).toBeGreaterThan(0);
    fireEvent.click(screen.getByTestId('export-cancel'));
    expect(screen.queryByTestId('export-menu')).toBeNull();
    expect(services.download).not.toHaveBeenCalled();
    // Opened again, it starts from the options, not from the old summary.
    fireEvent.click(screen.getByTestId('export-button'));
    expect(screen.getByTestId('export-run')).toBeTruthy();
    expect(screen.queryByTestId('export-review')).toBeNull();
  });

  it('says "Preparing…" while the redaction runs; Cancel then drops the result unseen and unsaved', async () => {
    let finish: (file: ExportedFile) => void = () => undefined;
    const pending = new Promise<ExportedFile>((resolve) => (finish = resolve));
    const { exchanges, services } = await flowPanel({ exportLog: vi.fn(() => pending) });
    fireEvent.click(screen.getByTestId('export-button'));
    fireEvent.click(screen.getByTestId('export-run'));
    expect((await screen.findByTestId('export-preparing')).textContent).toMatch(/Preparing…/);
    expect((screen.getByTestId('export-run') as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(services.exportLog).toHaveBeenCalledTimes(1));
    fireEvent.click(screen.getByTestId('export-cancel'));
    finish(exportLog(exchanges, { format: 'har', redact: true }));
    await pending;
    // Reopened: the late result is not shown as this export's summary.
    fireEvent.click(screen.getByTestId('export-button'));
    await Promise.resolve();
    expect(screen.queryByTestId('export-review')).toBeNull();
    expect(services.download).not.toHaveBeenCalled();
  });

  it('a log with nothing to redact says so, and Save still saves it', async () => {
    const nothing: RedactionSummary = {
      exchanges: 0,
      droppedBodies: 0,
      signatures: 0,
      otpCodes: 0,
      passwords: 0,
      refreshTokens: 0,
      cookies: 0,
      credentials: 0,
      identifiers: 0,
      privateKeys: 0,
    };
    const file = { filename: 'x-redacted.har', mimeType: 'application/json', text: '{}', redaction: nothing };
    const { services } = await flowPanel({ exportLog: vi.fn(() => file) });
    await openReview();
    expect(screen.getByTestId('export-summary-empty').textContent).toMatch(/Nothing secret/);
    expect(screen.queryByTestId('export-summary-line')).toBeNull();
    fireEvent.click(screen.getByTestId('export-save'));
    expect(services.download).toHaveBeenCalledExactlyOnceWith(file);
  });

  it('an export with secrets skips the summary: the warning and the red button are the confirmation', async () => {
    const { services } = await flowPanel();
    fireEvent.click(screen.getByTestId('export-button'));
    fireEvent.click(screen.getByTestId('export-secrets'));
    expect(screen.getByTestId('export-secrets-warning').textContent).toMatch(/live tokens/);
    const run = screen.getByTestId('export-run');
    expect(run.className).toContain('danger');
    expect(run.textContent).toMatch(/with secrets/);
    fireEvent.click(run);
    await waitFor(() => expect(services.download).toHaveBeenCalledTimes(1));
    expect(services.exportLog).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ redact: false }),
    );
    expect(screen.queryByTestId('export-review')).toBeNull();
  });
});
