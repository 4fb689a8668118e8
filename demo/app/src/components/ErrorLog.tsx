import { activity } from '../lib/activity.ts';
import { useStore } from '../lib/use-store.ts';
import { clock } from './time.ts';

/** Every error the page caught, with the class name the SDK threw. */
export function ErrorLog() {
  const { errors } = useStore(activity);
  return (
    <section class="panel" aria-labelledby="error-log-title">
      <h2 id="error-log-title">Errors</h2>
      {errors.length === 0 && <p class="muted">No error so far.</p>}
      <ol class="log" data-testid="error-log" reversed>
        {[...errors].reverse().map((e) => (
          <li
            key={e.seq}
            class="log-entry log-entry-error"
            data-testid="error-log-entry"
            data-flow={e.flow}
            data-error-name={e.name}
            data-error-code={e.code}
          >
            <div class="log-head">
              <strong>{e.name}</strong>
              <span class="muted small">
                {e.flow} · {clock(e.at)}
              </span>
            </div>
            <div class="small">
              {e.code && <code>{e.code}</code>} {e.message}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
