import { client, config } from '../lib/config.ts';
import { refreshSession, session } from '../lib/session.ts';
import { useAction } from '../lib/use-action.ts';
import { useStore } from '../lib/use-store.ts';
import { ErrorNote } from './ErrorNote.tsx';

/** Who is signed in and which scopes the current access token carries. */
export function SessionPanel() {
  const user = useStore(session);
  const { busy, error, run } = useAction('session');
  return (
    <section class="panel" aria-labelledby="session-title" data-testid="session-panel">
      <h2 id="session-title">Session</h2>
      {user ? (
        <>
          <dl
            class="kv"
            data-testid="session-status"
            data-state="signed-in"
            data-identifier={user.identifier}
          >
            <dt>User</dt>
            <dd>
              <code data-testid="session-sub">{user.sub}</code>
              {user.identifier && <span class="muted"> {user.identifier}</span>}
            </dd>
            <dt>Session</dt>
            <dd>
              <code>{user.sid || '—'}</code>
            </dd>
            <dt>Scopes</dt>
            <dd data-testid="session-scopes" data-scopes={user.scopes.join(' ')}>
              {user.scopes.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                user.scopes.map((s) => (
                  <code key={s} class="chip" data-testid="session-scope">
                    {s}
                  </code>
                ))
              )}
            </dd>
          </dl>
          <div class="row">
            <button
              type="button"
              class="btn btn-small"
              data-testid="session-refresh"
              disabled={busy}
              onClick={() => void run(() => refreshSession('session', 'manual refresh', true))}
            >
              Refresh session
            </button>
            <button
              type="button"
              class="btn btn-small btn-ghost"
              data-testid="session-logout"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await client.logout();
                  session.set(null);
                })
              }
            >
              Log out
            </button>
          </div>
        </>
      ) : (
        <p class="muted" data-testid="session-status" data-state="signed-out">
          Signed out. Start with step 1 (phone code) or log in with a password in step 3.
        </p>
      )}
      <ErrorNote error={error} testId="session-error" />
      <p class="muted small">
        API: <code>https://{config.domain}/v1/session</code>
      </p>
    </section>
  );
}
