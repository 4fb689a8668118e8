import type { ComponentChildren } from 'preact';

/** One result line of a flow (a transfer, a password change…). */
export interface Outcome {
  id: number;
  kind: 'ok' | 'rejected' | 'info';
  text: ComponentChildren;
}

/** The results of a flow's protected calls, newest last. */
export function Outcomes(props: { items: Outcome[]; testId: string; label: string }) {
  if (props.items.length === 0) return null;
  return (
    <ul class="outcomes" aria-label={props.label}>
      {props.items.map((item) => (
        <li
          key={item.id}
          class={`outcome outcome-${item.kind}`}
          data-testid={props.testId}
          data-outcome={item.kind}
        >
          <span class="outcome-mark" aria-hidden="true">
            {item.kind === 'ok' ? '✓' : item.kind === 'rejected' ? '✕' : 'i'}
          </span>
          <span>{item.text}</span>
        </li>
      ))}
    </ul>
  );
}
