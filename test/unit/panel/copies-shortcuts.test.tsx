// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REDACTED_SIGNATURE } from '../../../src/core/export/redact.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { App } from '../../../src/panel/views/App.tsx';
import { ExchangeDetail } from '../../../src/panel/views/ExchangeDetail.tsx';
import { SHORTCUTS } from '../../../src/panel/views/ShortcutsDialog.tsx';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { T0 } from '../../fixtures/tokens.ts';
import { fakeServices, renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

/** The step-up flow with the OTP check selected: a DPoP-bound request carrying an OTP code. */
async function otpCheck() {
  const { exchanges } = await aStepUpFlow({ scope: 'transfer:write' });
  const model = await analyse(exchanges);
  const check = model.exchanges.find((a) => a.classification?.endpoint === 'otp.check');
  if (!check) throw new Error('no OTP check in the flow');
  const store = storeWith(exchanges, model);
  store.dispatch({ type: 'exchangeSelected', id: check.exchange.id });
  return { store, check };
}

function copied(services: ReturnType<typeof fakeServices>): string {
  const calls = vi.mocked(services.copyText).mock.calls;
  return calls.at(-1)?.[0] ?? '';
}

describe('copy request', () => {
  it('the menu copies cURL redacted by default and says what it replaced; "with secrets" is a separate, labelled choice', async () => {
    const { store, check } = await otpCheck();
    const services = fakeServices({ now: () => T0 * 1000 });
    renderPanel(<ExchangeDetail />, store, services);
    const body = check.exchange.requestBody;
    const code = body.kind === 'text' ? (JSON.parse(body.text) as { code: string }).code : '';
    expect(code).toMatch(/^\d+$/);

    const button = screen.getByTestId('copy-request');
    expect(button.getAttribute('aria-haspopup')).toBe('menu');
    fireEvent.click(button);
    const items = screen.getAllByRole('menuitem').map((item) => item.textContent);
    expect(items).toEqual([
      'as cURL (redacted)',
      'as fetch (redacted)',
      'as cURL WITH secrets',
      'as fetch WITH secrets',
    ]);
    expect(document.activeElement).toBe(screen.getByTestId('copy-request-curl'));
    fireEvent.click(screen.getByTestId('copy-request-curl'));
    await waitFor(() =>
      expect(screen.getByTestId('copy-request-status').textContent).toBe('✓ cURL copied (redacted)'),
    );
    expect(screen.getByTestId('copy-request-status').title).toMatch(/token signature.*\n.*OTP code/s);
    const text = copied(services);
    expect(text).toMatch(/^curl '/);
    expect(text).not.toContain(code);
    expect(text).toContain(REDACTED_SIGNATURE);
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(button);

    fireEvent.click(button);
    fireEvent.click(screen.getByTestId('copy-request-fetch-secrets'));
    await waitFor(() =>
      expect(screen.getByTestId('copy-request-status').textContent).toBe('✓ fetch copied WITH secrets'),
    );
    expect(copied(services)).toMatch(/^fetch\("/);
    expect(copied(services)).toContain(code);
  });

  it('is driven by the keyboard: ↓ opens, arrows move, Enter copies, Esc closes and keeps the pane open', async () => {
    const { store } = await otpCheck();
    const services = fakeServices({ now: () => T0 * 1000 });
    renderPanel(<App onImportFile={() => undefined} />, store, services);
    const button = await screen.findByTestId('copy-request');
    button.focus();
    fireEvent.keyDown(button, { key: 'ArrowDown' });
    await screen.findByRole('menu');
    const menu = screen.getByRole('menu');
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByTestId('copy-request-fetch'));
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(document.activeElement).toBe(screen.getByTestId('copy-request-fetch-secrets'));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByTestId('copy-request-curl'));
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(store.getState().detailOpen).toBe(true);
    expect(document.activeElement).toBe(button);
    expect(services.copyText).not.toHaveBeenCalled();
  });

  it('a clipboard that refuses is said so, not confirmed', async () => {
    const { store } = await otpCheck();
    const services = fakeServices({
      copyText: vi.fn(async () => {
        throw new Error('denied');
      }),
    });
    renderPanel(<ExchangeDetail />, store, services);
    fireEvent.click(screen.getByTestId('copy-request'));
    fireEvent.click(screen.getByTestId('copy-request-fetch'));
    await waitFor(() =>
      expect(screen.getByTestId('copy-request-status').textContent).toBe('Not copied: denied'),
    );
    expect(screen.getByTestId('copy-request-status').dataset['state']).toBe('failed');
  });
});

describe('token copies', () => {
  it('copies the raw token, and its header and claims as JSON', async () => {
    const { store, check } = await otpCheck();
    const token = check.tokens.find((t) => t.decoded.ok);
    if (!token?.decoded.ok) throw new Error('no decodable token');
    store.dispatch({
      type: 'exchangeSelected',
      id: check.exchange.id,
      token: { location: token.location, nth: 0 },
    });
    const services = fakeServices({ now: () => T0 * 1000 });
    renderPanel(<ExchangeDetail />, store, services);
    fireEvent.click(screen.getByRole('button', { name: 'Copy the raw token' }));
    await waitFor(() => expect(screen.getByTestId('copy-token-status').textContent).toBe('✓ Token copied'));
    expect(copied(services)).toBe(token.decoded.raw);
    fireEvent.click(screen.getByRole('button', { name: 'Copy the decoded header and claims as JSON' }));
    await waitFor(() => expect(copied(services)).not.toBe(token.decoded.raw));
    expect(JSON.parse(copied(services))).toEqual({
      header: token.decoded.header,
      claims: token.decoded.claims,
    });
  });
});

describe('the `?` overlay', () => {
  it('opens on `?`, lists the shortcuts, holds the focus, closes on Esc or `?` and gives the focus back', async () => {
    const { store } = await otpCheck();
    renderPanel(<App onImportFile={() => undefined} />, store, fakeServices({ now: () => T0 * 1000 }));
    const tab = screen.getByTestId('tab-findings');
    tab.focus();
    fireEvent.keyDown(tab, { key: '?' });
    const dialog = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    for (const group of SHORTCUTS) expect(dialog.textContent).toContain(group.area);
    expect(dialog.textContent).toContain('Filter the exchanges');
    const close = screen.getByTestId('shortcuts-close');
    await waitFor(() => expect(document.activeElement).toBe(close));

    // Tab cycles inside the dialog.
    const body = dialog.querySelector<HTMLElement>('.shortcuts-body')!;
    body.focus();
    fireEvent.keyDown(body, { key: 'Tab' });
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(close, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(body);

    // Esc closes the overlay only: the detail pane behind it stays open.
    fireEvent.keyDown(body, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(store.getState().detailOpen).toBe(true);
    expect(document.activeElement).toBe(tab);

    fireEvent.keyDown(tab, { key: '?' });
    const again = await screen.findByRole('dialog');
    fireEvent.keyDown(again, { key: '?' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('`?` typed in the search box is text, not the overlay', async () => {
    const { store } = await otpCheck();
    act(() => store.dispatch({ type: 'viewChanged', view: 'exchanges' }));
    renderPanel(<App onImportFile={() => undefined} />, store, fakeServices({ now: () => T0 * 1000 }));
    fireEvent.keyDown(screen.getByTestId('search'), { key: '?' });
    expect(store.getState().shortcutsOpen).toBe(false);
  });
});
