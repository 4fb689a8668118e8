// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { ExchangesTable } from '../../../src/panel/views/ExchangesTable.tsx';
import { FindingsView } from '../../../src/panel/views/FindingsView.tsx';
import {
  fitMarks,
  markWidth,
  numberColumnWidth,
  tableLayout,
  type ColumnId,
} from '../../../src/panel/views/table-columns.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { aLoginFlow } from '../../fixtures/flows.ts';
import { renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

const ids = (width: number, rows = 100): ColumnId[] => tableLayout(width, rows).columns.map((c) => c.id);

describe('tableLayout: the columns that fit, by priority', () => {
  it('shows every column undocked, and drops the time, then the method, then the number as the table narrows', () => {
    expect(ids(1425)).toEqual(['num', 'time', 'method', 'endpoint', 'status', 'error', 'marks']);
    // Beside the detail pane: the time goes first, so the endpoint and the error code keep their room.
    expect(ids(700)).toEqual(['num', 'method', 'endpoint', 'status', 'error', 'marks']);
    expect(ids(760)).toEqual(['num', 'time', 'method', 'endpoint', 'status', 'error', 'marks']);
    // Docked right at 550 px (inside a scrollbar).
    expect(ids(535)).toEqual(['num', 'endpoint', 'status', 'error', 'marks']);
    // Docked at 360 px: the story columns stay.
    expect(ids(345)).toEqual(['endpoint', 'status', 'error', 'marks']);
    // Narrower still, beside a detail pane: the endpoint, its status and its marks.
    expect(ids(280)).toEqual(['endpoint', 'status', 'marks']);
    expect(ids(0)).toEqual(['endpoint', 'status', 'marks']);
  });

  it('never shows a lower-priority column while a higher one is dropped, at any width', () => {
    const priority: ColumnId[] = ['error', 'num', 'method', 'time'];
    let previous: ColumnId[] = [];
    for (let width = 200; width <= 1600; width += 7) {
      const shown = ids(width);
      const optional = priority.filter((id) => shown.includes(id));
      expect(optional).toEqual(priority.slice(0, optional.length));
      // Widening only ever adds columns.
      expect(previous.every((id) => shown.includes(id))).toBe(true);
      previous = shown;
    }
  });

  it('fits its minimum widths in the width it was given, once the essentials fit', () => {
    for (let width = 260; width <= 1600; width += 5) {
      const { template } = tableLayout(width, 10_000);
      const minimum = [...template.matchAll(/(\d+)px/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(minimum, `at ${width}px: ${template}`).toBeLessThanOrEqual(width);
    }
  });

  it('sizes the number column to the row count, and wider marks where there is room', () => {
    expect(numberColumnWidth(9)).toBe(numberColumnWidth(99));
    expect(numberColumnWidth(10_000)).toBeGreaterThan(numberColumnWidth(999));
    expect(tableLayout(1400, 10).marksRoom).toBeGreaterThan(tableLayout(345, 10).marksRoom);
    expect(tableLayout(1400, 10).columns).toHaveLength(7);
  });
});

describe('fitMarks: whole marks, the rest counted', () => {
  const mark = (id: string, text = id) => ({ id, text, title: `${id} title` });
  const findings = mark('findings', '3⚑');
  const inspector = mark('inspector');
  const page = mark('page');

  it('shows every mark when they fit', () => {
    const room = markWidth('3⚑') + markWidth('inspector') + markWidth('page') + 6;
    expect(fitMarks([findings, inspector, page], room)).toEqual({
      shown: [findings, inspector, page],
      hidden: [],
    });
  });

  it('counts the marks that do not fit, leaving room for the count', () => {
    const { shown, hidden } = fitMarks([findings, inspector, page], tableLayout(345, 10).marksRoom);
    expect(shown).toEqual([findings]);
    expect(hidden).toEqual([inspector, page]);
    const used = shown.reduce((sum, m) => sum + markWidth(m.text), 0) + 3 + markWidth('+2');
    expect(used).toBeLessThanOrEqual(tableLayout(345, 10).marksRoom);
  });

  it('lets a shorter mark take the place of one too wide for the cell', () => {
    const room = markWidth('inspector');
    expect(fitMarks([inspector, page], room)).toEqual({ shown: [page], hidden: [inspector] });
    expect(fitMarks([inspector], room)).toEqual({ shown: [inspector], hidden: [] });
    expect(fitMarks([inspector], room - 1)).toEqual({ shown: [], hidden: [inspector] });
  });
});

function manyExchanges(n: number, options: Parameters<typeof anExchange>[0] = {}): HttpExchange[] {
  const template = anExchange({ path: '/otp/check', status: 400, ...options });
  return Array.from({ length: n }, (_, i) => ({
    ...template,
    id: `7-${i}`,
    startedAt: template.startedAt + i,
  }));
}

describe('ExchangesTable on the virtualiser', () => {
  it('draws the header and the rows with the columns of the layout for its width', () => {
    renderPanel(<ExchangesTable />, storeWith(manyExchanges(30), null));
    const table = screen.getByTestId('exchanges-table');
    // happy-dom does no layout: the table takes the window's width (1024 px) until its box is observed.
    expect(table.dataset['columns']).toBe(ids(window.innerWidth, 30).join(' '));
    const head = screen.getByTestId('table-head');
    expect(Array.from(head.children).map((c) => c.textContent)).toEqual([
      '#',
      'Time (UTC)',
      'Method',
      'Endpoint',
      'Status',
      'Error',
      'Marks',
    ]);
    const row = screen.getAllByTestId('exchange-row')[0]!;
    expect(row.children).toHaveLength(7);
    expect((table.closest('.exchanges') as HTMLElement).style.getPropertyValue('--table-columns')).toBe(
      tableLayout(window.innerWidth, 30).template,
    );
  });

  // Scrolling the selection into view needs layout: test/e2e/panel-layout-lists.spec.ts checks it in Chromium.
  it('moves the selection with End, PageUp and Home, End first going to the last row', () => {
    const exchanges = manyExchanges(2000);
    const { store } = renderPanel(<ExchangesTable />, storeWith(exchanges, null));
    const table = screen.getByTestId('exchanges-table');
    fireEvent.keyDown(table, { key: 'End' });
    expect(store.getState().selection.exchangeId).toBe('7-1999');
    fireEvent.keyDown(table, { key: 'PageUp' });
    const afterPage = Number(store.getState().selection.exchangeId?.slice(2));
    expect(afterPage).toBeLessThan(1999);
    expect(afterPage).toBeGreaterThan(1950);
    fireEvent.keyDown(table, { key: 'Home' });
    expect(store.getState().selection.exchangeId).toBe('7-0');
    expect(screen.getAllByTestId('exchange-row')[0]?.getAttribute('aria-selected')).toBe('true');
  });

  it('names the method of a call no provider knows in front of its path once the method column is gone', () => {
    const app = anExchange({ path: 'https://app.example.com/api/transfer', method: 'DELETE', status: 204 });
    const known = anExchange({ path: '/otp/check', method: 'POST', status: 200 });
    const happy = (
      window as unknown as { happyDOM: { setViewport(v: { width: number; height: number }): void } }
    ).happyDOM;
    happy.setViewport({ width: 360, height: 700 });
    try {
      renderPanel(
        <ExchangesTable />,
        storeWith([app, known], null, { filter: { apiOnly: false, text: '' } }),
      );
      expect(screen.getByTestId('exchanges-table').dataset['columns']).toBe('endpoint status error marks');
      const row = (id: string) => screen.getAllByTestId('exchange-row').find((r) => r.dataset['id'] === id);
      const [appRow, knownRow] = [row(app.id), row(known.id)];
      expect(appRow?.querySelector('.c-endpoint')?.textContent).toBe('DELETE /api/transfer');
      expect(knownRow?.querySelector('.method-inline')).toBeNull();
      expect(screen.getByTestId('table-head').textContent).toBe('EndpointStatusErrorMarks');
    } finally {
      happy.setViewport({ width: 1024, height: 768 });
    }
  });
});

describe('FindingsView on the virtualiser', () => {
  it('renders a window of a long list, and a finding opened keeps open when it leaves the window and comes back', async () => {
    const flow = await aLoginFlow({ exposeHeaders: false });
    const c = await flow.stepUp({ scope: 'transfer:write' });
    flow.otpSend(c);
    await flow.otpCheck(c, { wrong: true });
    await flow.completeStepUp(c);
    const analysed = await analyse(flow.exchanges);
    const template = analysed.findings[0]!;
    const findings = Array.from({ length: 300 }, (_, i) => ({ ...template, id: `${template.id}-${i}` }));
    const model = { ...analysed, findings };
    renderPanel(<FindingsView />, storeWith(flow.exchanges, model));
    const scroller = screen.getByTestId('findings');
    expect(screen.getAllByTestId('finding').length).toBeLessThan(40);
    const details = () => screen.getAllByTestId('finding')[0]!.querySelector('details') as HTMLDetailsElement;
    details().open = true;
    fireEvent(details(), new Event('toggle'));
    scroller.scrollTop = 200 * 40;
    fireEvent.scroll(scroller);
    expect(screen.queryAllByTestId('finding-group')).toHaveLength(0);
    scroller.scrollTop = 0;
    fireEvent.scroll(scroller);
    expect(screen.getAllByTestId('finding-group')).toHaveLength(1);
    expect(details().open).toBe(true);
    expect(screen.getAllByTestId('finding')[1]!.querySelector('details')?.open).toBe(false);
  });
});
