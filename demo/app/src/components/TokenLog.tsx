import { activity } from '../lib/activity.ts';
import { useStore } from '../lib/use-store.ts';
import { clock } from './time.ts';

/** The `scope` claim of the access token after each `refresh()`, decoded with the SDK's `decode`. */
export function TokenLog() {
  const { tokens } = useStore(activity);
  return (
    <section class="panel" aria-labelledby="token-log-title">
      <h2 id="token-log-title">Access-token scopes</h2>
      {tokens.length === 0 && <p class="muted">No access token yet.</p>}
      <ol class="log" data-testid="token-log" reversed>
        {[...tokens].reverse().map((t) => (
          <li key={t.seq} class="log-entry" data-testid="token-log-entry" data-scopes={t.scopes.join(' ')}>
            <div class="log-head">
              <span>{t.reason}</span>
              <span class="muted small">{clock(t.at)}</span>
            </div>
            <div class="log-steps">
              {t.scopes.length === 0 ? (
                <span class="muted small">no scope</span>
              ) : (
                t.scopes.map((s) => (
                  <code key={s} class="chip chip-scope">
                    {s}
                  </code>
                ))
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
