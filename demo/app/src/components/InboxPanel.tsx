import { inbox, otpTargets, targetFor } from '../lib/otp-inbox.ts';
import { useStore } from '../lib/use-store.ts';
import { clock } from './time.ts';

/** The emulator's outbox: every SMS/e-mail code, newest first, with a button filling the right input. */
export function InboxPanel() {
  const { messages, status } = useStore(inbox);
  const targets = useStore(otpTargets);
  const newestFirst = [...messages].sort((a, b) => b.at - a.at).slice(0, 8);
  return (
    <section class="panel" aria-labelledby="inbox-title" data-testid="inbox-panel" data-status={status}>
      <h2 id="inbox-title">OTP inbox</h2>
      {status === 'unavailable' && (
        <p class="muted">No emulator inbox at this domain: codes arrive by real SMS and e-mail.</p>
      )}
      {status !== 'unavailable' && newestFirst.length === 0 && (
        <p class="muted">No code sent yet. Codes sent by SMS or e-mail appear here.</p>
      )}
      <ul class="inbox">
        {newestFirst.map((m) => {
          const target = targetFor(m, targets);
          return (
            <li
              key={`${m.at}-${m.code}-${m.to}`}
              class="inbox-item"
              data-testid="inbox-message"
              data-code={m.code}
              data-to={m.to}
              data-purpose={m.purpose}
              data-source={m.source ?? 'prelude'}
            >
              <div class="inbox-meta">
                <span class={`chip chip-${m.channel}`}>{m.channel === 'sms' ? 'SMS' : 'e-mail'}</span>
                {m.source === 'dynamic' && <span class="chip chip-dynamic">Dynamic</span>}
                <span class="inbox-to" title={m.to}>
                  {m.to}
                </span>
                <span class="muted small">{clock(m.at)}</span>
              </div>
              <div class="inbox-code-row">
                <code class="inbox-code">{m.code}</code>
                <span class="muted small">{m.purpose === 'login' ? 'login' : 'step-up'}</span>
                <button
                  type="button"
                  class="btn btn-small"
                  data-testid="inbox-use-code"
                  disabled={!target}
                  title={
                    target ? `Fill the ${target.label} code field` : 'No code field is waiting for this code'
                  }
                  onClick={() => target?.fill(m.code)}
                >
                  Use this code
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
