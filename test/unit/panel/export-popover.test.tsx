// @vitest-environment happy-dom
/**
 * The Export popover's keyboard: it opens with the keyboard on its first control, Esc closes it and gives the
 * keyboard back to Export without closing the detail pane behind it, and a press elsewhere closes it.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportLog, type ExportedFile } from '../../../src/core/export/export.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { PanelServices } from '../../../src/panel/panel-services.ts';
import { App, ExchangeDetail } from '../../../src/panel/views/App.tsx';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { fakeServices, renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

async function panelWithDetail(services: PanelServices = fakeServices()) {
  const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
  const store = storeWith(exchanges, await analyse(exchanges));
  // Loaded on first use in the panel: loaded here first, so the pane renders at once.
  await ExchangeDetail.preload();
  renderPanel(<App onImportFile={() => undefined} />, store, services);
  store.dispatch({ type: 'exchangeSelected', id: exchanges[2]!.id });
  await screen.findByTestId('exchange-detail');
  return { store, exchanges };
}

describe('Export popover', () => {
  it('opens on its checked format; Esc closes it, refocuses Export and leaves the detail pane open', async () => {
    const { store } = await panelWithDetail();
    const button = screen.getByTestId('export-button');
    fireEvent.click(button);
    const popover = screen.getByTestId('export-menu');
    expect(button.getAttribute('aria-expanded')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('export-har')));

    fireEvent.keyDown(screen.getByTestId('export-har'), { key: 'Escape' });
    expect(screen.queryByTestId('export-menu')).toBeNull();
    expect(popover.isConnected).toBe(false);
    expect(document.activeElement).toBe(button);
    expect(store.getState().detailOpen).toBe(true);

    // The next Esc, outside the popover, is the panel's again: it closes the detail pane.
    fireEvent.keyDown(button, { key: 'Escape' });
    expect(store.getState().detailOpen).toBe(false);
  });

  it('Cancel closes it and refocuses Export; a press outside closes it and leaves the keyboard where it went', async () => {
    await panelWithDetail();
    const button = screen.getByTestId('export-button');
    fireEvent.click(button);
    fireEvent.click(screen.getByTestId('export-cancel'));
    expect(screen.queryByTestId('export-menu')).toBeNull();
    expect(document.activeElement).toBe(button);

    fireEvent.click(button);
    expect(screen.getByTestId('export-menu')).toBeTruthy();
    // A press inside does not close it.
    fireEvent.pointerDown(screen.getByTestId('export-json'));
    expect(screen.getByTestId('export-menu')).toBeTruthy();
    const tab = screen.getByTestId('tab-findings');
    fireEvent.pointerDown(tab);
    await waitFor(() => expect(screen.queryByTestId('export-menu')).toBeNull());
    expect(document.activeElement).not.toBe(button);
  });

  it('while the redaction runs the popover holds the keyboard: Esc cancels it, the result is dropped unseen', async () => {
    let finish: (file: ExportedFile) => void = () => undefined;
    const pending = new Promise<ExportedFile>((resolve) => (finish = resolve));
    const services = fakeServices({ exportLog: vi.fn(() => pending) });
    const { exchanges } = await panelWithDetail(services);
    fireEvent.click(screen.getByTestId('export-button'));
    fireEvent.click(screen.getByTestId('export-run'));
    await waitFor(() => expect(services.exportLog).toHaveBeenCalledTimes(1));
    expect(screen.getByTestId('export-preparing')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByTestId('export-menu'));
    fireEvent.keyDown(screen.getByTestId('export-menu'), { key: 'Escape' });
    expect(screen.queryByTestId('export-menu')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('export-button'));
    finish(exportLog(exchanges, { format: 'har', redact: true }));
    await pending;
    await Promise.resolve();
    expect(screen.queryByTestId('export-review')).toBeNull();
    expect(services.download).not.toHaveBeenCalled();
  });

  it('the review step puts the keyboard on Save', async () => {
    await panelWithDetail();
    fireEvent.click(screen.getByTestId('export-button'));
    fireEvent.click(screen.getByTestId('export-run'));
    await screen.findByTestId('export-review');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('export-save')));
  });
});
