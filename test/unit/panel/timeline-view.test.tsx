// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { Timeline } from '../../../src/panel/views/Timeline.tsx';
import { aLoginFlow } from '../../fixtures/flows.ts';
import { T0 } from '../../fixtures/tokens.ts';
import { fakeServices, renderPanel, storeWith } from './render-panel.tsx';

afterEach(cleanup);

/** A transfer step-up whose code was sent three times before a wrong code. */
async function threeSends() {
  const flow = await aLoginFlow();
  const challenge = await flow.stepUp({ scope: 'transfer:write' });
  for (let i = 0; i < 3; i += 1) flow.wait(5000).otpSend(challenge);
  await flow.otpCheck(challenge, { wrong: true });
  const model = await analyse(flow.exchanges);
  return { exchanges: flow.exchanges, model };
}

const sends = (lane: HTMLElement) =>
  within(lane)
    .getAllByTestId('timeline-mark')
    .filter((m) => m.dataset['kind'] === 'factor_sent');

describe('Timeline: repeated marks', () => {
  it('draws a run of sends as one mark with its count and times, unfolded and folded by its count or Space', async () => {
    const { exchanges, model } = await threeSends();
    const { store } = renderPanel(
      <Timeline />,
      storeWith(exchanges, model),
      fakeServices({ now: () => T0 * 1000 + 30_000 }),
    );
    const lane = screen.getByTestId('challenge-lane');
    const [run] = sends(lane);
    expect(sends(lane)).toHaveLength(1);
    expect(run?.dataset['count']).toBe('3');
    expect(run?.getAttribute('aria-label')).toMatch(/ ×3 at \d\d:\d\d:\d\d\.\d{3}, [^,]+, [^,]+ UTC$/);
    expect(run?.title.split('\n')[0]).toBe(run?.getAttribute('aria-label'));
    const count = within(lane).getByTestId('mark-count');
    expect(count.textContent).toBe('×3');
    expect(count.getAttribute('aria-expanded')).toBe('false');

    fireEvent.click(count);
    expect(sends(lane)).toHaveLength(3);
    expect(within(lane).getByTestId('mark-count').getAttribute('aria-expanded')).toBe('true');
    // The cursor is on the run: Space folds it again.
    expect(store.getState().selection.mark).toBe(run?.dataset['mark']);
    fireEvent.keyDown(screen.getByTestId('timeline'), { key: ' ' });
    expect(sends(lane)).toHaveLength(1);

    // From the keyboard alone: right to the run, Space unfolds, right again moves through its marks in order.
    fireEvent.keyDown(screen.getByTestId('timeline'), { key: 'Home' });
    fireEvent.keyDown(screen.getByTestId('timeline'), { key: 'ArrowRight' });
    expect(store.getState().selection.mark).toBe(run?.dataset['mark']);
    fireEvent.keyDown(screen.getByTestId('timeline'), { key: ' ' });
    const unfolded = sends(lane);
    expect(unfolded.map((m) => Number(m.dataset['time']))).toEqual(
      [...unfolded.map((m) => Number(m.dataset['time']))].sort((a, b) => a - b),
    );
    fireEvent.keyDown(screen.getByTestId('timeline'), { key: 'ArrowRight' });
    expect(store.getState().selection.mark).toBe(unfolded[1]?.dataset['mark']);
    // Enter on a mark of the run opens that send's exchange.
    fireEvent.keyDown(screen.getByTestId('timeline'), { key: 'Enter' });
    expect(store.getState().detailOpen).toBe(true);
    expect(store.getState().selection.exchangeId).toBe(
      exchanges.filter((x) => x.url.endsWith('/otp') && !x.url.includes('/login/'))[1]?.id,
    );
  });

  it('Space on a mark that is no run does nothing', async () => {
    const { exchanges, model } = await threeSends();
    const { store } = renderPanel(
      <Timeline />,
      storeWith(exchanges, model),
      fakeServices({ now: () => T0 * 1000 + 30_000 }),
    );
    const timeline = screen.getByTestId('timeline');
    fireEvent.keyDown(timeline, { key: 'Home' });
    const first = store.getState().selection.mark;
    const before = screen.getAllByTestId('timeline-mark').length;
    fireEvent.keyDown(timeline, { key: ' ' });
    expect(store.getState().selection.mark).toBe(first);
    expect(screen.getAllByTestId('timeline-mark')).toHaveLength(before);
  });
});
