/**
 * Keeps one region of the panel (a challenge lane, the detail pane, a whole view) from taking the others down
 * when it throws while rendering: captured data is untrusted, and a value no view anticipated must cost the
 * user that region, not the panel. The fallback sits in the region's own space, says what failed and for
 * which exchange or challenge, and offers "Try again", which mounts the region afresh.
 *
 * Nothing is logged: the message is on screen, and the panel's console belongs to the DevTools user.
 */
import { Component, type ComponentChildren } from 'preact';

export interface RegionBoundaryProps {
  /** The region in words, as the fallback's heading uses it: `challenge lane`, `exchange detail`. */
  region: string;
  /** Which exchange or challenge the region shows, ids as text: `challenge chl_01`, `exchange f3`. */
  subject?: string;
  /** Element and class of the fallback, so it takes the region's place in the layout (a lane, the pane). */
  as?: 'div' | 'section' | 'aside';
  class?: string;
  /** An extra way out, e.g. closing the detail pane, shown beside "Try again". */
  dismiss?: { label: string; onClick: () => void };
  children: ComponentChildren;
}

interface RegionBoundaryState {
  error: unknown;
  failed: boolean;
  /** Bumped by "Try again": the region's subtree is keyed by it, so it mounts with fresh local state. */
  attempt: number;
}

/** Longest error text shown: a crafted value can make a message of any size. */
const MAX_MESSAGE_CHARS = 400;

export class RegionBoundary extends Component<RegionBoundaryProps, RegionBoundaryState> {
  override state: RegionBoundaryState = { error: null, failed: false, attempt: 0 };

  // The state is all there is to do with the error (no componentDidCatch: nothing is logged, see above).
  static getDerivedStateFromError(error: unknown): Partial<RegionBoundaryState> {
    return { error, failed: true };
  }

  private retry = (): void => {
    this.setState((s) => ({ error: null, failed: false, attempt: s.attempt + 1 }));
  };

  override render() {
    const { region, subject, dismiss, children } = this.props;
    if (!this.state.failed) return <RegionFrame key={this.state.attempt}>{children}</RegionFrame>;
    const Tag = this.props.as ?? 'div';
    // The outer element takes the region's place (a lane, the pane); the alert inside is the message.
    return (
      <Tag class={`region-failed ${this.props.class ?? ''}`} data-testid="region-error" data-region={region}>
        <div class="region-error" role="alert">
          <p class="region-error-title">
            <span class="region-error-icon" aria-hidden="true">
              ⚠
            </span>{' '}
            This {region} could not be shown
            {subject ? (
              <>
                {' '}
                for <span class="region-error-subject">{subject}</span>
              </>
            ) : null}
            .
          </p>
          <p class="region-error-message" data-testid="region-error-message">
            {errorText(this.state.error)}
          </p>
          <p class="region-error-note muted">The rest of the panel is not affected.</p>
          <div class="region-error-actions">
            <button type="button" class="btn" onClick={this.retry} data-testid="region-error-retry">
              Try again
            </button>
            {dismiss ? (
              <button type="button" class="btn" onClick={dismiss.onClick}>
                {dismiss.label}
              </button>
            ) : null}
          </div>
        </div>
      </Tag>
    );
  }
}

/** A keyed wrapper: a new key is a new subtree, which is what "Try again" needs. */
function RegionFrame({ children }: { children: ComponentChildren }) {
  return <>{children}</>;
}

/**
 * `RangeError: Invalid time value`, cut to {@link MAX_MESSAGE_CHARS}. Whatever was thrown (an Error, a string, an
 * object with a throwing getter) gives some text.
 */
export function errorText(error: unknown): string {
  let text: string;
  try {
    if (error instanceof Error) text = error.message ? `${error.name}: ${error.message}` : error.name;
    else if (typeof error === 'string') text = error;
    else text = `${typeof error} thrown: ${String(error)}`;
  } catch {
    text = 'an unreadable value was thrown';
  }
  if (text.trim() === '') text = 'no message';
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
