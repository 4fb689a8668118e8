import type { StepUpState } from '../lib/use-step-up.ts';

const TEXT: Record<StepUpState['phase'], string> = {
  idle: 'not requested',
  challenge: 'challenge in progress',
  granted: 'granted',
  blocked: 'blocked',
  consumed: 'consumed',
};

/** A small pill with the step-up phase of a flow. */
export function PhaseBadge(props: { state: StepUpState; testId: string }) {
  const { phase, status } = props.state;
  return (
    <span class={`pill pill-${phase}`} data-testid={props.testId} data-phase={phase} data-status={status}>
      {TEXT[phase]}
      {status && <span class="pill-extra"> · status {status}</span>}
    </span>
  );
}
