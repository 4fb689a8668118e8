import { activity } from '../lib/activity.ts';
import { useStore } from '../lib/use-store.ts';
import { clock } from './time.ts';

/** Every `onChallenge` callback, newest first: what the SDK told the app. */
export function ChallengeLog() {
  const { challenges } = useStore(activity);
  return (
    <section class="panel" aria-labelledby="challenge-log-title">
      <h2 id="challenge-log-title">
        <code>onChallenge</code> callbacks
      </h2>
      {challenges.length === 0 && <p class="muted">None yet. Request a scope to start a challenge.</p>}
      <ol class="log" data-testid="challenge-log" reversed>
        {[...challenges].reverse().map(({ seq, at, flow, info }) => (
          <li
            key={seq}
            class="log-entry"
            data-testid="challenge-log-entry"
            data-flow={flow}
            data-current-step={info.currentStep}
            data-challenge-id={info.challengeId}
            data-scope={info.scopeRequested}
            data-steps={[...info.steps]
              .sort((a, b) => a.order - b.order)
              .map((s) => s.key)
              .join(' ')}
          >
            <div class="log-head">
              <code class={`step-key ${info.currentStep === 'completed' ? 'step-key-done' : ''}`}>
                {info.currentStep}
              </code>
              <span class="muted small">
                {info.scopeRequested} · {clock(at)}
              </span>
            </div>
            <div class="log-steps">
              {[...info.steps]
                .sort((a, b) => a.order - b.order)
                .map((s) => (
                  <span key={s.key} class={`chip ${s.done ? 'chip-done' : ''}`}>
                    {s.order}. {s.key}
                    {s.done ? ' ✓' : ''}
                  </span>
                ))}
            </div>
            <div class="muted small mono">challenge {info.challengeId}</div>
          </li>
        ))}
      </ol>
    </section>
  );
}
