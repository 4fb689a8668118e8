import type { StepUpChallengeStep } from '@prelude.so/js-sdk';

/** The challenge's steps in order, marking done and current ones. */
export function StepList(props: { steps: StepUpChallengeStep[]; currentStep?: string; testId: string }) {
  if (props.steps.length === 0) return null;
  const ordered = [...props.steps].sort((a, b) => a.order - b.order);
  return (
    <ol class="steps" data-testid={props.testId} aria-label="Challenge steps">
      {ordered.map((step) => {
        const current = step.key === props.currentStep;
        const state = step.done ? 'done' : current ? 'current' : 'pending';
        return (
          <li
            key={`${step.order}-${step.key}`}
            class={`step step-${state}`}
            data-step={step.key}
            data-state={state}
          >
            <span class="step-mark" aria-hidden="true">
              {step.done ? '✓' : step.order}
            </span>
            <code>{step.key}</code>
            <span class="visually-hidden">{` (${state})`}</span>
          </li>
        );
      })}
      <li
        class={`step ${props.currentStep === 'completed' ? 'step-done' : 'step-pending'}`}
        data-step="completed"
        data-state={props.currentStep === 'completed' ? 'done' : 'pending'}
      >
        <span class="step-mark" aria-hidden="true">
          {props.currentStep === 'completed' ? '✓' : '★'}
        </span>
        <code>completed</code>
      </li>
    </ol>
  );
}
