/** What the panel says when there is nothing to show yet, and what to do about it. */
import type { SessionModel } from '../../core/model/types.ts';
import { useStore } from '../hooks.ts';
import { selectGapNotice } from '../store/gaps.ts';
import { selectActiveSession } from '../store/selectors.ts';

export function EmptyState({ model }: { model?: SessionModel }) {
  const session = useStore(selectActiveSession);
  const origin = useStore((s) => s.hook.origin);
  const hookOn = useStore((s) => s.hook.enabled);
  const loaded = useStore((s) => s.live.loaded);
  // The gap notice above says what was missed and what brings it: this advice is not repeated under it.
  const gapShown = useStore((s) => selectGapNotice(s) !== null);
  if (session.kind === 'live' && !loaded) {
    return (
      <div class="empty" data-testid="empty-state">
        <p>Reading the capture log…</p>
      </div>
    );
  }
  if (session.exchanges.length === 0) {
    return (
      <div class="empty" data-testid="empty-state">
        <h3>No session-API traffic yet</h3>
        {gapShown ? (
          <p>Run a flow in the page (sign in, then an action that asks for a step-up): it is captured now.</p>
        ) : hookOn ? (
          <p>
            Run a flow in the page (sign in, then an action that asks for a step-up).{' '}
            <strong>From page load</strong> is on{origin ? ` for ${origin}` : ''}: calls made while DevTools
            is closed are captured too.
          </p>
        ) : (
          <p>
            Run a flow in the page (sign in, then an action that asks for a step-up), or turn on{' '}
            <strong>From page load</strong> in the toolbar{origin ? ` for ${origin}` : ''} and reload, to
            catch calls made on load and while DevTools is closed.
          </p>
        )}
        <p class="muted">
          You can also import a HAR or an inspector export: drop it here or use Import in the toolbar.
        </p>
      </div>
    );
  }
  return (
    <div class="empty" data-testid="empty-state">
      <h3>No step-up challenge yet</h3>
      <p>
        {session.exchanges.length} exchange{session.exchanges.length === 1 ? '' : 's'} captured
        {model ? `, ${model.stats.providerExchanges} of them Session API calls` : ''}, but no{' '}
        <code>/stepup/request</code> and no access token. Trigger a step-up in the page; the challenge appears
        here as a lane.
      </p>
    </div>
  );
}
