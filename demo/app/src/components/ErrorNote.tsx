import type { ErrorEvent } from '../lib/activity.ts';

/** Inline error under a flow: the SDK error class name, then its message. */
export function ErrorNote(props: { error: ErrorEvent | null; testId: string }) {
  if (!props.error) return null;
  const { name, message, code, status } = props.error;
  return (
    <p
      class="note note-error"
      role="alert"
      data-testid={props.testId}
      data-error-name={name}
      data-error-code={code}
    >
      <strong>{name}</strong>
      {code && (
        <>
          {' '}
          <code>{code}</code>
        </>
      )}
      {status !== undefined && <span class="muted"> (HTTP {status})</span>}
      <span class="note-message">{message}</span>
    </p>
  );
}
