import { useState } from 'preact/hooks';
import { session } from '../lib/session.ts';
import { useStepUp } from '../lib/use-step-up.ts';
import { useStore } from '../lib/use-store.ts';
import type { FlowId } from '../lib/activity.ts';
import { Card } from '../components/Card.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';

interface PolicyRow {
  flow: FlowId;
  scope: string;
  title: string;
  expect: string;
}

const ROWS: PolicyRow[] = [
  { flow: 'admin', scope: 'admin:root', title: 'Blocked scope', expect: 'the policy answers "block"' },
  {
    flow: 'payments',
    scope: 'payments:admin',
    title: 'Scope not allowed',
    expect: 'not in allowed_scopes: ScopeNotAllowedError',
  },
  { flow: 'report', scope: 'report:read', title: 'Instant grant', expect: 'granted without a challenge' },
];

function PolicyCheck(props: PolicyRow) {
  const user = useStore(session);
  const stepUp = useStepUp(props.flow, props.scope);
  const [result, setResult] = useState<string | null>(null);
  const request = async () => {
    setResult(null);
    const response = await stepUp.request();
    if (!response) return;
    setResult(
      response.status === 'block'
        ? `Blocked: ${props.scope} was denied (status "block").`
        : `Status "${response.status}" for ${props.scope}.`,
    );
  };
  const { phase } = stepUp.state;
  return (
    <div class="policy" data-testid={`policy-${props.flow}`}>
      <div class="policy-head">
        <h3>{props.title}</h3>
        <span class="muted">{props.expect}</span>
      </div>
      <div class="row">
        <button
          type="button"
          class="btn"
          data-testid={`${props.flow}-request`}
          disabled={!user || stepUp.busy}
          onClick={() => void request()}
        >
          Request {props.scope}
        </button>
        {(result || phase === 'granted') && (
          <p
            class={`note ${phase === 'blocked' ? 'note-error' : 'note-ok'}`}
            data-testid={`${props.flow}-result`}
            data-phase={phase}
          >
            {phase === 'granted' ? `Granted: ${props.scope} is now in the access token.` : result}
          </p>
        )}
      </div>
      <ErrorNote error={stepUp.error} testId={`${props.flow}-error`} />
    </div>
  );
}

/** (e) a blocked scope, (f) a scope outside `allowed_scopes`, and one granted at once. */
export function ScopePolicyFlow() {
  return (
    <Card
      id="policies"
      index={5}
      title="Scope policies"
      description="What the SDK reports when the step-up policy refuses, does not know, or grants a scope at once."
    >
      {ROWS.map((row) => (
        <PolicyCheck key={row.flow} {...row} />
      ))}
    </Card>
  );
}
